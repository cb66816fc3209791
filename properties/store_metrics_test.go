package properties_test

import (
	"cmp"
	"slices"
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// leaderlessMetrics feeds a story to a suite of a two-node cluster with a
// store written by every participant.
func leaderlessMetrics(t *testing.T, end time.Duration, story ...sim.Event) properties.Metrics {
	t.Helper()
	scn := &sim.Scenario{
		Name: "hand-built", Nodes: 2, Duration: time.Hour,
		Protocol: sim.ProtocolSpec{Name: "idle"},
		Workload: sim.Workload{ActEvery: 100 * time.Millisecond, Writers: sim.WritersAll},
		Store:    &sim.StoreSpec{Merge: "lww"},
	}
	s, err := sim.New(scn, sim.Protocol{Name: "idle", New: func(sim.NodeID, string) sim.Node { return idle{} }}, 1)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	suite := properties.Attach(s)
	observe(suite, story...)
	return suite.Report(sim.Result{End: sim.Time(end), Events: int64(len(story))}).Metrics
}

// wrote is a leaderless write of node by, issued at issued; acked is its
// acknowledgement at at.
func wrote(issued time.Duration, by sim.NodeID, n int64) sim.Event {
	return sim.Event{At: sim.Time(issued), Kind: sim.KindWrite, Node: by, Peer: by, Value: n}
}

func acked(issued, at time.Duration, by sim.NodeID) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindActApplied, Node: by, Peer: by, Accepted: true, Tag: sim.ActAcked, Value: int64(issued)}
}

// TestLeaderlessAvailabilityIsTheShareOfWritesAcknowledged: with writers:
// all every participant writes as a client would. n1's four writes are
// acknowledged and n2's four never are (cut off from its quorum): half the
// writes failed, so availability is 50%, where "a slot in which any write
// succeeded" would say 100%. Jitter that puts two of n1's writes in one
// slot and none in the next is no gap; a write acknowledged after the
// client's timeout (5s) is a failure; writes in the last, partial slot are
// left out, as acts are.
func TestLeaderlessAvailabilityIsTheShareOfWritesAcknowledged(t *testing.T) {
	ms := time.Millisecond
	var story []sim.Event
	n := int64(0)
	for _, issued := range []time.Duration{10 * ms, 150 * ms, 190 * ms, 310 * ms} { // slots 0, 1, 1, 3: none in 2
		n++
		story = append(story, wrote(issued, 1, n), acked(issued, issued+ms, 1))
	}
	for _, issued := range []time.Duration{20 * ms, 120 * ms, 220 * ms, 320 * ms} {
		n++
		story = append(story, wrote(issued, 2, n))
	}
	story = append(story, wrote(410*ms, 1, 9), acked(410*ms, 411*ms, 1)) // the partial slot 4
	slices.SortStableFunc(story, func(a, b sim.Event) int { return cmp.Compare(a.At, b.At) })
	m := leaderlessMetrics(t, 450*ms, story...)
	if m.Availability != 0.5 {
		t.Errorf("availability %v, want 0.5: 4 of the 8 writes in whole slots acknowledged", m.Availability)
	}
	late := leaderlessMetrics(t, 400*ms, wrote(10*ms, 2, 1), acked(10*ms, 6*time.Second, 2))
	if late.Availability != 0 {
		t.Errorf("availability %v with only a write acknowledged after the timeout, want 0", late.Availability)
	}
}

// TestLostWritesInSplitBrainAreThoseMadeDuringIt: a lost write counts as
// the split brain's when it was made while two nodes believed they led,
// not because it was lost after one began, nor because a stale leader beat
// it. n1 leads and writes 1; n2 leads too (split brain) and writes 2; n1
// steps down and n2 writes 3; all three are lost at the end: only write 2
// was made in the split brain.
func TestLostWritesInSplitBrainAreThoseMadeDuringIt(t *testing.T) {
	scn := &sim.Scenario{
		Name: "hand-built", Nodes: 2, Duration: time.Hour,
		Protocol: sim.ProtocolSpec{Name: "idle"},
		Workload: sim.Workload{ActEvery: 100 * time.Millisecond},
		Store:    &sim.StoreSpec{Merge: "lww"},
	}
	s, err := sim.New(scn, sim.Protocol{Name: "idle", New: func(sim.NodeID, string) sim.Node { return idle{} }}, 1)
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	suite := properties.Attach(s)
	at := func(ms int) sim.Time { return sim.Time(time.Duration(ms) * time.Millisecond) }
	write := func(ms int, by sim.NodeID, gen sim.Generation, n int64) sim.Event {
		return sim.Event{At: at(ms), Kind: sim.KindWrite, Node: by, Peer: by, Gen: gen, Value: n}
	}
	lost := func(by sim.NodeID, gen sim.Generation, n int64) sim.Event {
		return sim.Event{At: at(900), Kind: sim.KindWriteLost, Node: by, Gen: gen, Value: n, Tag: sim.LostConcurrent}
	}
	observe(suite,
		sim.Event{At: at(0), Kind: sim.KindLead, Node: 1, Gen: 1},
		write(100, 1, 1, 1),
		sim.Event{At: at(200), Kind: sim.KindLead, Node: 2, Gen: 2},
		write(300, 2, 2, 2),
		sim.Event{At: at(400), Kind: sim.KindStepDown, Node: 1, Gen: 1},
		write(500, 2, 2, 3),
		lost(1, 1, 1), lost(2, 2, 2), lost(2, 2, 3),
	)
	st := suite.Report(sim.Result{End: at(1000), Events: 9}).Metrics.Store
	if st == nil || st.WritesLost != 3 || st.WritesLostInSplitBrain != 1 {
		t.Errorf("store metrics %+v; want 3 lost, 1 of them (write 2) made in split brain", st)
	}
}
