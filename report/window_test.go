package report_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/electsim/electsim/report"
	"github.com/electsim/electsim/sim"
)

// TestCollectorCopiesUpToTheViolation: the collector keeps its own copies
// (the kernel overwrites the event it passes) and nothing after the
// violation.
func TestCollectorCopiesUpToTheViolation(t *testing.T) {
	c := report.NewCollector(roster(t), violation.Index)
	feed(c, leaseStory())
	got := c.Events()
	if len(got) != int(violation.Index)+1 {
		t.Fatalf("kept %d events, want the %d up to the violation", len(got), violation.Index+1)
	}
	for i, e := range got {
		if e.Index != int64(i) || e.Kind != leaseStory()[i].Kind {
			t.Errorf("event %d kept as #%d %v, want %v", i, e.Index, e.Kind, leaseStory()[i].Kind)
		}
	}
}

// TestSpansFollowBeliefsAndPauses: n1 leads gen 1 through the window (its
// step-down comes after it), is paused from 5 to 15; n2 leads gen 2 from 9.
func TestSpansFollowBeliefsAndPauses(t *testing.T) {
	c := report.NewCollector(roster(t), violation.Index)
	feed(c, leaseStory())
	w := report.Select(c, violation, story, report.DefaultLimits)
	want := []report.Span{
		{Node: n1, Kind: sim.KindLead, Gen: 1, Start: 0, End: 19},
		{Node: n1, Kind: sim.KindPause, Start: 5, End: 15},
		{Node: n2, Kind: sim.KindLead, Gen: 2, Start: 9, End: 19},
	}
	if diff := cmp.Diff(want, w.Spans); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
}

// longRun is n1 leading gen 1 and acting 300 times, n3 crashing after the
// 200th act, and n2 leading gen 1 too and acting: the resource's applying
// n2's act breaks single-leader-per-generation.
func longRun() (events []sim.Event, crash, lead2 int64) {
	add := func(e sim.Event) int64 {
		e.Index = int64(len(events))
		e.At = sim.Time(e.Index) * 1_000_000
		if e.Kind == sim.KindDeliver {
			e.SendIndex = e.Index - 1
		}
		events = append(events, e)
		return e.Index
	}
	cycle := func(node sim.NodeID) {
		add(sim.Event{Kind: sim.KindActIssued, Node: node, Gen: 1})
		add(sim.Event{Kind: sim.KindSend, Node: node, Peer: resource, Msg: sim.Act{Gen: 1, By: node}})
		add(sim.Event{Kind: sim.KindDeliver, Node: resource, Peer: node, Msg: sim.Act{Gen: 1, By: node}})
		add(sim.Event{Kind: sim.KindActApplied, Node: resource, Peer: node, Gen: 1, Accepted: true})
	}
	add(sim.Event{Kind: sim.KindLead, Node: n1, Gen: 1})
	for i := range 300 {
		if i == 200 {
			crash = add(sim.Event{Kind: sim.KindCrash, Node: n3})
		}
		cycle(n1)
	}
	lead2 = add(sim.Event{Kind: sim.KindLead, Node: n2, Gen: 1})
	cycle(n2)
	return events, crash, lead2
}

// TestSelectBoundsTheWindow: a long run is cut to the limits; the
// violation, the fault that began its story and the leadership stay; the
// routine acts are thinned.
func TestSelectBoundsTheWindow(t *testing.T) {
	events, crash, lead2 := longRun()
	v := &report.Violation{Property: "single-leader-per-generation", Nodes: []sim.NodeID{n1, n2}, Index: int64(len(events) - 1)}
	c := report.NewCollector(roster(t), v.Index)
	feed(c, events)
	lim := report.DefaultLimits
	w := report.Select(c, v, nil, lim)
	if w.From > crash-int64(lim.LeadIn) || w.To != v.Index {
		t.Errorf("window #%d to #%d; want it to begin %d events before the crash at #%d", w.From, w.To, lim.LeadIn, crash)
	}
	if len(w.Events) > lim.Events || messages(w.Events) > lim.Messages {
		t.Errorf("%d events and %d messages; the limits are %d and %d", len(w.Events), messages(w.Events), lim.Events, lim.Messages)
	}
	kept := func(index int64) bool {
		return slices.ContainsFunc(w.Events, func(e sim.Event) bool { return e.Index == index })
	}
	for _, index := range []int64{v.Index, crash, lead2} {
		if !kept(index) {
			t.Errorf("event #%d was left out", index)
		}
	}
	acts := 0
	for _, e := range w.Events {
		acts += boolInt(e.Kind == sim.KindActIssued && e.Node == n1)
	}
	if acts > 12 {
		t.Errorf("%d of n1's routine acts drawn; want them thinned", acts)
	}
}

// TestSelectKeepsTheViolationUnderTightLimits: even a budget of three
// events has the violation's.
func TestSelectKeepsTheViolationUnderTightLimits(t *testing.T) {
	c := report.NewCollector(roster(t), violation.Index)
	feed(c, leaseStory())
	w := report.Select(c, violation, nil, report.Limits{Events: 3, Messages: 1, Routine: 0, Reach: 5})
	if len(w.Events) > 3 || messages(w.Events) > 1 {
		t.Errorf("%d events, %d messages: over the limits", len(w.Events), messages(w.Events))
	}
	if !slices.ContainsFunc(w.Events, func(e sim.Event) bool { return e.Index == violation.Index }) {
		t.Error("the violation's event was left out")
	}
}

// messages counts the arrows a window draws: receipts, and sends whose
// receipts are not drawn.
func messages(events []sim.Event) int {
	n := 0
	for _, e := range events {
		switch e.Kind {
		case sim.KindDeliver, sim.KindDrop:
			n++
		case sim.KindSend:
			if !slices.ContainsFunc(events, func(r sim.Event) bool {
				return (r.Kind == sim.KindDeliver || r.Kind == sim.KindDrop) && r.SendIndex == e.Index
			}) {
				n++
			}
		}
	}
	return n
}
