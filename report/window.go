package report

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/electsim/electsim/sim"
)

// Limits bound the message diagram, so that it stays readable whatever the
// run.
type Limits struct {
	Events   int // events drawn, at most
	Messages int // message arrows drawn, at most
	Routine  int // routine events drawn, at most: the rest of the rows are the story's
	// Reach is how many events before the violation the window spans at
	// least; FaultReach how much further back it looks for the fault that
	// set the story going; LeadIn how many events it starts before that.
	Reach, FaultReach, LeadIn int
}

// DefaultLimits draw about a screen and a half of events.
var DefaultLimits = Limits{Events: 150, Messages: 60, Routine: 24, Reach: 100, FaultReach: 5_000, LeadIn: 8}

// Window is the events the message diagram draws, chosen by Select.
type Window struct {
	Roster *sim.Roster
	// Events are the chosen events, in index order: a subset of those from
	// From to To, which Considered counts.
	Events     []sim.Event
	From, To   int64
	Considered int
	Focus      []sim.NodeID // the violation's nodes: their lanes are highlighted
	Marked     []int64      // the violation's events
	Story      []int64      // the story's events, in story order
	// Spans are the nodes' beliefs in leading, pauses and crashes over
	// the window, by index: from From-1, or to To+1, where they began
	// before it or had not ended.
	Spans []Span
}

// Span is a stretch of a node's lane, from the event at index Start to
// the one at End: a belief that it leads generation Gen (Kind
// sim.KindLead), or a pause or a crash (sim.KindPause, sim.KindCrash).
type Span struct {
	Node       sim.NodeID
	Kind       sim.Kind
	Gen        sim.Generation
	Start, End int64
}

// Select chooses the diagram's events from what c collected, by this rule:
//
//   - The window runs from LeadIn events before the earliest of: the
//     story's first event, the violation's first event, Reach events before
//     the violation, and the last fault that began (a crash, pause, clock
//     step, drift change, partition, cut or link change) within FaultReach
//     events before those; to the violation. It never reaches back more
//     than MaxScan events.
//   - A message (a send with its deliveries or drop) is chosen whole or not
//     at all. An event or message is routine when its shape (kind, nodes,
//     generation, message type, tag) recurs in the window and it is
//     neither the first of its shape nor among the last two.
//   - Events are chosen class by class, and within a class the latest
//     first, while they fit in Events and Messages: (0) the violation's
//     events and the story's; (1) faults, leadership and withheld acts;
//     (2) events and messages among the violation's nodes alone, timers
//     aside; (3) any touching those nodes; (4) the others; then (5) the
//     routine ones touching the violation's nodes and (6) the rest, these
//     two no more than Routine events.
//
// It returns nil when c has no events or v is nil.
func Select(c *Collector, v *Violation, story []StoryStep, lim Limits) *Window {
	if len(c.events) == 0 || v == nil {
		return nil
	}
	w := &Window{Roster: c.roster, To: v.Index, Marked: withIndex(v.Events, v.Index)}
	for _, s := range story {
		w.Story = append(w.Story, s.Index)
	}
	w.From = windowStart(c.events, w, lim)
	inRange := c.events[position(c.events, w.From):]
	w.Considered = len(inRange)
	w.Focus = focusNodes(inRange, v, w.Marked)
	w.Events = choose(inRange, w, lim)
	w.Spans = spans(c, w.From, w.To)
	return w
}

// withIndex adds index to events if it is not there.
func withIndex(events []int64, index int64) []int64 {
	out := slices.Clone(events)
	if !slices.Contains(out, index) {
		out = append(out, index)
	}
	return out
}

// windowStart is where the window begins, by Select's first rule.
func windowStart(events []sim.Event, w *Window, lim Limits) int64 {
	earliest := w.To - int64(lim.Reach)
	for _, i := range append(slices.Clone(w.Marked), w.Story...) {
		earliest = min(earliest, i)
	}
	for i := position(events, earliest+1) - 1; i >= 0 && events[i].Index >= earliest-int64(lim.FaultReach); i-- {
		if beginsFault(events[i].Kind) {
			earliest = events[i].Index
			break
		}
	}
	return max(earliest-int64(lim.LeadIn), events[0].Index)
}

