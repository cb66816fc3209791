package sim

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
)

// The Perfetto export writes a run as Chrome trace-event JSON, which
// ui.perfetto.dev and chrome://tracing open: one track (thread) per node,
// leadership beliefs as slices, acts and faults as instants. Only what a
// replay needs to be looked at goes in: sends and deliveries would bury the
// story in a long run.

// perfettoPID is the one process a run is drawn as.
const perfettoPID = 1

// networkTID is the track of faults that belong to no node. Node IDs start
// at 1, so 0 is free, and it sorts first.
const networkTID = 0

// PerfettoTrace streams a run's leadership, acts and faults as Chrome
// trace-event JSON. It keeps only each node's open leadership slice, so its
// memory does not grow with the run. Call Flush after the run.
type PerfettoTrace struct {
	roster  *Roster
	w       *bufio.Writer
	buf     []byte       // one event, reused
	leading []Generation // by NodeID: the open slice's generation, 0 if none
	open    []bool       // by NodeID: a slice is open
	names   [][]byte     // by NodeID: the name as a JSON string
	first   bool         // no event written yet: no comma before the next
	last    Time         // the latest event's time
	err     error
}

// WritePerfetto makes s write a Perfetto trace to w: the header and the
// tracks now, the events as the run goes, the end at Flush.
func WritePerfetto(s *Sim, w io.Writer) *PerfettoTrace {
	r := s.Roster()
	t := &PerfettoTrace{
		roster: r, w: bufio.NewWriterSize(w, 1<<16), first: true,
		leading: make([]Generation, r.Len()+1), open: make([]bool, r.Len()+1),
		names: make([][]byte, r.Len()+1),
	}
	for id := NodeID(1); int(id) <= r.Len(); id++ {
		t.names[id] = jsonString(r.Name(id))
	}
	t.names[networkTID] = jsonString("network")
	t.writeString(`{"traceEvents":[`)
	t.process(s.Scenario().Name + " seed " + strconv.FormatUint(s.Seed(), 10))
	for id := NodeID(networkTID); int(id) <= r.Len(); id++ {
		t.track(id)
	}
	s.Observe(t)
	return t
}

// process names the run's one process after the scenario and seed.
func (t *PerfettoTrace) process(name string) {
	t.begin("M", "process_name", 0, networkTID)
	t.buf = append(t.buf, `,"args":{"name":`...)
	t.buf = append(t.buf, jsonString(name)...)
	t.end("}")
}

// track names a node's track and sorts it by ID.
func (t *PerfettoTrace) track(id NodeID) {
	t.begin("M", "thread_name", 0, id)
	t.buf = append(t.buf, `,"args":{"name":`...)
	t.buf = append(t.buf, t.names[id]...)
	t.end("}")
	t.begin("M", "thread_sort_index", 0, id)
	t.buf = append(t.buf, `,"args":{"sort_index":`...)
	t.buf = strconv.AppendInt(t.buf, int64(id), 10)
	t.end("}")
}

// Observe writes the events a timeline shows and skips the rest.
func (t *PerfettoTrace) Observe(e *Event) {
	t.last = e.At
	switch {
	case e.Kind == KindLead:
		t.closeLead(e.Node, e.At)
		t.openLead(e.Node, e.Gen, e.At)
	case e.Kind == KindStepDown:
		t.closeLead(e.Node, e.At)
	case e.Kind == KindCrash:
		t.closeLead(e.Node, e.At)
		t.fault(e)
	case e.Kind.IsFault(), e.Kind == KindFaultSkipped, e.Kind == KindBoot, e.Kind == KindOutOfService:
		t.fault(e)
	case e.Kind == KindActIssued, e.Kind == KindActWithheld, e.Kind == KindActApplied:
		t.act(e)
	}
}

func (t *PerfettoTrace) openLead(id NodeID, gen Generation, at Time) {
	t.leading[id], t.open[id] = gen, true
	t.begin("B", "", at, id)
	t.leadName(gen)
	t.buf = append(t.buf, `,"args":{"gen":`...)
	t.buf = strconv.AppendUint(t.buf, uint64(gen), 10)
	t.end("}")
}

// closeLead ends a node's open leadership slice, if it has one.
func (t *PerfettoTrace) closeLead(id NodeID, at Time) {
	if !t.open[id] {
		return
	}
	t.open[id] = false
	t.begin("E", "", at, id)
	t.leadName(t.leading[id])
	t.end("")
}

// leadName appends the name of a leadership slice. The E event repeats it
// although the format does not need it, so that every event has a name.
func (t *PerfettoTrace) leadName(gen Generation) {
	t.buf = append(t.buf, `,"name":"lead gen `...)
	t.buf = strconv.AppendUint(t.buf, uint64(gen), 10)
	t.buf = append(t.buf, '"')
}

