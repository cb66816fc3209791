package sim_test

import (
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/sim"
)

// baseScenario is a small healthy cluster with a constant latency, so a
// test can predict when every message arrives.
func baseScenario(nodes int, duration time.Duration) *sim.Scenario {
	return &sim.Scenario{
		Name:     "test",
		Nodes:    nodes,
		Duration: duration,
		Protocol: sim.ProtocolSpec{Name: "test"},
		Network:  sim.NetworkSpec{Latency: network.Constant(time.Millisecond)},
	}
}

// recorder keeps a copy of every event of a run.
type recorder struct {
	events []sim.Event
}

func (r *recorder) Observe(e *sim.Event) { r.events = append(r.events, *e) }

func (r *recorder) of(kind sim.Kind) []sim.Event {
	var out []sim.Event
	for _, e := range r.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// fataler is what both *testing.T and *rapid.T offer.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// run builds and runs a scenario, failing the test on a build error.
func run(t fataler, scn *sim.Scenario, p sim.Protocol, seed uint64) (sim.Result, *recorder) {
	t.Helper()
	s, err := sim.New(scn, p, seed)
	if err != nil {
		t.Fatalf("building the run: %v", err)
	}
	rec := &recorder{}
	s.Observe(rec)
	return s.Run(), rec
}

// funcNode is a node whose handlers are closures, for tests that need a
// protocol of a few lines.
type funcNode struct {
	start   func(env sim.Env)
	deliver func(env sim.Env, from sim.NodeID, m sim.Message)
	fire    func(env sim.Env, t sim.Timer)
	env     sim.Env
}

func (n *funcNode) Start(env sim.Env) {
	n.env = env
	if n.start != nil {
		n.start(env)
	}
}

func (n *funcNode) Deliver(from sim.NodeID, m sim.Message) {
	if n.deliver != nil {
		n.deliver(n.env, from, m)
	}
}

func (n *funcNode) Fire(t sim.Timer) {
	if n.fire != nil {
		n.fire(n.env, t)
	}
}

func protocolOf(newNode func(id sim.NodeID) *funcNode) sim.Protocol {
	return sim.Protocol{Name: "test", New: func(id sim.NodeID, _ string) sim.Node { return newNode(id) }}
}
