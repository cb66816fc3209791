package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
)

// TraceRecord is one line of a JSON-lines trace: an event, or a log line
// (Log set, Index that of the last event before it).
type TraceRecord struct {
	Index    int64           `json:"i"`
	At       Time            `json:"t"`
	Kind     string          `json:"kind"`
	Node     string          `json:"node,omitempty"`
	Peer     string          `json:"peer,omitempty"`
	Gen      Generation      `json:"gen,omitempty"`
	Timer    TimerID         `json:"timer,omitempty"`
	Value    int64           `json:"value,omitempty"`
	Accepted bool            `json:"accepted,omitempty"`
	Tag      string          `json:"tag,omitempty"`
	Role     string          `json:"role,omitempty"`
	Send     *int64          `json:"send,omitempty"` // a deliver's or drop's send event
	MsgType  string          `json:"msg_type,omitempty"`
	Msg      json.RawMessage `json:"msg,omitempty"`
	Log      string          `json:"log,omitempty"`
}

// Record converts an event to its trace record, with node names from r.
func Record(r *Roster, e *Event) TraceRecord {
	rec := TraceRecord{
		Index: e.Index, At: e.At, Kind: e.Kind.String(), Gen: e.Gen, Timer: e.Timer,
		Value: e.Value, Accepted: e.Accepted, Tag: e.Tag, Role: e.Role,
	}
	if e.Kind == KindDeliver || e.Kind == KindDrop {
		sent := e.SendIndex
		rec.Send = &sent
	}
	if e.Node != NoNode {
		rec.Node = r.Name(e.Node)
	}
	if e.Peer != NoNode {
		rec.Peer = r.Name(e.Peer)
	}
	if e.Msg != nil {
		rec.MsgType = fmt.Sprintf("%T", e.Msg)
		if body, err := json.Marshal(e.Msg); err == nil {
			rec.Msg = body
		} else {
			rec.Msg, _ = json.Marshal(fmt.Sprintf("%+v", e.Msg))
		}
	}
	return rec
}

// JSONTrace writes a run's events, and its nodes' log lines, as JSON lines.
// Call Flush after the run.
type JSONTrace struct {
	roster *Roster
	w      *bufio.Writer
	enc    *json.Encoder
	last   Event
	err    error
}

// WriteTrace makes s write its trace to w.
func WriteTrace(s *Sim, w io.Writer) *JSONTrace {
	bw := bufio.NewWriterSize(w, 1<<16)
	t := &JSONTrace{roster: s.Roster(), w: bw, enc: json.NewEncoder(bw)}
	s.Observe(t)
	s.OnLog(t.log)
	return t
}

// Observe writes one event.
func (t *JSONTrace) Observe(e *Event) {
	t.last = *e
	t.write(Record(t.roster, e))
}

func (t *JSONTrace) log(at Time, node NodeID, line string) {
	t.write(TraceRecord{Index: t.last.Index, At: at, Kind: "log", Node: t.roster.Name(node), Log: line})
}

func (t *JSONTrace) write(rec TraceRecord) {
	if t.err == nil {
		t.err = t.enc.Encode(rec)
	}
}

// Flush writes out what is buffered and returns the first write error.
func (t *JSONTrace) Flush() error {
	if err := t.w.Flush(); t.err == nil {
		t.err = err
	}
	return t.err
}
