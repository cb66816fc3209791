package sim

import (
	"fmt"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
)

// pinger pings every peer each 10ms with a message of no size, so any
// allocation in a run of it is the kernel's.
type pinger struct{ env Env }

type pingMsg struct{}

func (p *pinger) Start(env Env) {
	p.env = env
	env.SetTimer(10*time.Millisecond, "ping")
	if env.ID() == 1 {
		env.Lead(1000) // so the act workload and the resource run too
	}
}

func (p *pinger) Fire(Timer) {
	p.env.Storage().PutUint64("pinged", 1) // a write, which a disk makes the pings wait for
	for _, peer := range p.env.Peers() {
		if peer != p.env.ID() {
			p.env.Send(peer, pingMsg{})
		}
	}
	p.env.SetTimer(10*time.Millisecond, "ping")
}

func (p *pinger) Deliver(NodeID, Message) {}

// TestSteadyStateAllocatesNothing holds the kernel to DESIGN.md's budget:
// once a run has warmed up (queue and timer slices at their size), events
// cost no allocation, with drifting clocks, a latency model, loss, a
// leader acting on the resource and an observer attached; with or without
// disks that hold messages for writes.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	for _, disk := range []Disk{{}, {Latency: &network.Latency{Dist: "uniform", Min: time.Millisecond, Max: 3 * time.Millisecond}}} {
		t.Run(fmt.Sprintf("disk %v", disk.Latency != nil), func(t *testing.T) { steadyStateAllocatesNothing(t, disk) })
	}
}

func steadyStateAllocatesNothing(t *testing.T, disk Disk) {
	scn := &Scenario{
		Name: "alloc", Nodes: 5, Duration: time.Hour, Protocol: ProtocolSpec{Name: "ping"},
		Network: NetworkSpec{Latency: network.Latency{Dist: "lognormal", Median: 2 * time.Millisecond, Sigma: 0.5}, Loss: 0.01},
		Clocks:  Clocks{RandomDriftPPM: 200},
		Disk:    disk,
	}
	s, err := New(scn, Protocol{Name: "ping", New: func(NodeID, string) Node { return &pinger{} }}, 1)
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	s.Observe(ObserverFunc(func(*Event) { events++ }))
	s.end = Time(time.Second)
	s.boot()
	s.loop()
	allocs := testing.AllocsPerRun(20, func() {
		s.end += Time(100 * time.Millisecond)
		s.loop()
	})
	if s.stop != nil {
		t.Fatal(s.stop)
	}
	if allocs != 0 {
		t.Fatalf("%v allocations per 100ms of simulation (about %d events) in steady state, want 0", allocs, events/int(s.end/Time(100*time.Millisecond)))
	}
}
