package properties_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// idle is a node that does nothing: the suites below are built on a real
// Sim that is never run, and fed hand-built events instead.
type idle struct{}

func (idle) Start(sim.Env)                   {}
func (idle) Deliver(sim.NodeID, sim.Message) {}
func (idle) Fire(sim.Timer)                  {}

// tb is what the helpers need of a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

// suite attaches the properties to a Sim of nodes idle participants with the
// given workload and expected properties (the default when none).
func suite(t tb, w sim.Workload, expect ...string) *properties.Suite {
	t.Helper()
	scn := &sim.Scenario{
		Name: "hand-built", Nodes: nodes, Duration: time.Hour,
		Protocol: sim.ProtocolSpec{Name: "idle"},
		Workload: w,
		Expect:   sim.Expect{Properties: expect},
	}
	s, err := sim.New(scn, sim.Protocol{Name: "idle", New: func(sim.NodeID, string) sim.Node { return idle{} }}, 1)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	if got := s.Roster().Names(); !slices.Equal(got, roster.Names()) {
		t.Fatalf("the Sim's roster is %v, the stories' %v", got, roster.Names())
	}
	return properties.Attach(s)
}

// measure feeds the story to a fresh suite and reports a run that ended at
// end without error.
func measure(t tb, w sim.Workload, end time.Duration, story ...sim.Event) properties.Metrics {
	t.Helper()
	s := suite(t, w)
	observe(s, story...)
	return s.Report(sim.Result{End: sim.Time(end), Events: int64(len(story))}).Metrics
}

// issuedAndApplied is an act accepted the instant it was issued: its slot
// is the same by either time.
func issuedAndApplied(at time.Duration, node string, gen sim.Generation, ok bool) sim.Event {
	return appliedIssued(at, at, node, gen, ok)
}

// every100ms is a workload with act_every 100ms and a 1s warm-up.
var every100ms = sim.Workload{ActEvery: 100 * ms, Warmup: sec}

