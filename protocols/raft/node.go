package raft

import (
	"time"

	"github.com/electsim/electsim/sim"
)

// Role is a node's part in the election.
type Role uint8

// The roles, as in etcd-io/raft's StateType.
const (
	Follower Role = iota
	PreCandidate
	Candidate
	Leader
)

func (r Role) String() string {
	return [...]string{"follower", "pre-candidate", "candidate", "leader"}[r]
}

// Policy narrows who may stand and whom a voter may back; plain Raft allows
// everything. The routing-aware protocol plugs in here.
type Policy interface {
	// MayStand reports whether this node may start an election now.
	MayStand() bool
	// MayBack reports whether this node may vote for candidate.
	MayBack(candidate sim.NodeID) bool
}

type openPolicy struct{}

func (openPolicy) MayStand() bool          { return true }
func (openPolicy) MayBack(sim.NodeID) bool { return true }

// Node is one Raft participant's election state machine. Like etcd-io/raft
// it has one entry per input (Deliver, Fire), and role changes swap the step
// function so that each role reads top to bottom.
type Node struct {
	cfg    Config
	policy Policy
	env    sim.Env
	step   func(from sim.NodeID, m sim.Message)

	role       Role
	term       Term
	votedFor   sim.NodeID
	lead       sim.NodeID
	log        raftLog
	saved      hardState           // the hard state last persisted
	logChanged bool                // the log changed since it was last persisted
	votes      map[sim.NodeID]bool // this election's answers, by voter
	progress   []progress          // the leader's view of each follower, by NodeID
	ahead      int                 // participants whose match is past the commit index
	matches    []uint64            // scratch for maybeCommit

	electionTimer  sim.TimerID
	heartbeatTimer sim.TimerID
	quorumTimer    sim.TimerID
	heardLeaderAt  time.Duration // last Append from the leader, for in-lease refusals
	startedAt      time.Duration // for restart_wait
	lastWrite      time.Duration // when the leader last appended

	lease leaderLease
	// active marks who answered since the last quorum check (CheckQuorum).
	active map[sim.NodeID]bool
}

// NewNode returns a Raft node. A nil policy is plain Raft.
func NewNode(cfg Config, policy Policy) *Node {
	if policy == nil {
		policy = openPolicy{}
	}
	return &Node{cfg: cfg, policy: policy}
}

// Role returns the node's current role.
func (n *Node) Role() Role { return n.role }

// Term returns the node's current term.
func (n *Node) Term() Term { return n.term }

// Leader returns the leader this node follows, itself when it leads, or
// NoNode.
func (n *Node) Leader() sim.NodeID { return n.lead }

// Start restores the durable state (term and vote when persist is on; the
// log and commit index always) and starts as a follower.
func (n *Node) Start(env sim.Env) {
	n.env = env
	n.startedAt = env.Mono()
	n.restore()
	n.becomeFollower(n.term, sim.NoNode)
}

// Log returns the node's log tail and commit index.
func (n *Node) Log() (last logTail, committed uint64) { return n.log.tail(), n.log.committed }

// Deliver handles every message: terms first, as etcd's Step does, then the
// role's own step.
func (n *Node) Deliver(from sim.NodeID, m sim.Message) {
	term, ok := termOf(m)
	if !ok {
		return
	}
	switch {
	case term > n.term && !n.acceptHigherTerm(from, m, term):
		return
	case term < n.term:
		n.answerStale(from, m)
		return
	}
	switch m := m.(type) {
	case Vote:
		n.onVote(from, m)
	default:
		n.step(from, m)
	}
}

