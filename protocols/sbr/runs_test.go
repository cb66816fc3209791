package sbr_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/protocols/sbr"
	"github.com/electsim/electsim/sim"
)

// decisionBound is how long after a clean partition a side decides: the
// other side is unreachable after unreachable_after (give or take a
// heartbeat, the reaper's pace), the reports of the new side take a
// heartbeat to arrive, then the view must hold for stable_after.
func decisionBound(cfg sbr.Config) (lo, hi time.Duration) {
	return cfg.UnreachableAfter + cfg.StableAfter, cfg.UnreachableAfter + cfg.StableAfter + 2*cfg.Heartbeat + 100*time.Millisecond
}

func TestHealthyClusterRunsOneSingletonOnN1(t *testing.T) {
	cfg := sbr.Defaults
	for _, nodes := range []int{3, 5, 7} {
		for seed := uint64(1); seed <= 5; seed++ {
			o := run(t, cluster(nodes, 60*time.Second, nil), seed)
			allHold(t, o)
			b := o.beliefs
			// The first view must hold for stable_after, and every member
			// report it, before the singleton starts.
			if len(b) != 1 || b[0].node != 1 || b[0].gen != 1 || time.Duration(b[0].at) < cfg.StableAfter || time.Duration(b[0].at) > cfg.StableAfter+cfg.Heartbeat {
				t.Errorf("%d nodes, seed %d: beliefs %v, want only n1 leading generation 1 from just after %v", nodes, seed, b, cfg.StableAfter)
			}
			if m := o.rep.Metrics; m.LeaderChanges != 0 || len(o.downedAt) != 0 {
				t.Errorf("%d nodes, seed %d: %d leader changes, downed %v; want none", nodes, seed, m.LeaderChanges, o.downedAt)
			}
		}
	}
}

// TestHalvesPartitionPerStrategy splits five nodes into n1 n2 | n3 n4 n5
// for good and checks each strategy's outcome: which side survives, that
// the other side stops the singleton and goes silent, how long the decision
// takes, and the availability once it is taken. A singleton that must move
// (its node n1 is on the downed side) starts down_removal_margin after the
// decision, when the other side has downed itself.
func TestHalvesPartitionPerStrategy(t *testing.T) {
	const partitionAt = 15500 * time.Millisecond
	for _, tc := range []struct {
		params map[string]any
		kept   sbr.Set
		leader sim.NodeID // the singleton after the decision, in generation 2
	}{
		{map[string]any{"strategy": "keep-majority"}, sbr.SetOf(3, 4, 5), 3},
		{map[string]any{"strategy": "static-quorum", "quorum_size": 3}, sbr.SetOf(3, 4, 5), 3},
		{map[string]any{"strategy": "keep-oldest"}, sbr.SetOf(1, 2), 1},
		{map[string]any{"strategy": "keep-referee"}, sbr.SetOf(1, 2), 1},
		{map[string]any{"strategy": "keep-referee", "referee": "n4"}, sbr.SetOf(3, 4, 5), 3},
		{map[string]any{"strategy": "keep-referee", "down_all_if_less_than": 3}, 0, sim.NoNode},
		{map[string]any{"strategy": "down-all"}, 0, sim.NoNode},
	} {
		t.Run(fmt.Sprint(tc.params), func(t *testing.T) {
			scn := cluster(5, 60*time.Second, tc.params, sim.Fault{At: sim.Fixed(partitionAt), Partition: &sim.Partition{Shape: sim.ShapeHalves}})
			// Availability from when every decision has been taken and
			// the singleton has moved.
			lo, hi := decisionBound(sbr.Defaults)
			var margin time.Duration
			if tc.leader != sim.NoNode && tc.leader != 1 {
				margin = sbr.Defaults.StableAfter
			}
			scn.Workload.Warmup = partitionAt + hi + margin
			o := run(t, scn, 1)
			allHold(t, o)

			var took time.Duration
			for id := sim.NodeID(1); id <= 5; id++ {
				at, downed := o.downedAt[id]
				switch {
				case tc.kept.Has(id) && downed:
					t.Errorf("n%d downed itself at %v; its side %v is kept", id, at, tc.kept)
				case !tc.kept.Has(id) && !downed:
					t.Errorf("n%d never downed itself; only %v is kept", id, tc.kept)
				case downed:
					took = max(took, time.Duration(at)-partitionAt)
					if last := o.lastSend[id]; last > at {
						t.Errorf("n%d sent at %v, after it downed itself at %v", id, last, at)
					}
				}
			}
			leads := o.leads()
			want := []belief{{node: 1, gen: 1, lead: true}}
			if tc.leader != sim.NoNode {
				want = append(want, belief{node: tc.leader, gen: 2, lead: true})
				took = max(took, time.Duration(leads[len(leads)-1].at)-partitionAt-margin)
			}
			if !sameLeads(leads, want) {
				t.Fatalf("leads %v, want %v\n%s", leads, want, strings.Join(o.logs, "\n"))
			}
			if margin > 0 {
				if moved, downed := time.Duration(leads[len(leads)-1].at), time.Duration(o.downedAt[1]); moved < downed {
					t.Errorf("the singleton moved at %v, before its old node downed itself at %v", moved, downed)
				}
			}
			if took < lo || took > hi {
				t.Errorf("the decision took %v after the partition, want within [%v, %v]", took, lo, hi)
			}
			avail := o.rep.Metrics.Availability
			if (tc.leader != sim.NoNode && avail < 0.99) || (tc.leader == sim.NoNode && avail != 0) {
				t.Errorf("availability after the decision %.3f", avail)
			}
			t.Logf("kept %v, leader n%d; decided %v after the partition; availability afterwards %.1f%%, split brain %v",
				tc.kept, tc.leader, took.Round(time.Millisecond), 100*avail, time.Duration(o.rep.Metrics.SplitBrainNS))
		})
	}
}