// beginsFault reports whether a kind starts a fault (a restart, resume or
// heal ends one).
func beginsFault(k sim.Kind) bool {
	switch k {
	case sim.KindCrash, sim.KindPause, sim.KindClockStep, sim.KindDrift, sim.KindPartition, sim.KindCut, sim.KindLink:
		return true
	}
	return false
}

// position is the position in events (by index, consecutive) of the
// first event at index or after it.
func position(events []sim.Event, index int64) int {
	i, _ := slices.BinarySearchFunc(events, index, func(e sim.Event, index int64) int { return cmp.Compare(e.Index, index) })
	return i
}

// focusNodes are the violation's nodes and those of its events.
func focusNodes(events []sim.Event, v *Violation, marked []int64) []sim.NodeID {
	out := slices.Clone(v.Nodes)
	for _, index := range marked {
		if i := position(events, index); i < len(events) && events[i].Index == index {
			out = append(out, events[i].Node)
		}
	}
	out = slices.DeleteFunc(out, func(id sim.NodeID) bool { return id == sim.NoNode })
	slices.Sort(out)
	return slices.Compact(out)
}

// unit is what Select chooses or leaves: one event, or one message (its
// send and its receipts, or receipts whose send is before the window).
type unit struct {
	events   []int // positions in the window's events
	class    int
	last     int64 // the highest index, for latest first
	messages int
}

// choose applies Select's second and third rules.
func choose(events []sim.Event, w *Window, lim Limits) []sim.Event {
	units := messageUnits(events)
	classify(units, events, w)
	slices.SortStableFunc(units, func(a, b *unit) int {
		return cmp.Or(cmp.Compare(a.class, b.class), cmp.Compare(b.last, a.last))
	})
	var chosen []sim.Event
	messages, routine := 0, 0
	for _, u := range units {
		isRoutine := u.class >= classRoutine
		if len(chosen)+len(u.events) > lim.Events || messages+u.messages > lim.Messages ||
			isRoutine && routine+len(u.events) > lim.Routine {
			continue
		}
		for _, i := range u.events {
			chosen = append(chosen, events[i])
		}
		messages += u.messages
		if isRoutine {
			routine += len(u.events)
		}
	}
	slices.SortFunc(chosen, func(a, b sim.Event) int { return cmp.Compare(a.Index, b.Index) })
	return chosen
}

// messageUnits groups the events into units: each receipt joins its send.
func messageUnits(events []sim.Event) []*unit {
	var units []*unit
	bySend := map[int64]*unit{} // looked up, never ranged over
	for i := range events {
		e := &events[i]
		if isReceipt(e.Kind) {
			if u := bySend[e.SendIndex]; u != nil {
				u.events, u.last = append(u.events, i), e.Index
				u.messages = receipts(u, events)
				continue
			}
		}
		u := &unit{events: []int{i}, last: e.Index, messages: boolInt(e.Kind == sim.KindSend || isReceipt(e.Kind))}
		if e.Kind == sim.KindSend {
			bySend[e.Index] = u
		}
		units = append(units, u)
	}
	return units
}

func isReceipt(k sim.Kind) bool { return k == sim.KindDeliver || k == sim.KindDrop }