// acceptHigherTerm decides what a message from a higher term does: most
// make this node a follower in that term; a (pre)vote inside a leader's lease
// is ignored (CheckQuorum); a pre-vote, or a granted pre-vote answer, carries
// a term that is only proposed and changes nothing yet.
func (n *Node) acceptHigherTerm(from sim.NodeID, m sim.Message, term Term) bool {
	switch m := m.(type) {
	case Vote:
		if n.inLease() {
			n.logLease(from, m.Pre)
			return false
		}
		if m.Pre && n.heardLeaderRecently() {
			n.env.Logf("refuses %s's pre-vote: heard from leader %s within the election timeout", n.env.Name(from), n.env.Name(n.lead))
			n.env.Send(from, VoteResp{Term: n.term, Pre: true})
			return false
		}
		if m.Pre {
			return true // answered below without a term change
		}
	case VoteResp:
		if m.Pre && m.Granted {
			return true
		}
	}
	lead := sim.NoNode
	switch m.(type) {
	case Append, Snapshot:
		lead = from
	}
	n.becomeFollower(term, lead)
	return true
}

// heardLeaderRecently is the thesis's pre-vote rule (section 9.6), which
// prevote_refusal: thesis applies with or without CheckQuorum: a node
// that heard from a leader within the minimum election timeout grants no
// pre-vote. etcd-io/raft refuses only when in lease, with CheckQuorum.
func (n *Node) heardLeaderRecently() bool {
	return n.cfg.PreVoteRefusal == RefuseThesis && n.lead != sim.NoNode && n.role != Leader &&
		n.env.Mono()-n.heardLeaderAt < n.cfg.ElectionTimeoutMin
}

// inLease: with CheckQuorum, a leader, and a follower that heard from its
// leader within the election timeout, refuse to help depose it (etcd's
// inLease, whose leader counts as heard from itself: its CheckQuorum steps
// it down instead when it loses its quorum).
func (n *Node) inLease() bool {
	if n.cfg.RestartWait && n.env.Mono()-n.startedAt < n.cfg.ElectionTimeoutMin {
		return true // a lease granted before a restart may still run
	}
	if !n.cfg.CheckQuorum || n.lead == sim.NoNode {
		return false
	}
	return n.role == Leader || n.env.Mono()-n.heardLeaderAt < n.cfg.ElectionTimeoutMin
}

func (n *Node) logLease(from sim.NodeID, pre bool) {
	if n.cfg.RestartWait && n.env.Mono()-n.startedAt < n.cfg.ElectionTimeoutMin {
		n.env.Logf("ignores %s's %s: started less than an election timeout ago", n.env.Name(from), voteKind(pre))
		return
	}
	if n.role == Leader {
		n.env.Logf("ignores %s's %s: it leads, and CheckQuorum will tell it when it no longer should", n.env.Name(from), voteKind(pre))
		return
	}
	n.env.Logf("ignores %s's %s: heard from leader %s within the election timeout", n.env.Name(from), voteKind(pre), n.env.Name(n.lead))
}

// answerStale tells the sender of an old-term message about the newer term
// where it helps: a stale leader's heartbeat (so it steps down) and a
// pre-vote (so the pre-candidate learns it is behind).
func (n *Node) answerStale(from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case Append:
		if n.cfg.CheckQuorum || n.cfg.PreVote {
			n.env.Send(from, AppendResp{Term: n.term, Round: m.Round})
		}
	case Snapshot:
		if n.cfg.CheckQuorum || n.cfg.PreVote {
			n.env.Send(from, AppendResp{Term: n.term, Round: m.Round})
		}
	case Vote:
		if m.Pre {
			n.env.Send(from, VoteResp{Term: n.term, Pre: true})
		}
	}
}

// onVote answers a (pre)vote in this node's term, or a pre-vote for a later
// one: the vote goes to the first candidate whose log is at least as up to
// date, and whom the policy lets this node back.
func (n *Node) onVote(from sim.NodeID, m Vote) {
	canVote := n.votedFor == from ||
		(n.votedFor == sim.NoNode && n.lead == sim.NoNode) ||
		(m.Pre && m.Term > n.term)
	grant := canVote && n.upToDate(m.LastIndex, m.LastTerm) && n.policy.MayBack(from)
	if !grant {
		n.env.Send(from, VoteResp{Term: n.term, Pre: m.Pre})
		return
	}
	if m.Pre {
		n.env.Send(from, VoteResp{Term: m.Term, Pre: true, Granted: true})
		return
	}
	n.votedFor = from
	n.persist() // before the answer leaves
	n.resetElectionTimer()
	n.env.Send(from, VoteResp{Term: m.Term, Granted: true})
}

