// Package properties checks what a run must show and measures what it cost,
// while the run goes: every checker and metric is a sim.Observer whose
// memory grows with the number of nodes, never with the run's length.
//
// The properties:
//   - single-leader-per-generation: no generation has acts from two
//     different nodes (the mission's property);
//   - single-belief-per-generation: the same over Lead beliefs (stricter);
//   - single-commit-per-generation: the same over committed acts, by the
//     node that proposed them, for a protocol that commits (Raft with
//     commit on): what a Raft user means by two leaders in one term;
//   - fenced-resource: the resource's accepted acts never go back in
//     generation;
//   - liveness: an act is accepted within a bound after the last fault;
//   - no-lost-writes: with a replicated store (scenario store:), the final
//     merge of every replica holds every write acknowledged in time.
//
// A scenario's expect section can also bound split-brain time and
// availability, and state the outcomes a story is about, each a property
// with a verdict and a detail that names times and nodes: the leader at the
// end (leader-at-end), a leader by a time (leader-by), no new leadership
// after a time (no-leader-change-after), at most so many leader changes
// (max-leader-changes), at most so long without a leader, in all
// (max-leaderless) or at a stretch (max-leaderless-stretch),
// and which participants are out of service at the end
// (out-of-service-at-end). "The leader" is the participant that believes it
// leads the highest generation, the lower ID of two in one: the same rule
// by which a fault's leader role resolves.
//
// The report lists each leadership (node, generation, from, to), the
// leader at the end, and for each fault the time to the first accepted act
// issued after it and the time to a new leader, in a generation above every
// one held at the fault. The time without a leader counts from the first
// leader, not from the start.
//
// A violation names the property, the nodes, the generations, the true
// times and the event index at which it happened.
package properties

import (
	"fmt"

	"github.com/electsim/electsim/sim"
)

// Property names.
const (
	SingleLeader   = "single-leader-per-generation"
	SingleBelief   = "single-belief-per-generation"
	SingleCommit   = "single-commit-per-generation"
	FencedResource = "fenced-resource"
)

// Names lists the properties every run checks, by name.
var Names = []string{SingleLeader, SingleBelief, SingleCommit, FencedResource, Liveness, NoLostWrites}

// Violation is the first event at which a property failed.
type Violation struct {
	Property string           `json:"property"`
	Nodes    []sim.NodeID     `json:"nodes"`    // by ID; Detail names them
	Gens     []sim.Generation `json:"gens"`     // the generations involved
	Times    []sim.Time       `json:"times_ns"` // true times
	Index    int64            `json:"index"`    // the event that broke the property
	// Events are the events the violation is made of, one per node where
	// it has one (the first act of each of two leaders in a generation),
	// Index last: where the causal story (Story) starts looking back from.
	Events []int64 `json:"events,omitempty"`
	Detail string  `json:"detail"`
}

// Checker is a property evaluated as the events go by.
type Checker interface {
	sim.Observer
	Name() string
	// Violation returns the first violation, or nil while the property holds.
	Violation() *Violation
}

// HistoryLen is how many generations the per-generation checkers remember
// for each node, by last use. Another node's use of a generation this node
// has not used within its last HistoryLen changes of generation is not
// caught; this bound is what keeps the checkers'
// memory independent of the run's length.
const HistoryLen = 64

// use is a node's first use of a generation.
type use struct {
	gen   sim.Generation
	at    sim.Time
	index int64
}

// history is the last HistoryLen generations one node used, newest last.
type history struct {
	uses [HistoryLen]use
	len  int
	next int
}

func (h *history) add(u use) {
	h.uses[h.next] = u
	h.next = (h.next + 1) % HistoryLen
	h.len = min(h.len+1, HistoryLen)
}

func (h *history) find(gen sim.Generation) (use, bool) {
	for i := range h.len {
		if h.uses[i].gen == gen {
			return h.uses[i], true
		}
	}
	return use{}, false
}

// newest returns the generation used last.
func (h *history) newest() (sim.Generation, bool) {
	if h.len == 0 {
		return 0, false
	}
	return h.uses[(h.next+HistoryLen-1)%HistoryLen].gen, true
}

// perGeneration checks that no generation is used by two nodes, where a
// "use" is an event of one kind (an act, a Lead, a commit) and who uses it
// is the event's node, or its peer (a committed act is the proposer's).
type perGeneration struct {
	name      string
	kind      sim.Kind
	verb      string
	byPeer    bool
	roster    *sim.Roster
	nodes     []history // by NodeID
	violation *Violation
}

