package sim

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"
	"unsafe"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/network"
)

// eagerSchedule is the order the kernel once queued every fault in at
// boot: each fault, then its end if it has one inside the run, sorted
// stably by time.
func eagerSchedule(s *Scenario) []faultEntry {
	var out []faultEntry
	for i, f := range s.Faults {
		out = append(out, faultEntry{at: Time(f.At.Min), src: i})
		if undo, ok := f.undo(); ok && undo.At.Min < s.Duration {
			out = append(out, faultEntry{at: Time(undo.At.Min), src: i, undo: true})
		}
	}
	slices.SortStableFunc(out, func(a, b faultEntry) int { return cmp.Compare(a.at, b.at) })
	return out
}

// TestFaultScheduleKeepsTheEagerOrder: handed out one at a time, the
// faults and their ends come in the order a sort of all of them gives,
// ties included, and number as many as were reserved; whatever the order
// the faults are written in.
func TestFaultScheduleKeepsTheEagerOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		scn := &Scenario{Duration: time.Duration(rapid.IntRange(1, 12).Draw(t, "duration")) * time.Second}
		sorted := rapid.Bool().Draw(t, "sorted")
		for i := range rapid.IntRange(0, 40).Draw(t, "faults") {
			at := time.Duration(rapid.IntRange(0, 10).Draw(t, fmt.Sprintf("fault %d at", i))) * time.Second
			length := time.Duration(rapid.IntRange(0, 4).Draw(t, fmt.Sprintf("fault %d for", i))) * time.Second
			f := Fault{At: Fixed(at), For: Fixed(length)}
			switch rapid.IntRange(0, 3).Draw(t, fmt.Sprintf("fault %d kind", i)) {
			case 0:
				f.Crash = "n1"
			case 1:
				f.Partition = &Partition{Shape: ShapeHalves}
			case 2:
				f.Pause, f.For = &Pause{Node: "n1", For: Fixed(length)}, Span{}
			case 3:
				f.Heal, f.For = true, Span{}
			}
			scn.Faults = append(scn.Faults, f)
		}
		if sorted {
			slices.SortStableFunc(scn.Faults, func(a, b Fault) int { return cmp.Compare(a.At.Min, b.At.Min) })
		}
		want := eagerSchedule(scn)
		fs := newFaultSchedule(scn)
		if fs.count != len(want) {
			t.Fatalf("reserved %d sequence numbers for %d faults and ends", fs.count, len(want))
		}
		var got []faultEntry
		for {
			e, ok := fs.take(scn)
			if !ok {
				break
			}
			got = append(got, e)
			e.skip = rapid.Bool().Draw(t, fmt.Sprintf("skip %d", len(got)))
			if back := faultOf(&item{at: e.at, kind: itemFault, ref: e.ref()}); back != e {
				t.Fatalf("%+v queued comes back as %+v", e, back)
			}
			if sorted && len(fs.pending) > 1+countOpen(scn, e) {
				t.Fatalf("after %d faults in time order the schedule holds %d", len(got), len(fs.pending))
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("handed out\n%v\nwant\n%v", got, want)
		}
	})
}

// countOpen counts the faults begun by e's time whose end is still to come.
func countOpen(s *Scenario, e faultEntry) int {
	n := 0
	for _, f := range s.Faults {
		if undo, ok := f.undo(); ok && Time(f.At.Min) <= e.at && Time(undo.At.Min) >= e.at && undo.At.Min < s.Duration {
			n++
		}
	}
	return n
}

// TestARunHoldsOneFaultAtATime: with a nemesis drawing hundreds of faults,
// the queue holds at most one fault item and the schedule a handful, in a
// run ten times as long as in a short one.
func TestARunHoldsOneFaultAtATime(t *testing.T) {
	run := func(d time.Duration) (*Sim, int) {
		scn := &Scenario{
			Name: "nemesis", Nodes: 5, Duration: d, Protocol: ProtocolSpec{Name: "ping"},
			Network: NetworkSpec{Latency: network.Uniform(time.Millisecond, 3*time.Millisecond)},
			Nemesis: &Nemesis{Interval: time.Second},
		}
		s, err := New(scn, Protocol{Name: "ping", New: func(NodeID, string) Node { return &pinger{} }}, 7)
		if err != nil {
			t.Fatal(err)
		}
		most := 0
		s.Observe(ObserverFunc(func(e *Event) {
			queued := 0
			for i := range s.queue.slab {
				if s.queue.slab[i].kind == itemFault {
					queued++
				}
			}
			if queued > 1 {
				t.Fatalf("at event %d, %d fault items are queued", e.Index, queued)
			}
			most = max(most, len(s.faults.pending))
		}))
		if res := s.Run(); res.Err != nil {
			t.Fatal(res.Err)
		}
		return s, most
	}
	short, shortMost := run(2 * time.Minute)
	long, longMost := run(20 * time.Minute)
	faults := len(long.Scenario().Faults)
	if faults < 5*len(short.Scenario().Faults) || faults < 500 {
		t.Fatalf("the nemesis drew %d faults in 20 minutes, %d in 2", faults, len(short.Scenario().Faults))
	}
	if shortMost > 10 || longMost > 10 {
		t.Fatalf("the schedule held up to %d (2 minutes) and %d (20 minutes) faults at once", shortMost, longMost)
	}
}

// TestFaultSizesCoverTheRealOnes: as TestAccountedSizesCoverTheRealOnes,
// for what the faults hold.
func TestFaultSizesCoverTheRealOnes(t *testing.T) {
	if real := unsafe.Sizeof(faultEntry{}); real > faultEntryBytes {
		t.Errorf("a faultEntry takes %d bytes, but the accounting counts %d", real, faultEntryBytes)
	}
	if real := unsafe.Sizeof(Fault{}) + unsafe.Sizeof(Partition{}); real > faultBytes {
		t.Errorf("a Fault with a Partition takes %d bytes, but the accounting counts %d", real, faultBytes)
	}
}
