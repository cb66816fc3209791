// Package routing is a routing-aware leader election (seed 003,
// kellabyte's "Routing aware master elections"): Raft's terms, votes,
// persistence, log replication and commit (its parameters are Raft's), plus
// a connectivity view that decides who may stand and whom
// a voter may back, so that under a partial partition the node that sees
// the most of the cluster leads.
//
// The rule, precisely:
//
//   - Every participant sends every other one a Status each heartbeat,
//     carrying whom it heard from (any message) within the window, and its
//     reach: the nodes with which it has a working link both ways, itself
//     included. Node a counts its link with b as working when a heard from b
//     within the window and b's latest Status, itself received within the
//     window, says b heard from a.
//   - A node's view is the reach each peer last reported, while that report
//     is younger than the window. A node's score is the size of its reach.
//   - The best-connected node, in a node's view, is the one of highest
//     score among those whose reach is a majority of the participants
//     (itself included), ties going to the lowest ID.
//   - A node may stand for election (when its election timer fires) only if
//     its own reach is a majority and it is the best-connected in its own
//     view. A voter grants a vote (or a pre-vote) only to the candidate it
//     judges best-connected in its own view, on top of Raft's rules (one
//     vote per term, an up-to-date log).
//
// Under Jepsen's bridge the bridge node sees everyone and leads; the halves
// do not stand. Under majorities-ring every node sees a different majority;
// the lowest ID among the best-connected stands and its two neighbours back
// it, while the nodes that cannot hear it do not disrupt it.
//
// The trade-off (seed 003): decisions are slower. Nothing stands until the
// views have formed (a status round after boot), and when the
// best-connected node fails the others wait until its reports age out of
// their views (the window) before one of them may stand. Every node sends
// N-1 statuses per heartbeat, N² messages in all, where Raft's leader sends
// N-1. And a node that hears a majority but is not the best leaves a
// leaderless cluster leaderless until the best one's timer fires.
//
// At most MaxNodes (64) participants: a Status is two words, and with N²
// statuses a heartbeat a cluster of hundreds would be slow to simulate; the
// registry refuses a larger scenario, naming nodes.
package routing

import (
	"fmt"
	"math/bits"
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/protocols/raft"
	"github.com/electsim/electsim/sim"
)

// MaxNodes is the largest cluster the protocol runs: a Status holds a
// node set in one word.
const MaxNodes = 64

// Status is what a node knows of its links, as bit sets (bit id-1 for node
// id): Heard, the nodes it heard from within the window, tells each of them
// that its link to this node works; Reach, the nodes with which it has a
// working link both ways (itself included), is its score for the others.
type Status struct {
	Heard uint64
	Reach uint64
}

// Config is Raft's configuration plus the window within which a node must
// have been heard, and its report received, to count as reachable.
type Config struct {
	Raft   raft.Config
	Window time.Duration
}

// Defaults: Raft's defaults and a window of five heartbeats.
var Defaults = Config{Raft: raft.Defaults, Window: 5 * raft.Defaults.Heartbeat}

// New returns the routing-aware protocol.
func New(cfg Config) sim.Protocol {
	return sim.Protocol{
		Name: "routing",
		New:  func(sim.NodeID, string) sim.Node { return &node{cfg: cfg} },
	}
}

func init() {
	params := append(raft.Params(), protocols.Param{
		Name: "window", Kind: protocols.Duration, Default: Defaults.Window,
		Doc: "how recently a peer must have been heard, and its status received, to count as reachable",
		Min: float64(time.Microsecond), Max: float64(time.Hour),
	})
	protocols.Register(protocols.Spec{
		Name:   "routing",
		Doc:    "Raft whose candidates and votes are limited to the best-connected node by shared reachability (seed 003)",
		Params: params,
		Check: func(v *protocols.Values) error {
			if nodes := v.Scenario().Nodes; nodes > MaxNodes {
				return v.Scenario().Errorf("nodes", "routing supports at most %d nodes, got %d", MaxNodes, nodes)
			}
			if err := raft.Check(v); err != nil {
				return err
			}
			if v.Duration("window") <= v.Duration("heartbeat") {
				v.Warnf("window", "a window of %v, not longer than the heartbeat %v, lets one late status cut a link", v.Duration("window"), v.Duration("heartbeat"))
			}
			return nil
		},
		Build: func(v *protocols.Values) sim.Protocol {
			return New(Config{Raft: raft.ConfigOf(v), Window: v.Duration("window")})
		},
	})
}

