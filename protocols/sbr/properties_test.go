package sbr_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/protocols/sbr"
	"github.com/electsim/electsim/sim"
)

// faults is the fault space of the safety searches: partitions of every
// shape, heals, pauses, and crashes long enough for the others to down the
// crashed node before it restarts (unreachable_after + stable_after and a
// heartbeat is 11s) or short enough to be replaced at once.
var faults = properties.FaultSpace{
	Kinds:        []string{properties.FaultPartition, properties.FaultHeal, properties.FaultCrash, properties.FaultPause},
	RestartAfter: 20 * time.Second,
	PauseMax:     15 * time.Second,
}

// TestSafeConfigurationsKeepOneSingletonPerGeneration: the configurations
// that never keep two sides of one membership. A static quorum of more
// than half the members: any two kept memberships share a member, and a
// singleton starts only once every member of its membership has seen it.
// The same holds for a referee, which is on one side only, and for down-all.
//
// keep-majority with an odd number of members is not here, although it was
// expected to be: the same search finds two sides kept within a few
// thousand cases, the known bug of a membership changed on one side (see
// TestKeepMajorityMembershipChangeOnOneSideIsCaught). keep-oldest meets the
// same race.
func TestSafeConfigurationsKeepOneSingletonPerGeneration(t *testing.T) {
	for _, tc := range []struct {
		nodes  int
		params map[string]any
	}{
		{3, map[string]any{"strategy": "static-quorum", "quorum_size": 2}},
		{5, map[string]any{"strategy": "static-quorum", "quorum_size": 3}},
		{5, map[string]any{"strategy": "static-quorum", "quorum_size": 3, "stable_after": "3s"}},
		{5, map[string]any{"strategy": "keep-referee", "referee": "n3"}},
		{5, map[string]any{"strategy": "down-all"}},
	} {
		t.Run(fmt.Sprint(tc.nodes, tc.params), func(t *testing.T) {
			base := cluster(tc.nodes, 40*time.Second, tc.params)
			base.Expect.Properties = []string{properties.SingleLeader, properties.SingleBelief}
			properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: faults, Checks: 500})
		})
	}
}

// TestLeaseMajorityKeepsOneSingletonPerGeneration: lease-majority keeps
// only the side that holds the lease, so the membership race that splits
// keep-majority cannot keep two sides; the store's own crashes and
// partitions included. With a lease shorter than the runs, the kept side
// must renew it: a side whose view settles a TTL later finds it held.
func TestLeaseMajorityKeepsOneSingletonPerGeneration(t *testing.T) {
	space := faults
	space.Services = []string{sbr.LeaseStore}
	space.Targets = []string{"n1", "n2", "n3", sbr.LeaseStore}
	for _, tc := range []struct {
		nodes    int
		duration time.Duration
		params   map[string]any
	}{
		{3, 40 * time.Second, map[string]any{"strategy": "lease-majority"}},
		{5, 40 * time.Second, map[string]any{"strategy": "lease-majority"}},
		{3, 150 * time.Second, map[string]any{"strategy": "lease-majority", "lease_ttl": "20s"}},
	} {
		t.Run(fmt.Sprint(tc.nodes, tc.params), func(t *testing.T) {
			base := cluster(tc.nodes, tc.duration, tc.params)
			base.Expect.Properties = []string{properties.SingleLeader, properties.SingleBelief}
			properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: space, Checks: 500})
		})
	}
}

// TestStaticQuorumOversizedIsCaught: five members with quorum_size 2, more
// than 2*2-1. A partition leaves a quorum on both sides, both are kept, and
// their singletons share generation 2. The search needs one fault.
func TestStaticQuorumOversizedIsCaught(t *testing.T) {
	base := cluster(5, 30*time.Second, map[string]any{"strategy": "static-quorum", "quorum_size": 2})
	base.Expect.Properties = []string{properties.SingleLeader}
	found := properties.Hunt(t, base, protocoltest.Build(t, base), properties.Options{
		Space:  properties.FaultSpace{Kinds: []string{properties.FaultPartition}},
		Checks: 20000,
	})
	protocoltest.RequireShrunk(t, found, "two sides kept by static-quorum with more than 2*quorum_size-1 members", 3)
	protocoltest.RequireCause(t, found, "the partition both sides survived", sim.KindPartition)
}