func sameLeads(got, want []belief) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].node != want[i].node || got[i].gen != want[i].gen {
			return false
		}
	}
	return true
}

// TestKeepOldestDownIfAlone: cut off alone, the oldest downs itself and
// the others keep; n2, the oldest of the rest, runs the singleton. Without
// down_if_alone, the lone n1 keeps itself and the four others down
// themselves: one node left, the known bug.
func TestKeepOldestDownIfAlone(t *testing.T) {
	isolate := sim.Fault{At: sim.Fixed(15 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeIsolate, Node: "n1"}}
	for _, tc := range []struct {
		downIfAlone bool
		downed      sbr.Set
		leads       []belief
	}{
		{true, sbr.SetOf(1), []belief{{node: 1, gen: 1}, {node: 2, gen: 2}}},
		{false, sbr.SetOf(2, 3, 4, 5), []belief{{node: 1, gen: 1}, {node: 1, gen: 2}}},
	} {
		o := run(t, cluster(5, 40*time.Second, map[string]any{"strategy": "keep-oldest", "down_if_alone": tc.downIfAlone}, isolate), 1)
		allHold(t, o)
		var downed sbr.Set
		for id := range o.downedAt {
			downed = downed.With(id)
		}
		if downed != tc.downed || !sameLeads(o.leads(), tc.leads) {
			t.Errorf("down_if_alone %v: downed %v, leads %v; want %v downed and leads %v", tc.downIfAlone, downed, o.leads(), tc.downed, tc.leads)
		}
	}
}

