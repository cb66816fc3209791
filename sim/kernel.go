package sim

import (
	"fmt"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"time"

	"github.com/electsim/electsim/clock"
	"github.com/electsim/electsim/network"
)

// Sim is one run: a scenario, a protocol and a seed. Build it with New, add
// observers, then call Run once. Everything happens on the caller's
// goroutine and depends on the scenario and seed alone.
type Sim struct {
	scenario *Scenario // expanded, with no faults: the faults stream from s.faults
	// source is the scenario the run was built from, when it has a
	// nemesis: Scenario expands the whole fault list from it again when
	// asked (into full), with the roles resolved so far (resolutions, by
	// fault index, until then).
	source      *Scenario
	full        *Scenario
	resolutions map[int]Fault
	protocol    Protocol
	seed        uint64
	roster      *Roster
	net         *network.Net
	nodes       []*nodeState // by NodeID; nodes[0] is nil
	// faults hands out the scenario's faults one at a time, as they come.
	faults      faultSchedule
	lastCrashed NodeID      // for RoleCrashed
	sentAt      Time        // when the message being delivered was sent
	handler     uint64      // counts node handler calls: a disk batch is one's writes
	acts        uint64      // acts issued so far: the last ActRef.ID
	committed   uint64      // the highest act ID committed
	store       *storeState // nil unless the scenario has a store

	queue     queue
	seq       uint64
	now       Time
	end       Time
	atInstant int
	inFlight  int
	nextTimer TimerID
	limits    Limits
	// memory is the run's accounted memory beyond its queue and its
	// messages in flight (see accounted): nodes, links, faults, held
	// items, timers, storage. It is a running total, kept where they
	// change; peakMemory is the most accounted so far.
	memory     int64
	peakMemory int64

	ev           Event
	index        int64
	hash         uint64
	observers    []Observer
	logf         func(at Time, node NodeID, line string)
	logObservers []LogObserver
	stop         error
	ran, done    bool // Run was called; it has returned
}

// Result is what a run produced.
type Result struct {
	Scenario  string
	Protocol  string
	Seed      uint64
	Events    int64  // trace events
	TraceHash uint64 // over every event's canonical fields
	End       Time   // true time reached: the duration unless the run stopped early
	// PeakMemory is the most memory the run accounted for at once, in
	// bytes: what limits.max_memory is compared with.
	PeakMemory int64
	// Err is nil when the run reached its duration, a *LimitError when a
	// limit stopped it, or a *PanicError when a protocol panicked.
	Err error
}

// TraceHashString formats a trace hash as the CLI and saved scenarios show it.
func TraceHashString(h uint64) string { return fmt.Sprintf("%016x", h) }

// New validates the scenario for the protocol, expands its nemesis with the
// seed and builds the run. The scenario is not modified.
func New(s *Scenario, p Protocol, seed uint64) (*Sim, error) {
	if p.New == nil {
		return nil, fmt.Errorf("protocol %q has no factory", p.Name)
	}
	s, err := withProtocolFencing(s, p)
	if err != nil {
		return nil, err
	}
	expanded, faults, err := s.expandLazily(p.Services, seed)
	if err != nil {
		return nil, err
	}
	roster, _ := NewRoster(expanded.Nodes, p.Services) // Expand validated it
	sim := &Sim{
		scenario: expanded, protocol: p, seed: seed, roster: roster,
		end: Time(expanded.Duration), limits: expanded.Limits, hash: fnvOffset, seq: 1,
	}
	sim.net = buildNetwork(expanded, roster, seed)
	sim.nodes = buildNodes(sim)
	if expanded.Store != nil {
		sim.store = newStoreState(sim)
	}
	sim.faults = newFaultSchedule(faults, sim.end)
	if faults.plan != nil {
		sim.source = s.Clone() // the caller may change s after New
	}
	sim.memory += fixedMemory(roster.Len(), sim.faults)
	return sim, nil
}

