// Package bully is a protocol written outside electsim, as a user would
// write one: the bully algorithm (Garcia-Molina, 1982). The highest ID a
// node hears from leads; a node that has heard no higher one for a
// timeout stands, announcing itself as coordinator every heartbeat, and a
// node that hears a higher coordinator steps down.
//
// A leader's generation is its election round, made unique per node (round
// * 64 + ID) and persisted, so that no two nodes ever lead one generation
// and a node's generations only go up. Two known-bug variants:
//   - unique_generations: false leads the bare round: the two sides of a
//     partition each take round+1, two leaders in one generation, which
//     electsim's single-leader-per-generation catches;
//   - persist: false keeps the round in memory: a restarted node starts
//     from round 0 and leads a generation below one it led before, which
//     the MonotonicGenerations checker (a property of this package's own)
//     catches.
//
// At most 64 nodes: the multiplier keeps generations unique only below it.
//
// Bully elects without a quorum: both sides of a partition have a leader,
// each in its own generation. A resource that fences by generation keeps
// the older one out.
package bully

import (
	"fmt"
	"time"

	"github.com/electsim/electsim/sim"
)

// Config is the protocol's timing and its two switches.
type Config struct {
	Heartbeat, Timeout time.Duration
	UniqueGenerations  bool
	Persist            bool
}

// Coordinator announces that its sender leads generation Gen.
type Coordinator struct{ Gen sim.Generation }

func (c Coordinator) String() string { return fmt.Sprintf("Coordinator gen=%d", c.Gen) }

const roundKey = "bully.round"

// maxIDs makes a round unique per node: generation round*maxIDs + ID. It
// is also the largest cluster the protocol runs (Spec refuses more nodes):
// an ID above it would share a generation with the next round's.
const maxIDs = 64

type node struct {
	cfg      Config
	env      sim.Env
	round    uint64        // the highest round this node has seen or led
	heard    time.Duration // when a higher node was last heard, on the monotonic clock
	leading  bool
	gen      sim.Generation
	tick     sim.TimerID
	everLead bool
}

// New returns the protocol with cfg.
func New(cfg Config) sim.Protocol {
	return sim.Protocol{Name: "bully", New: func(sim.NodeID, string) sim.Node { return &node{cfg: cfg} }}
}

func (n *node) Start(env sim.Env) {
	n.env = env
	if n.cfg.Persist {
		n.round = env.Storage().Uint64(roundKey)
	}
	n.heard = env.Mono() // give the higher nodes a timeout to speak first
	n.tick = env.SetTimer(n.cfg.Heartbeat, "tick")
}

func (n *node) Fire(sim.Timer) {
	n.tick = n.env.SetTimer(n.cfg.Heartbeat, "tick")
	switch {
	case n.leading:
		n.announce()
	case n.env.Mono()-n.heard >= n.cfg.Timeout:
		n.stand(fmt.Sprintf("no higher node for %v", n.cfg.Timeout))
	}
}

// stand leads the next round, for the reason given.
func (n *node) stand(why string) {
	n.round++
	if n.cfg.Persist {
		n.env.Storage().PutUint64(roundKey, n.round) // before anyone hears of it
	}
	n.gen = sim.Generation(n.round)
	if n.cfg.UniqueGenerations {
		n.gen = sim.Generation(n.round*maxIDs + uint64(n.env.ID()))
	}
	n.leading = true
	n.env.Logf("%s: leads round %d, generation %d", why, n.round, n.gen)
	n.env.Lead(n.gen)
	n.announce()
}

func (n *node) announce() {
	for _, p := range n.env.Peers() {
		if p != n.env.ID() {
			n.env.Send(p, Coordinator{Gen: n.gen})
		}
	}
}

func (n *node) Deliver(from sim.NodeID, m sim.Message) {
	c, ok := m.(Coordinator)
	if !ok {
		return
	}
	round := uint64(c.Gen)
	if n.cfg.UniqueGenerations {
		round = uint64(c.Gen) / maxIDs
	}
	n.round = max(n.round, round)
	if n.cfg.Persist {
		n.env.Storage().PutUint64(roundKey, n.round)
	}
	if from < n.env.ID() {
		// A lower node: it steps down when it hears this one. If it led a
		// newer generation (a partition healed), this one leads a newer
		// still, or a fencing resource would keep it out for good.
		if n.leading && c.Gen > n.gen {
			n.stand(fmt.Sprintf("%s leads a newer generation %d", n.env.Name(from), c.Gen))
		}
		return
	}
	n.heard = n.env.Mono()
	if n.leading {
		n.env.Logf("hears %s lead generation %d: steps down", n.env.Name(from), c.Gen)
		n.leading = false
		n.env.StepDown()
	}
}
