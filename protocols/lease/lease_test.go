package lease_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/lease"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// cluster is a lease-elected cluster with a short TTL, so that property
// runs see many sessions end.
func cluster(nodes int, duration time.Duration, params map[string]any) *sim.Scenario {
	p := map[string]any{"ttl": "2s"}
	for k, v := range params {
		p[k] = v
	}
	return &sim.Scenario{
		Name: "lease-cluster", Nodes: nodes, Duration: duration,
		Protocol: sim.ProtocolSpec{Name: "lease", Params: p},
		Network:  sim.NetworkSpec{Latency: network.Uniform(time.Millisecond, 5*time.Millisecond)},
	}
}

func run(t *testing.T, scn *sim.Scenario) *properties.Outcome {
	t.Helper()
	out, err := properties.Run(scn, protocoltest.Build(t, scn), 1)
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.Err != nil {
		t.Fatal(out.Result.Err)
	}
	return out
}

func TestHealthyClusterElectsOneLeader(t *testing.T) {
	for _, nodes := range []int{3, 5, 7} {
		out := run(t, cluster(nodes, 60*time.Second, nil))
		m := out.Report.Metrics
		if m.FirstLeaderNS < 0 || m.FirstLeaderNS > int64(100*time.Millisecond) {
			t.Errorf("%d nodes: first leader at %v, want within 100ms (a grant and a campaign)", nodes, time.Duration(m.FirstLeaderNS))
		}
		if m.LeaderChanges != 0 || m.Availability < 0.99 {
			t.Errorf("%d nodes: %d leader changes, availability %.3f; want a steady leader", nodes, m.LeaderChanges, m.Availability)
		}
		for name, p := range out.Report.Properties {
			if !p.OK {
				t.Errorf("%d nodes: %s: %s", nodes, name, p.Detail)
			}
		}
	}
}

func TestNewLeaderAfterTheLeaderCrashes(t *testing.T) {
	for _, nodes := range []int{3, 5, 7} {
		first := firstLeader(t, cluster(nodes, 5*time.Second, nil))
		scn := cluster(nodes, 30*time.Second, nil)
		scn.Faults = []sim.Fault{{At: sim.Fixed(10 * time.Second), Crash: first}}
		out := run(t, scn)
		if out.Report.Metrics.LeaderChanges != 1 {
			t.Fatalf("%d nodes: %d leader changes after %s crashed, want 1", nodes, out.Report.Metrics.LeaderChanges, first)
		}
		// The crashed leader's key lives until its lease expires on the
		// coordinator: at most a TTL after its last keepalive.
		if recovered := out.Report.Metrics.Availability; recovered < 0.90 {
			t.Fatalf("%d nodes: availability %.3f after one crash with a 2s TTL over 30s", nodes, recovered)
		}
	}
}

// firstLeader runs a scenario and names the node of its first Lead event.
func firstLeader(t *testing.T, scn *sim.Scenario) string {
	t.Helper()
	leader := ""
	s, err := sim.New(scn, protocoltest.Build(t, scn), 1)
	if err != nil {
		t.Fatal(err)
	}
	s.Observe(sim.ObserverFunc(func(e *sim.Event) {
		if e.Kind == sim.KindLead && leader == "" {
			leader = s.Roster().Name(e.Node)
		}
	}))
	s.Run()
	if leader == "" {
		t.Fatal("no leader")
	}
	return leader
}

// safetySpace is every fault the lease model meets, the coordinator's
// crashes and partitions included: revisions must stay unique through them.
var safetySpace = properties.FaultSpace{
	Kinds:    []string{properties.FaultPartition, properties.FaultHeal, properties.FaultCrash, properties.FaultRestart, properties.FaultPause, properties.FaultClockStep, properties.FaultDrift, properties.FaultLink},
	Targets:  []string{"n1", "n2", "n3", "n4", "n5", "coord"},
	Services: []string{"coord"},
	PauseMax: 5 * time.Second,
}

func TestAtMostOneLeaderPerGeneration(t *testing.T) {
	base := cluster(5, 20*time.Second, nil)
	base.Expect.Properties = []string{properties.SingleLeader, properties.SingleBelief}
	properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: safetySpace, Checks: 500})
}

// TestAtMostOneLeaderPerGenerationWithSlowDisks: the coordinator's
// revisions, leases and keys are durable only 1-20ms after it writes them,
// and its answers wait for them; a crash of the coordinator before then
// loses both, and still no revision leads twice.
func TestAtMostOneLeaderPerGenerationWithSlowDisks(t *testing.T) {
	base := cluster(5, 20*time.Second, nil)
	disk := network.Uniform(time.Millisecond, 20*time.Millisecond)
	base.Disk.Latency = &disk
	base.Expect.Properties = []string{properties.SingleLeader, properties.SingleBelief}
	properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: safetySpace, Checks: 500})
}

