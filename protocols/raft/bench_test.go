package raft_test

import (
	"maps"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// benchScenario is the performance budget (README.md, Performance): a 5-node Raft cluster
// (100ms heartbeat, 1-2s election timeouts) with a latency model and
// drifting clocks, every checker on, no trace, an hour of true time per
// run. The budget is 20,000 simulated seconds per wall second on one core.
func benchScenario(params map[string]any) *sim.Scenario {
	return &sim.Scenario{
		Name: "raft-bench", Nodes: 5, Duration: time.Hour, Protocol: sim.ProtocolSpec{Name: "raft", Params: params},
		Network: sim.NetworkSpec{Latency: network.Latency{Dist: "lognormal", Median: 2 * time.Millisecond, Sigma: 0.5, Min: 500 * time.Microsecond}, Loss: 0.001},
		Clocks:  sim.Clocks{RandomDriftPPM: 100},
	}
}

// BenchmarkFiveNodes is the budget's cluster as Raft is configured out of
// the box: commit on, acts replicated before they take effect.
func BenchmarkFiveNodes(b *testing.B) {
	scn := benchScenario(nil)
	protocoltest.Bench(b, scn, protocoltest.Build(b, scn))
}

// BenchmarkFiveNodesPreVoteCheckQuorum compares what commit and disks
// cost, with PreVote and CheckQuorum on: acts on belief (commit off),
// committed acts, committed acts with a disk that takes 1-5ms a write, and
// committed acts under the etcd raft loop's load (etcdLoad): no client
// writes besides the acts and etcd's commit notices, so that electsim and
// bench/'s loop send the same messages.
func BenchmarkFiveNodesPreVoteCheckQuorum(b *testing.B) {
	for _, tc := range []struct {
		name   string
		params map[string]any
		disk   bool
	}{
		{"belief", map[string]any{"commit": false}, false},
		{"commit", map[string]any{}, false},
		{"commit+disk", map[string]any{}, true},
		{"commit+etcd-load", etcdLoad, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			params := map[string]any{"prevote": true, "check_quorum": true}
			maps.Copy(params, tc.params)
			scn := benchScenario(params)
			if tc.disk {
				disk := network.Uniform(time.Millisecond, 5*time.Millisecond)
				scn.Disk.Latency = &disk
			}
			protocoltest.Bench(b, scn, protocoltest.Build(b, scn))
		})
	}
}
