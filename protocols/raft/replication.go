package raft

import (
	"slices"
	"sort"

	"github.com/electsim/electsim/sim"
)

// Replication, as etcd-io/raft does it: the leader appends and sends each
// follower what it lacks, from where it believes the follower's log ends
// (next); a follower that does not hold the entry before them rejects the
// append with a hint, and the leader backs off to it. The leader commits an
// entry once a quorum holds it and it is of the leader's own term (paper,
// figure 8); the entries before it commit with it.
//
// Simplified: there are no flow-control windows (etcd's inflights) beyond
// probing one append at a time after a rejection.
//
// How followers learn the commit index is an option (commit_notify): with
// the next append or heartbeat, as the paper has it (section 5.3: the
// leader "includes that index in future AppendEntries RPCs (including
// heartbeats)"), or at once, as etcd-io/raft does: when its commit index
// moves the leader sends every follower an append (raft.go, stepLeader's
// MsgAppResp: maybeCommit, then bcastAppend), and a follower whose answer
// comes later gets one of its own if the commit it was last sent is behind
// (Progress.CanBumpCommit). etcd's way sends half again as many messages.

// maxEntriesPerAppend bounds an append, as etcd's MaxSizePerMsg does.
const maxEntriesPerAppend = 64

// A log keeps compactKeep applied entries, and compacts the older ones
// away once compactEvery more are applied: a follower further behind gets a
// snapshot.
const (
	compactKeep  = 1024
	compactEvery = 4096
)

// progress is the leader's view of one follower: the highest index it is
// known to hold (match) and the next one to send it. After a rejection the
// leader probes (etcd's StateProbe): one append at a time, the next when
// the follower answers or the heartbeat comes, until one is accepted.
type progress struct {
	match, next uint64
	probing     bool
	probeSent   bool   // an append of the probe is out, unanswered
	sentCommit  uint64 // the commit index last sent (commit_notify: etcd)
}

func (n *Node) resetProgress() {
	n.progress = make([]progress, len(n.env.Peers())+1)
	for _, peer := range n.env.Peers() {
		n.progress[peer] = progress{next: n.log.lastIndex() + 1}
	}
	n.ahead = 0 // no match is past the commit index
}

// setMatch moves a participant's match and keeps ahead, the count of
// matches past the commit index, in step.
func (n *Node) setMatch(peer sim.NodeID, match uint64) {
	pr := &n.progress[peer]
	was, is := pr.match > n.log.committed, match > n.log.committed
	switch {
	case is && !was:
		n.ahead++
	case was && !is:
		n.ahead--
	}
	pr.match = match
}

// appendEntry adds an entry of this term to the leader's log, durably.
func (n *Node) appendEntry(e Entry) {
	n.log.appendAfter(n.log.lastIndex(), e)
	n.logChanged = true
	n.lastWrite = n.env.Mono()
	n.persist()
	n.setMatch(n.env.ID(), n.log.lastIndex())
	n.maybeCommit() // a cluster of one commits at once
}

// Replicates: with commit on, a leader's acts are proposals, committed
// before they take effect; under leader_lease they are lease reads, served
// at once, without a commit.
func (n *Node) Replicates(sim.Generation) bool { return n.cfg.Commit && !n.cfg.LeaderLease }

// Propose appends the act to the log and sends it to every follower that
// is up to date; the others get it with what they lack.
func (n *Node) Propose(act sim.ActRef) {
	if n.role != Leader || sim.Generation(n.term) != act.Gen {
		return // no longer the leader it was when the act came due
	}
	n.appendEntry(Entry{Term: n.term, Act: act})
	for _, peer := range n.env.Peers() {
		if peer != n.env.ID() && n.progress[peer].next == n.log.lastIndex() {
			n.sendAppend(peer, n.lease.round)
		}
	}
}

