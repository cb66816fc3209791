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

// writtenStream is the stream of a scenario's written faults, sorted as
// Expand sorts them.
func writtenStream(s *Scenario) *faultStream {
	slices.SortStableFunc(s.Faults, func(a, b Fault) int { return cmp.Compare(a.At.Min, b.At.Min) })
	fs := &faultStream{written: s.Faults, count: len(s.Faults)}
	for _, f := range s.Faults {
		if s.endsInside(f) {
			fs.ends++
		}
	}
	return fs
}

// TestFaultScheduleKeepsTheEagerOrder: handed out one at a time, the
// faults and their ends come in the order a sort of all of them gives,
// ties included, and number as many as were reserved.
func TestFaultScheduleKeepsTheEagerOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		scn := &Scenario{Duration: time.Duration(rapid.IntRange(1, 12).Draw(t, "duration")) * time.Second}
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
		fs := newFaultSchedule(writtenStream(scn), Time(scn.Duration))
		want := eagerSchedule(scn)
		if fs.count != len(want) {
			t.Fatalf("reserved %d sequence numbers for %d faults and ends", fs.count, len(want))
		}
		var got []faultEntry
		for {
			e, ok := fs.take()
			if !ok {
				break
			}
			got = append(got, e)
			fs.fault(e)
			e.skip = rapid.Bool().Draw(t, fmt.Sprintf("skip %d", len(got)))
			if back := faultOf(&item{at: e.at, kind: itemFault, ref: e.ref()}); back != e {
				t.Fatalf("%+v queued comes back as %+v", e, back)
			}
			if len(fs.pending) > 1+countOpen(scn, e) || len(fs.held) > 1+countOpen(scn, e) {
				t.Fatalf("after %d faults the schedule holds %d entries and %d faults", len(got), len(fs.pending), len(fs.held))
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
// the queue holds at most one fault item and the schedule a handful (its
// heap, the faults begun and the nemesis's drawn ahead), in a run ten
// times as long as in a short one.
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
			most = max(most, len(s.faults.pending), len(s.faults.held), s.faults.stream.held())
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

// TestNemesisStreamGivesExpandsOrder: the faults a run takes from the
// stream, drawing the nemesis's as it goes, are the list the nemesis
// draws all at once, appended to the written ones and sorted stably by
// start time: for any nemesis, written faults at the same instants, and
// lookahead.
func TestNemesisStreamGivesExpandsOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		scn := &Scenario{
			Name: "n", Nodes: rapid.IntRange(2, 7).Draw(t, "nodes"), Duration: time.Duration(rapid.IntRange(1, 120).Draw(t, "seconds")) * time.Second,
			Protocol: ProtocolSpec{Name: "ping"},
			Nemesis: &Nemesis{
				Interval: time.Duration(rapid.IntRange(1, 20).Draw(t, "interval")) * 100 * time.Millisecond,
				Kinds:    rapid.SliceOfNDistinct(rapid.SampledFrom(NemesisKinds), 1, len(NemesisKinds), rapid.ID).Draw(t, "kinds"),
			},
		}
		seed := rapid.Uint64().Draw(t, "seed")
		// Written faults at whole seconds, and at the very instants the
		// nemesis draws faults at, where the tie rule decides.
		times := []time.Duration{}
		if first, err := scn.Expand(nil, seed); err == nil {
			for _, f := range first.Faults {
				times = append(times, f.At.Min)
			}
		}
		for i := range rapid.IntRange(0, 10).Draw(t, "written") {
			at := time.Duration(rapid.IntRange(0, int(scn.Duration/time.Second)-1).Draw(t, fmt.Sprintf("at %d", i))) * time.Second
			if len(times) > 0 && rapid.Bool().Draw(t, fmt.Sprintf("tie %d", i)) {
				at = rapid.SampledFrom(times).Draw(t, fmt.Sprintf("tie at %d", i))
			}
			scn.Faults = append(scn.Faults, Fault{At: Fixed(at), Pause: &Pause{Node: "n1", For: Fixed(time.Second)}})
		}
		_, stream, err := scn.expandLazily(nil, seed)
		if err != nil {
			t.Skip(err) // a draw the limits refuse
		}
		// The eager way: every fault drawn at once, then sorted.
		eager := slices.Clone(stream.written)
		validated := scn.Clone()
		if err := validated.Validate(nil); err != nil {
			t.Fatal(err)
		}
		plan := newNemesisPlan(validated, newStream(seed, streamFaults, faultsNemesis, 0))
		for more := true; more; {
			more, _ = plan.step()
			eager = append(eager, plan.out...)
			plan.take()
		}
		slices.SortStableFunc(eager, func(a, b Fault) int { return cmp.Compare(a.At.Min, b.At.Min) })
		got := stream.all()
		if len(got) != stream.count || len(got) != len(eager) {
			t.Fatalf("the stream gave %d faults and counted %d; drawn at once there are %d", len(got), stream.count, len(eager))
		}
		for i := range got {
			if fmt.Sprint(got[i]) != fmt.Sprint(eager[i]) {
				t.Fatalf("fault %d: the stream gives %v, drawn at once %v", i, got[i], eager[i])
			}
		}
	})
}
