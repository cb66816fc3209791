package raft_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols/protocoltest"
	_ "github.com/electsim/electsim/protocols/raft"
	"github.com/electsim/electsim/sim"
)

func cluster(nodes int, duration time.Duration, params map[string]any) *sim.Scenario {
	return &sim.Scenario{
		Name: "raft-cluster", Nodes: nodes, Duration: duration,
		Protocol: sim.ProtocolSpec{Name: "raft", Params: params},
		Network:  sim.NetworkSpec{Latency: network.Uniform(time.Millisecond, 5*time.Millisecond)},
	}
}

func run(t *testing.T, scn *sim.Scenario, seed uint64) *properties.Report {
	t.Helper()
	out, err := properties.Run(scn, protocoltest.Build(t, scn), seed)
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.Err != nil {
		t.Fatal(out.Result.Err)
	}
	return out.Report
}

// correct are the configurations that must keep one leader per term under
// any fault.
var correct = []map[string]any{
	{},
	{"prevote": true},
	{"check_quorum": true},
	{"prevote": true, "check_quorum": true},
	{"check_quorum": true, "leader_lease": true},
	{"prevote": true, "check_quorum": true, "write_every": "0s"},
	{"election_timer": "paper", "prevote": true, "prevote_refusal": "thesis"},
	{"commit": false},
	{"prevote": true, "check_quorum": true, "commit_notify": "etcd"},
}

var everyFault = properties.FaultSpace{
	Kinds:        []string{properties.FaultPartition, properties.FaultHeal, properties.FaultCrash, properties.FaultRestart, properties.FaultPause, properties.FaultCut, properties.FaultClockStep, properties.FaultDrift, properties.FaultLink},
	PauseMax:     5 * time.Second,
	RestartAfter: 3 * time.Second,
}

// safe are the properties no correct configuration may break: one leader
// per term by beliefs, by acts and by committed acts.
var safe = []string{properties.SingleLeader, properties.SingleBelief, properties.SingleCommit}

// TestElectionSafety: at most one leader per term, by beliefs, acts and
// commits, under random fault schedules, for every correct configuration.
func TestElectionSafety(t *testing.T) {
	for _, params := range correct {
		t.Run(fmt.Sprint(params), func(t *testing.T) {
			base := cluster(5, 20*time.Second, params)
			base.Expect.Properties = safe
			properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: everyFault, Checks: 500})
		})
	}
}

// TestElectionSafetyWithSlowDisks: the same with durable writes that take
// 1-20ms, which hold every answer until the term, vote and entries it
// depends on are written, and lose both in a crash.
func TestElectionSafetyWithSlowDisks(t *testing.T) {
	for _, params := range []map[string]any{{}, {"prevote": true, "check_quorum": true}} {
		t.Run(fmt.Sprint(params), func(t *testing.T) {
			base := cluster(5, 20*time.Second, params)
			disk := network.Uniform(time.Millisecond, 20*time.Millisecond)
			base.Disk.Latency = &disk
			base.Expect.Properties = safe
			properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: everyFault, Checks: 500})
		})
	}
}

// TestElectionSafetyAimedAtTheLeader: the same, with faults that name
// roles, resolved as the run goes: crash, pause, skew or isolate the
// leader, a follower or anyone, and place the leader in halves and bridges.
func TestElectionSafetyAimedAtTheLeader(t *testing.T) {
	space := everyFault
	space.Targets = []string{sim.RoleLeader, sim.RoleFollower, sim.RoleAny, "n1"}
	for _, params := range []map[string]any{{}, {"prevote": true, "check_quorum": true}, {"check_quorum": true, "leader_lease": true}} {
		t.Run(fmt.Sprint(params), func(t *testing.T) {
			base := cluster(5, 20*time.Second, params)
			base.Expect.Properties = safe
			properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: space, Checks: 300})
		})
	}
}

func TestHealthyClusterElectsOneLeader(t *testing.T) {
	for _, nodes := range []int{3, 5, 7} {
		for _, params := range correct {
			rep := run(t, cluster(nodes, 60*time.Second, params), 1)
			m := rep.Metrics
			if m.FirstLeaderNS < 0 || m.FirstLeaderNS > int64(2100*time.Millisecond) || m.LeaderChanges != 0 {
				t.Errorf("%d nodes %v: first leader at %v, %d changes; want one leader within an election timeout",
					nodes, params, time.Duration(m.FirstLeaderNS), m.LeaderChanges)
			}
		}
	}
}

// TestVoteKeptInMemoryIsCaught: with persist: false a voter that crashes
// and restarts between two candidates' requests votes twice in one term.
// The search finds two leaders of one term and shrinks to at most 3 faults.
func TestVoteKeptInMemoryIsCaught(t *testing.T) {
	base := cluster(3, 5*time.Second, map[string]any{"persist": false})
	base.Expect.Properties = []string{properties.SingleBelief}
	found := properties.Hunt(t, base, protocoltest.Build(t, base), properties.Options{
		Space:  properties.FaultSpace{Kinds: []string{properties.FaultPartition, properties.FaultCrash}, RestartAfter: time.Second},
		Checks: 20000,
	})
	protocoltest.RequireShrunk(t, found, "two leaders of one term with persist: false", 3)
	protocoltest.RequireCause(t, found, "the restart that lost the vote", sim.KindRestart)
}

