package sim

import "strconv"

// Messages in a Perfetto trace: a send is an instant on the sender's track
// ("-> n2 Vote term=3"), a delivery one on the receiver's ("<- n1 Vote
// term=3"), and a flow arrow joins them. Flows are the trace format's "s"
// and "f" events, which bind to the slice or instant just before them on
// their track, at their time; their id is the send's event index, and
// their name (with category "msg") is the message, so that a start and its
// end match as Perfetto requires: by id, category and name. Each copy of a
// duplicated message ends the one flow of its send: one arrow per copy.
//
// A message lost as it left (loss, or no path at the send) is one instant
// "dropped: loss" on the sender's track, with no flow. One dropped on
// arrival (its receiver down, or a partition since it left) ends its flow
// at an instant "dropped: down" on the receiver's track.
//
// To know whether a send is lost as it leaves, its instant waits for the
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
		t.drop(e, to, "from", e.Node, e.Tag, msg)
		t.flow("f", to, e.At, e.SendIndex, msg)
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
	t.begin("i", catMsg, "", e.At, from)
	t.named("-> " + nameOrNetwork(t.roster, t.validID(e.Peer)) + " " + msg)
	t.buf = append(t.buf, `,"s":"t","args":{"to":`...)
	t.buf = append(t.buf, t.names[t.validID(e.Peer)]...)
	t.end("}")
	t.flow("s", from, e.At, e.Index, msg)
	t.send.Msg = nil // hold no message past its send
}

func (t *PerfettoTrace) deliver(e *Event) {
	to, msg := t.validID(e.Node), describeMessage(e.Msg)
	t.begin("i", catMsg, "", e.At, to)
	t.named("<- " + nameOrNetwork(t.roster, t.validID(e.Peer)) + " " + msg)
	t.buf = append(t.buf, `,"s":"t","args":{"from":`...)
	t.buf = append(t.buf, t.names[t.validID(e.Peer)]...)
	t.buf = append(t.buf, `,"in_flight_ns":`...)
	t.buf = strconv.AppendInt(t.buf, int64(e.At)-e.Value, 10)
	t.end("}")
	t.flow("f", to, e.At, e.SendIndex, msg)
}

// drop writes the instant that marks a lost message on track id; peerKey
// names the other end ("to" or "from").
func (t *PerfettoTrace) drop(e *Event, id NodeID, peerKey string, peer NodeID, reason, msg string) {
	t.begin("i", catMsg, "", e.At, id)
	t.named("dropped: " + reason)
	t.buf = append(t.buf, `,"s":"t","args":{"`...)
	t.buf = append(t.buf, peerKey...)
	t.buf = append(t.buf, `":`...)
	t.buf = append(t.buf, t.names[t.validID(peer)]...)
	t.buf = append(t.buf, `,"msg":`...)
	t.buf = appendJSONString(t.buf, msg)
	t.end("}")
}

// flow writes one end of a message's arrow: ph "s" at the send, "f" at the
// arrival. It binds to the instant written just before it on the track
// ("bp":"e": the enclosing event, not the next one).
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
