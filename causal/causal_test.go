package causal

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/electsim/electsim/sim"
)

// vote is a promise in a generation, as a granted Raft vote is.
type vote struct{ gen sim.Generation }

func (v vote) Promises() (sim.Generation, bool) { return v.gen, true }
func (v vote) String() string                   { return fmt.Sprintf("vote gen=%d", v.gen) }

// trace builds events with consecutive indexes and times.
type trace struct{ events []sim.Event }

func (t *trace) add(e sim.Event) int64 {
	e.Index = int64(len(t.events))
	e.At = sim.Time(e.Index) * 1000
	t.events = append(t.events, e)
	return e.Index
}

func (t *trace) send(from, to sim.NodeID, m sim.Message) int64 {
	return t.add(sim.Event{Kind: sim.KindSend, Node: from, Peer: to, Msg: m})
}

func (t *trace) deliver(send int64) int64 {
	s := t.events[send]
	return t.add(sim.Event{Kind: sim.KindDeliver, Node: s.Peer, Peer: s.Node, Msg: s.Msg, SendIndex: send, Value: int64(s.At)})
}

func roster(t *testing.T, n int) *sim.Roster {
	r, err := sim.NewRoster(n, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func storyOf(r *sim.Roster, tr *trace, target Target) *Story {
	rec := NewRecorder(r, target)
	for i := range tr.events {
		rec.Observe(&tr.events[i])
	}
	return rec.Story()
}

func indexes(st *Story) []int64 {
	var out []int64
	for _, s := range st.Steps {
		out = append(out, s.Event.Index)
	}
	return out
}

// TestTheStoryIsTheCausalPastNotTheRecentPast: the persist: false story by
// hand, where a window of recent events would be wrong both ways. n2 votes
// for n1 in generation 1, crashes and restarts, and votes for n3 in
// generation 1. n4 crashes just before n3 leads, but nothing it did reached
// n3: it is not in the story. n2's first vote is long before, and it is.
func TestTheStoryIsTheCausalPastNotTheRecentPast(t *testing.T) {
	const n1, n2, n3, n4 = 1, 2, 3, 4
	tr := &trace{}
	first := tr.deliver(tr.send(n2, n1, vote{1}))
	lead1 := tr.add(sim.Event{Kind: sim.KindLead, Node: n1, Gen: 1})
	for range 50 { // heartbeats that n3 never hears
		tr.deliver(tr.send(n1, n2, "heartbeat"))
	}
	crash := tr.add(sim.Event{Kind: sim.KindCrash, Node: n2})
	restart := tr.add(sim.Event{Kind: sim.KindRestart, Node: n2})
	ask := tr.send(n3, n2, "ask gen=1")
	tr.deliver(ask)
	second := tr.deliver(tr.send(n2, n3, vote{1}))
	tr.add(sim.Event{Kind: sim.KindCrash, Node: n4})
	tr.add(sim.Event{Kind: sim.KindRestart, Node: n4})
	lead3 := tr.add(sim.Event{Kind: sim.KindLead, Node: n3, Gen: 1})

	st := storyOf(roster(t, 4), tr, Target{Events: []int64{lead1, lead3}, Gens: []sim.Generation{1}, Nodes: []sim.NodeID{n1, n3}})
	want := []int64{first, lead1, crash, restart, second, lead3}
	if diff := cmp.Diff(want, indexes(st)); diff != "" {
		t.Fatalf("story events (-want +got):\n%s\n%s", diff, text(st))
	}
	if told := st.Steps[4].Text; !strings.Contains(told, "restart (#"+fmt.Sprint(restart)+") lost that") {
		t.Errorf("the second vote does not point at the restart that lost the first: %q", told)
	}
	if !st.Steps[1].Violation || !st.Steps[5].Violation || st.Steps[0].Violation {
		t.Errorf("the violation's events are not the ones marked:\n%s", text(st))
	}
}

// TestActsAndPromisesRepeatedAreToldOnce: a leader that acts a hundred
// times and hears a hundred acknowledgements is told by its first act, and
// by the first and the latest promise from each follower.
func TestActsAndPromisesRepeatedAreToldOnce(t *testing.T) {
	const n1, n2, res = 1, 2, 3
	tr := &trace{}
	firstPromise := tr.deliver(tr.send(n2, n1, vote{4}))
	lead := tr.add(sim.Event{Kind: sim.KindLead, Node: n1, Gen: 4})
	var acts, promises []int64
	for range 100 {
		acts = append(acts, tr.add(sim.Event{Kind: sim.KindActIssued, Node: n1, Gen: 4}))
		promises = append(promises, tr.deliver(tr.send(n2, n1, vote{4})))
	}
	tr.deliver(tr.send(n1, res, "act"))
	last := tr.add(sim.Event{Kind: sim.KindActApplied, Node: res, Peer: n1, Gen: 4, Accepted: true})

	st := storyOf(roster(t, 3), tr, Target{Events: []int64{last}, Gens: []sim.Generation{4}})
	want := []int64{firstPromise, lead, acts[0], promises[len(promises)-1], last}
	if diff := cmp.Diff(want, indexes(st)); diff != "" {
		t.Fatalf("story events (-want +got):\n%s\n%s", diff, text(st))
	}
}

// TestFaultsOnUninvolvedNodesAndOldHealsAreLeftOut: a partition healed
// before the story began is over; one after it is told; a drift set long
// before on an involved node is in force and told; a pause of a node that
// never reached the violation is not.
func TestFaultsOnUninvolvedNodesAndOldHealsAreLeftOut(t *testing.T) {
	const n1, n2, n3 = 1, 2, 3
	tr := &trace{}
	tr.add(sim.Event{Kind: sim.KindPartition, Tag: "halves"})
	tr.add(sim.Event{Kind: sim.KindHeal})
	drift := tr.add(sim.Event{Kind: sim.KindDrift, Node: n1, Value: 300_000})
	tr.add(sim.Event{Kind: sim.KindDrift, Node: n3, Value: 300_000})
	lead := tr.add(sim.Event{Kind: sim.KindLead, Node: n1, Gen: 2})
	cut := tr.add(sim.Event{Kind: sim.KindPartition, Tag: "isolate n1"})
	tr.add(sim.Event{Kind: sim.KindPause, Node: n3, Value: 1e9})
	act := tr.add(sim.Event{Kind: sim.KindActIssued, Node: n1, Gen: 2})
	_ = n2

	st := storyOf(roster(t, 3), tr, Target{Events: []int64{act}, Gens: []sim.Generation{2}, Nodes: []sim.NodeID{n1}})
	want := []int64{drift, lead, cut, act}
	if diff := cmp.Diff(want, indexes(st)); diff != "" {
		t.Fatalf("story events (-want +got):\n%s\n%s", diff, text(st))
	}
}

func text(st *Story) string {
	var b strings.Builder
	st.Write(&b)
	return b.String()
}

// TestThePastIsWhatVectorClocksSay: the walk back along threads and
// messages marks exactly the events whose vector clock is below the
// target's, on random traces of sends, deliveries (in any order,
// duplicated, or never), drops and local events.
func TestThePastIsWhatVectorClocksSay(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := rapid.IntRange(2, 5).Draw(t, "nodes")
		tr, clocks := drawTrace(t, nodes)
		target := rapid.Int64Range(0, int64(len(tr.events)-1)).Draw(t, "target")
		r, _ := sim.NewRoster(nodes, nil)
		rec := NewRecorder(r, Target{Events: []int64{target}})
		for i := range tr.events {
			rec.Observe(&tr.events[i])
		}
		got := rec.past()
		for i, e := range tr.events[:target+1] {
			want := happenedBefore(e, clocks[i], tr.events[target], clocks[target])
			if got[i] != want {
				t.Fatalf("event %d (%v at n%d): walked past says %v, vector clocks say %v (target %d)", i, e.Kind, e.Node, got[i], want, target)
			}
		}
	})
}