// withProtocolFencing puts the fencing a protocol needs into the scenario,
// so that the expanded scenario (and a replay of it) says it.
func withProtocolFencing(s *Scenario, p Protocol) (*Scenario, error) {
	if p.Fencing == "" || s.Resource.Fencing == p.Fencing {
		return s, nil
	}
	if s.Resource.Fencing != "" {
		return nil, s.errorf("resource.fencing", "is %s, but protocol %s as configured needs fencing %s", s.Resource.Fencing, p.Name, p.Fencing)
	}
	c := s.Clone()
	c.Resource.Fencing = p.Fencing
	return c, nil
}

// Observe adds observers; they see every event from the start of the run.
// A LogObserver sees the nodes' log lines too.
func (s *Sim) Observe(obs ...Observer) {
	s.observers = append(s.observers, obs...)
	for _, o := range obs {
		if lo, ok := o.(LogObserver); ok {
			s.logObservers = append(s.logObservers, lo)
		}
	}
}

// LogObserver is an Observer that also wants the lines nodes write with
// Env.Logf, as KindLog events: a protocol's own account of why it did
// what it did, for a checker, a replay listing or a transcript. Lines are
// formatted only when some observer wants them.
type LogObserver interface {
	Observer
	ObservesLogs()
}

// publishLog hands a node's log line to the LogObservers and the OnLog
// function.
func (s *Sim) publishLog(node NodeID, line string) {
	if s.logf != nil {
		s.logf(s.now, node, line)
	}
	e := Event{Kind: KindLog, Index: s.index, At: s.now, Node: node, Tag: line}
	for _, o := range s.logObservers {
		o.Observe(&e)
	}
}

// wantsLogs says whether a log line has anyone to go to.
func (s *Sim) wantsLogs() bool { return s.logf != nil || len(s.logObservers) > 0 }

// OnLog receives the lines nodes write with Env.Logf.
func (s *Sim) OnLog(f func(at Time, node NodeID, line string)) { s.logf = f }

// Roster returns the run's nodes.
func (s *Sim) Roster() *Roster { return s.roster }

// Scenario returns the expanded scenario: the nemesis turned into plain
// faults, every range drawn and every random shape given its order, with
// the run's seed, and once Run has returned its trace hash. Once Run has
// returned, each role a fault named is replaced by the node it resolved to
// (a skipped fault keeps its role, and is skipped again). Run with the same
// seed it replays this run, to the same trace hash: it is what a failing
// run saves.
//
// A run does not hold its faults as a list, so that its memory does not
// grow with its length: the first call makes the list (a nemesis's faults
// drawn again) and returns it on every later call, kept up to date by the
// run. The run does not read it: a caller may change it, though the
// roles resolved later are written into it. Settings is the cheap way to
// read the rest of the scenario.
func (s *Sim) Scenario() *Scenario {
	if s.full == nil {
		var faults []Fault
		if s.source == nil {
			faults = slices.Clone(s.faults.stream.written)
		} else {
			full, err := s.source.Expand(s.protocol.Services, s.seed)
			if err != nil {
				panic(fmt.Sprintf("sim: the scenario expanded once does not expand again: %v", err))
			}
			faults = full.Faults
		}
		for src, f := range s.resolutions {
			faults[src] = f
		}
		s.full, s.resolutions = s.scenario.Clone(), nil
		s.full.Faults, s.full.Seed = faults, s.seed
		if s.done {
			s.full.TraceHash = TraceHashString(s.hash)
		}
	}
	return s.full
}

// Settings returns the expanded scenario without its faults (Faults and
// Nemesis are nil): everything else the run was built with, as Scenario
// has it, for an observer to read its settings at no cost. It is the
// run's own: read it, and Clone it to change it.
func (s *Sim) Settings() *Scenario { return s.scenario }

