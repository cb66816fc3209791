package properties_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// expecting attaches the properties to an idle Sim whose scenario expects e.
func expecting(t *testing.T, e sim.Expect) *properties.Suite {
	t.Helper()
	scn := &sim.Scenario{Name: "hand-built", Nodes: nodes, Duration: time.Hour, Protocol: sim.ProtocolSpec{Name: "idle"}, Expect: e}
	s, err := sim.New(scn, sim.Protocol{Name: "idle", New: func(sim.NodeID, string) sim.Node { return idle{} }}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return properties.Attach(s)
}

func fault(at time.Duration, kind sim.Kind, node string) sim.Event {
	e := sim.Event{At: sim.Time(at), Kind: kind}
	if node != "" {
		e.Node = id(node)
	}
	return e
}

func TestLiveness(t *testing.T) {
	for _, tc := range []struct {
		name   string
		end    time.Duration
		story  []sim.Event
		ok     bool
		detail string
	}{
		{"recovers within the bound after the last fault", 60 * sec, []sim.Event{
			fault(10*sec, sim.KindCrash, "n1"), fault(20*sec, sim.KindRestart, "n1"),
			applied(25*sec, "n2", 2, accepted),
		}, true, "an act was accepted 5s after restart n1"},
		{"an act before the last fault does not count", 60 * sec, []sim.Event{
			fault(10*sec, sim.KindPartition, ""), applied(12*sec, "n2", 2, accepted),
			fault(20*sec, sim.KindHeal, ""),
		}, false, "no act issued after heal at 20s was accepted within 10s"},
		// Counting every act accepted after the fault would call this
		// cluster live: the act was on its way before the crash.
		{"an act issued before the last fault, accepted after it, does not count", 60 * sec, []sim.Event{
			fault(20*sec, sim.KindCrash, "n1"), appliedIssued(20*sec+ms, 20*sec-ms, "n1", 1, accepted),
		}, false, "no act issued after crash n1 at 20s was accepted within 10s"},
		{"an act issued at the instant of the fault counts as before it", 60 * sec, []sim.Event{
			fault(20*sec, sim.KindCrash, "n1"), appliedIssued(20*sec+ms, 20*sec, "n1", 1, accepted),
		}, false, "no act issued after crash n1"},
		{"a rejected act does not count", 60 * sec, []sim.Event{
			fault(20*sec, sim.KindResume, "n1"), applied(21*sec, "n1", 1, rejected),
		}, false, "no act issued after resume n1 at 20s was accepted within 10s"},
		{"too late is a violation that says when", 60 * sec, []sim.Event{
			fault(20*sec, sim.KindHeal, ""), applied(32*sec, "n2", 2, accepted),
		}, false, "(the first came 12s after it)"},
		{"a run that ends before the bound is not judged", 25 * sec, []sim.Event{
			fault(20*sec, sim.KindHeal, ""),
		}, true, "not judged: the run ended 5s after heal"},
		{"no fault: measured from the start", 60 * sec, []sim.Event{
			applied(1*sec, "n1", 1, accepted),
		}, true, "an act was accepted 1s after the start"},
		{"no fault and no act", 60 * sec, nil, false, "no act issued after the start at 0s was accepted within 10s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := expecting(t, sim.Expect{Liveness: 10 * sec})
			observe(s, tc.story...)
			rep := s.Report(sim.Result{End: sim.Time(tc.end)})
			got := rep.Properties[properties.Liveness]
			if got.OK != tc.ok || !strings.Contains(got.Detail, tc.detail) {
				t.Fatalf("liveness = %+v, want ok=%v with %q", got, tc.ok, tc.detail)
			}
			if rep.OK != tc.ok {
				t.Fatalf("report ok = %v, want %v: liveness is expected when its bound is set", rep.OK, tc.ok)
			}
		})
	}
}

func TestRecoveryTimePerFault(t *testing.T) {
	s := expecting(t, sim.Expect{})
	observe(s,
		fault(10*sec, sim.KindCrash, "n1"),     // the leader: no act until a new one
		fault(11*sec, sim.KindPause, "n4"),     // during the outage
		applied(12*sec, "n2", 2, accepted),     // recovery for both
		fault(20*sec, sim.KindRestart, "n1"),   // ends a fault: not measured
		fault(30*sec, sim.KindPartition, ""),   //
		applied(30*sec+100*ms, "n2", 2, true),  // a partition that did not matter
		applied(30*sec+200*ms, "n2", 2, false), //
		fault(50*sec, sim.KindCrash, "n2"),     // never recovered
	)
	rep := s.Report(sim.Result{End: sim.Time(60 * sec)})
	want := []properties.Recovery{
		{Fault: "crash n1", AtNS: int64(10 * sec), RecoveryNS: int64(2 * sec), NewLeaderNS: -1},
		{Fault: "pause n4", AtNS: int64(11 * sec), RecoveryNS: int64(1 * sec), NewLeaderNS: -1},
		{Fault: "partition", AtNS: int64(30 * sec), RecoveryNS: int64(100 * ms), NewLeaderNS: -1},
		{Fault: "crash n2", AtNS: int64(50 * sec), RecoveryNS: -1, NewLeaderNS: -1},
	}
	if len(rep.Recoveries) != len(want) {
		t.Fatalf("recoveries %+v, want %+v", rep.Recoveries, want)
	}
	for i := range want {
		if rep.Recoveries[i] != want[i] {
			t.Errorf("recovery %d = %+v, want %+v", i, rep.Recoveries[i], want[i])
		}
	}
	if rep.Metrics.RecoveryMaxNS != int64(2*sec) || rep.Metrics.UnrecoveredFaults != 1 {
		t.Fatalf("recovery_max_ns %v, unrecovered %d; want 2s and 1", time.Duration(rep.Metrics.RecoveryMaxNS), rep.Metrics.UnrecoveredFaults)
	}
}

func TestExpectBounds(t *testing.T) {
	half, second := 0.5, time.Second
	story := []sim.Event{lead(0, "n1", 1), applied(100*ms, "n1", 1, accepted), lead(2*sec, "n2", 2), stepDown(5*sec, "n1", 1)}
	for _, tc := range []struct {
		name   string
		expect sim.Expect
		ok     map[string]bool
	}{
		{"within both bounds", sim.Expect{MaxSplitBrain: ptr(4 * second), MinAvailability: ptr(0.0)},
			map[string]bool{properties.MaxSplitBrain: true, properties.MinAvailability: true}},
		{"split brain beyond its bound", sim.Expect{MaxSplitBrain: &second},
			map[string]bool{properties.MaxSplitBrain: false}},
		{"availability below its bound", sim.Expect{MinAvailability: &half},
			map[string]bool{properties.MinAvailability: false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := expecting(t, tc.expect)
			observe(s, story...)
			rep := s.Report(sim.Result{End: sim.Time(10 * sec)})
			wantOK := true
			for name, ok := range tc.ok {
				if got := rep.Properties[name]; got.OK != ok || got.Detail == "" {
					t.Errorf("%s = %+v, want ok=%v with a detail", name, got, ok)
				}
				wantOK = wantOK && ok
			}
			if rep.OK != wantOK {
				t.Errorf("report ok = %v, want %v", rep.OK, wantOK)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