// act writes an act as an instant: issued and withheld on the acting
// node's track, applied on the resource's, naming the node that acted.
func (t *PerfettoTrace) act(e *Event) {
	name := "act"
	switch {
	case e.Kind == KindActWithheld:
		name = "act withheld"
	case e.Kind == KindActApplied && e.Accepted:
		name = "act accepted"
	case e.Kind == KindActApplied:
		name = "act rejected"
	}
	t.instant(name, e.At, e.Node)
	t.buf = append(t.buf, `,"args":{"gen":`...)
	t.buf = strconv.AppendUint(t.buf, uint64(e.Gen), 10)
	if e.Kind == KindActApplied {
		t.buf = append(t.buf, `,"from":`...)
		t.buf = append(t.buf, t.names[t.validID(e.Peer)]...)
	}
	t.end("}")
}

// fault writes a fault as an instant on its node's track, or on the
// network track when it has no node.
func (t *PerfettoTrace) fault(e *Event) {
	t.instant(e.Kind.String(), e.At, t.validID(e.Node))
	t.buf = append(t.buf, `,"args":{`...)
	sep := ""
	if e.Value != 0 {
		t.buf = append(t.buf, valueKey(e.Kind)...)
		t.buf = strconv.AppendInt(t.buf, e.Value, 10)
		sep = ","
	}
	if e.Tag != "" {
		t.buf = append(t.buf, sep+`"tag":`...)
		t.buf = append(t.buf, jsonString(e.Tag)...)
		sep = ","
	}
	if e.Role != "" {
		t.buf = append(t.buf, sep+`"role":`...)
		t.buf = append(t.buf, jsonString(e.Role)...)
	}
	t.end("}")
}

// valueKey names Event.Value in a fault's args with its unit, which
// depends on the kind.
func valueKey(k Kind) string {
	switch k {
	case KindPause:
		return `"for_ns":`
	case KindClockStep:
		return `"step_ns":`
	case KindDrift:
		return `"drift_ppb":`
	case KindCrash:
		return `"writes_lost":`
	}
	return `"value":`
}

// validID maps NoNode, and an ID the roster does not have, to the network
// track rather than failing.
func (t *PerfettoTrace) validID(id NodeID) NodeID {
	if id <= 0 || int(id) >= len(t.names) {
		return networkTID
	}
	return id
}

func (t *PerfettoTrace) instant(name string, at Time, id NodeID) {
	t.begin("i", name, at, id)
	t.buf = append(t.buf, `,"s":"t"`...)
}

// begin starts an event in buf: ph, ts, pid, tid and, unless name is
// empty (the caller appends its own), the name.
func (t *PerfettoTrace) begin(ph, name string, at Time, id NodeID) {
	t.buf = append(t.buf[:0], `{"ph":"`...)
	t.buf = append(t.buf, ph...)
	t.buf = append(t.buf, `","ts":`...)
	t.buf = appendMicros(t.buf, at)
	t.buf = append(t.buf, `,"pid":`...)
	t.buf = strconv.AppendInt(t.buf, perfettoPID, 10)
	t.buf = append(t.buf, `,"tid":`...)
	t.buf = strconv.AppendInt(t.buf, int64(id), 10)
	if name != "" {
		t.buf = append(t.buf, `,"name":"`...)
		t.buf = append(t.buf, name...) // a fixed name: no escaping needed
		t.buf = append(t.buf, '"')
	}
}

// end closes the event in buf after suffix and writes it, one per line.
func (t *PerfettoTrace) end(suffix string) {
	t.buf = append(t.buf, suffix...)
	t.buf = append(t.buf, '}')
	if !t.first {
		t.writeString(",")
	}
	t.first = false
	t.writeString("\n")
	t.write(t.buf)
}

func (t *PerfettoTrace) write(b []byte) {
	if t.err == nil {
		_, t.err = t.w.Write(b)
	}
}

func (t *PerfettoTrace) writeString(s string) {
	if t.err == nil {
		_, t.err = t.w.WriteString(s)
	}
}

// Flush ends the leadership slices still open at end, the run's end time
// (Result.End), closes the JSON and writes out what is buffered. It returns
// the first write error.
func (t *PerfettoTrace) Flush(end Time) error {
	end = max(end, t.last) // a slice never ends before it began
	for id := range t.open {
		t.closeLead(NodeID(id), end)
	}
	t.writeString("\n],\"displayTimeUnit\":\"ms\"}\n")
	if err := t.w.Flush(); t.err == nil {
		t.err = err
	}
	return t.err
}

// appendMicros appends a time in microseconds with three decimals, the
// trace format's unit at full nanosecond precision. Integer arithmetic
// keeps it exact and the same on every machine.
func appendMicros(b []byte, at Time) []byte {
	ns := int64(at)
	if ns < 0 {
		b = append(b, '-')
		ns = -ns // a Time is never near MinInt64
	}
	b = strconv.AppendInt(b, ns/1000, 10)
	frac := ns % 1000
	b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return b
}

// jsonString quotes s as a JSON string.
func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}
