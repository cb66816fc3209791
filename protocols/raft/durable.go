package raft

import (
	"time"
	"unsafe"

	"github.com/electsim/electsim/sim"
)

// hardState is what a node persists of its election: the term, its vote
// in it (unless persist is off: the known bug) and how far its log is
// committed, as etcd's HardState.
type hardState struct {
	Term   Term
	Vote   sim.NodeID
	Commit uint64
}

// logState is the log as persisted. Its entries share the log's chunks,
// which the log never changes in place (see entrySeq).
type logState struct {
	Entries  entrySeq
	First    uint64
	SnapTerm Term
}

// MemoryBytes is what the stored log holds, for limits.max_memory
// (sim.MemorySized): its entries' chunks, which a log that is not
// compacted grows without bound.
func (l logState) MemoryBytes() int64 {
	return int64(unsafe.Sizeof(l)) + l.Entries.bytes()
}

const (
	storeHard = "raft.hard"
	storeLog  = "raft.log"
)

// persist writes what changed of the hard state and the log. It runs
// before any message that depends on them leaves; with a disk that takes
// time the kernel holds those messages until the write is durable.
func (n *Node) persist() {
	hard := hardState{Commit: n.log.committed}
	if n.cfg.Persist {
		hard.Term, hard.Vote = n.term, n.votedFor
	}
	if hard != n.saved {
		n.env.Storage().Put(storeHard, hard)
		n.saved = hard
	}
	if n.logChanged {
		n.env.Storage().Put(storeLog, logState{Entries: n.log.entries, First: n.log.first, SnapTerm: n.log.snapTerm})
		n.logChanged = false
	}
}

// restore reads the durable state back at Start; a first start takes the
// initial log the configuration gives this node, if any.
func (n *Node) restore() {
	st := n.env.Storage()
	n.log = newLog()
	if v, ok := st.Get(storeLog); ok {
		l := v.(logState)
		n.log.entries, n.log.first, n.log.snapTerm = l.Entries.own(), l.First, l.SnapTerm
	} else if terms := n.cfg.InitialLogs[n.env.Name(n.env.ID())]; len(terms) > 0 {
		for _, t := range terms {
			n.log.entries.push(Entry{Term: t})
		}
		n.term, n.logChanged = n.log.lastTerm(), true
	}
	if v, ok := st.Get(storeHard); ok {
		n.saved = v.(hardState)
		if n.cfg.Persist {
			n.term, n.votedFor = n.saved.Term, n.saved.Vote
		}
		// What was committed was applied, by this node or its leader.
		n.log.committed, n.log.applied = n.saved.Commit, n.saved.Commit
	}
	n.persist()
}

// leaderLease tracks which heartbeat rounds a quorum acknowledged. The
// lease runs from the send time of the latest such round.
type leaderLease struct {
	round  uint64
	rounds [8]leaseRound // recent rounds, by round % 8
	since  time.Duration // send time of the latest round a quorum acknowledged
	held   bool
}

type leaseRound struct {
	round  uint64
	sentAt time.Duration
	acks   []uint64 // bit id-1 per acknowledging participant: a duplicate counts once
	count  int      // the bits set in acks
}

// newLeaderLease sizes each round's acknowledgements for participants
// 1..nodes: a word per 64, so that any cluster size counts every ack.
func newLeaderLease(nodes int) leaderLease {
	var l leaderLease
	for i := range l.rounds {
		l.rounds[i].acks = make([]uint64, nodes/64+1)
	}
	return l
}

// start opens a heartbeat round sent now and returns its number.
func (l *leaderLease) start(now time.Duration) uint64 {
	l.round++
	r := &l.rounds[l.round%uint64(len(l.rounds))]
	clear(r.acks)
	r.round, r.sentAt, r.count = l.round, now, 0
	return l.round
}

// ack records that node acknowledged round; a quorum moves the lease.
func (l *leaderLease) ack(node sim.NodeID, round uint64, quorum int) {
	r := &l.rounds[round%uint64(len(l.rounds))]
	if r.round != round || node <= 0 {
		return // too old to matter
	}
	word, bit := &r.acks[(node-1)/64], uint64(1)<<((node-1)%64)
	if *word&bit == 0 {
		*word |= bit
		r.count++
	}
	if r.count >= quorum && (!l.held || r.sentAt > l.since) {
		l.since, l.held = r.sentAt, true
	}
}

// until is when the lease ends on the leader's clock, or 0 if none is held.
func (l *leaderLease) until(length time.Duration) time.Duration {
	if !l.held {
		return 0
	}
	return l.since + length
}
