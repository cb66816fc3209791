package properties_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// TestLeaderless measures the time without a leader on stories where the
// naive readings are wrong: counting from t=0 (before any leader), or
// summing the gaps between a step-down and the next Lead (which counts time
// during which another node still led).
func TestLeaderless(t *testing.T) {
	for _, tc := range []struct {
		name  string
		end   time.Duration
		story []sim.Event
		want  time.Duration
	}{
		{"no leader at all is not leaderless time: nothing to lose yet", 10 * sec, nil, 0},
		{"the wait for the first leader does not count", 10 * sec, []sim.Event{lead(3*sec, "n1", 1)}, 0},
		{"a handover that overlaps leaves no gap", 10 * sec, []sim.Event{
			lead(1*sec, "n1", 1), lead(4*sec, "n2", 2), stepDown(5*sec, "n1", 1),
		}, 0},
		{"a step-down with another leader still there is no gap", 10 * sec, []sim.Event{
			lead(1*sec, "n1", 1), lead(2*sec, "n2", 2),
			stepDown(3*sec, "n2", 2), // n1 still believes it leads generation 1
			lead(6*sec, "n3", 3), stepDown(7*sec, "n1", 1),
		}, 0},
		{"a crash ends the belief and starts the gap", 10 * sec, []sim.Event{
			lead(1*sec, "n1", 1), crash(4*sec, "n1"), lead(5500*ms, "n2", 2),
		}, 1500 * ms},
		{"gaps add up, and one open at the end runs to the end", 10 * sec, []sim.Event{
			lead(1*sec, "n1", 1), stepDown(2*sec, "n1", 1), lead(3*sec, "n2", 2),
			stepDown(8*sec, "n2", 2),
		}, 1*sec + 2*sec},
		{"a node moving to a newer generation is never leaderless", 10 * sec, []sim.Event{
			lead(1*sec, "n1", 1), lead(2*sec, "n1", 2),
		}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := measure(t, every100ms, tc.end, tc.story...)
			if got := time.Duration(m.LeaderlessNS); got != tc.want {
				t.Errorf("leaderless_ns = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRecoveryCountsActsIssuedAfterTheFault: an act the crashed leader
// issued before the crash, still on its way, is no recovery. Counting every
// accepted act after the fault gave crash recoveries of a few milliseconds.
func TestRecoveryCountsActsIssuedAfterTheFault(t *testing.T) {
	s := expecting(t, sim.Expect{})
	observe(s,
		lead(1*sec, "n1", 1),
		crash(10*sec, "n1"),
		appliedIssued(10*sec+2*ms, 10*sec-ms, "n1", 1, accepted), // in flight at the crash
		appliedIssued(10*sec+3*ms, 10*sec, "n1", 1, accepted),    // issued at the crash's instant
		lead(11*sec, "n2", 2),
		appliedIssued(11*sec+2*ms, 11*sec, "n2", 2, accepted),
	)
	rep := s.Report(sim.Result{End: sim.Time(20 * sec)})
	want := []properties.Recovery{{Fault: "crash n1", AtNS: int64(10 * sec), RecoveryNS: int64(sec + 2*ms), NewLeaderNS: int64(sec), NewLeader: "n2", NewLeaderGen: 2}}
	if diff := cmp.Diff(want, rep.Recoveries); diff != "" {
		t.Fatalf("recoveries (-want +got):\n%s", diff)
	}
	if rep.Metrics.RecoveryMaxNS != int64(sec+2*ms) || rep.Metrics.UnrecoveredFaults != 0 {
		t.Fatalf("recovery_max_ns %v, unrecovered %d", time.Duration(rep.Metrics.RecoveryMaxNS), rep.Metrics.UnrecoveredFaults)
	}
}

// TestNewLeaderTime: the time to a new leader ends at the first belief in
// a generation above every generation held at the fault, not at the first
// Lead after it. The generation a crash ends counts as held.
func TestNewLeaderTime(t *testing.T) {
	s := expecting(t, sim.Expect{})
	observe(s,
		lead(1*sec, "n1", 3),
		lead(2*sec, "n2", 2), // a deposed node that still believes
		fault(10*sec, sim.KindPartition, ""),
		lead(11*sec, "n4", 2), // not above 3: no new leader
		lead(12*sec, "n5", 4), // the new leader, 2s after the partition
		crash(20*sec, "n5"),   // ends generation 4, which counts as held
		lead(21*sec, "n3", 4), // a second node in 4 is no new leader
		lead(23*sec, "n3", 5), // this is, 3s after the crash
		fault(30*sec, sim.KindPause, "n1"),
		stepDown(31*sec, "n1", 3),
		stepDown(31*sec, "n2", 2),
		stepDown(31*sec, "n3", 5),
		stepDown(31*sec, "n4", 2),
		fault(40*sec, sim.KindPartition, ""), // nobody holds anything: any Lead is new
		lead(41*sec, "n2", 2),
	)
	rep := s.Report(sim.Result{End: sim.Time(60 * sec)})
	got := map[string]time.Duration{}
	for _, r := range rep.Recoveries {
		got[fmt.Sprintf("%s at %v", r.Fault, time.Duration(r.AtNS))] = time.Duration(r.NewLeaderNS)
	}
	want := map[string]time.Duration{
		"partition at 10s": 2 * sec, "crash n5 at 20s": 3 * sec, "pause n1 at 30s": -1, "partition at 40s": 1 * sec,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("new_leader_ns by fault (-want +got):\n%s", diff)
	}
}

func TestLeadershipIntervals(t *testing.T) {
	s := expecting(t, sim.Expect{})
	observe(s,
		lead(1*sec, "n1", 1),
		lead(2*sec, "n1", 2),
		stepDown(3*sec, "n1", 2),
		lead(4*sec, "n2", 3),
		crash(5*sec, "n2"),
		lead(6*sec, "n3", 4),
	)
	rep := s.Report(sim.Result{End: sim.Time(10 * sec)})
	want := []properties.Leadership{
		{Node: "n1", Gen: 1, FromNS: int64(1 * sec), ToNS: int64(2 * sec), Ended: properties.EndedReplaced},
		{Node: "n1", Gen: 2, FromNS: int64(2 * sec), ToNS: int64(3 * sec), Ended: properties.EndedStepDown},
		{Node: "n2", Gen: 3, FromNS: int64(4 * sec), ToNS: int64(5 * sec), Ended: properties.EndedCrash},
		{Node: "n3", Gen: 4, FromNS: int64(6 * sec), ToNS: int64(10 * sec), Ended: properties.EndedRunEnd},
	}
	if diff := cmp.Diff(want, rep.Leadership); diff != "" {
		t.Fatalf("leadership (-want +got):\n%s", diff)
	}
	if rep.LeadershipCount != 4 {
		t.Errorf("leadership_count = %d, want 4", rep.LeadershipCount)
	}
	if want := (&properties.LeaderAt{Node: "n3", Gen: 4, SinceNS: int64(6 * sec)}); !cmp.Equal(rep.LeaderAtEnd, want) {
		t.Errorf("leader_at_end = %+v, want %+v", rep.LeaderAtEnd, want)
	}
}

// TestLeadershipIsBounded: the report lists the first 1,000 leaderships
// and counts them all, whatever the run's length.
func TestLeadershipIsBounded(t *testing.T) {
	s := expecting(t, sim.Expect{})
	var story []sim.Event
	for i := range 1500 {
		story = append(story, lead(time.Duration(i)*ms, "n1", sim.Generation(i+1)))
	}
	observe(s, story...)
	rep := s.Report(sim.Result{End: sim.Time(10 * sec)})
	if len(rep.Leadership) != 1000 || rep.LeadershipCount != 1500 {
		t.Fatalf("%d leaderships listed, %d counted; want 1000 and 1500", len(rep.Leadership), rep.LeadershipCount)
	}
}

// TestTheLeaderIsTheHighestGeneration: of two believers the leader is the
// one in the higher generation, and of two in one, the lower ID.
func TestTheLeaderIsTheHighestGeneration(t *testing.T) {
	for _, tc := range []struct {
		name  string
		story []sim.Event
		want  string
	}{
		{"a higher generation wins over an earlier belief", []sim.Event{lead(sec, "n2", 1), lead(2*sec, "n4", 2)}, "n4"},
		{"an older generation does not take over", []sim.Event{lead(sec, "n4", 2), lead(2*sec, "n2", 1)}, "n4"},
		{"a tie goes to the lower ID", []sim.Event{lead(sec, "n3", 2), lead(2*sec, "n2", 2)}, "n2"},
		{"the leader's step-down hands the role to the next", []sim.Event{lead(sec, "n3", 1), lead(2*sec, "n2", 2), stepDown(3*sec, "n2", 2)}, "n3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := expecting(t, sim.Expect{})
			observe(s, tc.story...)
			rep := s.Report(sim.Result{End: sim.Time(10 * sec)})
			if rep.LeaderAtEnd == nil || rep.LeaderAtEnd.Node != tc.want {
				t.Fatalf("leader at the end %+v, want %s", rep.LeaderAtEnd, tc.want)
			}
		})
	}
}

// TestNewLeaderIsTheLaterFaultsDoing: a fault under which the leader held
// on gets no new leader that a later fault brought; a fault that had cost
// the leader keeps waiting through later faults, and gets it.
func TestNewLeaderIsTheLaterFaultsDoing(t *testing.T) {
	s := expecting(t, sim.Expect{})
	observe(s,
		lead(1*sec, "n1", 1),
		fault(10*sec, sim.KindPause, "n4"),        // a follower: n1 holds on
		fault(20*sec, sim.KindPartition, ""),      // isolates n1
		lead(21*sec, "n2", 2),                     // the partition's new leader
		crash(30*sec, "n2"),                       // costs the leader
		fault(30*sec+500*ms, sim.KindPause, "n5"), // during the election
		lead(31*sec, "n3", 3),
	)
	rep := s.Report(sim.Result{End: sim.Time(60 * sec)})
	got := map[string]time.Duration{}
	for _, r := range rep.Recoveries {
		got[r.Fault] = time.Duration(r.NewLeaderNS)
	}
	want := map[string]time.Duration{"pause n4": -1, "partition": sec, "crash n2": sec, "pause n5": 500 * ms}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("new_leader_ns by fault (-want +got):\n%s", diff)
	}
}

// TestUncommittedActs counts the proposals never committed. Acts issued
// less acts accepted would be wrong both ways: a committed act lost on its
// way to the resource was committed, and an act served at once (a lease
// read, or a protocol that does not commit) was never a proposal.
func TestUncommittedActs(t *testing.T) {
	proposed := func(at time.Duration, node string, gen sim.Generation) sim.Event {
		e := act(at, node, gen)
		e.Tag = sim.ActProposed
		return e
	}
	m := measure(t, every100ms, 10*sec,
		lead(0, "n1", 1),
		proposed(1*sec, "n1", 1),
		committed(1*sec+5*ms, "n1", 1),
		drop(1*sec+5*ms, "n4", "resource", sim.Act{Gen: 1}), // committed, then lost
		proposed(2*sec, "n1", 1),                            // never committed: n1 lost its quorum
		act(3*sec, "n1", 1),                                 // a read served at once
		applied(3*sec+ms, "n1", 1, accepted),
	)
	if m.ActsIssued != 3 || m.ActsCommitted != 1 || m.ActsUncommitted != 1 {
		t.Fatalf("issued %d, committed %d, uncommitted %d; want 3, 1, 1", m.ActsIssued, m.ActsCommitted, m.ActsUncommitted)
	}
}

// TestAvailabilityOverManySlots: the slots are counted in a window of
// fixed size that scrolls along; over thousands of slots, every other one
// with an act is a half, late arrivals within the window included.
func TestAvailabilityOverManySlots(t *testing.T) {
	w := sim.Workload{ActEvery: ms}
	var story []sim.Event
	for slot := range 5000 {
		if slot%2 == 0 {
			issued := time.Duration(slot) * ms
			story = append(story, appliedIssued(issued+20*ms, issued, "n1", 1, accepted)) // 20 slots late
		}
	}
	if m := measure(t, w, 5030*ms, story...); m.Availability != 2500.0/5030 {
		t.Fatalf("availability %v over 5030 slots with an act in 2500 of them, want %v", m.Availability, 2500.0/5030)
	}
}