// TestKeepOldestWithoutDownIfAloneDiesWithTheOldest: the oldest crashes;
// without down_if_alone the four others see the oldest's side as the one to
// keep and down themselves. Nothing runs the singleton ever again.
func TestKeepOldestWithoutDownIfAloneDiesWithTheOldest(t *testing.T) {
	crash := sim.Fault{At: sim.Fixed(15 * time.Second), Crash: "n1"}
	for _, downIfAlone := range []bool{true, false} {
		scn := cluster(5, 60*time.Second, map[string]any{"strategy": "keep-oldest", "down_if_alone": downIfAlone}, crash)
		// The four decide by 27s; n2 starts the singleton
		// down_removal_margin (7s) later.
		scn.Workload.Warmup = 35 * time.Second
		o := run(t, scn, 1)
		allHold(t, o)
		avail := o.rep.Metrics.Availability
		if downIfAlone && (avail < 0.99 || len(o.downedAt) != 0) {
			t.Errorf("down_if_alone: availability %.3f, downed %v; want n2 to take over", avail, o.downedAt)
		}
		if !downIfAlone && (avail != 0 || len(o.downedAt) != 4) {
			t.Errorf("without down_if_alone: availability %.3f, downed %v; want the four others down", avail, o.downedAt)
		}
	}
}

// TestRestartRejoinsAsTheYoungest: n1 crashes and comes back. Quickly back,
// its new incarnation replaces the old at once and n2, now the oldest, runs
// the singleton in a new generation without waiting for a decision. Back
// after the others downed it, it is admitted again; either way n1 never
// runs the singleton again, being the youngest.
func TestRestartRejoinsAsTheYoungest(t *testing.T) {
	for _, down := range []time.Duration{time.Second, 15 * time.Second} {
		o := run(t, cluster(5, 50*time.Second, nil, sim.Fault{At: sim.Fixed(15 * time.Second), Crash: "n1", For: sim.Fixed(down)}), 1)
		allHold(t, o)
		leads := o.leads()
		if want := []belief{{node: 1, gen: 1}, {node: 2, gen: 2}}; !sameLeads(leads, want) {
			t.Errorf("down %v: leads %v, want %v", down, leads, want)
			continue
		}
		took := time.Duration(leads[1].at) - 15*time.Second
		if !strings.Contains(strings.Join(o.logs, "\n"), "n1 admitted by") {
			t.Errorf("down %v: n1 was never admitted again", down)
		}
		t.Logf("n1 down %v: n2 runs the singleton %v after the crash", down, took.Round(time.Millisecond))
	}
}

// TestIndirectlyConnectedWait: under a bridge (n1 n2 | n4 n5, n3 sees both)
// each half sees 3 of 5 with n3, and would be kept. The members n3 reaches
// report other sides than theirs, so nobody decides; n1 keeps the
// singleton. With down_all_when_unstable, the nodes that see unreachable
// members down themselves, and n3, left alone, downs itself too.
func TestIndirectlyConnectedWait(t *testing.T) {
	bridge := sim.Fault{At: sim.Fixed(15 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeBridge}}
	o := run(t, cluster(5, 60*time.Second, nil, bridge), 1)
	allHold(t, o)
	if len(o.downedAt) != 0 || len(o.beliefs) != 1 || !strings.Contains(strings.Join(o.logs, "\n"), "(indirectly connected)") {
		t.Errorf("bridge: downed %v, beliefs %v; want nobody to decide and n1 to keep leading", o.downedAt, o.beliefs)
	}

	o = run(t, cluster(5, 60*time.Second, map[string]any{"down_all_when_unstable": "5s"}, bridge), 1)
	allHold(t, o)
	if len(o.downedAt) != 5 {
		t.Errorf("bridge with down_all_when_unstable: downed %v, want all five", o.downedAt)
	}
}

