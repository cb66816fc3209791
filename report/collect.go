package report

import "github.com/electsim/electsim/sim"

// MaxScan is how many events before the violation a Collector keeps: the
// diagram never reaches further back. It bounds the memory of a report of
// a long run (a few megabytes).
const MaxScan = 20_000

// Collector keeps copies of the events of a run up to a violation's, the
// last MaxScan of them, and the state of each node before those: who
// believed it led, who was paused or crashed. Add it to a
// second run of the scenario with the seed of the first (Sim.Observe):
// the second run is the first, event for event.
type Collector struct {
	roster   *sim.Roster
	from, to int64
	events   []sim.Event
	states   []nodeState // by NodeID: before from
}

// NewCollector returns a collector of the events up to index violation of
// a run of r's nodes.
func NewCollector(r *sim.Roster, violation int64) *Collector {
	return &Collector{
		roster: r, from: max(0, violation-MaxScan), to: violation,
		states: make([]nodeState, r.Len()+1),
	}
}

// Observe keeps a copy of the event (the kernel reuses the one it
// passes), or, before the kept range, follows the state it changes.
func (c *Collector) Observe(e *sim.Event) {
	switch {
	case e.Index < c.from:
		follow(c.states, e)
	case e.Index <= c.to:
		c.events = append(c.events, *e)
	}
}

// Events returns the events kept, in index order. Do not modify.
func (c *Collector) Events() []sim.Event { return c.events }

// nodeState is what the diagram shades on a node's lane: the generation
// it believes it leads (0 for none), and whether it is paused or crashed
// (sim.KindPause, sim.KindCrash, or 0 when up).
type nodeState struct {
	gen  sim.Generation
	down sim.Kind
}

// follow applies one event's change to its node's state: a Lead starts a
// belief, a step-down or a crash ends it; a pause lasts to the resume (or
// a crash), a crash to the restart.
func follow(states []nodeState, e *sim.Event) {
	if e.Node <= 0 || int(e.Node) >= len(states) {
		return
	}
	st := &states[e.Node]
	switch e.Kind {
	case sim.KindLead:
		st.gen = e.Gen
	case sim.KindStepDown:
		st.gen = 0
	case sim.KindCrash:
		st.gen, st.down = 0, sim.KindCrash
	case sim.KindRestart:
		st.down = 0
	case sim.KindPause:
		if st.down == 0 {
			st.down = sim.KindPause
		}
	case sim.KindResume:
		if st.down == sim.KindPause {
			st.down = 0
		}
	}
}
