package generation

import (
	"fmt"
	"time"

	"github.com/electsim/electsim/sim"
)

// The messages. Every one carries a generation; the JSON trace shows it.
type (
	// Propose asks for a promise: "make Gen your highest and back me".
	Propose struct{ Gen sim.Generation }
	// Promise grants a proposal of Gen.
	Promise struct{ Gen sim.Generation }
	// Reject refuses a proposal or a heartbeat; Gen is the sender's
	// maxSeen, so a stale candidate or leader learns how far behind it is.
	Reject struct{ Gen sim.Generation }
	// Heartbeat is a leader's claim, "I lead Gen", every heartbeat.
	Heartbeat struct{ Gen sim.Generation }
)

// storageKey holds maxSeen when Config.Persist is set.
const storageKey = "generation.max"

// Timer tags.
const (
	tagElection  = "election"
	tagHeartbeat = "heartbeat"
)

type role uint8

const (
	follower role = iota
	candidate
	leader
)

// node is one participant. Everything but maxSeen, and maxSeen too when
// Persist is off, is lost in a crash.
type node struct {
	cfg Config
	env sim.Env

	maxSeen  sim.Generation // highest generation seen or promised
	role     role
	leader   sim.NodeID     // whom a follower last heard a heartbeat from
	proposal sim.Generation // the generation a candidate proposes, then leads
	promised []bool         // by NodeID: a candidate's voters, itself included
	promises int            // how many of promised are true

	electionTimer  sim.TimerID
	heartbeatTimer sim.TimerID
	beat           sim.Message // Heartbeat{proposal}, boxed once per leadership
}

// Start reads back maxSeen (when it was persisted) and starts as a follower:
// a restarted node never resumes leading, it must be elected again.
func (n *node) Start(env sim.Env) {
	n.env = env
	n.promised, n.promises = make([]bool, len(env.Peers())+1), 0
	if n.cfg.Persist {
		n.maxSeen = sim.Generation(env.Storage().Uint64(storageKey))
	}
	n.becomeFollower(sim.NoNode)
}

// Deliver is the protocol's one entry for messages.
func (n *node) Deliver(from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case Propose:
		n.onPropose(from, m.Gen)
	case Promise:
		n.onPromise(from, m.Gen)
	case Reject:
		n.onReject(m.Gen)
	case Heartbeat:
		n.onHeartbeat(from, m.Gen)
	}
}

// Fire handles the election and heartbeat timers. A timer replaced since
// it was set (a firing held during a pause) is ignored.
func (n *node) Fire(t sim.Timer) {
	switch {
	case t.ID == n.electionTimer && n.role != leader:
		n.becomeCandidate()
	case t.ID == n.heartbeatTimer && n.role == leader:
		n.broadcast(n.beat)
		n.heartbeatTimer = n.env.SetTimer(n.cfg.Heartbeat, tagHeartbeat)
	}
}

// onPropose promises any generation above maxSeen, and nothing else: the
// rule that keeps two candidates from winning one generation.
func (n *node) onPropose(from sim.NodeID, gen sim.Generation) {
	if gen <= n.maxSeen {
		n.env.Send(from, Reject{Gen: n.maxSeen})
		return
	}
	n.raise(gen) // durable before the promise leaves
	n.becomeFollower(sim.NoNode)
	n.env.Send(from, Promise{Gen: gen})
}

func (n *node) onPromise(from sim.NodeID, gen sim.Generation) {
	if n.role != candidate || gen != n.proposal {
		return // late, or for an attempt this node has given up
	}
	n.promise(from)
	if n.hasMajority() {
		n.becomeLeader()
	}
}

// onReject: someone has seen a higher generation, so this node's attempt
// or leadership is stale.
func (n *node) onReject(gen sim.Generation) {
	if gen <= n.maxSeen {
		return // a refusal of a proposal that lost a race; the timer retries
	}
	n.raise(gen)
	if n.role != follower {
		n.becomeFollower(sim.NoNode)
	}
}

