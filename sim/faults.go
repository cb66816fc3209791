package sim

import (
	"container/heap"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/electsim/electsim/clock"
	"github.com/electsim/electsim/network"
)

// compiledFault is a scripted fault resolved to node IDs and, for a
// partition, to the whole reachability relation it sets.
type compiledFault struct {
	kind     Kind
	node     NodeID
	value    int64 // pause length, clock step (ns), drift (ppb)
	reset    bool  // drift: back to the node's configured drift
	reach    network.Reach
	from, to []int // cut
	link     *LinkOverride
	tag      string
}

// faultSchedule hands out the expanded scenario's faults, and the restarts
// and heals that end those with a For, in time order, one at a time: the
// run holds only the next one as a queue item, and compiles a fault when
// its time comes. What it keeps does not grow with the number of faults
// beyond the written ones: the stream (which draws a nemesis's faults as
// they come), a heap with the next fault and the ends of the faults
// begun, each pushed when the fault it ends is handed out, and those
// faults themselves until they end.
//
// The order is the one a stable sort of every start and end by time
// gives, each fault's end after its start: by (time, fault index), an end
// never at its own start's time. Each gets the sequence number it would
// have if all were queued at boot, ahead of every other item, in that
// order: reserved at boot, so that ties at one instant with other items
// keep their order.
type faultSchedule struct {
	stream  *faultStream
	pending faultHeap     // a min-heap by (at, src)
	held    map[int]Fault // by index: the next fault, and the begun ones whose end is pending
	next    int           // the index of the next fault the stream gives
	end     Time          // the run's end: an end at or after it never comes
	count   int           // starts and ends in the whole schedule
	seq     uint64        // the sequence number of the next one handed out
}

// faultEntry is a fault at its time: one of the scenario's, or the
// restart or heal that ends one with a For.
type faultEntry struct {
	at   Time
	src  int  // the scenario fault, by index in the expanded Faults
	undo bool // the end of src: its restart or heal
	// skip marks the end of a fault skipped for a role nobody held: it is
	// queued and popped as it would be, and does nothing.
	skip bool
}

// ref is the entry as a queue item's ref: its index, then two flags.
func (e faultEntry) ref() uint64 {
	ref := uint64(e.src) << 2
	if e.undo {
		ref |= 2
	}
	if e.skip {
		ref |= 1
	}
	return ref
}

// faultOf is the entry a queued fault item carries.
func faultOf(it *item) faultEntry {
	return faultEntry{at: it.at, src: int(it.ref >> 2), undo: it.ref&2 != 0, skip: it.ref&1 != 0}
}

func (a *faultEntry) before(b *faultEntry) bool {
	return a.at < b.at || (a.at == b.at && (a.src < b.src || (a.src == b.src && !a.undo && b.undo)))
}

// newFaultSchedule sets out a run's faults.
func newFaultSchedule(stream *faultStream, end Time) faultSchedule {
	fs := faultSchedule{stream: stream, held: map[int]Fault{}, end: end, count: stream.count + stream.ends}
	fs.pull()
	return fs
}

// pull takes the next fault from the stream into the heap.
func (fs *faultSchedule) pull() {
	if f, ok := fs.stream.pop(); ok {
		fs.held[fs.next] = f
		fs.add(faultEntry{at: Time(f.At.Min), src: fs.next})
		fs.next++
	}
}

// ends says whether a fault has an end inside the run.
func (fs *faultSchedule) ends(f Fault) bool { return f.endsBefore(time.Duration(fs.end)) }

// take removes the next fault from the schedule and puts in its place
// what follows it: the next fault from the stream, its end.
func (fs *faultSchedule) take() (faultEntry, bool) {
	if len(fs.pending) == 0 {
		return faultEntry{}, false
	}
	e := heap.Pop(&fs.pending).(faultEntry)
	if e.undo {
		return e, true
	}
	fs.pull()
	if f := fs.held[e.src]; fs.ends(f) {
		undo, _ := f.undo()
		fs.add(faultEntry{at: Time(undo.At.Min), src: e.src, undo: true})
	}
	return e, true
}

// fault returns the fault an entry starts or ends, and forgets it unless
// its end is still to come.
func (fs *faultSchedule) fault(e faultEntry) Fault {
	f := fs.held[e.src]
	if e.undo || !fs.ends(f) {
		delete(fs.held, e.src)
	}
	return f
}

// bytes is what the schedule holds, for limits.max_memory.
func (fs *faultSchedule) bytes() int64 {
	return int64(fs.stream.held()+len(fs.held))*faultBytes + int64(len(fs.pending))*faultEntryBytes
}