// NewSingleLeader checks single-leader-per-generation: acts.
func NewSingleLeader(r *sim.Roster) Checker {
	return newPerGeneration(SingleLeader, sim.KindActIssued, "acted", r)
}

// NewSingleBelief checks single-belief-per-generation: Lead beliefs.
func NewSingleBelief(r *sim.Roster) Checker {
	return newPerGeneration(SingleBelief, sim.KindLead, "believed they led", r)
}

// NewSingleCommit checks single-commit-per-generation: committed acts, by
// proposer.
func NewSingleCommit(r *sim.Roster) Checker {
	c := newPerGeneration(SingleCommit, sim.KindActCommitted, "had an act committed", r)
	c.byPeer = true
	return c
}

func newPerGeneration(name string, kind sim.Kind, verb string, r *sim.Roster) *perGeneration {
	return &perGeneration{name: name, kind: kind, verb: verb, roster: r, nodes: make([]history, r.Len()+1)}
}

// who is the node that uses the generation in e.
func (c *perGeneration) who(e *sim.Event) sim.NodeID {
	if c.byPeer {
		return e.Peer
	}
	return e.Node
}

func (c *perGeneration) Name() string          { return c.name }
func (c *perGeneration) Violation() *Violation { return c.violation }

func (c *perGeneration) Observe(e *sim.Event) {
	if e.Kind != c.kind {
		return
	}
	own := &c.nodes[c.who(e)]
	if last, ok := own.newest(); ok && last == e.Gen {
		return // a repeat: checked when this node first used the generation
	}
	first, seen := own.find(e.Gen)
	if !seen {
		c.compare(e)
		first = use{gen: e.Gen, at: e.At, index: e.Index}
	}
	// A return to an older generation makes it recent again, so the bound
	// counts generations by last use, not first.
	own.add(first)
}

// compare looks for another node that used e's generation.
func (c *perGeneration) compare(e *sim.Event) {
	if c.violation != nil {
		return
	}
	node := c.who(e)
	for id := range c.nodes {
		other := sim.NodeID(id)
		if other == node {
			continue
		}
		if u, ok := c.nodes[id].find(e.Gen); ok {
			c.violation = &Violation{
				Property: c.name,
				Nodes:    []sim.NodeID{other, node},
				Gens:     []sim.Generation{e.Gen},
				Times:    []sim.Time{u.at, e.At},
				Index:    e.Index,
				Events:   []int64{u.index, e.Index},
				Detail: fmt.Sprintf("%s and %s both %s in generation %d: %s at %v (event %d), %s at %v (event %d)",
					c.roster.Name(other), c.roster.Name(node), c.verb, e.Gen,
					c.roster.Name(other), readable(int64(u.at)), u.index, c.roster.Name(node), readable(int64(e.At)), e.Index),
			}
			return
		}
	}
}

// fenced checks that the resource's accepted acts never go back in
// generation.
type fenced struct {
	roster    *sim.Roster
	highest   sim.Generation
	owner     sim.NodeID
	since     sim.Time
	sinceAt   int64 // the index of the event that accepted highest
	accepted  bool
	violation *Violation
}

// NewFencedResource checks fenced-resource.
func NewFencedResource(r *sim.Roster) Checker { return &fenced{roster: r} }

func (c *fenced) Name() string          { return FencedResource }
func (c *fenced) Violation() *Violation { return c.violation }

func (c *fenced) Observe(e *sim.Event) {
	// A store's acknowledgement is no resource's: with a store there is
	// none to fence, and what a stale write costs is no-lost-writes's.
	if e.Kind != sim.KindActApplied || !e.Accepted || e.Tag == sim.ActAcked {
		return
	}
	if c.accepted && e.Gen < c.highest && c.violation == nil {
		c.violation = &Violation{
			Property: FencedResource,
			Nodes:    []sim.NodeID{c.owner, e.Peer},
			Gens:     []sim.Generation{c.highest, e.Gen},
			Times:    []sim.Time{c.since, e.At},
			Index:    e.Index,
			Events:   []int64{c.sinceAt, e.Index},
			Detail: fmt.Sprintf("the resource accepted %s's act in generation %d at %v (event %d) after accepting generation %d from %s at %v",
				c.roster.Name(e.Peer), e.Gen, readable(int64(e.At)), e.Index, c.highest, c.roster.Name(c.owner), readable(int64(c.since))),
		}
	}
	if !c.accepted || e.Gen > c.highest {
		c.highest, c.owner, c.since, c.sinceAt, c.accepted = e.Gen, e.Peer, e.At, e.Index, true
	}
}
