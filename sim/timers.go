package sim

import (
	"slices"
	"time"
)

// timerSlot is one live timer of a node. A timer is set in local monotonic
// time, so its true firing time moves when the node's drift changes: the
// slot keeps the target reading and the sequence number of the queue item
// that will fire it; an item whose seq no longer matches is stale.
type timerSlot struct {
	id     TimerID
	tag    string
	target time.Duration // monotonic reading at which it fires
	seq    uint64        // queue item that fires it; 0 if it falls after the run
	held   bool          // expired during a pause, waiting for the resume
	act    bool          // the kernel's own (the workload, anti-entropy), not the protocol's
}

// timer finds a live timer of n.
func (n *nodeState) timer(id TimerID) *timerSlot {
	for i := range n.timers {
		if n.timers[i].id == id {
			return &n.timers[i]
		}
	}
	return nil
}

// removeTimer forgets a timer and reports how many slots it freed (0 or 1).
func (n *nodeState) removeTimer(id TimerID) int64 {
	before := len(n.timers)
	n.timers = slices.DeleteFunc(n.timers, func(t timerSlot) bool { return t.id == id })
	return int64(before - len(n.timers))
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

// schedule queues the item that fires a timer at the first true time the
// node's clock reaches the target, under its current drift.
func (s *Sim) schedule(n *nodeState, slot *timerSlot) {
	at := max(Time(n.clock.TrueAt(slot.target)), s.now)
	if at >= s.end || s.stop != nil {
		slot.seq = 0 // it would fall after the run, or the run has stopped
		return
	}
	slot.seq = s.push(item{at: at, kind: itemTimer, node: n.id, ref: uint64(slot.id)})
}

func (s *Sim) stopTimer(n *nodeState, id TimerID) {
	s.memory -= n.removeTimer(id) * timerSlotBytes // its queued item, if any, is now stale
}

// expire handles a timer item coming due.
func (s *Sim) expire(it *item) {
	n := s.nodes[it.node]
	slot := n.timer(TimerID(it.ref))
	if !n.up || slot == nil || slot.seq != it.seq {
		return // stopped, rescheduled by a drift change, or the node crashed
	}
	if n.paused {
		slot.held = true
		s.hold(n, it)
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
			s.schedule(n, slot)
		}
	}
}