func (n *Node) upToDate(index uint64, term Term) bool {
	last := n.log.tail()
	return term > last.Term || (term == last.Term && index >= last.Index)
}

func voteKind(pre bool) string {
	if pre {
		return "pre-vote"
	}
	return "vote"
}

// Fire turns timers into the protocol's ticks.
func (n *Node) Fire(t sim.Timer) {
	switch t.ID {
	case n.electionTimer:
		n.electionTimeout()
	case n.heartbeatTimer:
		n.heartbeat()
	case n.quorumTimer:
		n.checkQuorum()
	}
}

func (n *Node) electionTimeout() {
	n.electionTimer = 0
	if n.role == Leader {
		return
	}
	if !n.policy.MayStand() {
		n.resetElectionTimer()
		return
	}
	n.campaign()
}

// campaign starts an election: a pre-vote round first when PreVote is on.
func (n *Node) campaign() {
	if n.cfg.PreVote {
		n.becomePreCandidate()
	} else {
		n.becomeCandidate()
	}
	term := n.term
	if n.role == PreCandidate {
		term++ // the term it would stand in
	}
	for _, peer := range n.env.Peers() {
		if peer != n.env.ID() {
			n.env.Send(peer, Vote{Term: term, Pre: n.role == PreCandidate, LastIndex: n.log.lastIndex(), LastTerm: n.log.lastTerm()})
		}
	}
	n.tally() // a cluster of one wins at once
}

// tally counts this election's answers: a quorum of grants wins, a quorum of
// refusals loses (etcd's poll).
func (n *Node) tally() {
	granted, refused := 0, 0
	for _, ok := range n.votes {
		if ok {
			granted++
		} else {
			refused++
		}
	}
	switch q := n.quorum(); {
	case granted >= q && n.role == PreCandidate:
		n.becomeCandidate()
		n.campaignAfterPreVote()
	case granted >= q:
		n.becomeLeader()
	case refused >= q:
		n.becomeFollower(n.term, sim.NoNode)
	}
}

// campaignAfterPreVote asks for real votes once the pre-vote is won.
func (n *Node) campaignAfterPreVote() {
	for _, peer := range n.env.Peers() {
		if peer != n.env.ID() {
			n.env.Send(peer, Vote{Term: n.term, LastIndex: n.log.lastIndex(), LastTerm: n.log.lastTerm()})
		}
	}
	n.tally()
}

func (n *Node) quorum() int { return len(n.env.Peers())/2 + 1 }

// stepFollower: a follower takes the leader's appends and snapshots.
func (n *Node) stepFollower(from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case Append:
		n.heard(from)
		n.handleAppend(from, m)
	case Snapshot:
		n.heard(from)
		n.handleSnapshot(from, m)
	}
}

// stepCandidate: (pre-)candidates count votes, and yield to a leader of
// their term.
func (n *Node) stepCandidate(from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case VoteResp:
		if m.Pre == (n.role == PreCandidate) {
			n.votes[from] = m.Granted
			n.tally()
		}
	case Append, Snapshot:
		n.becomeFollower(n.term, from)
		n.stepFollower(from, m)
	}
}

// stepLeader: the leader counts acknowledgements, moves its followers'
// progress and commits.
func (n *Node) stepLeader(from sim.NodeID, m sim.Message) {
	if r, ok := m.(AppendResp); ok {
		n.active[from] = true
		n.lease.ack(from, r.Round, n.quorum())
		n.handleAppendResp(from, r)
	}
}

// heard notes the current leader: a follower's election timer restarts
// whenever it hears from one, under either timer rule.
func (n *Node) heard(from sim.NodeID) {
	n.lead = from
	n.heardLeaderAt = n.env.Mono()
	n.resetElectionTimer()
}