// receipts counts a message's arrows: one per receipt, or one for a send
// none of whose receipts is in the window.
func receipts(u *unit, events []sim.Event) int {
	n := 0
	for _, i := range u.events {
		n += boolInt(isReceipt(events[i].Kind))
	}
	return max(n, 1)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// classRoutine is the first class of routine units.
const classRoutine = 5

// classify sets each unit's class, by Select's third rule.
func classify(units []*unit, events []sim.Event, w *Window) {
	novel := novelty(units, events)
	for k, u := range units {
		first := &events[u.events[0]]
		only, any := touches(u, events, w.Focus)
		switch {
		case u.has(events, w.Marked) || u.has(events, w.Story):
			u.class = 0
		case novel[k] && isLandmark(first):
			u.class = 1
		case novel[k] && only && !isRoutineKind(first.Kind):
			u.class = 2
		case novel[k] && any:
			u.class = 3
		case novel[k]:
			u.class = 4
		case any:
			u.class = classRoutine
		default:
			u.class = classRoutine + 1
		}
	}
}

// has reports whether the unit holds one of the indexes.
func (u *unit) has(events []sim.Event, indexes []int64) bool {
	for _, i := range u.events {
		if slices.Contains(indexes, events[i].Index) {
			return true
		}
	}
	return false
}

// novelty marks the units that are not routine: the first of their
// shape in the window, or among its last two.
func novelty(units []*unit, events []sim.Event) []bool {
	count := map[string]int{} // by shape; looked up, never ranged over
	shapes := make([]string, len(units))
	at := make([]int, len(units)) // the unit's place among those of its shape
	for k, u := range units {
		shapes[k] = shape(&events[u.events[0]])
		at[k] = count[shapes[k]]
		count[shapes[k]]++
	}
	novel := make([]bool, len(units))
	for k := range units {
		novel[k] = at[k] == 0 || at[k] >= count[shapes[k]]-2
	}
	return novel
}

// shape is what recurs in routine events: an act of n2 in generation 2,
// n1's keepalive to coord, a heartbeat timer.
func shape(e *sim.Event) string {
	return fmt.Sprintf("%v %d %d %d %T %s %v", e.Kind, e.Node, e.Peer, e.Gen, e.Msg, e.Tag, e.Accepted)
}

// touches reports whether the unit's nodes are all focus nodes, and
// whether any is.
func touches(u *unit, events []sim.Event, focus []sim.NodeID) (only, any bool) {
	only = true
	for _, i := range u.events {
		for _, id := range []sim.NodeID{events[i].Node, events[i].Peer} {
			if id == sim.NoNode {
				continue
			}
			in := slices.Contains(focus, id)
			only, any = only && in, any || in
		}
	}
	return only, any
}

// isLandmark reports the events the story turns on: faults, leadership,
// acts a node withheld, faults skipped, late boots.
func isLandmark(e *sim.Event) bool {
	switch e.Kind {
	case sim.KindLead, sim.KindStepDown, sim.KindActWithheld, sim.KindFaultSkipped, sim.KindFaultIgnored, sim.KindBoot, sim.KindOutOfService:
		return true
	}
	return e.Kind.IsFault()
}

// isRoutineKind reports the kinds that are a node's housekeeping, never
// the story's turn by themselves: timers and disk writes.
func isRoutineKind(k sim.Kind) bool { return k == sim.KindTimer || k == sim.KindDiskWrite }

// spans lists the nodes' beliefs, pauses and crashes over [from, to]:
// from the state the collector followed up to its first event, through
// its events.
func spans(c *Collector, from, to int64) []Span {
	states := slices.Clone(c.states)
	started := make([]int64, len(states)) // by NodeID: where the belief began
	stopped := make([]int64, len(states)) // and where the node went down
	var out []Span
	add := func(sp Span) {
		if sp.End >= from {
			sp.Start = max(sp.Start, from-1)
			out = append(out, sp)
		}
	}
	for i := range c.events {
		e := &c.events[i]
		if e.Index > to || e.Node <= 0 || int(e.Node) >= len(states) {
			continue
		}
		before := states[e.Node]
		follow(states, e)
		after := states[e.Node]
		if before.gen != after.gen {
			if before.gen != 0 {
				add(Span{Node: e.Node, Kind: sim.KindLead, Gen: before.gen, Start: started[e.Node], End: e.Index})
			}
			started[e.Node] = e.Index
		}
		if before.down != after.down {
			if before.down != 0 {
				add(Span{Node: e.Node, Kind: before.down, Start: stopped[e.Node], End: e.Index})
			}
			stopped[e.Node] = e.Index
		}
	}
	for id, st := range states {
		if st.gen != 0 {
			add(Span{Node: sim.NodeID(id), Kind: sim.KindLead, Gen: st.gen, Start: started[id], End: to + 1})
		}
		if st.down != 0 {
			add(Span{Node: sim.NodeID(id), Kind: st.down, Start: stopped[id], End: to + 1})
		}
	}
	slices.SortStableFunc(out, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	return out
}