// heartbeat appends a client write when one is due and sends every
// follower what it lacks (nothing, for one that is up to date).
func (n *Node) heartbeat() {
	if n.cfg.WriteEvery > 0 && n.env.Mono()-n.lastWrite >= n.cfg.WriteEvery {
		n.appendEntry(Entry{Term: n.term})
	}
	round := n.lease.start(n.env.Mono())
	for _, peer := range n.env.Peers() {
		if peer != n.env.ID() {
			n.progress[peer].probeSent = false // a lost probe is sent again
			n.sendAppend(peer, round)
		}
	}
	n.lease.ack(n.env.ID(), round, n.quorum()) // a cluster of one is its own quorum
	n.heartbeatTimer = n.env.SetTimer(n.cfg.Heartbeat, tagHeartbeat)
}

// sendAppend sends a follower the entries it lacks, from next on, or a
// snapshot when the leader has compacted them away. Entries sent move next
// past them at once (etcd's replicate state); a rejection moves it back.
func (n *Node) sendAppend(to sim.NodeID, round uint64) {
	pr := &n.progress[to]
	if pr.probing && pr.probeSent {
		return
	}
	pr.probeSent = pr.probing
	prev := pr.next - 1
	prevTerm, ok := n.log.term(prev)
	if !ok {
		n.env.Send(to, Snapshot{Term: n.term, Index: n.log.first - 1, LastTerm: n.log.snapTerm, Round: round})
		pr.next = n.log.first
		return
	}
	hi := min(n.log.lastIndex(), prev+maxEntriesPerAppend)
	ents := n.log.slice(prev+1, hi+1)
	n.env.Send(to, Append{Term: n.term, PrevIndex: prev, PrevTerm: prevTerm, Entries: ents, Commit: n.log.committed, Round: round})
	pr.sentCommit = n.log.committed
	if !pr.probing {
		pr.next = hi + 1 // optimistic: the follower will hold them
	}
}

// handleAppendResp moves a follower's progress, commits what a quorum now
// holds, and sends the follower what it still lacks.
func (n *Node) handleAppendResp(from sim.NodeID, r AppendResp) {
	pr := &n.progress[from]
	pr.probeSent = false
	if r.Reject {
		if r.Index <= pr.match {
			return // stale: the follower holds more than that already
		}
		// The follower's hint, then the leader's own log: the last entry
		// at or below it of a term no later than the follower's there
		// (etcd's findConflictByTerm on both sides), so that a follower
		// behind by a whole term is found in a round trip or two.
		probe := r.Hint
		if r.HintTerm > 0 {
			probe = n.log.findConflictByTerm(r.Hint, r.HintTerm)
		}
		pr.next, pr.probing = max(min(r.Index, probe+1), pr.match+1), true
		n.sendAppend(from, r.Round)
		return
	}
	pr.probing = false
	committed := false
	if r.Index > pr.match {
		n.setMatch(from, r.Index)
		pr.next = max(pr.next, r.Index+1)
		committed = n.maybeCommit()
	}
	switch {
	case committed && n.cfg.CommitNotify == NotifyEtcd:
		n.broadcastCommit()
	case pr.next <= n.log.lastIndex():
		n.sendAppend(from, r.Round)
	case n.cfg.CommitNotify == NotifyEtcd && pr.canBumpCommit(n.log.committed):
		n.sendAppend(from, r.Round) // it may lack the commit index: send it now
	}
}

// broadcastCommit sends every follower an append, carrying the commit index
// that just moved (commit_notify: etcd; etcd's bcastAppend).
func (n *Node) broadcastCommit() {
	for _, peer := range n.env.Peers() {
		if peer != n.env.ID() {
			n.sendAppend(peer, n.lease.round)
		}
	}
}

// canBumpCommit says whether sending the commit index could move the
// follower's: only while the one last sent was behind it and short of
// next-1 (etcd's Progress.CanBumpCommit).
func (pr *progress) canBumpCommit(commit uint64) bool {
	return commit > pr.sentCommit && pr.sentCommit < pr.next-1
}