func TestAvailability(t *testing.T) {
	for _, tc := range []struct {
		name  string
		w     sim.Workload
		end   time.Duration
		story []sim.Event
		want  float64
	}{
		{
			name: "no act",
			w:    every100ms, end: 2 * sec,
			want: 0,
		},
		{
			// Ten slots after the warm-up: [1s, 1.1s), ..., [1.9s, 2s).
			name: "accepted acts in three slots of ten",
			w:    every100ms, end: 2 * sec,
			story: []sim.Event{
				issuedAndApplied(500*ms, "n1", 1, accepted),  // in the warm-up
				issuedAndApplied(999*ms, "n1", 1, accepted),  // in the warm-up
				issuedAndApplied(1000*ms, "n1", 1, accepted), // slot 0, at its start
				issuedAndApplied(1050*ms, "n2", 2, accepted), // slot 0 again: counted once
				issuedAndApplied(1099*ms, "n1", 1, accepted), // slot 0 again
				issuedAndApplied(1250*ms, "n2", 2, accepted), // slot 2
				issuedAndApplied(1350*ms, "n2", 2, rejected), // slot 3: rejected
				issuedAndApplied(1450*ms, "n1", 1, rejected), // slot 4: rejected
				act(1550*ms, "n2", 2),                        // slot 5: issued, never applied
				issuedAndApplied(1999*ms, "n2", 2, accepted), // slot 9, at its end
			},
			want: 0.3,
		},
		{
			name: "every slot",
			w:    every100ms, end: 1500 * ms,
			story: []sim.Event{
				issuedAndApplied(1000*ms, "n1", 1, accepted),
				issuedAndApplied(1100*ms, "n1", 1, accepted),
				issuedAndApplied(1200*ms, "n1", 1, accepted),
				issuedAndApplied(1300*ms, "n1", 1, accepted),
				issuedAndApplied(1499*ms, "n1", 1, accepted),
			},
			want: 1,
		},
		{
			// Ten whole slots and a partial one, [2s, 2.05s), left out of
			// both counts.
			name: "an act in the last partial slot does not count",
			w:    every100ms, end: 2050 * ms,
			story: []sim.Event{
				issuedAndApplied(1050*ms, "n1", 1, accepted), // slot 0
				issuedAndApplied(1250*ms, "n1", 1, accepted), // slot 2
				issuedAndApplied(2010*ms, "n1", 1, accepted), // slot 10: partial
			},
			want: 0.2,
		},
		{
			name: "a partial last slot with no act",
			w:    every100ms, end: 2050 * ms,
			story: []sim.Event{
				issuedAndApplied(1050*ms, "n1", 1, accepted),
				issuedAndApplied(1250*ms, "n1", 1, accepted),
			},
			want: 0.2,
		},
		{
			name: "only a partial slot after the warm-up",
			w:    every100ms, end: 1050 * ms,
			story: []sim.Event{
				issuedAndApplied(1010*ms, "n1", 1, accepted),
			},
			want: 0,
		},
		{
			name: "the run ended in the warm-up",
			w:    every100ms, end: 500 * ms,
			story: []sim.Event{
				issuedAndApplied(100*ms, "n1", 1, accepted),
			},
			want: 0,
		},
		{
			// Acts come due every 100ms, near the end of their slots, and
			// a varying delay carries the first across the boundary: by
			// arrival both fall in slot 1 and slot 0 looks empty.
			name: "an act counts in the slot it was issued in",
			w:    every100ms, end: 1200 * ms,
			story: []sim.Event{
				appliedIssued(1102*ms, 1098*ms, "n1", 1, accepted), // issued in slot 0
				appliedIssued(1199*ms, 1198*ms, "n1", 1, accepted), // issued in slot 1
			},
			want: 1,
		},
		{
			// The second act of slot 0 came back after the client had
			// given up on it: slot 0 failed, though the resource took it.
			name: "an act accepted after the timeout does not count",
			w:    sim.Workload{ActEvery: 100 * ms, Warmup: sec, Timeout: 300 * ms}, end: 1500 * ms,
			story: []sim.Event{
				appliedIssued(1301*ms, 1000*ms, "n1", 1, accepted), // slot 0, 301ms late
				appliedIssued(1400*ms, 1100*ms, "n1", 1, accepted), // slot 1, just in time
			},
			want: 0.2,
		},
		{
			name: "no warm-up",
			w:    sim.Workload{ActEvery: sec}, end: 4 * sec,
			story: []sim.Event{
				issuedAndApplied(0, "n1", 1, accepted),       // slot 0
				issuedAndApplied(2500*ms, "n1", 1, accepted), // slot 2
			},
			want: 0.5,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := measure(t, tc.w, tc.end, tc.story...)
			if m.Availability != tc.want {
				t.Errorf("availability = %v, want %v", m.Availability, tc.want)
			}
		})
	}
}

