package routing_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols/protocoltest"
	_ "github.com/electsim/electsim/protocols/raft"
	_ "github.com/electsim/electsim/protocols/routing"
	"github.com/electsim/electsim/sim"
)

// outcome runs a scenario file under a protocol and returns its report and
// the node of each Lead, in order.
func outcome(t *testing.T, file, protocol string, seed uint64) (*properties.Report, []string) {
	t.Helper()
	scn, err := sim.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	scn.Protocol.Name = protocol
	var leaders []string
	out, err := properties.Run(scn, protocoltest.Build(t, scn), seed, sim.ObserverFunc(func(e *sim.Event) {
		if e.Kind == sim.KindLead {
			leaders = append(leaders, fmt.Sprintf("n%d", e.Node))
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	return out.Report, leaders
}

// TestStableLeaderUnderJepsenShapes: under bridge and majorities-ring,
// routing-aware election elects one leader and keeps it (the bridge node,
// under bridge) for every seed tried, where plain Raft changes leader.
func TestStableLeaderUnderJepsenShapes(t *testing.T) {
	for _, tc := range []struct {
		file, leader string
	}{
		{"../../scenarios/bridge.yaml", "n3"},
		{"../../scenarios/majorities-ring.yaml", "n1"},
	} {
		raftChanges, raftAvail, routingAvail := int64(0), 0.0, 0.0
		const seeds = 10
		for seed := uint64(1); seed <= seeds; seed++ {
			rep, leaders := outcome(t, tc.file, "routing", seed)
			if len(leaders) != 1 || leaders[0] != tc.leader {
				t.Errorf("%s seed %d: routing-aware leaders %v, want %s alone", tc.file, seed, leaders, tc.leader)
			}
			routingAvail += rep.Metrics.Availability / seeds
			plain, _ := outcome(t, tc.file, "raft", seed)
			raftChanges += plain.Metrics.LeaderChanges
			raftAvail += plain.Metrics.Availability / seeds
		}
		t.Logf("%s over %d seeds: raft %d leader changes, availability %.3f; routing 0 changes, availability %.3f",
			tc.file, seeds, raftChanges, raftAvail, routingAvail)
		if raftChanges == 0 {
			t.Errorf("%s: plain Raft kept its leader in all %d seeds; the shape should unsettle it", tc.file, seeds)
		}
	}
}

// TestElectionSafety: the routing rules only narrow who stands and whom a
// voter backs, on top of Raft's; at most one leader per term must hold,
// and at most one node commits acts in a term.
func TestElectionSafety(t *testing.T) {
	for _, params := range []map[string]any{{}, {"prevote": true, "check_quorum": true}} {
		t.Run(fmt.Sprint(params), func(t *testing.T) {
			base := &sim.Scenario{
				Name: "routing-cluster", Nodes: 5, Duration: 20 * time.Second,
				Protocol: sim.ProtocolSpec{Name: "routing", Params: params},
				Network:  sim.NetworkSpec{Latency: network.Uniform(time.Millisecond, 5*time.Millisecond)},
				Expect:   sim.Expect{Properties: []string{properties.SingleLeader, properties.SingleBelief, properties.SingleCommit}},
			}
			properties.Check(t, base, protocoltest.Build(t, base), properties.Options{
				Space: properties.FaultSpace{
					Kinds:        []string{properties.FaultPartition, properties.FaultHeal, properties.FaultCrash, properties.FaultPause, properties.FaultCut, properties.FaultLink},
					RestartAfter: 3 * time.Second, PauseMax: 5 * time.Second,
				},
				Checks: 500,
			})
		})
	}
}

// TestSlowerFirstDecision measures the trade-off of seed 003: in a healthy
// cluster the first leader comes later than Raft's, since no one stands
// before the views have formed and only the best-connected may.
func TestSlowerFirstDecision(t *testing.T) {
	var raftFirst, routingFirst time.Duration
	for seed := uint64(1); seed <= 20; seed++ {
		for _, p := range []string{"raft", "routing"} {
			scn := &sim.Scenario{Name: "healthy", Nodes: 5, Duration: 10 * time.Second, Protocol: sim.ProtocolSpec{Name: p},
				Network: sim.NetworkSpec{Latency: network.Uniform(time.Millisecond, 5*time.Millisecond)}}
			out, err := properties.Run(scn, protocoltest.Build(t, scn), seed)
			if err != nil {
				t.Fatal(err)
			}
			first := time.Duration(out.Report.Metrics.FirstLeaderNS)
			if first < 0 {
				t.Fatalf("%s seed %d: no leader", p, seed)
			}
			if p == "raft" {
				raftFirst += first / 20
			} else {
				routingFirst += first / 20
			}
		}
	}
	t.Logf("mean time to the first leader over 20 seeds: raft %v, routing-aware %v", raftFirst, routingFirst)
	if routingFirst <= raftFirst {
		t.Errorf("routing-aware election decided first in %v on average, Raft in %v: the views should cost time", routingFirst, raftFirst)
	}
}