// maybeCommit commits the highest index a quorum holds, if its entry is of
// this term: an older term's entry commits only under one of the leader's
// own (paper, figure 8), never by counting its replicas. It says whether
// the commit index moved.
func (n *Node) maybeCommit() bool {
	// Most acknowledgements move no quorum past the commit index (the
	// others have not answered yet): ahead, kept by setMatch, says so at
	// once, sparing the sort (and, in a large cluster, a scan of every
	// follower on every acknowledgement). It decides as counting would.
	if n.ahead < n.quorum() {
		return false
	}
	matches := n.matches[:0]
	for _, peer := range n.env.Peers() {
		matches = append(matches, n.progress[peer].match)
	}
	slices.Sort(matches)
	n.matches = matches
	quorumIndex := matches[len(matches)-n.quorum()]
	if t, _ := n.log.term(quorumIndex); t == n.term && n.log.commitTo(quorumIndex) {
		n.ahead = len(matches) - sort.Search(len(matches), func(i int) bool { return matches[i] > quorumIndex })
		n.persist()
		n.apply()
		return true
	}
	return false
}

// apply takes the newly committed entries into effect: on the leader, each
// act goes to the resource (Env.Commit). Followers only note how far they
// are applied; their leader has applied the rest.
func (n *Node) apply() {
	for i := n.log.applied + 1; n.role == Leader && i <= n.log.committed; i++ {
		if e := n.log.entry(i); e.Act.ID != 0 {
			n.env.Commit(e.Act)
		}
	}
	n.log.applied = n.log.committed
	if n.log.applied+1-n.log.first > compactEvery+compactKeep {
		n.log.compact(n.log.applied - compactKeep)
		n.logChanged = true
		n.persist()
	}
}

// handleAppend is the follower's side (etcd's handleAppendEntries): it
// takes the entries if it holds the one before them, dropping any of its
// own they conflict with, and answers with how far it now matches; else it
// rejects with a hint.
func (n *Node) handleAppend(from sim.NodeID, a Append) {
	if a.PrevIndex < n.log.committed {
		n.env.Send(from, AppendResp{Term: n.term, Index: n.log.committed, Round: a.Round})
		return
	}
	if !n.log.matchTerm(a.PrevIndex, a.PrevTerm) {
		hint := n.log.findConflictByTerm(min(a.PrevIndex, n.log.lastIndex()), a.PrevTerm)
		hintTerm, _ := n.log.term(hint)
		n.env.Send(from, AppendResp{Term: n.term, Index: a.PrevIndex, Reject: true, Hint: hint, HintTerm: hintTerm, Round: a.Round})
		return
	}
	last := a.PrevIndex + uint64(len(a.Entries))
	if c := n.log.findConflict(a.PrevIndex, a.Entries); c != 0 {
		if c <= n.log.committed {
			panic("raft: an append conflicts with a committed entry")
		}
		n.log.appendAfter(c-1, a.Entries[c-a.PrevIndex-1:]...)
		n.logChanged = true
	}
	if n.log.commitTo(min(a.Commit, last)) {
		n.apply()
	}
	n.persist() // entries are durable before they are acknowledged
	n.env.Send(from, AppendResp{Term: n.term, Index: last, Round: a.Round})
}

// handleSnapshot takes a snapshot a follower too far behind was sent: it
// drops its log for it, unless it holds the snapshot's last entry already.
func (n *Node) handleSnapshot(from sim.NodeID, s Snapshot) {
	switch {
	case s.Index <= n.log.committed:
	case n.log.matchTerm(s.Index, s.LastTerm):
		n.log.commitTo(s.Index)
		n.apply()
	default:
		n.log.restore(s.Index, s.LastTerm)
		n.logChanged = true
	}
	n.persist()
	n.env.Send(from, AppendResp{Term: n.term, Index: max(n.log.committed, s.Index), Round: s.Round})
}