func TestSplitBrain(t *testing.T) {
	for _, tc := range []struct {
		name  string
		end   time.Duration
		story []sim.Event
		want  time.Duration
	}{
		{
			name: "no leader",
			end:  10 * sec,
			want: 0,
		},
		{
			name: "one leader at a time",
			end:  10 * sec,
			story: []sim.Event{
				lead(1*sec, "n1", 1),
				stepDown(2*sec, "n1", 1),
				lead(2*sec, "n2", 2), // at the same instant: no overlap
				crash(3*sec, "n2"),
				lead(4*sec, "n3", 3),
				lead(5*sec, "n3", 4), // moves up alone
			},
			want: 0,
		},
		{
			name: "two leaders until one steps down",
			end:  10 * sec,
			story: []sim.Event{
				lead(1*sec, "n1", 1),
				lead(2*sec, "n2", 2), // split from 2s
				stepDown(5*sec, "n1", 1),
			},
			want: 3 * sec,
		},
		{
			name: "a crash ends a belief",
			end:  10 * sec,
			story: []sim.Event{
				lead(1*sec, "n1", 1),
				lead(2*sec, "n2", 2), // split from 2s
				crash(6*sec, "n2"),
				restart(7*sec, "n2"), // it does not lead again by restarting
			},
			want: 4 * sec,
		},
		{
			name: "a leader moving up a generation is not counted twice",
			end:  10 * sec,
			story: []sim.Event{
				lead(1*sec, "n1", 1),
				lead(2*sec, "n1", 2),
				lead(3*sec, "n1", 3), // still one believer
				lead(4*sec, "n2", 4), // split from 4s
				lead(5*sec, "n1", 5), // still two
				stepDown(6*sec, "n2", 4),
			},
			want: 2 * sec,
		},
		{
			name: "three leaders, then two, then one",
			end:  10 * sec,
			story: []sim.Event{
				lead(1*sec, "n1", 1),
				lead(2*sec, "n2", 2), // split from 2s
				lead(3*sec, "n3", 3),
				stepDown(4*sec, "n2", 2), // n1 and n3 still
				crash(5*sec, "n3"),       // over at 5s
			},
			want: 3 * sec,
		},
		{
			name: "a non-leader's crash or step-down changes nothing",
			end:  10 * sec,
			story: []sim.Event{
				lead(1*sec, "n1", 1),
				crash(2*sec, "n2"),
				lead(3*sec, "n3", 2), // split from 3s
				crash(4*sec, "n4"),
				stepDown(5*sec, "n5", 0),
				stepDown(6*sec, "n3", 2), // over at 6s
			},
			want: 3 * sec,
		},
		{
			name: "an open split is closed at the end",
			end:  10 * sec,
			story: []sim.Event{
				lead(1*sec, "n1", 1),
				lead(2*sec, "n2", 2), // split from 2s
				stepDown(3*sec, "n2", 2),
				lead(7*sec, "n2", 3), // split from 7s to the end
			},
			want: 1*sec + 3*sec,
		},
		{
			name: "the run stopped early",
			end:  2500 * ms, // Result.End of a run a limit stopped
			story: []sim.Event{
				lead(1*sec, "n1", 1),
				lead(2*sec, "n2", 1),
			},
			want: 500 * ms,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := measure(t, every100ms, tc.end, tc.story...)
			if got := time.Duration(m.SplitBrainNS); got != tc.want {
				t.Errorf("split_brain_ns = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStaleActs(t *testing.T) {
	m := measure(t, every100ms, 10*sec,
		applied(1*sec, "n1", 1, accepted),
		applied(2*sec, "n2", 3, accepted),
		applied(3*sec, "n1", 2, accepted), // stale: 3 was accepted
		applied(4*sec, "n2", 3, accepted), // equal: not stale
		applied(5*sec, "n1", 1, rejected), // rejected: not counted
		act(6*sec, "n1", 1),               // issued only
		applied(7*sec, "n1", 2, accepted), // stale
		applied(8*sec, "n3", 4, accepted),
		applied(9*sec, "n2", 3, accepted), // stale
	)
	if m.StaleActs != 3 {
		t.Errorf("stale_acts = %d, want 3", m.StaleActs)
	}

	m = measure(t, every100ms, 10*sec,
		applied(1*sec, "n1", 5, rejected), // a rejection raises nothing
		applied(2*sec, "n2", 0, accepted),
		applied(3*sec, "n2", 0, accepted),
		applied(4*sec, "n1", 1, accepted),
	)
	if m.StaleActs != 0 {
		t.Errorf("stale_acts = %d, want 0", m.StaleActs)
	}
}

func TestLeaders(t *testing.T) {
	t.Run("none", func(t *testing.T) {
		m := measure(t, every100ms, 10*sec,
			act(1*sec, "n1", 1), // acts and beliefs ending are not leads
			stepDown(2*sec, "n1", 1),
			crash(3*sec, "n2"),
		)
		if m.FirstLeaderNS != -1 || m.LeaderChanges != 0 {
			t.Errorf("first_leader_ns = %d, leader_changes = %d; want -1, 0", m.FirstLeaderNS, m.LeaderChanges)
		}
	})
	t.Run("at time 0", func(t *testing.T) {
		m := measure(t, every100ms, 10*sec,
			lead(0, "n1", 1),
			lead(0, "n2", 2), // a change, although the first lead was at 0
		)
		if m.FirstLeaderNS != 0 || m.LeaderChanges != 1 {
			t.Errorf("first_leader_ns = %d, leader_changes = %d; want 0, 1", m.FirstLeaderNS, m.LeaderChanges)
		}
	})
	t.Run("changes", func(t *testing.T) {
		m := measure(t, every100ms, 10*sec,
			crash(100*ms, "n3"),
			lead(1500*ms, "n1", 1), // the first leader
			lead(2*sec, "n1", 2),   // 1: a new generation
			stepDown(3*sec, "n1", 2),
			lead(4*sec, "n2", 3),     // 2: a new node
			crash(5*sec, "n2"),       //
			restart(6*sec, "n2"),     //
			lead(7*sec, "n2", 3),     // 3: the same belief again, after a crash
			lead(8*sec, "n4", 3),     // 4: a second leader of 3
			stepDown(9*sec, "n4", 3), //
		)
		if got, want := time.Duration(m.FirstLeaderNS), 1500*ms; got != want {
			t.Errorf("first_leader_ns = %v, want %v", got, want)
		}
		if m.LeaderChanges != 4 {
			t.Errorf("leader_changes = %d, want 4", m.LeaderChanges)
		}
	})
}

func TestCounts(t *testing.T) {
	hello := ping{Gen: 1}
	story := []sim.Event{
		send(0, "n1", "n2", hello),       // message 1
		send(0, "n1", "n3", hello),       // message 2
		drop(0, "n1", "n3", hello),       // message dropped 1
		deliver(1*ms, "n2", "n1", hello), // deliveries are not counted
		lead(10*ms, "n1", 1),
		act(20*ms, "n1", 1),                            // issued 1
		send(20*ms, "n1", "resource", sim.Act{Gen: 1}), // an act, not a message
		applied(21*ms, "n1", 1, accepted),              // accepted 1
		withheld(120*ms, "n1", 1),                      // withheld 1
		act(220*ms, "n1", 1),                           // issued 2
		send(220*ms, "n1", "resource", sim.Act{Gen: 1}),
		drop(220*ms, "n1", "resource", sim.Act{Gen: 1}), // act dropped 1
		lead(300*ms, "n2", 2),
		act(300*ms, "n2", 2), // issued 3
		send(300*ms, "n2", "resource", sim.Act{Gen: 2}),
		send(310*ms, "n2", "n1", hello),    // message 3
		applied(321*ms, "n2", 2, accepted), // accepted 2
		act(321*ms, "n1", 1),               // issued 4
		send(321*ms, "n1", "resource", sim.Act{Gen: 1}),
		drop(330*ms, "n2", "n1", hello),    // message dropped 2
		applied(341*ms, "n1", 1, rejected), // rejected 1
		withheld(400*ms, "n2", 2),          // withheld 2
	}
	s := suite(t, every100ms)
	observe(s, story...)
	rep := s.Report(sim.Result{End: sim.Time(sec), Events: int64(len(story))})
	got := rep.Metrics
	want := properties.Metrics{
		ActsIssued: 4, ActsAccepted: 2, ActsRejected: 1, ActsWithheld: 2, ActsDropped: 1,
		MessagesSent: 3, MessagesDropped: 2, Events: int64(len(story)),
		FirstLeaderNS: int64(10 * ms), LeaderChanges: 1, SplitBrainNS: int64(700 * ms),
	}
	if got != want {
		t.Errorf("metrics:\n got %+v\nwant %+v", got, want)
	}
	if rep.Events != int64(len(story)) {
		t.Errorf("report events = %d, want %d", rep.Events, len(story))
	}
}

func TestMetricsJSONNames(t *testing.T) {
	data, err := json.Marshal(properties.Metrics{})
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	if err := json.Unmarshal(data, &fields); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"availability", "split_brain_ns", "stale_acts", "first_leader_ns", "leader_changes",
		"acts_issued", "acts_withheld", "acts_accepted", "acts_rejected", "acts_dropped",
		"messages_sent", "messages_dropped", "events",
	} {
		if _, ok := fields[name]; !ok {
			t.Errorf("Metrics JSON has no %q: %s", name, data)
		}
	}
}

func TestReport(t *testing.T) {
	// Each story breaks one property, or none.
	clean := []sim.Event{
		lead(100*ms, "n1", 1),
		act(100*ms, "n1", 1),
		applied(101*ms, "n1", 1, accepted),
	}
	twoBeliefs := []sim.Event{ // single-belief only: n2 never acts
		lead(100*ms, "n1", 1),
		lead(200*ms, "n2", 1),
	}
	twoLeaders := []sim.Event{ // single-leader, and single-belief
		lead(100*ms, "n1", 1),
		act(100*ms, "n1", 1),
		lead(200*ms, "n2", 1),
		act(200*ms, "n2", 1),
	}
	unfenced := []sim.Event{ // fenced-resource only
		applied(100*ms, "n2", 2, accepted),
		applied(200*ms, "n1", 1, accepted),
	}
	limit := &sim.LimitError{Limit: "max_events", Value: 3, At: sim.Time(sec), Index: 3}

	for _, tc := range []struct {
		name     string
		expect   []string
		story    []sim.Event
		err      error
		ok       bool
		violated []string // expected and broken
		broken   []string // every broken property, in the order of Names
	}{
		{name: "clean", story: clean, ok: true},
		{name: "clean, every property expected", expect: withoutStore(properties.Names), story: clean, ok: true},
		{name: "clean, but stopped by a limit", story: clean, err: limit, ok: false},
		{
			name: "an unexpected property broken", story: twoBeliefs, ok: true,
			broken: []string{properties.SingleBelief},
		},
		{
			name: "the expected property broken", story: twoLeaders, ok: false,
			violated: []string{properties.SingleLeader},
			broken:   []string{properties.SingleLeader, properties.SingleBelief},
		},
		{
			name:   "one of two expected broken",
			expect: []string{properties.SingleLeader, properties.FencedResource}, story: unfenced, ok: false,
			violated: []string{properties.FencedResource},
			broken:   []string{properties.FencedResource},
		},
		{
			name:   "fencing broken, not expected",
			expect: []string{properties.SingleBelief}, story: unfenced, ok: true,
			broken: []string{properties.FencedResource},
		},
		{
			name:   "the expected order is kept",
			expect: []string{properties.SingleBelief, properties.SingleLeader}, story: twoLeaders, ok: false,
			violated: []string{properties.SingleBelief, properties.SingleLeader},
			broken:   []string{properties.SingleLeader, properties.SingleBelief},
		},
		{
			name: "broken and stopped", story: twoLeaders, err: limit, ok: false,
			violated: []string{properties.SingleLeader},
			broken:   []string{properties.SingleLeader, properties.SingleBelief},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := suite(t, every100ms, tc.expect...)
			observe(s, tc.story...)
			rep := s.Report(sim.Result{
				Scenario: "hand-built", Protocol: "idle", Seed: 7,
				Events: int64(len(tc.story)), TraceHash: 0xabc, End: sim.Time(sec), Err: tc.err,
			})

			if rep.OK != tc.ok {
				t.Errorf("ok = %v, want %v", rep.OK, tc.ok)
			}
			if got := rep.Violated(); !slices.Equal(got, tc.violated) {
				t.Errorf("Violated() = %v, want %v", got, tc.violated)
			}
			var broken []string
			for _, v := range rep.Violations() {
				broken = append(broken, v.Property)
			}
			if !slices.Equal(broken, tc.broken) {
				t.Errorf("Violations() are of %v, want %v", broken, tc.broken)
			}
			for _, name := range properties.Names {
				p, ok := rep.Properties[name]
				switch {
				case !ok:
					t.Errorf("properties has no %q", name)
				case p.OK == slices.Contains(tc.broken, name):
					t.Errorf("properties[%q].ok = %v", name, p.OK)
				case p.OK && name != properties.Liveness && p.Detail != "holds":
					t.Errorf("properties[%q].detail = %q, want \"holds\"", name, p.Detail)
				case !p.OK && p.Detail == "":
					t.Errorf("properties[%q] is broken with no detail", name)
				}
			}
			if len(rep.Properties) != len(properties.Names) {
				t.Errorf("properties = %v, want one entry for each of %v", rep.Properties, properties.Names)
			}

			wantExpected := tc.expect
			if len(wantExpected) == 0 {
				wantExpected = []string{properties.SingleLeader} // the scenario default
			}
			if !slices.Equal(rep.Expected, wantExpected) {
				t.Errorf("expected = %v, want %v", rep.Expected, wantExpected)
			}
			if tc.err != nil && rep.Error != tc.err.Error() {
				t.Errorf("error = %q, want %q", rep.Error, tc.err.Error())
			}
			if tc.err == nil && rep.Error != "" {
				t.Errorf("error = %q, want none", rep.Error)
			}
			if rep.Scenario != "hand-built" || rep.Protocol != "idle" || rep.Seed != 7 ||
				rep.Events != int64(len(tc.story)) || rep.TraceHash != sim.TraceHashString(0xabc) ||
				rep.DurationNS != int64(sec) {
				t.Errorf("report header = %+v", rep)
			}
		})
	}
}

func TestReportError(t *testing.T) {
	// Any error, a protocol panic as well as a limit, fails the run.
	s := suite(t, every100ms)
	rep := s.Report(sim.Result{End: sim.Time(sec), Err: errors.New("boom")})
	if rep.OK || rep.Error != "boom" || len(rep.Violated()) != 0 {
		t.Errorf("ok = %v, error = %q, violated = %v; want false, \"boom\", none", rep.OK, rep.Error, rep.Violated())
	}
}

// TestSplitBrainModel compares split_brain_ns, first_leader_ns and
// leader_changes with a brute-force integration over random interleavings
// of Lead, StepDown, Crash and Restart, published as the kernel would: only
// an up node leads, a StepDown only ends a belief, a Lead only starts or
// moves one.
func TestSplitBrainModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 50).Draw(t, "events")
		up := make([]bool, nodes+1)
		leading := make([]bool, nodes+1)
		gen := make([]sim.Generation, nodes+1)
		for i := range up {
			up[i] = true
		}
		var story []sim.Event
		at := time.Duration(0)
		for range n {
			at += time.Duration(rapid.IntRange(0, 3).Draw(t, "gap")) * ms
			i := rapid.IntRange(1, nodes).Draw(t, "node")
			node := fmt.Sprintf("n%d", i)
			switch rapid.IntRange(0, 3).Draw(t, "kind") {
			case 0:
				g := sim.Generation(rapid.IntRange(1, 4).Draw(t, "gen"))
				if up[i] && !(leading[i] && gen[i] == g) {
					leading[i], gen[i] = true, g
					story = append(story, lead(at, node, g))
				}
			case 1:
				if leading[i] {
					leading[i] = false
					story = append(story, stepDown(at, node, gen[i]))
				}
			case 2:
				if up[i] {
					up[i], leading[i] = false, false
					story = append(story, crash(at, node))
				}
			case 3:
				if !up[i] {
					up[i] = true
					story = append(story, restart(at, node))
				}
			}
		}
		end := at + time.Duration(rapid.IntRange(0, 3).Draw(t, "tail"))*ms

		m := measure(t, every100ms, end, story...)

		// The model: who believes after each event, and the time until the
		// next one during which two or more do.
		var split time.Duration
		believes := map[sim.NodeID]bool{}
		first, leads := time.Duration(-1), int64(0)
		for i, e := range story {
			switch e.Kind {
			case sim.KindLead:
				believes[e.Node] = true
				if first < 0 {
					first = time.Duration(e.At)
				}
				leads++
			case sim.KindStepDown, sim.KindCrash:
				delete(believes, e.Node)
			}
			next := end
			if i+1 < len(story) {
				next = time.Duration(story[i+1].At)
			}
			if len(believes) >= 2 {
				split += next - time.Duration(e.At)
			}
		}
		if got := time.Duration(m.SplitBrainNS); got != split {
			t.Fatalf("split_brain_ns = %v, the model says %v", got, split)
		}
		if got := time.Duration(m.FirstLeaderNS); got != first {
			t.Fatalf("first_leader_ns = %v, the model says %v", got, first)
		}
		if changes := max(leads-1, 0); m.LeaderChanges != changes {
			t.Fatalf("leader_changes = %d, the model says %d", m.LeaderChanges, changes)
		}
	})
}

