package raft_test

import (
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// BenchmarkFiveNodes is DESIGN.md's performance budget: a 5-node Raft
// cluster (100ms heartbeat, 1-2s election timeouts) with a latency model
// and drifting clocks, every checker on, no trace, an hour of true time per
// run. The budget is 20,000 simulated seconds per wall second on one core.
func BenchmarkFiveNodes(b *testing.B) {
	scn := &sim.Scenario{
		Name: "raft-bench", Nodes: 5, Duration: time.Hour, Protocol: sim.ProtocolSpec{Name: "raft"},
		Network: sim.NetworkSpec{Latency: network.Latency{Dist: "lognormal", Median: 2 * time.Millisecond, Sigma: 0.5, Min: 500 * time.Microsecond}, Loss: 0.001},
		Clocks:  sim.Clocks{RandomDriftPPM: 100},
	}
	protocoltest.Bench(b, scn, protocoltest.Build(b, scn))
}
