package properties_test

import (
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

// acked is a leaderless write of node by, issued at issued and
// acknowledged at at.
func acked(issued, at time.Duration, by sim.NodeID) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindActApplied, Node: by, Peer: by, Accepted: true, Tag: sim.ActAcked, Value: int64(issued)}
}

// TestLeaderlessAvailabilityIsEachWritersShare: with writers: all every
// participant is a client. n1's writes succeed in every slot and n2's in
// none (cut off from its quorum): a client of n2 saw nothing succeed, so
// availability is 50%, where "a slot in which any write succeeded" would
// say 100%. Jitter that puts two of n1's writes in one slot and none in
// the next is no gap.
func TestLeaderlessAvailabilityIsEachWritersShare(t *testing.T) {
	ms := time.Millisecond
	var story []sim.Event
	for _, issued := range []time.Duration{10 * ms, 150 * ms, 190 * ms, 310 * ms} { // slots 0, 1, 1, 3: none in 2
		story = append(story, acked(issued, issued+ms, 1))
	}
	m := leaderlessMetrics(t, 400*ms, story...)
	if m.Availability != 0.5 {
		t.Errorf("availability %v, want 0.5: n1 wrote 4 times in 4 slots, n2 never", m.Availability)
	}
	if m.Store == nil || m.Store.WritesAcked != 4 {
		t.Errorf("store metrics %+v, want 4 writes acknowledged", m.Store)
	}
	// A write acknowledged after the client's timeout (5s) is no success.
	late := leaderlessMetrics(t, 400*ms, acked(10*ms, 6*time.Second, 2))
	if late.Availability != 0 {
		t.Errorf("availability %v with only a write acknowledged after the timeout, want 0", late.Availability)
	}
}