// TestFencingModel compares stale_acts, the act counts and fenced-resource
// with a brute-force model over random accepted and rejected acts.
func TestFencingModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 40).Draw(t, "events")
		var story []sim.Event
		for i := range n {
			node := fmt.Sprintf("n%d", rapid.IntRange(1, nodes).Draw(t, "node"))
			g := sim.Generation(rapid.IntRange(0, 5).Draw(t, "gen"))
			story = append(story, applied(time.Duration(i)*ms, node, g, rapid.Bool().Draw(t, "accepted")))
		}

		s := suite(t, every100ms, properties.FencedResource)
		observe(s, story...)
		rep := s.Report(sim.Result{End: sim.Time(time.Duration(n) * ms), Events: int64(n)})

		// The model: an accepted act is stale when an earlier accepted act
		// had a higher generation; the first stale act breaks the property,
		// naming the node whose act first reached that highest generation.
		var stale, acc, rej int64
		var first *properties.Violation
		for i, e := range story {
			if !e.Accepted {
				rej++
				continue
			}
			acc++
			var high *sim.Event
			for j := range story[:i] {
				p := &story[j]
				if p.Accepted && (high == nil || p.Gen > high.Gen) {
					high = p
				}
			}
			if high != nil && high.Gen > e.Gen {
				stale++
				if first == nil {
					first = &properties.Violation{
						Property: properties.FencedResource,
						Nodes:    []sim.NodeID{high.Peer, e.Peer}, Gens: gens(high.Gen, e.Gen),
						Times: []sim.Time{high.At, e.At}, Index: int64(i),
					}
				}
			}
		}

		m := rep.Metrics
		if m.StaleActs != stale || m.ActsAccepted != acc || m.ActsRejected != rej {
			t.Fatalf("stale, accepted, rejected = %d, %d, %d; the model says %d, %d, %d",
				m.StaleActs, m.ActsAccepted, m.ActsRejected, stale, acc, rej)
		}
		var got *properties.Violation
		for _, v := range rep.Violations() {
			if v.Property == properties.FencedResource {
				got = v
			}
		}
		switch {
		case (got == nil) != (first == nil):
			t.Fatalf("fenced-resource violation %+v; the model says %+v", got, first)
		case got != nil:
			if got.Index != first.Index || !slices.Equal(got.Nodes, first.Nodes) ||
				!slices.Equal(got.Gens, first.Gens) || !slices.Equal(got.Times, first.Times) {
				t.Fatalf("fenced-resource violation %+v; the model says %+v", *got, *first)
			}
		}
		if rep.OK != (first == nil) {
			t.Fatalf("ok = %v with fenced-resource expected and %d stale acts", rep.OK, stale)
		}
	})
}