// TestLeaseBeyondItsDriftBoundIsCaught: a leader lease assumes clocks
// drift apart by at most drift_bound. A leader whose clock runs slower than
// that, cut off from the cluster, acts after a new leader has acted, and the
// unfenced resource accepts the stale act.
func TestLeaseBeyondItsDriftBoundIsCaught(t *testing.T) {
	base := cluster(3, 10*time.Second, map[string]any{"check_quorum": true, "leader_lease": true, "drift_bound": 1.05})
	base.Network.Latency = network.Constant(2 * time.Millisecond)
	base.Expect.Properties = []string{properties.FencedResource}
	found := properties.Hunt(t, base, protocoltest.Build(t, base), properties.Options{
		Space: properties.FaultSpace{
			Kinds: []string{properties.FaultDrift, properties.FaultPartition}, DriftMaxPPM: 400000,
			Shapes: []string{properties.ShapeGroups},
		},
		Checks: 5000,
	})
	protocoltest.RequireShrunk(t, found, "a stale act with clocks drifting beyond the lease bound", 3)
	protocoltest.RequireCause(t, found, "the drift beyond the bound", sim.KindDrift)
}

// load reads a ready scenario and sets protocol parameters on it.
func load(t *testing.T, path string, params map[string]any) *sim.Scenario {
	t.Helper()
	scn, err := sim.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if scn.Protocol.Params == nil {
		scn.Protocol.Params = map[string]any{}
	}
	for k, v := range params {
		scn.Protocol.Params[k] = v
	}
	return scn
}

// TestLivenessTraps: Howard & Abraham's scenario 1 deposes leaders again
// and again in 60 s of plain Raft, Cloudflare's 2020 outage at least once;
// PreVote (with CheckQuorum for Cloudflare's) keeps one leader.
func TestLivenessTraps(t *testing.T) {
	for _, tc := range []struct {
		file         string
		fixed        map[string]any
		plainChanges int64
	}{
		{"../../scenarios/howard-scenario-1.yaml", map[string]any{"prevote": true}, 5},
		// The lagging follower cannot win the elections it forces, so the
		// churn ends once the third node wins (see the scenario).
		{"../../scenarios/cloudflare-2020.yaml", map[string]any{"prevote": true, "check_quorum": true}, 1},
	} {
		plain := run(t, load(t, tc.file, map[string]any{"prevote": false, "check_quorum": false}), 1)
		fixed := run(t, load(t, tc.file, tc.fixed), 1)
		t.Logf("%s: %d leader changes, availability %.3f; with %v: %d changes, availability %.3f", tc.file,
			plain.Metrics.LeaderChanges, plain.Metrics.Availability, tc.fixed, fixed.Metrics.LeaderChanges, fixed.Metrics.Availability)
		if plain.Metrics.LeaderChanges < tc.plainChanges {
			t.Errorf("%s: plain Raft changed leader %d times in 60s, want at least %d", tc.file, plain.Metrics.LeaderChanges, tc.plainChanges)
		}
		if fixed.Metrics.LeaderChanges > 1 {
			t.Errorf("%s with %v: %d leader changes, want at most 1", tc.file, tc.fixed, fixed.Metrics.LeaderChanges)
		}
	}
}

// leaseCluster is a leader lease in the conditions it promises safety
// under: CheckQuorum, clocks within its drift bound, and one constant
// latency so that acts reach the resource in the order they were issued,
// and acts every 10ms.
// The cluster is idle (no client writes), the lease's hardest case: any
// node's log is as up to date as another's, so any node can win.
func leaseCluster(restartWait bool) *sim.Scenario {
	base := cluster(3, 10*time.Second, map[string]any{"check_quorum": true, "leader_lease": true, "restart_wait": restartWait, "write_every": "0s"})
	base.Network.Latency = network.Constant(2 * time.Millisecond)
	base.Workload.ActEvery = 10 * time.Millisecond // fine enough to see two leases overlap
	base.Expect.Properties = []string{properties.FencedResource}
	return base
}

// leaseFaults are the faults a lease must survive: crashes and restarts,
// partitions, pauses, and drift changes within drift_bound (±20000 ppm is
// a rate ratio of at most 1.04 against the bound's 1.05).
var leaseFaults = properties.FaultSpace{
	Kinds:        []string{properties.FaultCrash, properties.FaultPartition, properties.FaultHeal, properties.FaultPause, properties.FaultDrift},
	RestartAfter: time.Second, PauseMax: 3 * time.Second, DriftMaxPPM: 20000,
	Shapes: []string{properties.ShapeGroups, sim.ShapeBridge},
}

// TestLeaseRestartHoleIsCaught: without restart_wait, a voter that
// restarts inside a lease it helped grant votes at once, and a new leader
// acts while the old one's lease still runs (etcd-io/raft reads the same
// way; tikv/tikv#15035).
func TestLeaseRestartHoleIsCaught(t *testing.T) {
	base := leaseCluster(false)
	found := properties.Hunt(t, base, protocoltest.Build(t, base), properties.Options{
		Space: properties.FaultSpace{
			Kinds:        []string{properties.FaultCrash, properties.FaultPartition},
			RestartAfter: 100 * time.Millisecond, Shapes: []string{sim.ShapeBridge},
		},
		Checks: 20000,
	})
	protocoltest.RequireShrunk(t, found, "a stale act after a voter restarted inside the lease", 3)
	protocoltest.RequireCause(t, found, "the voter's restart inside the lease", sim.KindRestart)
}

// TestLeaseWithRestartWaitIsSafe: with restart_wait, the lease holds under
// every fault it promises to survive: no act is accepted after a newer
// leader's.
func TestLeaseWithRestartWaitIsSafe(t *testing.T) {
	base := leaseCluster(true)
	properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: leaseFaults, Checks: 500})
}
