package sim

import "strconv"

// The slices of a Perfetto trace: on a node's track its leadership beliefs
// ("lead gen 3"), its crashes ("crashed", from the crash to the restart or
// a late boot) and its pauses ("paused", from the pause to the resume, or
// a crash); on the network track its partitions and cuts, from the fault
// to the next heal or partition, which replace them all (the periods
// plots.Timeline draws).
// A slice open at the end of the run ends there.
//
// Begin/end slices on one track must nest: each track keeps a stack of its
// open slices, and closing one that has others open inside it ends those
// first and begins them again at once. The kernel's own order makes that
// rare (a pause lies inside a belief; a crash ends both, the pause first),
// but the trace stays well formed whatever the order.

// spanKind says what a slice stands for.
type spanKind uint8

const (
	spanLead    spanKind = iota + 1 // a leadership belief
	spanCrash                       // a crashed node, until its restart
	spanPause                       // a paused node, until its resume
	spanNetwork                     // a partition or a cut, until a heal or partition
)

// span is an open slice.
type span struct {
	kind spanKind
	gen  Generation // a belief's generation
	name []byte     // a network slice's name, as a JSON string
}

// spanFault writes a fault that begins or ends a slice.
func (t *PerfettoTrace) spanFault(e *Event) {
	id := t.validID(e.Node)
	switch e.Kind {
	case KindCrash:
		t.closeSpan(id, spanPause, e.At) // no resume comes to a crashed node
		t.closeSpan(id, spanLead, e.At)  // the crash ends the belief: no step-down comes
		t.openFault(id, span{kind: spanCrash}, e)
	case KindPause:
		t.openFault(id, span{kind: spanPause}, e)
	case KindRestart, KindBoot:
		// A late boot starts a node that is down, even one that a restart
		// started early and a crash stopped again.
		t.closeSpan(id, spanCrash, e.At)
		t.fault(e)
	case KindResume:
		t.closeSpan(id, spanPause, e.At)
		t.fault(e)
	case KindPartition:
		t.closeAll(networkTID, e.At)
		t.openFault(networkTID, span{kind: spanNetwork, name: jsonString("partition " + e.Tag)}, e)
	case KindCut:
		t.openFault(networkTID, span{kind: spanNetwork, name: jsonString("cut " + e.Tag)}, e)
	case KindHeal:
		t.closeAll(networkTID, e.At)
		t.fault(e)
	}
}

// openFault begins a fault's slice, with the fault's details as its args.
func (t *PerfettoTrace) openFault(id NodeID, sp span, e *Event) {
	t.spans[id] = append(t.spans[id], sp)
	t.beginSpan(id, sp, e.At)
	t.faultArgs(e)
	t.end("")
}

func (t *PerfettoTrace) openLead(id NodeID, gen Generation, at Time) {
	sp := span{kind: spanLead, gen: gen}
	t.spans[id] = append(t.spans[id], sp)
	t.beginSpan(id, sp, at)
	t.buf = append(t.buf, `,"args":{"gen":`...)
	t.buf = strconv.AppendUint(t.buf, uint64(gen), 10)
	t.end("}")
}

// closeSpan ends the innermost open slice of a kind on a track, if there
// is one. Slices open inside it end with it and begin again, so that the
// track's slices still nest.
func (t *PerfettoTrace) closeSpan(id NodeID, kind spanKind, at Time) {
	stack := t.spans[id]
	i := len(stack) - 1
	for i >= 0 && stack[i].kind != kind {
		i--
	}
	if i < 0 {
		return
	}
	for j := len(stack) - 1; j >= i; j-- {
		t.endSpan(id, stack[j], at)
	}
	stack = append(stack[:i], stack[i+1:]...)
	t.spans[id] = stack
	for _, sp := range stack[i:] {
		t.beginSpan(id, sp, at)
		t.end("")
	}
}

// closeAll ends every open slice of a track, innermost first.
func (t *PerfettoTrace) closeAll(id NodeID, at Time) {
	stack := t.spans[id]
	for j := len(stack) - 1; j >= 0; j-- {
		t.endSpan(id, stack[j], at)
	}
	t.spans[id] = stack[:0]
}

// beginSpan starts a slice's B event in buf, for the caller to end.
func (t *PerfettoTrace) beginSpan(id NodeID, sp span, at Time) {
	t.begin("B", spanCat(sp), "", at, id)
	t.spanName(sp)
}

// endSpan writes a slice's E event. It repeats the slice's name although
// the format does not need it: Perfetto matches an end to the innermost
// open slice of that name, and every event then has a name.
func (t *PerfettoTrace) endSpan(id NodeID, sp span, at Time) {
	t.begin("E", spanCat(sp), "", at, id)
	t.spanName(sp)
	t.end("")
}

func spanCat(sp span) string {
	if sp.kind == spanLead {
		return catLead
	}
	return catFault
}

func (t *PerfettoTrace) spanName(sp span) {
	switch sp.kind {
	case spanLead:
		t.buf = append(t.buf, `,"name":"lead gen `...)
		t.buf = strconv.AppendUint(t.buf, uint64(sp.gen), 10)
		t.buf = append(t.buf, '"')
	case spanCrash:
		t.buf = append(t.buf, `,"name":"crashed"`...)
	case spanPause:
		t.buf = append(t.buf, `,"name":"paused"`...)
	default:
		t.buf = append(t.buf, `,"name":`...)
		t.buf = append(t.buf, sp.name...)
	}
}
