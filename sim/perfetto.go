package sim

import (
	"bufio"
	"io"
	"strconv"
	"unicode/utf8"
)

// The Perfetto export writes a run as Chrome trace-event JSON, which
// ui.perfetto.dev and chrome://tracing open: one track (thread) per node and
// one for the network. On a node's track, leadership beliefs, crashes and
// pauses are slices (perfetto_spans.go), acts are instants, and each message
// is an arrow from an instant at its send to an instant at its delivery or
// its loss (perfetto_messages.go). Partitions and cuts are slices on the
// network track. Mark adds a violation once the run is over.
//
// The trace uses instants, begin/end pairs and flows, and no complete ("X")
// events: Perfetto's importer sorts events by time and keeps the file's
// order among equal times, except that once a trace has an event with a
// duration, it takes the end events at one time before all the others,
// which would break a slice that begins and ends at one instant (a belief
// given up in the handler that took it; a crash and restart at one time).

// perfettoPID is the one process a run is drawn as.
const perfettoPID = 1

// Every event has a category, as Chrome writes them: some readers need
// one, a slice's end must have its begin's, and a flow binds to the event
// of its own category (for DevTools; Perfetto binds by position).
const (
	catMeta  = "__metadata" // track names, as Chrome names that category
	catLead  = "lead"       // leadership beliefs
	catFault = "fault"      // faults, as slices or instants
	catAct   = "act"        // acts, issued and applied
	catMsg   = "msg"        // sends, deliveries, drops and their flows
	catMark  = "mark"       // what Mark adds after the run
)

// networkTID is the track of faults that belong to no node. Node IDs start
// at 1, so 0 is free, and it sorts first.
const networkTID = 0

// PerfettoOptions choose what a Perfetto trace shows. The zero value shows
// everything.
type PerfettoOptions struct {
	// NoMessages leaves sends, deliveries and drops out: a long run's
	// messages outnumber everything else, and make a file that a browser
	// struggles to open.
	NoMessages bool
}

// PerfettoTrace streams a run's leadership, acts, faults and messages as
// Chrome trace-event JSON. It keeps only what is open now (each node's
// slices, the network's partition and cuts, one send whose fate is not yet
// known), so its memory does not grow with the run. Call Flush after the
// run.
type PerfettoTrace struct {
	roster  *Roster
	w       *bufio.Writer
	opts    PerfettoOptions
	buf     []byte   // one event, reused
	names   [][]byte // by track: the node's name as a JSON string
	spans   [][]span // by track: the open slices, innermost last
	send    Event    // a send not yet written: its loss may come next
	sending bool     // send holds one
	first   bool     // no event written yet: no comma before the next
	last    Time     // the latest event's time
	flushed bool
	err     error
}

// WritePerfetto makes s write a Perfetto trace to w, with every message:
// the header and the tracks now, the events as the run goes, the end at
// Flush.
func WritePerfetto(s *Sim, w io.Writer) *PerfettoTrace {
	return WritePerfettoWith(s, w, PerfettoOptions{})
}

// WritePerfettoWith is WritePerfetto with options.
func WritePerfettoWith(s *Sim, w io.Writer, opts PerfettoOptions) *PerfettoTrace {
	r := s.Roster()
	t := &PerfettoTrace{
		roster: r, w: bufio.NewWriterSize(w, 1<<16), opts: opts, first: true,
		names: make([][]byte, r.Len()+1), spans: make([][]span, r.Len()+1),
	}
	for id := NodeID(1); int(id) <= r.Len(); id++ {
		t.names[id] = jsonString(r.Name(id))
	}
	t.names[networkTID] = jsonString("network")
	t.writeString(`{"traceEvents":[`)
	t.process(s.Settings().Name + " seed " + strconv.FormatUint(s.Seed(), 10))
	for id := NodeID(networkTID); int(id) <= r.Len(); id++ {
		t.track(id)
	}
	s.Observe(t)
	return t
}

// process names the run's one process after the scenario and seed.
func (t *PerfettoTrace) process(name string) {
	t.begin("M", catMeta, "process_name", 0, networkTID)
	t.buf = append(t.buf, `,"args":{"name":`...)
	t.buf = appendJSONString(t.buf, name)
	t.end("}")
}

// track names a node's track and sorts it by ID.
func (t *PerfettoTrace) track(id NodeID) {
	t.begin("M", catMeta, "thread_name", 0, id)
	t.buf = append(t.buf, `,"args":{"name":`...)
	t.buf = append(t.buf, t.names[id]...)
	t.end("}")
	t.begin("M", catMeta, "thread_sort_index", 0, id)
	t.buf = append(t.buf, `,"args":{"sort_index":`...)
	t.buf = strconv.AppendInt(t.buf, int64(id), 10)
	t.end("}")
}

// Observe writes the events a timeline shows and skips the rest (timers,
// disk writes, commits).
func (t *PerfettoTrace) Observe(e *Event) {
	t.last = e.At
	if e.Kind == KindSend || e.Kind == KindDeliver || e.Kind == KindDrop {
		if !t.opts.NoMessages {
			t.message(e)
		}
		return
	}
	t.writeSend()
	switch e.Kind {
	case KindLead:
		t.closeSpan(e.Node, spanLead, e.At)
		t.openLead(e.Node, e.Gen, e.At)
	case KindStepDown:
		t.closeSpan(e.Node, spanLead, e.At)
	case KindCrash, KindRestart, KindBoot, KindPause, KindResume, KindPartition, KindCut, KindHeal:
		t.spanFault(e)
	case KindActIssued, KindActWithheld, KindActApplied:
		t.act(e)
	default:
		if e.Kind.IsFault() || e.Kind == KindFaultSkipped || e.Kind == KindFaultIgnored || e.Kind == KindOutOfService {
			t.fault(e)
		}
	}
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
	t.instant(catAct, name, e.At, e.Node)
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
	t.instant(catFault, e.Kind.String(), e.At, t.validID(e.Node))
	t.faultArgs(e)
	t.end("")
}