func TestFencingRejectsEveryStaleAct(t *testing.T) {
	base := cluster(5, 20*time.Second, map[string]any{"fenced": true})
	base.Expect.Properties = []string{properties.SingleLeader, properties.FencedResource}
	properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: safetySpace, Checks: 500})
}

// TestUnfencedLeaseUnderPausesIsCaught: without fencing, a leader that
// pauses past its TTL acts on stale belief and the resource accepts it. The
// search finds it and shrinks it to a schedule of at most 3 faults.
func TestUnfencedLeaseUnderPausesIsCaught(t *testing.T) {
	base := cluster(3, 10*time.Second, nil)
	base.Expect.Properties = []string{properties.FencedResource}
	found := properties.Hunt(t, base, protocoltest.Build(t, base), properties.Options{
		Space:  properties.FaultSpace{Kinds: []string{properties.FaultPause}, PauseMax: 5 * time.Second},
		Checks: 3000,
	})
	protocoltest.RequireShrunk(t, found, "a stale act of an unfenced lease under pauses", 3)
	protocoltest.RequireCause(t, found, "the pause that outlived the lease", sim.KindPause)
	if found.Report.Metrics.StaleActs == 0 {
		t.Fatalf("the counterexample shows no stale act: %+v", found.Report.Metrics)
	}
}

// TestReceiptDeadlineWithDriftIsCaught: etcd's client starts its deadline
// at response receipt and times it on its own clock. With a slow clock and
// no fencing, a leader cut off from the coordinator acts after the
// coordinator expired its lease, even though it re-checks its deadline
// before every act. The search may drift and cut the leader (n1, whose
// campaign lands first with equal latencies).
func TestReceiptDeadlineWithDriftIsCaught(t *testing.T) {
	base := cluster(3, 10*time.Second, map[string]any{"act_check": true, "check_every": "0s"})
	base.Network.Latency = network.Constant(2 * time.Millisecond)
	base.Expect.Properties = []string{properties.FencedResource}
	found := properties.Hunt(t, base, protocoltest.Build(t, base), properties.Options{
		Space: properties.FaultSpace{
			Kinds:   []string{properties.FaultDrift, properties.FaultCut},
			Targets: []string{"n1"}, Services: []string{"coord"}, DriftMaxPPM: 200000,
		},
		Checks: 3000,
	})
	protocoltest.RequireShrunk(t, found, "a stale act with drifting clocks and receipt deadlines", 3)
	protocoltest.RequireCause(t, found, "the slow clock", sim.KindDrift)
}

func TestParameters(t *testing.T) {
	for _, tc := range []struct {
		params  string
		err     string // a substring of the error, or "" for none
		warning string // a substring of a warning
	}{
		{"  ttl: -5s\n", "protocol.ttl: -5s is outside [1ms, 24h0m0s]", ""},
		{"  ttl: 10\n", "want a duration with its unit", ""},
		{"  ttl: 10s\n  margin: 10s\n", "protocol.margin: margin 10s leaves nothing of the ttl 10s", ""},
		{"  ttl: 10s\n  keepalive: 12s\n", "", "keepalive 12s is not shorter than the ttl 10s"},
		{"  deadline_from: lunch\n", "want one of receipt, send", ""},
		{"  fenced: true\n  ttl: 10s\n", "", ""},
	} {
		scn, err := sim.Parse("t.yaml", []byte("name: t\nnodes: 3\nduration: 10s\nprotocol:\n  name: lease\n"+tc.params))
		if err != nil {
			t.Fatal(err)
		}
		_, warnings, err := protocols.ForScenario(scn)
		if (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%q: error %v, want %q", tc.params, err, tc.err)
		}
		if got := strings.Join(warnings, "\n"); !strings.Contains(got, tc.warning) || (tc.warning == "" && got != "") {
			t.Errorf("%q: warnings %q, want %q", tc.params, got, tc.warning)
		}
	}
}

// TestFencedNeedsGenerationFencing: fenced: true switches the resource to
// generation fencing, and a scenario that asks for none is an error.
func TestFencedNeedsGenerationFencing(t *testing.T) {
	scn := cluster(3, 5*time.Second, map[string]any{"fenced": true})
	out := run(t, scn)
	if out.Scenario.Resource.Fencing != sim.FencingGeneration {
		t.Fatalf("the run's resource fencing is %q, want generation", out.Scenario.Resource.Fencing)
	}
	scn.Resource.Fencing = sim.FencingNone
	if _, err := sim.New(scn, protocoltest.Build(t, scn), 1); err == nil || !strings.Contains(err.Error(), "needs fencing generation") {
		t.Fatalf("fenced: true with fencing none: %v, want an error", err)
	}
}