// TestAvailabilityModel compares availability with a count, slot by slot,
// of the whole act_every slots after the warm-up in which an act was issued
// that was accepted, however late and in whatever order the acts arrived.
func TestAvailabilityModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := sim.Workload{
			ActEvery: time.Duration(rapid.IntRange(1, 10).Draw(t, "act_every")) * ms,
			Warmup:   time.Duration(rapid.IntRange(0, 20).Draw(t, "warmup")) * ms,
			Timeout:  time.Duration(rapid.IntRange(0, 60).Draw(t, "timeout")) * (ms / 10), // 0: the default
		}
		end := time.Duration(rapid.IntRange(1, 100).Draw(t, "end")) * ms
		n := rapid.IntRange(0, 30).Draw(t, "events")
		var story []sim.Event
		for range n {
			issued := time.Duration(rapid.IntRange(0, int(end/(ms/10))-1).Draw(t, "issued")) * (ms / 10)
			at := min(issued+time.Duration(rapid.IntRange(0, 50).Draw(t, "delay"))*(ms/10), end-1)
			story = append(story, appliedIssued(at, issued, "n1", 1, rapid.Bool().Draw(t, "accepted")))
		}
		slices.SortStableFunc(story, func(a, b sim.Event) int { return int(a.At - b.At) })

		m := measure(t, w, end, story...)

		var slots, available int
		for start := w.Warmup; start+w.ActEvery <= end; start += w.ActEvery {
			slots++
			for _, e := range story {
				issued := time.Duration(e.Value)
				if e.Accepted && issued >= start && issued < start+w.ActEvery && time.Duration(e.At)-issued <= w.ActTimeout() {
					available++
					break
				}
			}
		}
		want := 0.0
		if slots > 0 {
			want = float64(available) / float64(slots)
		}
		if m.Availability != want {
			t.Fatalf("availability = %v (%d acts), the model says %d/%d", m.Availability, len(story), available, slots)
		}
	})
}

func TestCheckExpect(t *testing.T) {
	scn := &sim.Scenario{Expect: sim.Expect{Properties: slices.Clone(properties.Names)}}
	if err := properties.CheckExpect(scn); err != nil {
		t.Errorf("CheckExpect(%v) = %v, want nil", scn.Expect.Properties, err)
	}
	scn.Expect.Properties = append(scn.Expect.Properties, "single-leader")
	err := properties.CheckExpect(scn)
	if err == nil {
		t.Fatalf("CheckExpect(%v) = nil, want an error", scn.Expect.Properties)
	}
	for _, s := range []string{fmt.Sprintf("expect.properties[%d]", len(properties.Names)), `"single-leader"`, properties.SingleLeader} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

// withoutStore is the property names a scenario without a store may
// expect: no-lost-writes needs one.
func withoutStore(names []string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == properties.NoLostWrites })
}
