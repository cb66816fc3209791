package properties_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// TestSummary reads the summary of a hand-built run as a person would: the
// leaders and the leader at the end, the time without one, each fault with
// its role and what it cost, the skipped fault, and the verdict on each
// stated outcome with its detail.
func TestSummary(t *testing.T) {
	s := expecting(t, sim.Expect{LeaderAtEnd: []string{"n2"}, MaxLeaderless: ptr(time.Second)})
	crashLeader := crash(10*sec, "n1")
	crashLeader.Role = "leader=n1"
	observe(s,
		lead(1*sec+400*time.Microsecond+3, "n1", 1),
		crashLeader,
		sim.Event{At: sim.Time(11 * sec), Kind: sim.KindFaultSkipped, Tag: "crash leader: no participant believes it leads"},
		lead(12*sec, "n2", 2),
		appliedIssued(12*sec+2*ms, 12*sec, "n2", 2, accepted),
		sim.Event{At: sim.Time(20 * sec), Kind: sim.KindPartition, Tag: "halves [n2 n1] [n3 n4 n5]", Role: "leader=n2"},
	)
	summaryHas(t, s.Report(sim.Result{End: sim.Time(60 * sec)}),
		"leaders     first at 1s, 1 change after it; n2 leads gen 2 at the end; 2s without a leader\n",
		"            1s n1 leads gen 1, until 10s (crash)\n",
		"            12s n2 leads gen 2, to the end\n",
		"available   0.2% of 600 act slots (an act accepted within 5s)\n",
		"faults      crash n1 (leader) at 10s: n2 leads gen 2 after 2s; an act issued after it accepted after 2s\n",
		"            partition halves [n2 n1] [n3 n4 n5] (leader=n2) at 20s: no new leader; no act issued after it was accepted\n",
		"skipped     crash leader: no participant believes it leads at 11s\n",
		"  ok   * leader-at-end: at the end n2 leads generation 2 (since 12s); expected one of n2\n",
		"  FAIL * max-leaderless: 2s without a leader in all; the bound is 1s\n",
	)
}

// summaryHas checks that the report's summary has each of the lines.
func summaryHas(t *testing.T, rep *properties.Report, lines ...string) {
	t.Helper()
	var b strings.Builder
	rep.WriteSummary(&b)
	for _, want := range lines {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, b.String())
		}
	}
}

// TestSummaryOfALeaderThatMovesOn: a kept side's singleton goes on in a
// newer generation on the same node. The summary must not read as an
// outage: the leadership runs on, and the fault's "new leader" is named.
func TestSummaryOfALeaderThatMovesOn(t *testing.T) {
	s := expecting(t, sim.Expect{})
	observe(s,
		lead(1*sec, "n1", 1),
		sim.Event{At: sim.Time(10 * sec), Kind: sim.KindPartition, Tag: "halves [n1 n2] [n3]"},
		lead(20*sec, "n1", 2),
	)
	summaryHas(t, s.Report(sim.Result{End: sim.Time(30 * sec)}),
		"0s without a leader\n",
		"            1s n1 leads gen 1, until 20s, then in a newer generation\n",
		"            20s n1 leads gen 2, to the end\n",
		"faults      partition halves [n1 n2] [n3] at 10s: n1 leads gen 2 after 10s;",
	)
}

// TestSummaryCountsReadRight: every count in the summary agrees with its
// noun, for none, one and several.
func TestSummaryCountsReadRight(t *testing.T) {
	for changes, want := range []string{"0 changes", "1 change", "2 changes"} {
		s := expecting(t, sim.Expect{})
		events := []sim.Event{lead(1*sec, "n1", 1)}
		for i := range changes {
			events = append(events, lead(time.Duration(2+i)*sec, fmt.Sprintf("n%d", i+2), sim.Generation(i+2)))
		}
		observe(s, events...)
		summaryHas(t, s.Report(sim.Result{End: sim.Time(30 * sec)}), "leaders     first at 1s, "+want+" after it;")
	}
	s := expecting(t, sim.Expect{})
	observe(s,
		lead(1*sec, "n1", 1),
		appliedIssued(2*sec, 2*sec, "n1", 1, accepted),
		lead(3*sec, "n2", 2),
		appliedIssued(4*sec, 4*sec, "n2", 2, accepted),
		appliedIssued(5*sec, 5*sec, "n1", 1, accepted),
	)
	summaryHas(t, s.Report(sim.Result{End: sim.Time(30 * sec), Events: 1}),
		", 1 event, trace ",
		", 1 stale act\n",
	)
}