// resolved records what the roles a fault named resolved to: for its end,
// which undoes it on the node it took, and for Scenario.
func (s *Sim) resolved(src int, f Fault) {
	if _, ok := s.faults.held[src]; ok {
		s.faults.held[src] = f
	}
	switch {
	case s.full != nil:
		if src < len(s.full.Faults) { // a caller may have changed the list
			s.full.Faults[src] = f
		}
	case s.resolutions == nil:
		s.resolutions = map[int]Fault{src: f}
	default:
		s.resolutions[src] = f
	}
}

// Seed returns the run's seed.
func (s *Sim) Seed() uint64 { return s.seed }

// Run runs the simulation to its end and reports. A protocol panic or a
// broken limit ends the run early with Result.Err set; events up to then
// were observed as usual.
func (s *Sim) Run() (res Result) {
	if s.ran {
		panic("sim: Run called twice")
	}
	s.ran = true
	defer func() {
		if r := recover(); r != nil {
			s.stop = &PanicError{Seed: s.seed, At: s.now, Index: s.index, Value: r, Stack: string(debug.Stack())}
		}
		res = Result{
			Scenario: s.scenario.Name, Protocol: s.protocol.Name, Seed: s.seed,
			Events: s.index, TraceHash: s.hash, End: min(s.now, s.end), Err: s.stop, PeakMemory: s.peakMemory,
		}
		if s.stop == nil {
			res.End = s.end
		}
		s.done = true
		if s.full != nil {
			s.full.TraceHash = TraceHashString(s.hash)
		}
	}()
	s.boot()
	s.loop()
	s.finishStore()
	return
}

func (s *Sim) boot() {
	s.queueFaults()
	for _, n := range s.nodes[1:] {
		if at := Time(s.scenario.Boot[n.name].Min); at > 0 {
			s.push(item{at: at, kind: itemBoot, node: n.id})
			continue
		}
		s.startNode(n)
	}
}

func (s *Sim) loop() {
	for s.stop == nil && s.queue.len() > 0 && s.queue.peek().at < s.end {
		it := s.queue.pop()
		if it.at != s.now {
			s.now, s.atInstant = it.at, 0
		}
		if s.atInstant++; s.atInstant > s.limits.MaxAtInstant {
			s.stop = &LimitError{Limit: "max_at_instant", Value: int64(s.limits.MaxAtInstant), At: s.now, Index: s.index}
			return
		}
		s.step(&it)
		s.checkMemory()
	}
}

func (s *Sim) step(it *item) {
	switch it.kind {
	case itemDeliver:
		s.arrive(it)
	case itemTimer:
		s.expire(it)
	case itemFault:
		s.fault(it)
	case itemResume:
		s.resume(s.nodes[it.node], it.ref)
	case itemBoot:
		s.bootLate(s.nodes[it.node])
	case itemSend:
		s.release(it)
	}
}

// push schedules an item and returns its sequence number. It is small
// enough to inline: the memory check is its callers', after each step and
// inside the handlers' own ways of queueing (send, timers).
func (s *Sim) push(it item) uint64 {
	it.seq = s.seq
	s.seq++
	s.queue.push(it)
	return it.seq
}

// publish stamps an event with its index and time, folds it into the trace
// hash and hands it to the observers.
//
// It is small enough to inline, so that the event is built once, where it
// is published, and copied once, into s.ev; emit does the rest.
func (s *Sim) publish(e Event) {
	s.ev = e
	s.emit()
}

func (s *Sim) emit() {
	s.ev.Index, s.ev.At = s.index, s.now
	s.index++
	s.hash = hashEvent(s.hash, &s.ev)
	for _, o := range s.observers {
		o.Observe(&s.ev)
	}
	if s.index > s.limits.MaxEvents && s.stop == nil {
		s.stop = &LimitError{Limit: "max_events", Value: s.limits.MaxEvents, At: s.now, Index: s.index}
	}
}