// happenedBefore is the vector-clock test: e is in the past of (or is) the
// target when e's count on its own node is within the target's knowledge.
// A drop, on nobody's thread, is in the past only if it is the target.
func happenedBefore(e sim.Event, ce []int, target sim.Event, ct []int) bool {
	if e.Index == target.Index {
		return true
	}
	if !onNode(&e) {
		return false
	}
	return ce[e.Node] <= ct[e.Node]
}

// drawTrace draws a random trace and each event's vector clock: counts of
// the events on each node (by NodeID) that happened before it, or are it.
func drawTrace(t *rapid.T, nodes int) (*trace, [][]int) {
	tr := &trace{}
	var clocks [][]int
	vc := make([][]int, nodes+1)
	for i := range vc {
		vc[i] = make([]int, nodes+1)
	}
	var inFlight []int64
	steps := rapid.IntRange(1, 60).Draw(t, "steps")
	for range steps {
		node := sim.NodeID(rapid.IntRange(1, nodes).Draw(t, "node"))
		op := rapid.IntRange(0, 3).Draw(t, "op")
		var e sim.Event
		switch {
		case op == 0 || (op >= 2 && len(inFlight) == 0):
			e = sim.Event{Kind: sim.KindTimer, Node: node}
		case op == 1:
			peer := sim.NodeID(rapid.IntRange(1, nodes).Draw(t, "peer"))
			e = sim.Event{Kind: sim.KindSend, Node: node, Peer: peer}
		default:
			k := rapid.IntRange(0, len(inFlight)-1).Draw(t, "message")
			send := tr.events[inFlight[k]]
			if rapid.Bool().Draw(t, "drop") {
				e = sim.Event{Kind: sim.KindDrop, Node: send.Node, Peer: send.Peer, SendIndex: send.Index}
			} else {
				e = sim.Event{Kind: sim.KindDeliver, Node: send.Peer, Peer: send.Node, SendIndex: send.Index}
			}
			if !rapid.Bool().Draw(t, "duplicate") {
				inFlight = slices.Delete(inFlight, k, k+1)
			}
		}
		i := tr.add(e)
		clock := make([]int, nodes+1)
		if e.Kind == sim.KindDrop {
			copy(clock, clocks[e.SendIndex])
		} else {
			vc[e.Node][e.Node]++
			if e.Kind == sim.KindDeliver {
				for n, c := range clocks[e.SendIndex] {
					vc[e.Node][n] = max(vc[e.Node][n], c)
				}
			}
			copy(clock, vc[e.Node])
		}
		clocks = append(clocks, clock)
		if e.Kind == sim.KindSend {
			inFlight = append(inFlight, i)
		}
	}
	return tr, clocks
}