// skipEnd marks the end of fault src, if it has one, as skipped. The end
// is in the heap: it was pushed when src was handed out, and comes after
// it.
func (fs *faultSchedule) skipEnd(src int) {
	for i := range fs.pending {
		if e := &fs.pending[i]; e.src == src && e.undo {
			e.skip = true
		}
	}
}

func (fs *faultSchedule) add(e faultEntry) { heap.Push(&fs.pending, e) }

// faultHeap orders the pending faults for container/heap: a handful at
// a time, popped once a fault, far from the event loop's hot path.
type faultHeap []faultEntry

func (h faultHeap) Len() int           { return len(h) }
func (h faultHeap) Less(i, j int) bool { return h[i].before(&h[j]) }
func (h faultHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *faultHeap) Push(x any)        { *h = append(*h, x.(faultEntry)) }
func (h *faultHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// undo is the fault that ends a fault with a For: the restart of a crashed
// node, the heal of a partition or cut.
func (f Fault) undo() (Fault, bool) {
	at := Fixed(f.At.Min + f.For.Min)
	switch {
	case f.For.Min <= 0:
		return Fault{}, false
	case f.Crash != "":
		return Fault{At: at, Restart: f.Crash}, true
	case f.Partition != nil, f.Cut != nil:
		return Fault{At: at, Heal: true}, true
	}
	return Fault{}, false
}

func compileFault(f Fault, r *Roster) (compiledFault, error) {
	id := func(name string) NodeID { v, _ := r.ID(name); return v }
	switch {
	case f.Partition != nil:
		return compilePartition(f.Partition, r)
	case f.Cut != nil:
		c := compiledFault{kind: KindCut, from: indexes(r, f.Cut.From), to: indexes(r, f.Cut.To)}
		c.tag = fmt.Sprintf("%s -/-> %s", strings.Join(f.Cut.From, " "), strings.Join(f.Cut.To, " "))
		return c, nil
	case f.Heal:
		return compiledFault{kind: KindHeal}, nil
	case f.Crash != "":
		return compiledFault{kind: KindCrash, node: id(f.Crash)}, nil
	case f.Restart != "":
		return compiledFault{kind: KindRestart, node: id(f.Restart)}, nil
	case f.Pause != nil:
		return compiledFault{kind: KindPause, node: id(f.Pause.Node), value: int64(f.Pause.For.Min)}, nil
	case f.ClockStep != nil:
		return compiledFault{kind: KindClockStep, node: id(f.ClockStep.Node), value: int64(f.ClockStep.By)}, nil
	case f.Drift != nil:
		return compiledFault{kind: KindDrift, node: id(f.Drift.Node), value: clock.PPB(f.Drift.PPM), reset: f.Drift.Reset}, nil
	case f.Link != nil:
		return compiledFault{kind: KindLink, link: f.Link, tag: describeLink(f.Link)}, nil
	}
	return compiledFault{}, fmt.Errorf("fault at %v has no kind", f.At)
}

func indexes(r *Roster, names []string) []int {
	out := make([]int, len(names))
	for i, name := range names {
		id, _ := r.ID(name)
		out[i] = index(id)
	}
	return out
}

func compilePartition(p *Partition, r *Roster) (compiledFault, error) {
	c := compiledFault{kind: KindPartition}
	n := r.Len()
	order := indexes(r, p.Order)
	if len(order) == 0 {
		order = indexes(r, r.Names()[:r.Participants()])
	}
	var err error
	switch p.Shape {
	case "":
		c.reach = network.Groups(n, groupIndexes(r, p.Groups))
		c.tag = "groups " + describeGroups(p.Groups)
	case ShapeIsolate:
		id, _ := r.ID(p.Node)
		c.reach = network.Isolate(n, index(id))
		c.tag = "isolate " + p.Node
	case ShapeHalves, ShapeRandomHalves:
		halves := network.Halves(order)
		c.reach = network.Groups(n, halves)
		c.tag = p.Shape + " " + describeGroups(names(r, halves))
	case ShapeMajoritiesRing:
		c.reach, err = network.MajoritiesRing(n, order)
		c.tag = "majorities-ring " + strings.Join(names(r, [][]int{order})[0], " ")
	case ShapeBridge:
		var bridge int
		c.reach, bridge, err = network.Bridge(n, order)
		c.tag = fmt.Sprintf("bridge %s via %s", strings.Join(names(r, [][]int{order})[0], " "), r.Name(NodeID(bridge+1)))
	}
	if err != nil {
		return c, err
	}
	for _, service := range slices.Sorted(maps.Keys(p.Place)) {
		s, _ := r.ID(service)
		like, _ := r.ID(p.Place[service])
		c.reach.Place(index(s), index(like))
		c.tag += fmt.Sprintf(", %s with %s", service, p.Place[service])
	}
	return c, nil
}

func groupIndexes(r *Roster, groups [][]string) [][]int {
	out := make([][]int, len(groups))
	for i, g := range groups {
		out[i] = indexes(r, g)
	}
	return out
}

func names(r *Roster, groups [][]int) [][]string {
	out := make([][]string, len(groups))
	for i, g := range groups {
		for _, x := range g {
			out[i] = append(out[i], r.Name(NodeID(x+1)))
		}
	}
	return out
}

func describeGroups(groups [][]string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = "[" + strings.Join(g, " ") + "]"
	}
	return strings.Join(parts, " ")
}

