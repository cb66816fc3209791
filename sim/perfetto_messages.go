package sim

import "strconv"

// Messages in a Perfetto trace: a send is a slice of no length on the
// sender's track ("-> n2 Vote term=3"), a delivery one on the receiver's
// ("<- n1 Vote term=3"), and a flow arrow joins them. Flows are the trace
// format's "s" and "f" events; Perfetto's JSON importer binds each to the
// slice open on its track at that moment, so each is written between its
// slice's B and E, which share its time (the importer keeps the file's
// order at equal times, the trace having no "X" events). An instant would
// not do: it is a slice already closed. The flow's id is the send's event
// index, and its name (with category "msg") is the message, so that a
// start and its end match as Perfetto requires: by id, category and name.
// Each copy of a duplicated message ends the one flow of its send: one
// arrow per copy.
//
// A message lost as it left (loss, or no path at the send) is one instant
// "dropped: loss" on the sender's track, with no flow. One dropped on
// arrival (its receiver down, or a partition since it left) ends its flow
// at a slice "dropped: down" on the receiver's track.
//
// To know whether a send is lost as it leaves, its slice waits for the
// next event (the kernel reports such a loss right after the send): the
// one event held is all the memory messages take.

// message writes a send, a delivery or a drop.
func (t *PerfettoTrace) message(e *Event) {
	if e.Kind == KindDrop && t.sending && e.SendIndex == t.send.Index && e.Tag != DropDown {
		t.sending = false
		t.drop(e, t.validID(e.Node), "to", e.Peer, e.Tag, describeMessage(e.Msg))
		return
	}
	t.writeSend()
	switch e.Kind {
	case KindSend:
		t.send, t.sending = *e, true
	case KindDeliver:
		t.deliver(e)
	case KindDrop:
		msg := describeMessage(e.Msg)
		to := t.validID(e.Peer)
		name := "dropped: " + e.Tag
		t.begin("B", catMsg, "", e.At, to)
		t.named(name)
		t.dropArgs("from", e.Node, msg)
		t.flow("f", to, e.At, e.SendIndex, msg)
		t.endMessage(to, e.At, name)
	}
}

// writeSend writes the send held back, now known to have left.
func (t *PerfettoTrace) writeSend() {
	if !t.sending {
		return
	}
	t.sending = false
	e := &t.send
	from, msg := t.validID(e.Node), describeMessage(e.Msg)
	name := "-> " + nameOrNetwork(t.roster, t.validID(e.Peer)) + " " + msg
	t.begin("B", catMsg, "", e.At, from)
	t.named(name)
	t.buf = append(t.buf, `,"args":{"to":`...)
	t.buf = append(t.buf, t.names[t.validID(e.Peer)]...)
	t.end("}")
	t.flow("s", from, e.At, e.Index, msg)
	t.endMessage(from, e.At, name)
	t.send.Msg = nil // hold no message past its send
}

func (t *PerfettoTrace) deliver(e *Event) {
	to, msg := t.validID(e.Node), describeMessage(e.Msg)
	name := "<- " + nameOrNetwork(t.roster, t.validID(e.Peer)) + " " + msg
	t.begin("B", catMsg, "", e.At, to)
	t.named(name)
	t.buf = append(t.buf, `,"args":{"from":`...)
	t.buf = append(t.buf, t.names[t.validID(e.Peer)]...)
	t.buf = append(t.buf, `,"in_flight_ns":`...)
	t.buf = strconv.AppendInt(t.buf, int64(e.At)-e.Value, 10)
	t.end("}")
	t.flow("f", to, e.At, e.SendIndex, msg)
	t.endMessage(to, e.At, name)
}

// endMessage closes a message's slice of no length, named as it began.
func (t *PerfettoTrace) endMessage(id NodeID, at Time, name string) {
	t.begin("E", catMsg, "", at, id)
	t.named(name)
	t.end("")
}

// drop writes the instant that marks a lost message on track id; peerKey
// names the other end ("to" or "from").
func (t *PerfettoTrace) drop(e *Event, id NodeID, peerKey string, peer NodeID, reason, msg string) {
	t.begin("i", catMsg, "", e.At, id)
	t.named("dropped: " + reason)
	t.buf = append(t.buf, `,"s":"t"`...)
	t.dropArgs(peerKey, peer, msg)
}

// dropArgs ends a drop's event with its args: the other end and the
// message.
func (t *PerfettoTrace) dropArgs(peerKey string, peer NodeID, msg string) {
	t.buf = append(t.buf, `,"args":{"`...)
	t.buf = append(t.buf, peerKey...)
	t.buf = append(t.buf, `":`...)
	t.buf = append(t.buf, t.names[t.validID(peer)]...)
	t.buf = append(t.buf, `,"msg":`...)
	t.buf = appendJSONString(t.buf, msg)
	t.end("}")
}

// flow writes one end of a message's arrow: ph "s" at the send, "f" at the
// arrival, inside the message's slice, to which it binds ("bp":"e": the
// enclosing slice, not the next one).
func (t *PerfettoTrace) flow(ph string, id NodeID, at Time, send int64, msg string) {
	t.begin(ph, catMsg, "", at, id)
	t.named(msg)
	t.buf = append(t.buf, `,"id":`...)
	t.buf = strconv.AppendInt(t.buf, send, 10)
	if ph == "f" {
		t.buf = append(t.buf, `,"bp":"e"`...)
	}
	t.end("")
}