// TestALeadersReasonsAreToldWithItsBelief: a protocol's log lines just
// before a node begins to lead a target generation are its reasons (an SBR
// member's "keep-majority keeps ..."), told before the belief; a line of
// a node whose Lead is not in the violation's past is not told, and
// neither is an older line beyond the latest few.
func TestALeadersReasonsAreToldWithItsBelief(t *testing.T) {
	r := roster(t, 3)
	var tr trace
	logLine := func(node sim.NodeID, line string) sim.Event {
		return sim.Event{Kind: sim.KindLog, Node: node, Tag: line, Index: int64(len(tr.events))} // the next event's index
	}
	var lines []sim.Event
	for i := range notesPerLead + 1 {
		lines = append(lines, logLine(1, fmt.Sprintf("n1 line %d", i)))
	}
	tr.add(sim.Event{Kind: sim.KindLead, Node: 1, Gen: 5})
	act1 := tr.add(sim.Event{Kind: sim.KindActIssued, Node: 1, Gen: 5})
	far := logLine(3, "n3 decides in its own world")
	tr.add(sim.Event{Kind: sim.KindLead, Node: 3, Gen: 5}) // never reaches n2: not in the past of n2's act
	tr.add(sim.Event{Kind: sim.KindLead, Node: 2, Gen: 5})
	act2 := tr.add(sim.Event{Kind: sim.KindActIssued, Node: 2, Gen: 5})
	rec := NewRecorder(r, Target{Events: []int64{act1, act2}, Gens: []sim.Generation{5}, Nodes: []sim.NodeID{1, 2}})
	for _, l := range lines {
		rec.Observe(&l)
	}
	for i := range tr.events {
		if tr.events[i].Node == 3 {
			rec.Observe(&far)
		}
		rec.Observe(&tr.events[i])
	}
	var told []string
	for _, s := range rec.Story().Steps {
		told = append(told, s.Text)
	}
	want := []string{"n1 notes: n1 line 1", "n1 notes: n1 line 2", "n1 notes: n1 line 3", "n1 believes it leads generation 5"}
	if len(told) < len(want) || !slices.Equal(told[:len(want)], want) {
		t.Errorf("the story begins\n%s\nwant it to begin\n%s", strings.Join(told, "\n"), strings.Join(want, "\n"))
	}
	if joined := strings.Join(told, "\n"); strings.Contains(joined, "own world") || strings.Contains(joined, "line 0") {
		t.Errorf("the story tells a line it should not:\n%s", joined)
	}
}
