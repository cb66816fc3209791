package sim

import (
	"fmt"
	"time"
)

// startNode builds a fresh protocol instance and starts it: at boot and at
// every restart. Only the node's Storage carries over.
func (s *Sim) startNode(n *nodeState) {
	n.up = true
	if n.id == s.roster.Resource() {
		n.impl = &resourceNode{sim: s, fenced: s.scenario.Resource.Fencing == FencingGeneration}
	} else {
		n.impl = s.protocol.New(n.id, n.name)
	}
	n.guard, _ = n.impl.(ActGuard)
	n.replicator, _ = n.impl.(Replicator)
	n.env = &nodeEnv{sim: s, n: n}
	s.handlerStarts()
	n.impl.Start(n.env)
	s.startStore(n)
}

// crash stops a node for good until a restart: its volatile state, timers,
// held messages and leadership belief are gone.
func (s *Sim) crash(n *nodeState, role string) {
	if !n.up {
		s.ignoreFault(n, "crash "+n.name, n.downState(), role)
		return
	}
	e := Event{Kind: KindCrash, Node: n.id, Role: role}
	if n.leading {
		e.Gen = n.gen // the belief the crash ends
	}
	// Value counts the writes the crash undid; the messages held for them
	// die with this incarnation (release drops them).
	e.Value = int64(n.storage.lose(s.now))
	s.publish(e)
	s.lastCrashed = n.id
	for i := range n.held {
		if it := &n.held[i]; it.kind == itemDeliver {
			s.drop(it, DropDown)
		}
	}
	s.memory -= int64(len(n.held))*itemBytes + int64(len(n.timers))*timerSlotBytes
	clear(n.held)
	clear(n.timers)
	disk := n.disk
	disk.until = min(disk.until, s.now) // what was not yet written never will be
	*n = nodeState{
		id: n.id, name: n.name, clock: n.clock, baseDrift: n.baseDrift, storage: n.storage, rng: n.rng, work: n.work,
		held: n.held[:0], timers: n.timers[:0], pauseEpoch: n.pauseEpoch, incarnation: n.incarnation + 1, disk: disk,
	}
}

func (s *Sim) restart(n *nodeState, role string) {
	if n.up {
		s.ignoreFault(n, "restart "+n.name, "is up", role)
		return
	}
	s.publish(Event{Kind: KindRestart, Node: n.id, Role: role})
	s.startNode(n)
}

// ignoreFault records a fault that cannot take effect on n as it is now,
// rather than dropping it without a word: what says which fault, state
// why ("is up").
func (s *Sim) ignoreFault(n *nodeState, what, state, role string) {
	s.publish(Event{Kind: KindFaultIgnored, Node: n.id, Tag: what + ": " + n.name + " " + state, Role: role})
}

// downState says why a node that is not up is not: it never booted (a late
// boot), or it crashed.
func (n *nodeState) downState() string {
	if n.incarnation == 0 {
		return "has not booted yet"
	}
	return "is down"
}

// pause freezes a node's process: its clock runs on, but deliveries and
// timer expiries wait until the resume, which replays them in order.
func (s *Sim) pause(n *nodeState, d time.Duration, role string) {
	if !n.up || n.paused {
		state := "is already paused"
		if !n.up {
			state = n.downState()
		}
		s.ignoreFault(n, fmt.Sprintf("pause %s for %v", n.name, d), state, role)
		return
	}
	n.paused = true
	n.pauseEpoch++
	s.publish(Event{Kind: KindPause, Node: n.id, Value: int64(d), Role: role})
	if at := s.now + Time(d); at < s.end {
		s.push(item{at: at, kind: itemResume, node: n.id, ref: n.pauseEpoch})
	}
}

func (s *Sim) resume(n *nodeState, epoch uint64) {
	if !n.up || !n.paused || n.pauseEpoch != epoch {
		return // crashed, or a later pause owns this node now
	}
	n.paused = false
	s.publish(Event{Kind: KindResume, Node: n.id})
	// A handler run here cannot pause the node again, so held does not grow
	// while it is replayed.
	for i := 0; i < len(n.held) && n.up; i++ {
		it := &n.held[i]
		switch {
		case it.kind == itemDeliver:
			s.inFlight--
			s.deliver(n, it)
		case it.kind == itemSend:
			s.transmit(n.id, it.from, it.msg)
		default:
			if slot := n.timer(TimerID(it.ref)); slot != nil {
				s.fire(n, slot)
			}
		}
	}
	s.memory -= int64(len(n.held)) * itemBytes
	clear(n.held)
	n.held = n.held[:0]
}

// hold keeps an item a paused node will handle when it resumes.
func (s *Sim) hold(n *nodeState, it *item) {
	n.held = append(n.held, *it)
	s.memory += itemBytes
}

