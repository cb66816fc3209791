package sim_test

import (
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols/example"
	"github.com/electsim/electsim/sim"
)

// benchRun runs scn b.N times and reports events per wall second, simulated
// seconds per wall second and allocations per event.
func benchRun(b *testing.B, scn *sim.Scenario, p sim.Protocol, checkers bool) {
	b.ReportAllocs()
	var events int64
	for i := 0; b.Loop(); i++ {
		s, err := sim.New(scn, p, uint64(i))
		if err != nil {
			b.Fatal(err)
		}
		if checkers {
			properties.Attach(s)
		}
		res := s.Run()
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		events += res.Events
	}
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/elapsed, "events/s")
	b.ReportMetric(float64(b.N)*scn.Duration.Seconds()/elapsed, "sim-s/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// BenchmarkEventLoop measures the kernel: five nodes pinging each other
// every millisecond with messages of no size over constant-latency links,
// no observers. Almost all the time is the event loop.
func BenchmarkEventLoop(b *testing.B) {
	scn := &sim.Scenario{
		Name: "loop", Nodes: 5, Duration: 10 * time.Second, Protocol: sim.ProtocolSpec{Name: "example/ping"},
		Network: sim.NetworkSpec{Latency: network.Constant(time.Millisecond)},
	}
	benchRun(b, scn, example.Ping(time.Millisecond), false)
}

// BenchmarkMessageHeavy5Node is a realistic message-heavy load: five nodes
// pinging every 10ms over lognormal links with 1% loss, drifting clocks, a
// pause and a partition, with every checker and metric attached.
func BenchmarkMessageHeavy5Node(b *testing.B) {
	scn := &sim.Scenario{
		Name: "heavy", Nodes: 5, Duration: 60 * time.Second, Protocol: sim.ProtocolSpec{Name: "example/ping"},
		Network: sim.NetworkSpec{Latency: network.Latency{Dist: "lognormal", Median: 2 * time.Millisecond, Sigma: 0.5, Min: 500 * time.Microsecond}, Loss: 0.01},
		Clocks:  sim.Clocks{RandomDriftPPM: 200},
		Faults: []sim.Fault{
			{At: sim.Fixed(10 * time.Second), Pause: &sim.Pause{Node: "n2", For: sim.Fixed(3 * time.Second)}},
			{At: sim.Fixed(20 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeHalves}},
			{At: sim.Fixed(30 * time.Second), Heal: true},
		},
	}
	benchRun(b, scn, example.Ping(10*time.Millisecond), true)
}