// TestNewcomersAdmittedAtOnceAgreeOnAge: n2 and n3 restart at once under a
// ring of majorities; n5 admits n2 and n4 admits n3, each as up number 6.
// When n2 and n3 then admit each other, each takes the other's age from its
// heartbeat (6) rather than giving it the next number of its own (7), so
// every member orders n2 before n3 (up 6 each, the lower ID), and when n2
// and n3 are the side that keeps the referee only n2 runs the singleton.
// (The search found both running it while each admitter's numbering stood.)
func TestNewcomersAdmittedAtOnceAgreeOnAge(t *testing.T) {
	o := run(t, cluster(5, 40*time.Second, map[string]any{"strategy": "keep-referee", "referee": "n3"},
		sim.Fault{At: sim.Fixed(0), Partition: &sim.Partition{Shape: sim.ShapeMajoritiesRing, Order: []string{"n1", "n4", "n3", "n2", "n5"}}},
		sim.Fault{At: sim.Fixed(0), Crash: "n2", For: sim.Fixed(time.Millisecond)},
		sim.Fault{At: sim.Fixed(0), Crash: "n3", For: sim.Fixed(time.Millisecond)},
		sim.Fault{At: sim.Fixed(2041 * time.Millisecond), Partition: &sim.Partition{Groups: [][]string{{"n1", "n2", "n3"}, {"n4", "n5"}}}}), 1)
	allHold(t, o)
	if want := []belief{{node: 2, gen: 4}}; !sameLeads(o.leads(), want) {
		t.Errorf("leads %v, want only n2 in generation 4\n%s", o.leads(), strings.Join(o.logs, "\n"))
	}
}

// BenchmarkFiveNodes reports simulated seconds per wall second for a
// healthy five-node cluster with the checkers on.
func BenchmarkFiveNodes(b *testing.B) {
	scn := cluster(5, time.Hour, nil)
	protocoltest.Bench(b, scn, sbr.New(sbr.Defaults))
}

// TestDeterministic: the same scenario and seed give the same run, event
// for event, with restarts, partitions and pauses in it.
func TestDeterministic(t *testing.T) {
	scn := cluster(5, 60*time.Second, nil,
		sim.Fault{At: sim.Fixed(5 * time.Second), Crash: "n3", For: sim.Fixed(12 * time.Second)},
		sim.Fault{At: sim.Fixed(14 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeHalves}},
		sim.Fault{At: sim.Fixed(30 * time.Second), Pause: &sim.Pause{Node: "n4", For: sim.Fixed(5 * time.Second)}},
		sim.Fault{At: sim.Fixed(40 * time.Second), Heal: true})
	scn.Network.Loss = 0.05
	scn.Clocks.RandomDriftPPM = 200
	a, b := run(t, scn, 7), run(t, scn, 7)
	if a.rep.TraceHash != b.rep.TraceHash || a.rep.Events != b.rep.Events || a.rep.Events == 0 {
		t.Errorf("two runs: %s (%d events) and %s (%d events)", a.rep.TraceHash, a.rep.Events, b.rep.TraceHash, b.rep.Events)
	}
}

// TestCrashedDecisionDoesNotReuseItsGeneration is the schedule the
// lease-majority property search found: n1 and n2 pause, n3 alone gets the
// lease after acquire_delay_for_minority, downs them and runs the singleton
// in generation 2, then crashes before anyone hears of its decision. n1 and
// n2 resume in version 1, and admitting n3's next incarnation in place of
// the old one would make version 2 again: a second singleton in generation
// 2. n3 persists the generations it led in, and its admission moves the
// version past them.
func TestCrashedDecisionDoesNotReuseItsGeneration(t *testing.T) {
	// n3 gets the lease at about 13.01s and starts the singleton
	// down_removal_margin (7s) later; n1 and n2 resume just after its
	// crash.
	pause := func(node string) sim.Fault {
		return sim.Fault{At: sim.Fixed(0), Pause: &sim.Pause{Node: node, For: sim.Fixed(20040 * time.Millisecond)}}
	}
	crash := sim.Fault{At: sim.Fixed(20031 * time.Millisecond), Crash: "n3", For: sim.Fixed(time.Millisecond)}
	o := run(t, cluster(3, 40*time.Second, map[string]any{"strategy": "lease-majority"}, pause("n1"), pause("n2"), crash), 0)
	allHold(t, o)
	want := []belief{{node: 3, gen: 2, lead: true}, {node: 1, gen: 3, lead: true}}
	var leads []belief
	for _, b := range o.beliefs {
		if b.lead {
			leads = append(leads, b)
		}
	}
	if !sameLeads(leads, want) {
		t.Fatalf("leads %v, want n3 in generation 2, then n1 in 3\n%s", leads, strings.Join(o.logs, "\n"))
	}
}