// becomeFollower makes the node a follower in term (a higher one, or its
// own), following lead if known. etcd restarts the election timer here, on
// every such change; the paper's rule only when the node hears a leader,
// grants a vote or stands, so a follower refusing a higher-term candidate
// keeps its timer running.
func (n *Node) becomeFollower(term Term, lead sim.NodeID) {
	n.stepDownIfLeading()
	if term > n.term {
		n.term, n.votedFor = term, sim.NoNode
		n.persist()
	}
	n.role, n.lead, n.step = Follower, lead, n.stepFollower
	if n.cfg.TimerRule == TimerEtcd || lead != sim.NoNode || n.electionTimer == 0 {
		n.resetElectionTimer()
	}
}

func (n *Node) becomePreCandidate() {
	n.role, n.lead, n.step = PreCandidate, sim.NoNode, n.stepCandidate
	n.votes = map[sim.NodeID]bool{n.env.ID(): true}
	n.resetElectionTimer()
}

func (n *Node) becomeCandidate() {
	n.term++
	n.votedFor = n.env.ID()
	n.persist()
	n.role, n.lead, n.step = Candidate, sim.NoNode, n.stepCandidate
	n.votes = map[sim.NodeID]bool{n.env.ID(): true}
	n.resetElectionTimer()
}

func (n *Node) becomeLeader() {
	n.role, n.lead, n.step = Leader, n.env.ID(), n.stepLeader
	n.env.StopTimer(n.electionTimer)
	n.electionTimer = 0
	n.active = map[sim.NodeID]bool{}
	n.lease = newLeaderLease(len(n.env.Peers()))
	n.resetProgress()
	n.env.Lead(sim.Generation(n.term))
	n.appendEntry(Entry{Term: n.term}) // the empty entry of a new term
	n.heartbeat()
	if n.cfg.CheckQuorum {
		n.quorumTimer = n.env.SetTimer(n.cfg.ElectionTimeoutMin, tagCheckQuorum)
	}
}

func (n *Node) stepDownIfLeading() {
	if n.role != Leader {
		return
	}
	n.env.StepDown()
	n.env.StopTimer(n.heartbeatTimer)
	n.env.StopTimer(n.quorumTimer)
	n.heartbeatTimer, n.quorumTimer = 0, 0
}

// checkQuorum steps a leader down when no quorum answered it within an
// election timeout (etcd's CheckQuorum).
func (n *Node) checkQuorum() {
	n.quorumTimer = 0
	if n.role != Leader {
		return
	}
	if len(n.active)+1 < n.quorum() {
		n.env.Logf("steps down: heard from %d of %d within the election timeout", len(n.active)+1, len(n.env.Peers()))
		n.becomeFollower(n.term, sim.NoNode)
		return
	}
	clear(n.active)
	n.quorumTimer = n.env.SetTimer(n.cfg.ElectionTimeoutMin, tagCheckQuorum)
}

// resetElectionTimer draws a fresh timeout in [min, max).
func (n *Node) resetElectionTimer() {
	n.env.StopTimer(n.electionTimer)
	spread := int64(n.cfg.ElectionTimeoutMax - n.cfg.ElectionTimeoutMin)
	d := n.cfg.ElectionTimeoutMin
	if spread > 0 {
		d += time.Duration(n.env.Rand().Int64N(spread))
	}
	n.electionTimer = n.env.SetTimer(d, tagElection)
}

// MayAct: with the leader lease on, a leader acts only while its lease,
// measured on its own clock, lasts.
func (n *Node) MayAct(gen sim.Generation) bool {
	if n.role != Leader || sim.Generation(n.term) != gen {
		return false
	}
	return !n.cfg.LeaderLease || n.env.Mono() < n.lease.until(n.cfg.leaseLength())
}

// Timer tags.
const (
	tagElection    = "election"
	tagHeartbeat   = "heartbeat"
	tagCheckQuorum = "check-quorum"
)
