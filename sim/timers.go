package sim

import (
	"slices"
	"time"
)

// timerSlot is one live timer of a node. A timer is set in local monotonic
// time, so its true firing time moves when the node's drift changes: the
// slot keeps the target reading, the true time and sequence number at
// which it fires (its place in the event order), and the queue item that
// will reach it first.
//
// That item need not be the timer's own. A protocol that restarts a timer
// on every message (Raft's election timer, on every heartbeat) stops one
// timer and sets a later one: the stopped timer's item stays in the queue,
// parked (see parkedItem), and the new timer takes it over instead of
// queueing an item of its own. When the parked item comes due before the
// timer does, it queues the timer at its own time and sequence number
// (requeue), so the order of events is exactly that of a queue with an
// item per timer, with far fewer items: a follower pops one per election
// timeout, not one per heartbeat.
type timerSlot struct {
	id     TimerID
	tag    string
	target time.Duration // monotonic reading at which it fires
	due    Time          // true time at which it fires, under the drift it was scheduled with
	seq    uint64        // its sequence number: ties at due run in this order; 0 if it falls after the run
	item   uint64        // the sequence number of the queue item that reaches it first
	at     Time          // that item's true time: due, or earlier for a parked item it took over
	held   bool          // expired during a pause, waiting for the resume
	act    bool          // the kernel's own (the workload, anti-entropy), not the protocol's
}

// parkedItem is a timer item still in the queue whose timer was stopped
// (or moved by a drift change): a timer due no earlier may take it over.
type parkedItem struct {
	at  Time
	seq uint64
}

// maxParked bounds a node's parked items, so that finding one stays
// cheap; an item past the bound is left in the queue to be skipped when it
// comes due, as every stopped timer's item was before parking.
const maxParked = 8

// timer finds a live timer of n.
func (n *nodeState) timer(id TimerID) *timerSlot {
	for i := range n.timers {
		if n.timers[i].id == id {
			return &n.timers[i]
		}
	}
	return nil
}

// timerReached finds the live timer that the queue item seq reaches.
func (n *nodeState) timerReached(seq uint64) *timerSlot {
	for i := range n.timers {
		if n.timers[i].item == seq {
			return &n.timers[i]
		}
	}
	return nil
}

// removeTimer forgets a timer and reports how many slots it freed (0 or 1).
// The others keep their order (a drift change reschedules them in it), and
// the slot freed at the end is not cleared: most removals are of the last
// slot (a follower's election timer, stopped and set again), which then
// moves nothing.
func (n *nodeState) removeTimer(id TimerID) int64 {
	for i := range n.timers {
		if n.timers[i].id == id {
			if i < len(n.timers)-1 {
				copy(n.timers[i:], n.timers[i+1:])
			}
			n.timers = n.timers[:len(n.timers)-1]
			return 1
		}
	}
	return 0
}

// park keeps a queued item whose timer no longer needs it, for a later
// timer to take over.
func (n *nodeState) park(slot *timerSlot) {
	if slot.item != 0 && !slot.held && len(n.parked) < maxParked {
		n.parked = append(n.parked, parkedItem{at: slot.at, seq: slot.item})
	}
	slot.item = 0
}

// unpark forgets a parked item: it has come due with no timer taking it.
func (n *nodeState) unpark(seq uint64) {
	for i := range n.parked {
		if n.parked[i].seq == seq {
			n.parked = slices.Delete(n.parked, i, i+1)
			return
		}
	}
}

// takeParked removes and returns the parked item due latest at or before
// at, if there is one.
func (n *nodeState) takeParked(at Time) (parkedItem, bool) {
	best := -1
	for i, p := range n.parked {
		if p.at <= at && (best < 0 || p.at > n.parked[best].at) {
			best = i
		}
	}
	if best < 0 {
		return parkedItem{}, false
	}
	p := n.parked[best]
	n.parked = slices.Delete(n.parked, best, best+1)
	return p, true
}

func (s *Sim) setTimer(n *nodeState, d time.Duration, tag string, act bool) TimerID {
	s.nextTimer++
	slot := timerSlot{id: s.nextTimer, tag: tag, target: n.clock.Mono(int64(s.now)) + max(d, 0), act: act}
	s.schedule(n, &slot)
	n.timers = append(n.timers, slot)
	s.memory += timerSlotBytes
	s.checkMemory()
	return slot.id
}

// schedule gives a timer its place in the event order, at the first true
// time the node's clock reaches the target under its current drift, and a
// queue item to reach it: a parked one due no later, or its own.
func (s *Sim) schedule(n *nodeState, slot *timerSlot) {
	at := max(Time(n.clock.TrueAt(slot.target)), s.now)
	if at >= s.end || s.stop != nil {
		slot.seq, slot.item = 0, 0 // it would fall after the run, or the run has stopped
		return
	}
	slot.due, slot.seq = at, s.seq
	s.seq++
	if p, ok := n.takeParked(at); ok {
		slot.item, slot.at = p.seq, p.at
		return
	}
	s.queueTimer(n, slot)
}

// queueTimer queues the timer's own item, at its time and sequence number.
func (s *Sim) queueTimer(n *nodeState, slot *timerSlot) {
	slot.item, slot.at = slot.seq, slot.due
	s.queue.push(item{at: slot.due, seq: slot.seq, kind: itemTimer, node: n.id, ref: uint64(slot.id)})
}

func (s *Sim) stopTimer(n *nodeState, id TimerID) {
	if slot := n.timer(id); slot != nil {
		n.park(slot)
	}
	s.memory -= n.removeTimer(id) * timerSlotBytes
}

// expire handles a timer item coming due.
func (s *Sim) expire(it *item) {
	n := s.nodes[it.node]
	slot := n.timerReached(it.seq)
	if slot == nil {
		n.unpark(it.seq) // stopped, or the node crashed
		return
	}
	if it.seq != slot.seq {
		s.queueTimer(n, slot) // a parked item it took over: not due yet
		return
	}
	if n.paused {
		slot.held = true
		held := *it
		held.ref = uint64(slot.id)
		s.hold(n, &held)
		return
	}
	s.fire(n, slot)
}

// fire runs a due timer: the act workload, or the protocol's Fire.
func (s *Sim) fire(n *nodeState, slot *timerSlot) {
	t, act := Timer{ID: slot.id, Tag: slot.tag}, slot.act
	s.memory -= n.removeTimer(slot.id) * timerSlotBytes
	if act {
		s.workTimer(n, t.Tag)
		return
	}
	s.publish(Event{Kind: KindTimer, Node: n.id, Timer: t.ID, Tag: t.Tag})
	s.handlerStarts()
	n.impl.Fire(t)
}

// setDrift changes a node's drift and moves its pending timers to the true
// times at which the new rate brings the clock to their targets.
func (s *Sim) setDrift(n *nodeState, driftPPB int64) {
	n.clock.SetDrift(int64(s.now), driftPPB)
	for i := range n.timers {
		if slot := &n.timers[i]; !slot.held {
			n.park(slot)
			s.schedule(n, slot)
		}
	}
}