func (n *node) onHeartbeat(from sim.NodeID, gen sim.Generation) {
	switch {
	case gen < n.maxSeen:
		n.env.Send(from, Reject{Gen: n.maxSeen}) // the stale leader learns
		return
	case gen == n.maxSeen && n.role == leader:
		// Only a generation promised twice gets here (persist: false). The
		// clock cannot tell the two leaders apart, so neither yields.
		n.env.Logf("%s also leads generation %d", n.env.Name(from), gen)
		return
	}
	n.raise(gen)
	if from != n.leader {
		n.env.Logf("follows %s in generation %d", n.env.Name(from), gen)
	}
	n.becomeFollower(from)
}

// becomeFollower ends any leadership or candidacy and waits for a leader.
func (n *node) becomeFollower(lead sim.NodeID) {
	if n.role == leader {
		n.env.StepDown()
		n.env.StopTimer(n.heartbeatTimer)
		n.heartbeatTimer, n.beat = 0, nil
		n.env.Logf("steps down: generation %d is newer", n.maxSeen)
	}
	n.role, n.leader = follower, lead
	n.forgetPromises()
	n.resetElectionTimer()
}

// becomeCandidate proposes the next generation. Its own promise is durable
// before anyone hears of the proposal, so a restart cannot propose it twice.
func (n *node) becomeCandidate() {
	gen := n.maxSeen + 1
	n.raise(gen)
	n.role, n.leader, n.proposal = candidate, sim.NoNode, gen
	n.forgetPromises()
	n.promise(n.env.ID())
	n.env.Logf("proposes generation %d", gen)
	n.resetElectionTimer() // no majority by then: try again, higher
	n.broadcast(Propose{Gen: gen})
	if n.hasMajority() {
		n.becomeLeader() // a one-node cluster
	}
}

func (n *node) becomeLeader() {
	if n.proposal != n.maxSeen {
		// A candidate that saw a higher generation became a follower.
		panic(fmt.Sprintf("generation: %s leads %d but has seen %d", n.env.Name(n.env.ID()), n.proposal, n.maxSeen))
	}
	n.env.StopTimer(n.electionTimer)
	n.role, n.leader, n.electionTimer = leader, n.env.ID(), 0
	n.env.Logf("leads generation %d", n.proposal)
	n.env.Lead(n.proposal)
	n.beat = Heartbeat{Gen: n.proposal} // boxed once: a heartbeat allocates nothing
	n.broadcast(n.beat)
	n.heartbeatTimer = n.env.SetTimer(n.cfg.Heartbeat, tagHeartbeat)
}

// raise makes gen the highest generation seen, writing it to storage first
// when it persists: the order ZOOKEEPER-2307 got wrong.
func (n *node) raise(gen sim.Generation) {
	if gen <= n.maxSeen {
		return
	}
	if n.cfg.Persist {
		n.env.Storage().PutUint64(storageKey, uint64(gen))
	}
	n.maxSeen = gen
}

func (n *node) resetElectionTimer() {
	n.env.StopTimer(n.electionTimer)
	n.electionTimer = n.env.SetTimer(n.electionTimeout(), tagElection)
}

// electionTimeout is uniform in [min, max], so that one follower usually
// stands well before the others and wins without a race.
func (n *node) electionTimeout() time.Duration {
	spread := int64(n.cfg.ElectionTimeoutMax - n.cfg.ElectionTimeoutMin)
	return n.cfg.ElectionTimeoutMin + time.Duration(n.env.Rand().Int64N(spread+1))
}

func (n *node) broadcast(m sim.Message) {
	for _, peer := range n.env.Peers() {
		if peer != n.env.ID() {
			n.env.Send(peer, m)
		}
	}
}

// hasMajority counts the candidate's promises, its own included, against
// every participant, up or down.
func (n *node) hasMajority() bool { return n.promises > len(n.env.Peers())/2 }

// promise counts a voter once: a duplicated Promise is no second vote.
func (n *node) promise(voter sim.NodeID) {
	if !n.promised[voter] {
		n.promised[voter], n.promises = true, n.promises+1
	}
}

// forgetPromises clears the count. Only a candidate has any, so a
// follower's heartbeat costs no walk over the cluster.
func (n *node) forgetPromises() {
	if n.promises > 0 {
		clear(n.promised)
		n.promises = 0
	}
}

// Promises marks a Promise as one, for the causal story of a violation.
func (m Promise) Promises() (sim.Generation, bool) { return m.Gen, true }