// TestKeepMajorityMembershipChangeOnOneSideIsCaught: a crash, and a
// partition that one side of it sees too late. One side downs the crashed
// member on a view that still counts the other side reachable; the other
// side admits the member's next incarnation in its place (or hears it
// again after a pause). The two sides then count different memberships,
// and each is a majority of its own: both are kept. Three members are
// enough (n1 alone keeps an exact half of n1 n3 with the lowest ID, n2 n3
// keep 2 of 3), and stable_after 3s shortens each round so that the search
// meets the race sooner; it happens with the defaults too.
func TestKeepMajorityMembershipChangeOnOneSideIsCaught(t *testing.T) {
	base := cluster(3, 20*time.Second, map[string]any{"strategy": "keep-majority", "stable_after": "3s"})
	base.Expect.Properties = []string{properties.SingleLeader}
	found := properties.Hunt(t, base, protocoltest.Build(t, base), properties.Options{
		Space: properties.FaultSpace{
			Kinds:        []string{properties.FaultPartition, properties.FaultCrash},
			RestartAfter: 8 * time.Second, MaxFaults: 3,
			Shapes: []string{properties.ShapeGroups, sim.ShapeIsolate},
		},
		Checks: 60000,
	})
	protocoltest.RequireShrunk(t, found, "two sides kept by keep-majority after a membership change on one side", 3)
	protocoltest.RequireCause(t, found, "the crash and the partition", sim.KindCrash, sim.KindPartition)
}

// TestKeepMajorityRestartOnOneSide pins the race on five members with the
// default timings (scenarios/sbr-keep-majority-restart.yaml tells it): n2
// crashes, a partition n1 n3 | n2 n4 n5 comes 3s before the others would
// down n2, and n2 restarts right after it. n1 and n3 down n2 on a stale
// view and keep 2 of 4 with the lowest ID; n4 and n5 admit n2 again and
// keep 3 of 5. n1 and n4 run singletons in generation 3.
func TestKeepMajorityRestartOnOneSide(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		o := run(t, cluster(5, 40*time.Second, nil,
			sim.Fault{At: sim.Fixed(0), Crash: "n2", For: sim.Fixed(9028 * time.Millisecond)},
			sim.Fault{At: sim.Fixed(9005 * time.Millisecond), Partition: &sim.Partition{Groups: [][]string{{"n1", "n3"}, {"n2", "n4", "n5"}}}}), seed)
		leads := o.leads()
		slices.SortFunc(leads, func(a, b belief) int { return int(a.node) - int(b.node) })
		if want := []belief{{node: 1, gen: 3}, {node: 4, gen: 3}}; !sameLeads(leads, want) || o.rep.Properties[properties.SingleLeader].OK || len(o.downedAt) != 0 {
			t.Errorf("seed %d: leads %v, downed %v, %s; want n1 and n4 both in generation 3 and nobody downed", seed, leads, o.downedAt, o.rep.Properties[properties.SingleLeader].Detail)
		}
	}
}

