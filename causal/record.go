// Package causal tells the causal story of a violation: the events that
// happened before it, in the sense of Lamport's "Time, Clocks, and the
// Ordering of Events in a Distributed System" (1978, section 2), pruned to
// those that touch the generations it involves.
//
// The relation is Lamport's: on one node, every event happens before the
// node's later events (deliveries, timers, restarts and storage alike, for
// they all run on the node's one thread); a message's send happens before
// its delivery (sim.Event.SendIndex); and the relation is transitive. An
// event that did not happen before the violation cannot have caused it, so
// the story leaves it out however close in time it was.
//
// Of that past the story keeps what a reader needs: leadership beliefs and
// acts in the violation's generations, with the lines a node logged just
// before it began to believe (its reasons, as an SBR member's decision),
// the promises made in them (messages
// that implement sim.Promise: votes, epochs, leases), the faults that struck
// the nodes involved (a crash and restart that lost a promise, a pause that
// outlived a lease, a clock that drifted), and the network faults in force
// meanwhile. Acts and promises repeat by the hundred in a long run: the
// story keeps the first of each kind per node and generation, and the
// first and the latest promise from each node to each other.
package causal

import (
	"slices"

	"github.com/electsim/electsim/sim"
)

// MaxPast is how many events before the violation the story looks back
// over: 16 bytes each, so 64 MiB at most. An earlier event is left out (the
// story says so): in a run that long, the cause is seldom that far back.
const MaxPast = 1 << 22

// Target is what the story explains: a violation's events (the last is the
// one that broke the property), generations and nodes.
type Target struct {
	Events []int64
	Gens   []sim.Generation
	Nodes  []sim.NodeID
}

// Recorder observes a run up to the target's last event and keeps what the
// relation needs: for each event, the previous event on its node and, for
// a delivery, its send; and in full only the events a story may tell.
type Recorder struct {
	roster *sim.Roster
	target Target
	last   int64 // the target's last event: nothing after it matters
	start  int64 // the first event kept: window[i] is event start+i

	prev   []int64 // by event - start: the node's previous event, or -1
	sent   []int64 // by event - start: a delivery's send, or -1
	latest []int64 // by node: its latest event so far, or -1

	kept []sim.Event // the events a story may tell, by index

	// recent holds each node's latest log lines (sim.KindLog), oldest
	// first; notes, the lines a story may tell: those a node wrote just
	// before it began to believe it led a target generation, its reasons.
	recent [][]sim.Event
	notes  []note
}

// note is a log line told with the Lead it explains.
type note struct {
	lead int64 // the Lead's index
	line sim.Event
}

// notesPerLead is how many of a node's latest lines a story keeps with
// each of its Leads in a target generation.
const notesPerLead = 3

// ObservesLogs makes the recorder a sim.LogObserver: a protocol's own
// account of a decision (an SBR member's "keep-majority keeps [n2 n4 n5]")
// is the reason a story gives for the belief that followed it.
func (r *Recorder) ObservesLogs() {}

// noteLog keeps a node's latest log lines.
func (r *Recorder) noteLog(e *sim.Event) {
	if e.Node == sim.NoNode || int(e.Node) >= len(r.recent) {
		return
	}
	lines := append(r.recent[e.Node], *e)
	if len(lines) > notesPerLead {
		lines = append(lines[:0], lines[len(lines)-notesPerLead:]...)
	}
	r.recent[e.Node] = lines
}

// NewRecorder returns a recorder for the target; observe a run of the same
// scenario and seed with it (sim.Sim.Observe), then call Story.
func NewRecorder(r *sim.Roster, t Target) *Recorder {
	last := slices.Max(t.Events)
	start := max(0, last-MaxPast+1)
	latest := make([]int64, r.Len()+1)
	for i := range latest {
		latest[i] = -1
	}
	return &Recorder{roster: r, target: t, last: last, start: start, latest: latest, recent: make([][]sim.Event, r.Len()+1),
		prev: make([]int64, 0, min(last-start+1, 1<<16)), sent: make([]int64, 0, min(last-start+1, 1<<16))}
}

// Observe records one event. The kernel reuses the event: what is kept is
// copied.
func (r *Recorder) Observe(e *sim.Event) {
	if e.Kind == sim.KindLog {
		r.noteLog(e) // a line takes no index of its own
		return
	}
	if e.Index < r.start || e.Index > r.last {
		return
	}
	prev, sent := int64(-1), int64(-1)
	if onNode(e) {
		prev = r.latest[e.Node]
		r.latest[e.Node] = e.Index
	}
	if e.Kind == sim.KindDeliver || e.Kind == sim.KindDrop {
		sent = e.SendIndex
	}
	r.prev = append(r.prev, prev)
	r.sent = append(r.sent, sent)
	if r.tellable(e) {
		kept := *e
		if e.Kind != sim.KindDeliver {
			kept.Msg = nil // only a promise's message is told
		}
		r.kept = append(r.kept, kept)
		if e.Kind == sim.KindLead {
			for _, line := range r.recent[e.Node] {
				r.notes = append(r.notes, note{lead: e.Index, line: line})
			}
			r.recent[e.Node] = r.recent[e.Node][:0] // told once
		}
	}
}

// onNode says whether an event runs on a node's thread. A drop is told from
// the sender's side but happens in the network: it is on nobody's thread.
func onNode(e *sim.Event) bool {
	return e.Node != sim.NoNode && e.Kind != sim.KindDrop
}

// tellable says whether a story may tell the event: it touches a target
// generation, is a promise in one, or is a fault.
func (r *Recorder) tellable(e *sim.Event) bool {
	switch e.Kind {
	case sim.KindLead, sim.KindStepDown, sim.KindActIssued, sim.KindActWithheld, sim.KindActApplied, sim.KindActCommitted,
		sim.KindWrite, sim.KindWriteLost:
		return slices.Contains(r.target.Gens, e.Gen) || slices.Contains(r.target.Events, e.Index)
	case sim.KindDeliver:
		gen, ok := promised(e.Msg)
		return ok && slices.Contains(r.target.Gens, gen)
	}
	return faultLike(e.Kind)
}

// faultLike says whether a kind is told as a fault: a fault itself, one
// that could not take effect, a late boot, a node leaving service.
func faultLike(k sim.Kind) bool {
	return k.IsFault() || k == sim.KindFaultIgnored || k == sim.KindBoot || k == sim.KindOutOfService
}

// promised returns the generation a message promises, if it is a promise.
func promised(m sim.Message) (sim.Generation, bool) {
	if p, ok := m.(sim.Promise); ok {
		return p.Promises()
	}
	return 0, false
}

// past marks the events that happened before the target's events, or are
// them: a walk back along each node's thread and from each delivery to its
// send. It returns a set by event - start.
func (r *Recorder) past() []bool {
	in := make([]bool, len(r.prev))
	var stack []int64
	for _, i := range r.target.Events {
		if i >= r.start && i-r.start < int64(len(in)) {
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if i < r.start || in[i-r.start] {
			continue
		}
		in[i-r.start] = true
		for _, j := range [2]int64{r.prev[i-r.start], r.sent[i-r.start]} {
			if j >= r.start && !in[j-r.start] {
				stack = append(stack, j)
			}
		}
	}
	return in
}