// faultArgs appends what a fault's event says beyond its kind and node.
func (t *PerfettoTrace) faultArgs(e *Event) {
	t.buf = append(t.buf, `,"args":{`...)
	sep := ""
	if e.Value != 0 {
		t.buf = append(t.buf, valueKey(e.Kind)...)
		t.buf = strconv.AppendInt(t.buf, e.Value, 10)
		sep = ","
	}
	if e.Gen != 0 {
		t.buf = append(t.buf, sep+`"gen":`...)
		t.buf = strconv.AppendUint(t.buf, uint64(e.Gen), 10)
		sep = ","
	}
	if e.Tag != "" {
		t.buf = append(t.buf, sep+`"tag":`...)
		t.buf = appendJSONString(t.buf, e.Tag)
		sep = ","
	}
	if e.Role != "" {
		t.buf = append(t.buf, sep+`"role":`...)
		t.buf = appendJSONString(t.buf, e.Role)
	}
	t.buf = append(t.buf, '}')
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

// Mark writes an instant named name at true time at on the track of every
// node in nodes, and once on the global track above them all, with detail
// in its args: a violation of property p found in the run is marked with
// name "VIOLATION " + p, its nodes and its detail. Call it after the run
// and before Flush.
func (t *PerfettoTrace) Mark(at Time, nodes []NodeID, name, detail string) {
	if t.flushed {
		panic("sim: PerfettoTrace.Mark after Flush")
	}
	t.writeSend()
	t.last = max(t.last, at)
	for _, id := range nodes {
		t.begin("i", catMark, "", at, t.validID(id))
		t.named(name)
		t.buf = append(t.buf, `,"s":"t","args":{"detail":`...)
		t.buf = appendJSONString(t.buf, detail)
		t.end("}")
	}
	t.begin("i", catMark, "", at, networkTID)
	t.named(name)
	t.buf = append(t.buf, `,"s":"g","args":{"detail":`...)
	t.buf = appendJSONString(t.buf, detail)
	t.buf = append(t.buf, `,"nodes":"`...)
	for i, id := range nodes {
		if i > 0 {
			t.buf = append(t.buf, ' ')
		}
		t.buf = appendJSONChars(t.buf, nameOrNetwork(t.roster, t.validID(id)))
	}
	t.end(`"}`)
}

// validID maps NoNode, and an ID the roster does not have, to the network
// track rather than failing.
func (t *PerfettoTrace) validID(id NodeID) NodeID {
	if id <= 0 || int(id) >= len(t.names) {
		return networkTID
	}
	return id
}

// instant starts a thread-scoped instant with a fixed name.
func (t *PerfettoTrace) instant(cat, name string, at Time, id NodeID) {
	t.begin("i", cat, name, at, id)
	t.buf = append(t.buf, `,"s":"t"`...)
}

// begin starts an event in buf: ph, ts, pid, tid, cat and, unless name
// is empty (the caller appends its own with named), the name, which must
// need no escaping.
func (t *PerfettoTrace) begin(ph, cat, name string, at Time, id NodeID) {
	t.buf = append(t.buf[:0], `{"ph":"`...)
	t.buf = append(t.buf, ph...)
	t.buf = append(t.buf, `","ts":`...)
	t.buf = appendMicros(t.buf, at)
	t.buf = append(t.buf, `,"pid":`...)
	t.buf = strconv.AppendInt(t.buf, perfettoPID, 10)
	t.buf = append(t.buf, `,"tid":`...)
	t.buf = strconv.AppendInt(t.buf, int64(id), 10)
	t.buf = append(t.buf, `,"cat":"`...)
	t.buf = append(t.buf, cat...)
	t.buf = append(t.buf, '"')
	if name != "" {
		t.buf = append(t.buf, `,"name":"`...)
		t.buf = append(t.buf, name...)
		t.buf = append(t.buf, '"')
	}
}

// named appends any name to the event in buf.
func (t *PerfettoTrace) named(name string) {
	t.buf = append(t.buf, `,"name":`...)
	t.buf = appendJSONString(t.buf, name)
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

// Flush ends the slices still open at end, the run's end time
// (Result.End), closes the JSON and writes out what is buffered. It returns
// the first write error.
func (t *PerfettoTrace) Flush(end Time) error {
	t.writeSend()
	end = max(end, t.last) // a slice never ends before it began
	for id := range t.spans {
		t.closeAll(NodeID(id), end)
	}
	t.writeString("\n],\"displayTimeUnit\":\"ms\"}\n")
	if err := t.w.Flush(); t.err == nil {
		t.err = err
	}
	t.flushed = true
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
func jsonString(s string) []byte { return appendJSONString(nil, s) }

// appendJSONString appends s quoted as a JSON string. Unlike
// encoding/json it leaves <, > and & as they are ("-> n2" stays readable
// in a viewer) and writes invalid UTF-8 as U+FFFD itself: some versions of
// Perfetto's importer reject a \u escape, so one is written only for a
// control character, which JSON requires escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONChars(b, s)
	return append(b, '"')
}

// appendJSONChars appends s escaped for the inside of a JSON string.
func appendJSONChars(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return b
}