// lead starts or moves a node's leadership belief and makes sure its act
// workload runs.
func (s *Sim) lead(n *nodeState, gen Generation) {
	if !s.roster.IsParticipant(n.id) {
		panic(n.name + " is a service and cannot lead")
	}
	if n.outOfService {
		panic(n.name + " took itself out of service and cannot lead until it restarts")
	}
	if n.leading && n.gen == gen {
		return
	}
	n.leading, n.gen = true, gen
	s.publish(Event{Kind: KindLead, Node: n.id, Gen: gen})
	if n.actTimer == 0 && s.scenario.Workload.Writers != WritersAll {
		n.actTimer = s.setTimer(n, 0, timerAct, true)
	}
}

func (s *Sim) stepDown(n *nodeState) {
	if !n.leading {
		return
	}
	n.leading = false
	s.publish(Event{Kind: KindStepDown, Node: n.id, Gen: n.gen})
	if n.actTimer != 0 {
		s.stopTimer(n, n.actTimer)
		n.actTimer = 0
	}
}

// outOfService records that a node took itself out of service; it ends its
// leadership belief.
func (s *Sim) outOfService(n *nodeState, reason string) {
	if n.outOfService {
		return
	}
	s.stepDown(n)
	n.outOfService = true
	s.publish(Event{Kind: KindOutOfService, Node: n.id, Tag: reason})
}

// boot starts a node the scenario boots late, unless a restart already
// brought it up.
//
// A node that a restart brought up before its boot and that crashed since
// stays down: the boot is the node's first start, and it had one. The
// trace says so, as it does of a fault that cannot take effect.
func (s *Sim) bootLate(n *nodeState) {
	if n.up {
		return
	}
	if n.incarnation > 0 {
		s.publish(Event{Kind: KindFaultIgnored, Node: n.id, Tag: "boot " + n.name + ": " + n.name + " started on an earlier restart and crashed since"})
		return
	}
	s.publish(Event{Kind: KindBoot, Node: n.id})
	s.startNode(n)
}

// act is the workload: a believing leader's act timer fired. A node with
// MayAct is asked first; then the act goes over the network to the resource.
func (s *Sim) act(n *nodeState) {
	n.actTimer = 0
	gen := n.gen
	s.handlerStarts()
	switch {
	case n.guard != nil && !n.guard.MayAct(gen):
		s.publish(Event{Kind: KindActWithheld, Node: n.id, Gen: gen})
	case n.replicator != nil && n.replicator.Replicates(gen):
		s.acts++
		s.publish(Event{Kind: KindActIssued, Node: n.id, Gen: gen, Value: int64(s.acts), Tag: ActProposed})
		n.replicator.Propose(ActRef{ID: s.acts, Gen: gen, By: n.id, Issued: s.now})
	default:
		s.acts++
		s.publish(Event{Kind: KindActIssued, Node: n.id, Gen: gen, Value: int64(s.acts)})
		if s.store != nil {
			s.storeWrite(n, s.acts, n.id, gen, s.now)
			break
		}
		if a, ok := n.actMsg.(Act); !ok || a.Gen != gen {
			n.actMsg = Act{Gen: gen, By: n.id}
		}
		// The workload's act is no protocol message: no disk holds it.
		s.transmit(n.id, s.roster.Resource(), n.actMsg)
	}
	if n.leading && n.actTimer == 0 {
		n.actTimer = s.setTimer(n, s.actInterval(n), timerAct, true)
	}
}

func (s *Sim) actInterval(n *nodeState) time.Duration {
	w := s.scenario.Workload
	if w.Jitter == 0 {
		return w.ActEvery
	}
	spread := (2*n.work.Float64() - 1) * w.Jitter
	return w.ActEvery + time.Duration(spread*float64(w.ActEvery))
}

// ActProposed tags an issued act that a Replicator took as a proposal.
const ActProposed = "proposed"

// Act is the message an act sends to the resource: the act of By in Gen,
// sent by By itself when it is issued or, Committed, by the node that
// committed it, later than its Issued time.
type Act struct {
	Gen       Generation
	By        NodeID
	Committed bool
	Issued    Time // for a committed act; an act sent at once was issued as it was sent
}

// String is "Act gen=2 by=3", and for a committed act "Act gen=2 by=3
// committed, issued 1.5s".
func (a Act) String() string {
	if a.Committed {
		return fmt.Sprintf("Act gen=%d by=%d committed, issued %v", a.Gen, a.By, time.Duration(a.Issued))
	}
	return fmt.Sprintf("Act gen=%d by=%d", a.Gen, a.By)
}

// commit sends a committed act to the resource from the committing node,
// once per act: committed acts reach it in the order they were issued
// (Raft's log order), so an act numbered no higher than the last one
// committed was committed before.
func (s *Sim) commit(n *nodeState, act ActRef) {
	if act.ID <= s.committed {
		return
	}
	s.committed = act.ID
	s.publish(Event{Kind: KindActCommitted, Node: n.id, Peer: act.By, Gen: act.Gen, Value: int64(act.ID)})
	if s.store != nil {
		s.storeWrite(n, act.ID, act.By, act.Gen, act.Issued)
		return
	}
	s.transmit(n.id, s.roster.Resource(), Act{Gen: act.Gen, By: act.By, Committed: true, Issued: act.Issued})
}

func durationOf(ns int64) time.Duration { return time.Duration(ns) }
