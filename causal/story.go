package causal

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/electsim/electsim/sim"
)

// Story is the causal story of a violation: the events that happened before
// it and touch its generations, in the order they happened.
type Story struct {
	Steps []Step
	Gens  []sim.Generation
	// Past counts the events that happened before the violation's events,
	// or are them; Before, the events of the run up to the last of them.
	// The story tells a few of Past, which is itself often a small part of
	// Before: the rest could not have caused the violation.
	Past, Before int64
	// Truncated says that the run had more than MaxPast events before the
	// violation and the earlier ones were not looked at.
	Truncated bool
}

// Step is one event of the story and what it means, for people.
type Step struct {
	Event sim.Event
	Text  string
	// Violation marks the events the violation is made of.
	Violation bool `json:",omitempty"`
}

// Story tells the story of the events recorded so far: call it once the
// run has passed the target's last event.
func (r *Recorder) Story() *Story {
	in := r.past()
	st := &Story{Gens: slices.Sorted(slices.Values(r.target.Gens)), Before: r.last + 1, Truncated: r.start > 0}
	for _, b := range in {
		if b {
			st.Past++
		}
	}
	chosen := r.choose(in)
	t := teller{roster: r.roster, target: r.target}
	for _, e := range chosen {
		st.Steps = append(st.Steps, Step{Event: e, Text: t.tell(e, chosen), Violation: slices.Contains(r.target.Events, e.Index)})
	}
	return st
}

// choose picks the events the story tells, in index order: the
// generations' leadership, acts and promises that happened before the
// violation, then the faults meanwhile.
func (r *Recorder) choose(in []bool) []sim.Event {
	inPast := func(e *sim.Event) bool { return e.Index >= r.start && in[e.Index-r.start] }
	var story []sim.Event
	firsts := map[actKey]bool{}
	promises := map[promiseKey][]int{} // positions in story: the first and the latest
	for _, e := range r.kept {
		if !inPast(&e) || faultLike(e.Kind) {
			continue
		}
		k := actKey{kind: e.Kind, node: e.Node, peer: e.Peer, gen: e.Gen}
		switch {
		case slices.Contains(r.target.Events, e.Index):
			firsts[k] = true // an act of the violation is its kind's first told
		case e.Kind == sim.KindLead, e.Kind == sim.KindStepDown:
		case e.Kind == sim.KindDeliver:
			gen, _ := promised(e.Msg)
			k := promiseKey{from: e.Peer, to: e.Node, gen: gen}
			if at := promises[k]; len(at) == 2 {
				story[at[1]] = e // a later promise replaces the latest
				continue
			}
			promises[k] = append(promises[k], len(story))
		default:
			if firsts[k] {
				continue
			}
			firsts[k] = true
		}
		story = append(story, e)
	}
	story = append(story, r.faults(in, story)...)
	for _, n := range r.notes {
		if n.lead >= r.start && in[n.lead-r.start] {
			story = append(story, n.line)
		}
	}
	// A log line has the index of the event it came before: it goes
	// first among equals.
	slices.SortStableFunc(story, func(a, b sim.Event) int {
		if a.Index != b.Index {
			return int(a.Index - b.Index)
		}
		return boolInt(b.Kind == sim.KindLog) - boolInt(a.Kind == sim.KindLog)
	})
	return story
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

type actKey struct {
	kind       sim.Kind
	node, peer sim.NodeID
	gen        sim.Generation
}

type promiseKey struct {
	from, to sim.NodeID
	gen      sim.Generation
}

// faults are the faults the story tells: those that happened before the
// violation from the story's first event on, on any node (a member that
// crashed changes what the others decide), and from before it the latest
// of each kind on each node (the clock setting in force, the last crash);
// on the network, those meanwhile and those in force at the start (since
// the last heal before it).
func (r *Recorder) faults(in []bool, story []sim.Event) []sim.Event {
	begin := r.last
	for _, e := range story {
		begin = min(begin, e.Index)
	}
	var out, network []sim.Event
	latest := map[actKey]sim.Event{} // by node and kind, before the story began
	for _, e := range r.kept {
		if !faultLike(e.Kind) {
			continue
		}
		switch {
		case e.Node == sim.NoNode && e.Index < begin && e.Kind == sim.KindHeal:
			network = network[:0] // full reachability again: what came before is over
		case e.Node == sim.NoNode && e.Index < begin:
			network = append(network, e)
		case e.Node == sim.NoNode && e.Index <= r.last:
			out = append(out, e)
		case e.Index < r.start || e.Index > r.last || !in[e.Index-r.start]:
		case e.Index >= begin:
			out = append(out, e)
		default:
			latest[actKey{kind: e.Kind, node: e.Node}] = e
		}
	}
	out = append(out, network...)
	for _, e := range latest {
		out = append(out, e)
	}
	return out
}

// Write prints the story as numbered lines with event indexes and times.
func (s *Story) Write(w io.Writer) {
	gens := make([]string, len(s.Gens))
	for i, g := range s.Gens {
		gens[i] = fmt.Sprint(g)
	}
	fmt.Fprintf(w, "the causal story: of the %d events up to the violation, %d happened before it (Lamport's relation); these %d",
		s.Before, s.Past, len(s.Steps))
	switch len(gens) {
	case 0:
		fmt.Fprint(w, " are the faults among them")
	case 1:
		fmt.Fprintf(w, " bear on generation %s", gens[0])
	default:
		fmt.Fprintf(w, " bear on generations %s", strings.Join(gens, " and "))
	}
	fmt.Fprintln(w, ":")
	if s.Truncated {
		fmt.Fprintf(w, "  (only the last %d events before it were looked at)\n", MaxPast)
	}
	for i, step := range s.Steps {
		mark := ""
		if step.Violation {
			mark = "   <- the violation"
		}
		fmt.Fprintf(w, "%3d. #%-7d %9s  %s%s\n", i+1, step.Event.Index, sim.HumanTime(step.Event.At), step.Text, mark)
	}
}