// node is a Raft node whose Policy is the connectivity view.
type node struct {
	cfg    Config
	env    sim.Env
	raft   *raft.Node
	heard  []time.Duration // by NodeID: when a message from it last arrived
	known  []bool          // by NodeID: heard at least once in this life
	views  []view          // by NodeID: its last status
	status sim.TimerID
}

type view struct {
	heard uint64
	reach uint64
	at    time.Duration
	known bool
}

const tagStatus = "status"

func (n *node) Start(env sim.Env) {
	n.env = env
	size := len(env.Peers()) + 1
	if size-1 > MaxNodes {
		panic(fmt.Sprintf("routing: %d participants, more than a Status holds (MaxNodes %d)", size-1, MaxNodes))
	}
	n.heard, n.known, n.views = make([]time.Duration, size), make([]bool, size), make([]view, size)
	n.raft = raft.NewNode(n.cfg.Raft, n)
	n.raft.Start(env)
	n.sendStatus()
}

func (n *node) Deliver(from sim.NodeID, m sim.Message) {
	if int(from) < len(n.heard) {
		n.heard[from], n.known[from] = n.env.Mono(), true
	}
	if s, ok := m.(Status); ok {
		n.views[from] = view{heard: s.Heard, reach: s.Reach, at: n.env.Mono(), known: true}
		return
	}
	n.raft.Deliver(from, m)
}

func (n *node) Fire(t sim.Timer) {
	if t.ID == n.status {
		n.sendStatus()
		return
	}
	n.raft.Fire(t)
}

// MayAct defers to Raft (and its leader lease).
func (n *node) MayAct(gen sim.Generation) bool { return n.raft.MayAct(gen) }

// Replicates and Propose defer to Raft: acts are log entries that take
// effect once committed, as in Raft (with commit on).
func (n *node) Replicates(gen sim.Generation) bool { return n.raft.Replicates(gen) }

// Propose appends the act to Raft's log.
func (n *node) Propose(act sim.ActRef) { n.raft.Propose(act) }

func (n *node) sendStatus() {
	status := Status{Heard: n.heardSet(), Reach: n.reach()}
	for _, peer := range n.env.Peers() {
		if peer != n.env.ID() {
			n.env.Send(peer, status)
		}
	}
	n.status = n.env.SetTimer(n.cfg.Raft.Heartbeat, tagStatus)
}

// heardSet is the nodes this node heard from within the window, itself
// included.
func (n *node) heardSet() uint64 {
	self := n.env.ID()
	heard := bit(self)
	for _, peer := range n.env.Peers() {
		if peer != self && n.recent(n.heard[peer], n.known[peer]) {
			heard |= bit(peer)
		}
	}
	return heard
}

// reach is this node's working links, both ways, itself included: a peer
// it heard from whose fresh status says it heard this node.
func (n *node) reach() uint64 {
	self := n.env.ID()
	reach := bit(self)
	for _, peer := range n.env.Peers() {
		if peer != self && n.recent(n.heard[peer], n.known[peer]) && n.fresh(peer) && n.views[peer].heard&bit(self) != 0 {
			reach |= bit(peer)
		}
	}
	return reach
}

func (n *node) recent(at time.Duration, ok bool) bool { return ok && n.env.Mono()-at < n.cfg.Window }

func (n *node) fresh(peer sim.NodeID) bool { return n.recent(n.views[peer].at, n.views[peer].known) }

func bit(id sim.NodeID) uint64 { return 1 << (uint(id) - 1) }

func (n *node) quorum() int { return len(n.env.Peers())/2 + 1 }

// score is the size of a node's reach in this node's view, or -1 when its
// report is missing or too old.
func (n *node) score(id sim.NodeID) int {
	switch {
	case id == n.env.ID():
		return bits.OnesCount64(n.reach())
	case n.fresh(id):
		return bits.OnesCount64(n.views[id].reach)
	}
	return -1
}

// best is the best-connected node in this node's view: the highest score
// among those reaching a majority, the lowest ID on a tie; NoNode if none
// does.
func (n *node) best() sim.NodeID {
	best, bestScore := sim.NoNode, 0
	for _, id := range n.env.Peers() {
		if s := n.score(id); s >= n.quorum() && s > bestScore {
			best, bestScore = id, s
		}
	}
	return best
}

// MayStand: only the best-connected node in its own view, reaching a
// majority, starts an election.
func (n *node) MayStand() bool { return n.best() == n.env.ID() }

// MayBack: a voter backs only the candidate it judges best-connected.
func (n *node) MayBack(candidate sim.NodeID) bool { return n.best() == candidate }