func describeLink(o *LinkOverride) string {
	arrow := "->"
	if o.Both {
		arrow = "<->"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", o.From, arrow, o.To)
	if o.Loss != nil {
		fmt.Fprintf(&b, " loss %v", *o.Loss)
	}
	if o.Duplicate != nil {
		fmt.Fprintf(&b, " duplicate %v", *o.Duplicate)
	}
	if o.Latency != nil {
		fmt.Fprintf(&b, " latency %s", o.Latency.Dist)
	}
	if o.Reorder != nil {
		fmt.Fprintf(&b, " reorder %v", *o.Reorder)
	}
	return b.String()
}

// queueFaults reserves the schedule's sequence numbers, ahead of every
// other item, and queues the first fault.
func (s *Sim) queueFaults() {
	s.faults.seq = s.seq
	s.seq += uint64(s.faults.count)
	s.queueNextFault()
}

// queueNextFault queues the next fault of the schedule, with the sequence
// number it was given at boot, and accounts for what the schedule holds.
func (s *Sim) queueNextFault() {
	held := s.faults.bytes()
	e, ok := s.faults.take()
	s.memory += s.faults.bytes() - held
	if !ok {
		return
	}
	s.queue.push(item{at: e.at, seq: s.faults.seq, kind: itemFault, ref: e.ref()})
	s.faults.seq++
}

// fault carries out a queued fault and queues the next one.
func (s *Sim) fault(it *item) {
	s.startFault(faultOf(it))
	s.queueNextFault()
}

// startFault carries out a fault at its time: it resolves its roles if it
// names any, compiles it and applies it.
func (s *Sim) startFault(e faultEntry) {
	held := s.faults.bytes()
	f, role := s.faults.fault(e), ""
	s.memory += s.faults.bytes() - held
	switch {
	case e.skip:
		return // the fault this one ends never happened
	case e.undo:
		f, _ = f.undo() // its roles were resolved when it began
	case f.hasRoles():
		resolved, r, why := s.resolve(f, e.src)
		if why != "" {
			s.faults.skipEnd(e.src)
			s.publish(Event{Kind: KindFaultSkipped, Tag: f.what() + ": " + why})
			return
		}
		s.resolved(e.src, resolved)
		f, role = resolved, r
	}
	c, err := compileFault(f, s.roster)
	if err != nil {
		panic(fmt.Sprintf("fault %v: %v", f, err))
	}
	s.applyFault(&c, role)
}

// applyFault carries out a compiled fault; role says what roles it named.
func (s *Sim) applyFault(f *compiledFault, role string) {
	n := s.nodes[f.node] // nil for network faults
	switch f.kind {
	case KindPartition:
		s.net.SetReach(f.reach)
		s.publish(Event{Kind: KindPartition, Tag: f.tag, Role: role})
	case KindCut:
		s.net.Cut(f.from, f.to)
		s.publish(Event{Kind: KindCut, Tag: f.tag, Role: role})
	case KindHeal:
		s.net.Heal()
		s.publish(Event{Kind: KindHeal})
		s.syncAll()
	case KindLink:
		applyLinkOverride(s.net, s.roster, *f.link)
		s.publish(Event{Kind: KindLink, Tag: f.tag, Role: role})
	case KindCrash:
		s.crash(n, role)
	case KindRestart:
		s.restart(n, role)
	case KindPause:
		s.pause(n, durationOf(f.value), role)
	case KindClockStep:
		n.clock.Step(durationOf(f.value))
		s.publish(Event{Kind: KindClockStep, Node: n.id, Value: f.value, Role: role})
	case KindDrift:
		ppb := f.value
		if f.reset {
			ppb = n.baseDrift
		}
		s.setDrift(n, ppb)
		s.publish(Event{Kind: KindDrift, Node: n.id, Value: ppb, Role: role})
	}
}
