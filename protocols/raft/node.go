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

	role     Role
	term     Term
	votedFor sim.NodeID
	lead     sim.NodeID
	log      logTail
	disk     *disk
	votes    map[sim.NodeID]bool // this election's answers, by voter

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

// logTail is what the up-to-date check compares: the last entry's index and
// term. Heartbeats carry the leader's, and a leader adds one entry per
// heartbeat round, so a node cut off from the leader falls behind.
type logTail struct {
	Index uint64
	Term  Term
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
// log always) and starts as a follower.
func (n *Node) Start(env sim.Env) {
	n.env = env
	n.startedAt = env.Mono()
	n.restore()
	n.becomeFollower(n.term, sim.NoNode)
}

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
		if m.Pre {
			return true // answered below without a term change
		}
	case VoteResp:
		if m.Pre && m.Granted {
			return true
		}
	}
	lead := sim.NoNode
	if _, isAppend := m.(Append); isAppend {
		lead = from
	}
	n.becomeFollower(term, lead)
	return true
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
	return term > n.log.Term || (term == n.log.Term && index >= n.log.Index)
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
			n.env.Send(peer, Vote{Term: term, Pre: n.role == PreCandidate, LastIndex: n.log.Index, LastTerm: n.log.Term})
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
			n.env.Send(peer, Vote{Term: n.term, LastIndex: n.log.Index, LastTerm: n.log.Term})
		}
	}
	n.tally()
}

func (n *Node) quorum() int { return len(n.env.Peers())/2 + 1 }

// stepFollower: a follower takes the leader's heartbeats.
func (n *Node) stepFollower(from sim.NodeID, m sim.Message) {
	if a, ok := m.(Append); ok {
		n.follow(from, a)
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
	case Append:
		n.becomeFollower(m.Term, from)
		n.follow(from, m)
	}
}

// stepLeader: the leader counts heartbeat acknowledgements.
func (n *Node) stepLeader(from sim.NodeID, m sim.Message) {
	if r, ok := m.(AppendResp); ok {
		n.active[from] = true
		n.lease.ack(from, r.Round, n.quorum())
	}
}

// follow takes a heartbeat: the leader is alive, and its log tail is ours.
func (n *Node) follow(from sim.NodeID, a Append) {
	n.lead = from
	n.heardLeaderAt = n.env.Mono()
	n.resetElectionTimer()
	if a.LastIndex != n.log.Index || a.LastTerm != n.log.Term {
		n.log = logTail{Index: a.LastIndex, Term: a.LastTerm}
		n.persist() // entries are durable before they are acknowledged
	}
	n.env.Send(from, AppendResp{Term: n.term, Round: a.Round})
}

func (n *Node) becomeFollower(term Term, lead sim.NodeID) {
	n.stepDownIfLeading()
	if term > n.term {
		n.term, n.votedFor = term, sim.NoNode
		n.persist()
	}
	n.role, n.lead, n.step = Follower, lead, n.stepFollower
	n.resetElectionTimer()
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
	n.lease = leaderLease{}
	n.env.Lead(sim.Generation(n.term))
	n.append() // the empty entry of a new term
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

// append adds an entry of this term to the leader's log, durably.
func (n *Node) append() {
	n.log = logTail{Index: n.log.Index + 1, Term: n.term}
	n.lastWrite = n.env.Mono()
	n.persist()
}

// heartbeat appends a client write when one is due and sends the log tail
// to every follower.
func (n *Node) heartbeat() {
	if n.cfg.WriteEvery > 0 && n.env.Mono()-n.lastWrite >= n.cfg.WriteEvery {
		n.append()
	}
	round := n.lease.start(n.env.Mono())
	var m sim.Message = Append{Term: n.term, LastIndex: n.log.Index, LastTerm: n.log.Term, Round: round}
	for _, peer := range n.env.Peers() {
		if peer != n.env.ID() {
			n.env.Send(peer, m) // one boxed message for every follower
		}
	}
	n.lease.ack(n.env.ID(), round, n.quorum()) // a cluster of one is its own quorum
	n.heartbeatTimer = n.env.SetTimer(n.cfg.Heartbeat, tagHeartbeat)
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