// send is a node's Env.Send: the message leaves now, or once the node's
// unfinished writes are durable.
func (s *Sim) send(from, to NodeID, m Message) {
	if to <= 0 || int(to) >= len(s.nodes) {
		panic(fmt.Sprintf("%s sent %T to node %d, which does not exist", s.roster.Name(from), m, to))
	}
	if s.holdForDisk(s.nodes[from], to, m) {
		return
	}
	s.transmit(from, to, m)
}

// transmit puts a message on the wire; the network decides its fate.
func (s *Sim) transmit(from, to NodeID, m Message) {
	sent := s.index
	s.publish(Event{Kind: KindSend, Node: from, Peer: to, Msg: m})
	if !s.net.Reachable(index(from), index(to)) {
		s.publish(Event{Kind: KindDrop, Node: from, Peer: to, Tag: DropPartition, Msg: m, SendIndex: sent})
		return
	}
	d := s.net.Transmit(index(from), index(to), int64(s.now))
	if d.Copies == 0 {
		s.publish(Event{Kind: KindDrop, Node: from, Peer: to, Tag: DropLoss, Msg: m, SendIndex: sent})
		return
	}
	for _, at := range d.At[:d.Copies] {
		if at >= int64(s.end) {
			continue // arrives after the run: it never shows
		}
		if s.inFlight >= s.limits.MaxInFlight {
			s.stop = &LimitError{Limit: "max_in_flight", Value: int64(s.limits.MaxInFlight), At: s.now, Index: s.index}
			return
		}
		if s.stop != nil {
			return // stopped: a handler that goes on sending queues nothing more
		}
		s.inFlight++
		s.push(item{at: Time(at), kind: itemDeliver, node: to, from: from, msg: m, ref: uint64(s.now), sent: sent})
		s.checkMemory()
	}
}

// arrive handles a message reaching its destination.
func (s *Sim) arrive(it *item) {
	n := s.nodes[it.node]
	switch {
	case !n.up:
		s.drop(it, DropDown)
	case !s.net.Reachable(index(it.from), index(it.node)):
		s.drop(it, DropPartition) // a cut appeared while it was in flight
	case n.paused:
		s.hold(n, it) // the OS has it; the process will read it on resume
	default:
		s.inFlight--
		s.deliver(n, it)
	}
}

func (s *Sim) drop(it *item, reason string) {
	s.inFlight--
	s.publish(Event{Kind: KindDrop, Node: it.from, Peer: it.node, Tag: reason, Msg: it.msg, SendIndex: it.sent})
}

// deliver hands a message over; the event carries when it was sent.
func (s *Sim) deliver(n *nodeState, it *item) {
	s.sentAt = Time(it.ref)
	s.publish(Event{Kind: KindDeliver, Node: n.id, Peer: it.from, Msg: it.msg, Value: int64(it.ref), SendIndex: it.sent})
	if s.store != nil && s.storeDeliver(n, it.from, it.msg) {
		return
	}
	s.handlerStarts()
	n.impl.Deliver(it.from, it.msg)
}

// LimitError says which limit stopped a run, and when.
type LimitError struct {
	Limit string // max_events, max_in_flight, max_at_instant or max_memory
	Value int64  // the limit: a count, or bytes for max_memory
	At    Time
	Index int64
}

func (e *LimitError) Error() string {
	var what string
	switch e.Limit {
	case "max_events":
		what = fmt.Sprintf("the run exceeded %d events", e.Value)
	case "max_in_flight":
		what = fmt.Sprintf("more than %d messages were in flight at once", e.Value)
	case "max_at_instant":
		what = fmt.Sprintf("true time stopped advancing: more than %d events at one instant", e.Value)
	case "max_memory":
		what = fmt.Sprintf("the run held more than %s (%d bytes) of events, messages, timers and storage", Bytes(e.Value), e.Value)
	}
	return fmt.Sprintf("limit %s: %s (at t=%v, event %d); raise limits.%s if this is expected", e.Limit, what, e.At, e.Index, e.Limit)
}

