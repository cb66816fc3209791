package example

import (
	"time"

	"github.com/electsim/electsim/sim"
)

// Counter returns the counter protocol: each node counts its boots in
// durable storage ("boots") and its ticks both in memory and in storage
// ("ticks"); n1 leads the generation equal to its boot count.
func Counter(tick time.Duration) sim.Protocol {
	return sim.Protocol{
		Name: "example/counter",
		New:  func(sim.NodeID, string) sim.Node { return &CounterNode{tick: tick} },
	}
}

// CounterNode is exported so that kernel tests can look at what survives a
// crash.
type CounterNode struct {
	tick  time.Duration
	env   sim.Env
	Boots uint64 // read from storage at start
	Ticks uint64 // volatile: counts from 0 after every start
}

// Start counts a boot.
func (c *CounterNode) Start(env sim.Env) {
	c.env = env
	c.Boots = env.Storage().Uint64("boots") + 1
	env.Storage().PutUint64("boots", c.Boots)
	env.SetTimer(c.tick, "tick")
	if env.ID() == 1 {
		env.Lead(sim.Generation(c.Boots))
	}
}

// Fire counts a tick.
func (c *CounterNode) Fire(sim.Timer) {
	c.Ticks++
	c.env.Storage().PutUint64("ticks", c.env.Storage().Uint64("ticks")+1)
	c.env.SetTimer(c.tick, "tick")
}

// Deliver ignores messages.
func (c *CounterNode) Deliver(sim.NodeID, sim.Message) {}
