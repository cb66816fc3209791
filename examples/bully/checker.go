package bully

import (
	"fmt"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// MonotonicGenerations is a property of this package's own, for
// properties.Options.Checkers: a node never leads a generation below one
// it led before, across restarts. electsim's built-in properties do not
// see it (no two nodes share a generation), and a resource that fences by
// generation would reject the restarted node's acts for good.
type MonotonicGenerations struct {
	roster    *sim.Roster
	highest   map[sim.NodeID]sim.Generation
	violation *properties.Violation
}

// NewMonotonicGenerations builds the checker for a run.
func NewMonotonicGenerations(r *sim.Roster) properties.Checker {
	return &MonotonicGenerations{roster: r, highest: map[sim.NodeID]sim.Generation{}}
}

func (c *MonotonicGenerations) Name() string                     { return "monotonic-generations" }
func (c *MonotonicGenerations) Violation() *properties.Violation { return c.violation }

func (c *MonotonicGenerations) Observe(e *sim.Event) {
	if e.Kind != sim.KindLead || c.violation != nil {
		return
	}
	if before, ok := c.highest[e.Node]; ok && e.Gen < before {
		c.violation = &properties.Violation{
			Property: c.Name(), Nodes: []sim.NodeID{e.Node}, Gens: []sim.Generation{before, e.Gen}, Times: []sim.Time{e.At}, Index: e.Index,
			Detail: fmt.Sprintf("%s led generation %d at %v, below the %d it led before", c.roster.Name(e.Node), e.Gen, e.At, before),
		}
	}
	c.highest[e.Node] = max(c.highest[e.Node], e.Gen)
}

// Elections is a metric of this package's own, for
// properties.Options.Metrics: how many times a node stood.
type Elections struct{ n int }

// NewElections builds the metric for a run.
func NewElections(*sim.Roster) properties.Metric { return &Elections{} }

func (m *Elections) Name() string   { return "elections" }
func (m *Elections) Value() float64 { return float64(m.n) }
func (m *Elections) Observe(e *sim.Event) {
	if e.Kind == sim.KindLead {
		m.n++
	}
}