// PanicError is a protocol's panic inside a run, with what it takes to
// reproduce it.
type PanicError struct {
	Seed  uint64
	At    Time
	Index int64
	Value any
	Stack string
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic at t=%v (event %d, seed %d): %v\n%s", e.At, e.Index, e.Seed, e.Value, e.Stack)
}

// nodeState is the kernel's side of one node.
type nodeState struct {
	id         NodeID
	name       string
	impl       Node
	guard      ActGuard
	replicator Replicator
	env        *nodeEnv
	clock      clock.Clock
	baseDrift  int64 // the drift the scenario gave it, for drift resets
	storage    *Storage
	rng        *rand.Rand // protocol stream: Env.Rand
	work       *rand.Rand // workload stream: act jitter

	up           bool
	outOfService bool
	paused       bool
	pauseEpoch   uint64
	incarnation  uint64 // counts crashes: a message its disk held dies with one
	disk         nodeDisk
	held         []item // arrivals and expiries while paused, in order
	timers       []timerSlot
	parked       []parkedItem // queued timer items no timer holds (see timerSlot)

	leading  bool
	gen      Generation
	actTimer TimerID // 0 when no act is scheduled
	actMsg   Message // Act{gen} boxed once per generation
}

func buildNodes(s *Sim) []*nodeState {
	nodes := make([]*nodeState, s.roster.Len()+1)
	for id := NodeID(1); int(id) <= s.roster.Len(); id++ {
		name := s.roster.Name(id)
		n := &nodeState{
			id: id, name: name, storage: NewStorage(),
			clock: nodeClock(s.scenario, name, newStream(s.seed, streamClock, int(id), 0)),
			rng:   newStream(s.seed, streamProtocol, int(id), 0),
			work:  newStream(s.seed, streamWorkload, int(id), 0),
			disk:  buildDisk(s.scenario, name, s.seed, id),
		}
		n.baseDrift = n.clock.DriftPPB()
		n.storage.bytes = &s.memory
		if n.disk.latency != nil {
			n.storage.write = func() Time { return s.diskWrite(n) }
		}
		nodes[id] = n
	}
	return nodes
}

// nodeClock sets a node's clock from the scenario: the common drift plus a
// random part, a random wall offset, then the node's own overrides.
func nodeClock(sc *Scenario, name string, r *rand.Rand) clock.Clock {
	c := sc.Clocks
	drift := c.DriftPPM + (2*r.Float64()-1)*c.RandomDriftPPM
	offset := time.Duration((2*r.Float64() - 1) * float64(c.RandomOffset))
	if own, ok := c.Nodes[name]; ok {
		if own.DriftPPM != nil {
			drift = *own.DriftPPM
		}
		if own.Offset != nil {
			offset = *own.Offset
		}
	}
	return clock.New(clock.PPB(drift), offset)
}

func buildNetwork(sc *Scenario, roster *Roster, seed uint64) *network.Net {
	n := sc.Network
	net := network.New(roster.Len(), n.DefaultLink(), func(from, to int) *rand.Rand {
		return newStream(seed, streamNetwork, from, to)
	})
	for _, o := range n.Links {
		applyLinkOverride(net, roster, o)
	}
	return net
}

// applyLinkOverride changes the fields the override sets on its link(s).
func applyLinkOverride(net *network.Net, roster *Roster, o LinkOverride) {
	from, _ := roster.ID(o.From)
	to, _ := roster.ID(o.To)
	pairs := [][2]NodeID{{from, to}}
	if o.Both {
		pairs = append(pairs, [2]NodeID{to, from})
	}
	for _, p := range pairs {
		net.SetLink(index(p[0]), index(p[1]), o.Apply(net.Link(index(p[0]), index(p[1]))))
	}
}
