package sim

import (
	"math/rand/v2"

	"github.com/electsim/electsim/clock"
	"github.com/electsim/electsim/network"
)

// Disk is how long a node's durable writes take: Latency for every node,
// Nodes to override it per node. With none, writes are durable at once, as
// before disks were modelled.
//
// A write takes its time as etcd-io/raft's Ready contract has a node persist
// its state before it sends the messages that depend on it: the writes one
// handler makes (one Deliver, Fire or Start) are one batch, drawn one
// latency from the node's own disk stream and queued behind the batches
// before it; every message the node sends while any batch is unfinished
// leaves when the last one finishes. A crash before then undoes the writes
// (Storage reads back what was durable) and loses the messages held for
// them. Reads see the node's own writes at once.
type Disk struct {
	Latency *network.Latency           `yaml:"latency,omitempty"`
	Nodes   map[string]network.Latency `yaml:"nodes,omitempty"`
}

// latencyOf is a node's disk latency, or nil for a disk that takes no time.
func (d Disk) latencyOf(name string) *network.Latency {
	if l, ok := d.Nodes[name]; ok {
		return &l
	}
	return d.Latency
}

// nodeDisk is the kernel's side of one node's disk.
type nodeDisk struct {
	latency *network.Latency // nil: writes are durable at once
	rng     *rand.Rand
	until   Time   // when the last batch becomes durable
	batch   uint64 // the handler whose writes make the open batch
}

// handlerStarts marks the start of a node handler: writes from here on
// make a new batch.
func (s *Sim) handlerStarts() { s.handler++ }

// diskWrite is a node's Storage telling the kernel of a write: it returns
// when the write becomes durable, or 0 for at once.
func (s *Sim) diskWrite(n *nodeState) Time {
	d := &n.disk
	if d.latency == nil {
		return 0
	}
	n.storage.settle(s.now)
	if d.batch != s.handler || d.until <= s.now {
		wait := Time(d.latency.Sample(d.rng))
		if wait <= 0 {
			return 0
		}
		// A backlog of writes cannot wrap: past clock.MaxTrue, long after
		// any run's end, it stops growing.
		d.batch, d.until = s.handler, min(max(d.until, s.now), Time(clock.MaxTrue))+wait
		s.publish(Event{Kind: KindDiskWrite, Node: n.id, Value: int64(d.until - s.now)})
	}
	return d.until
}

// holdForDisk keeps a message back until the node's writes are durable, and
// reports whether it did.
func (s *Sim) holdForDisk(n *nodeState, to NodeID, m Message) bool {
	if n.disk.until <= s.now {
		return false
	}
	if s.stop == nil { // once the run has stopped, nothing more is queued
		s.push(item{at: n.disk.until, kind: itemSend, node: n.id, from: to, msg: m, ref: n.incarnation})
		s.checkMemory()
	}
	return true
}

// release sends a message its node's disk held, unless the node crashed
// since (the write and the message are lost); a paused node sends it when
// it resumes.
func (s *Sim) release(it *item) {
	n := s.nodes[it.node]
	switch {
	case !n.up || n.incarnation != it.ref:
	case n.paused:
		s.hold(n, it)
	default:
		s.transmit(n.id, it.from, it.msg)
	}
}

// buildDisk gives a node its disk latency and stream.
func buildDisk(sc *Scenario, name string, seed uint64, id NodeID) nodeDisk {
	l := sc.Disk.latencyOf(name)
	if l == nil {
		return nodeDisk{}
	}
	return nodeDisk{latency: l, rng: newStream(seed, streamDisk, int(id), 0)}
}