// TestOverlappingPartitionsKeepBothSides: the same race without a restart.
// Halves n1 n3 | n2 n4 n5 at 0s; at 8s, 3s before n2 n4 n5 decide, n5
// changes sides (n2 n4 | n1 n3 n5). n2 and n4 decide on the stale view with
// n5 and keep it; a round later they keep 2 of the 3 left. n5, which heard
// n1 and n3 again in time, keeps n1 n3 n5: 3 of 5. Two singletons, and as
// one side removed members twice and the other once, in different
// generations: single-leader-per-generation holds, and only the split-brain
// time tells.
func TestOverlappingPartitionsKeepBothSides(t *testing.T) {
	o := run(t, cluster(5, 40*time.Second, nil,
		sim.Fault{At: sim.Fixed(0), Partition: &sim.Partition{Shape: sim.ShapeHalves, Order: []string{"n1", "n3", "n2", "n4", "n5"}}},
		sim.Fault{At: sim.Fixed(8007 * time.Millisecond), Partition: &sim.Partition{Shape: sim.ShapeHalves, Order: []string{"n2", "n4", "n3", "n1", "n5"}}}), 1)
	allHold(t, o)
	leads := o.leads()
	slices.SortFunc(leads, func(a, b belief) int { return int(a.node) - int(b.node) })
	if want := []belief{{node: 1, gen: 2}, {node: 2, gen: 3}}; !sameLeads(leads, want) || len(o.downedAt) != 0 {
		t.Errorf("leads %v, downed %v; want n1 in generation 2 and n2 in generation 3, nobody downed", leads, o.downedAt)
	}
	if sb := time.Duration(o.rep.Metrics.SplitBrainNS); sb < 10*time.Second {
		t.Errorf("split brain %v, want the rest of the run", sb)
	}
}

// TestShortStableAfterDecidesTooEarly: with stable_after below
// unreachable_after, the others down a crashed n2 3.5s after its crash;
// it restarts 5s after it, just after a partition n2 n3 n4 | n1 n5, and is
// admitted on one side only: both sides keep. With the default 7s the old
// incarnation is still a member when the new one asks, it is replaced, and
// only n2 n3 n4 are kept.
func TestShortStableAfterDecidesTooEarly(t *testing.T) {
	for _, tc := range []struct {
		stableAfter string
		split       bool
	}{{"500ms", true}, {"7s", false}} {
		o := run(t, cluster(5, 40*time.Second, map[string]any{"stable_after": tc.stableAfter},
			sim.Fault{At: sim.Fixed(0), Crash: "n2", For: sim.Fixed(5041 * time.Millisecond)},
			sim.Fault{At: sim.Fixed(5024 * time.Millisecond), Partition: &sim.Partition{Groups: [][]string{{"n2", "n3", "n4"}, {"n1", "n5"}}}}), 1)
		if split := !o.rep.Properties[properties.SingleLeader].OK; split != tc.split {
			t.Errorf("stable_after %s: leads %v, %s", tc.stableAfter, o.leads(), o.rep.Properties[properties.SingleLeader].Detail)
		}
	}
}

// ---- the scenario files ----

func load(t *testing.T, path string) (*sim.Scenario, sim.Protocol, []string) {
	t.Helper()
	scn, err := sim.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	proto, warnings, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	return scn, proto, warnings
}

// TestScenarioFiles pins what `electsim run` shows for each file: the
// properties that fail (exit status 1 when any does), the singletons in
// order, and the warnings.
func TestScenarioFiles(t *testing.T) {
	for _, tc := range []struct {
		file     string
		violated []string
		leads    []belief
		warnings int
	}{
		{"sbr-keep-majority.yaml", nil, []belief{{node: 1, gen: 1}, {node: 3, gen: 2}}, 0},
		{"sbr-static-quorum-oversized.yaml", []string{properties.SingleLeader}, []belief{{node: 1, gen: 1}, {node: 1, gen: 2}, {node: 3, gen: 2}}, 1},
		{"sbr-keep-majority-restart.yaml", []string{properties.SingleLeader}, []belief{{node: 1, gen: 3}, {node: 4, gen: 3}}, 0},
	} {
		scn, _, warnings := load(t, "../../scenarios/"+tc.file)
		o := run(t, scn, scn.Seed)
		if got := o.rep.Violated(); !slices.Equal(got, tc.violated) || o.rep.OK != (len(tc.violated) == 0) {
			t.Errorf("%s: violated %v (ok %v), want %v", tc.file, got, o.rep.OK, tc.violated)
		}
		leads := o.leads()
		slices.SortStableFunc(leads, func(a, b belief) int { return int(a.gen) - int(b.gen) })
		if !sameLeads(leads, tc.leads) || len(warnings) != tc.warnings {
			t.Errorf("%s: leads %v, warnings %q; want leads %v and %d warnings", tc.file, leads, warnings, tc.leads, tc.warnings)
		}
	}
}
