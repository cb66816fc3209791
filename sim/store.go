package sim

import (
	"fmt"
	"slices"
	"time"

	"github.com/electsim/electsim/store"
)

// The replicated store (scenario store:) is the resource's alternative: the
// acts become writes to a Dynamo-style store with a replica on every
// participant (package store has the data model and its sources). The
// kernel runs it beside the protocol, as the act workload runs: a write is
// coordinated by the node that issues it (the leader, or with writers: all
// every participant); with r above 1 it first reads r replicas (its own
// included) and merges what they hold into its own; it applies the write to
// its own replica and sends it to every other;
// replicas acknowledge, and once W hold it the write is acknowledged to its
// client (KindActApplied, tag "acked"). Replicas exchange their state every
// sync_every (anti-entropy, one peer at a time in turn) and all with all at
// a heal. Replicas are durable: a crash keeps them (the store's disk is not
// modelled; the protocol's is). When the run ends, the kernel merges every
// replica as a full anti-entropy would and reports each acknowledged write
// absent from the result (KindWriteLost).

// Store message types, sent by the kernel between replicas: no protocol
// sees them.
type (
	// StoreWrite carries a write's version from its coordinator to a replica.
	StoreWrite struct {
		Write   uint64
		Key     int
		Version *store.Version
	}
	// StoreAck says a replica applied a write.
	StoreAck struct {
		Write uint64
	}
	// StoreRead asks a replica for its versions of a key, before a write.
	StoreRead struct {
		Write uint64
		Key   int
	}
	// StoreReadResp answers a StoreRead.
	StoreReadResp struct {
		Write    uint64
		Key      int
		Versions []*store.Version
	}
	// StoreSync carries a replica's every version, for anti-entropy.
	StoreSync struct {
		Keys [][]*store.Version
	}
)

func (m StoreWrite) String() string {
	return fmt.Sprintf("StoreWrite write=%d key=%d stamp=%d holds %d writes", m.Write, m.Key, m.Version.Stamp, m.Version.Value.Len())
}

func (m StoreAck) String() string { return fmt.Sprintf("StoreAck write=%d", m.Write) }

func (m StoreRead) String() string { return fmt.Sprintf("StoreRead write=%d key=%d", m.Write, m.Key) }

func (m StoreReadResp) String() string {
	return fmt.Sprintf("StoreReadResp write=%d key=%d versions=%d", m.Write, m.Key, len(m.Versions))
}

func (m StoreSync) String() string {
	versions := 0
	for _, vs := range m.Keys {
		versions += len(vs)
	}
	return fmt.Sprintf("StoreSync keys=%d versions=%d", len(m.Keys), versions)
}

// LostWrite is the payload (Event.Msg) of a KindWriteLost: which write was
// lost, and the write whose version made a replica discard it first (0 if
// none did).
type LostWrite struct {
	Write, BeatenBy uint64
	// Wrote is when the lost write's coordinator wrote it.
	Wrote Time
	// BeatenByGen is the generation of the act the beating write carried.
	BeatenByGen Generation
	// ToSkew says the lost write was later in true time than the write
	// that beat it.
	ToSkew bool
}

// IsWorkload reports whether a message is the workload's rather than the
// protocol's: an act on its way to the resource, or the store's traffic.
// Message counts leave these out.
func IsWorkload(m Message) bool {
	switch m.(type) {
	case Act, StoreWrite, StoreAck, StoreRead, StoreReadResp, StoreSync:
		return true
	}
	return false
}

// Tags of the store's events.
const (
	// ActAcked tags a KindActApplied that is a store write acknowledged to
	// its client.
	ActAcked = "acked"
	// LostToSkew starts the tag of a KindWriteLost whose write was later in
	// true time than the write that beat it: a clock that ran behind lost
	// it. LostConcurrent starts the tag of any other lost write: a write
	// made without knowledge of it, on the other side of a partition or in
	// a race, won.
	LostToSkew     = "clock skew"
	LostConcurrent = "concurrent write"
)

// storeState is the kernel's side of the store.
type storeState struct {
	spec     StoreSpec
	merge    store.Merge
	replicas []*store.Replica // by NodeID; nil for services
	keyNames []string
	writes   map[uint64]*writeInfo // by write number, every store write
	pending  map[uint64]*pendingWrite
	// order is the pending writes' numbers, oldest first, for pruning
	// those whose client has given up.
	order    []uint64
	acked    []store.Set // by key: the writes acknowledged in time
	nextPeer []int       // by NodeID: the peer index its next anti-entropy goes to
}

// writeInfo is what the kernel remembers of one write, to tell a lost
// write's story when the run ends.
type writeInfo struct {
	by, coord NodeID
	gen       Generation
	key       int
	wrote     Time   // when its coordinator wrote it and took its timestamp
	beatenBy  uint64 // the first version that made a replica discard it
}

// pendingWrite is a write waiting for its R answers (reading) or its W
// acknowledgements.
type pendingWrite struct {
	coord       NodeID
	incarnation uint64
	reading     bool
	acks, need  int
	// from are the replicas that answered in this phase: a duplicated
	// answer counts once.
	from   []NodeID
	key    int
	issued Time
}

// writeInfoBytes and pendingBytes are what the kernel's records cost.
const (
	writeInfoBytes = 96
	pendingBytes   = 80
)

func newStoreState(s *Sim) *storeState {
	spec := *s.scenario.Store
	merge, _ := store.ParseMerge(spec.Merge) // Validate checked it
	st := &storeState{
		spec: spec, merge: merge,
		replicas: make([]*store.Replica, len(s.nodes)),
		writes:   map[uint64]*writeInfo{},
		pending:  map[uint64]*pendingWrite{},
		acked:    make([]store.Set, spec.Keys),
		nextPeer: make([]int, len(s.nodes)),
	}
	for _, id := range s.roster.Peers() {
		st.replicas[id] = store.NewReplica(merge, spec.Keys, s.roster.Len())
	}
	for k := range spec.Keys {
		st.keyNames = append(st.keyNames, fmt.Sprintf("key %d", k))
	}
	return st
}

// startStore arms a participant's store timers at boot and every restart:
// anti-entropy, and in leaderless mode its own writes.
func (s *Sim) startStore(n *nodeState) {
	if s.store == nil || !s.roster.IsParticipant(n.id) {
		return
	}
	if s.roster.Len() > 1 {
		s.setTimer(n, s.store.spec.SyncEvery, timerSync, true)
	}
	if s.scenario.Workload.Writers == WritersAll {
		s.setTimer(n, s.actInterval(n), timerWrite, true)
	}
}

// Kernel timer tags: the act workload, the leaderless writes and
// anti-entropy.
const (
	timerAct   = "act"
	timerWrite = "write"
	timerSync  = "sync"
)

// workTimer runs one of the kernel's own timers.
func (s *Sim) workTimer(n *nodeState, tag string) {
	switch tag {
	case timerWrite:
		s.leaderlessWrite(n)
	case timerSync:
		s.antiEntropy(n)
	default:
		s.act(n)
	}
}

// leaderlessWrite is the workload with writers: all: every participant
// writes every act_every, leader or not, as Dynamo's clients write to any
// node.
func (s *Sim) leaderlessWrite(n *nodeState) {
	if !n.outOfService {
		s.acts++
		s.storeWrite(n, s.acts, n.id, 0, s.now)
	}
	s.setTimer(n, s.actInterval(n), timerWrite, true)
}

// storeWrite coordinates one write at n: with r above 1 a read of r
// replicas first, merged into n's own (read repair); then the write, to its
// own replica and every other.
func (s *Sim) storeWrite(n *nodeState, id uint64, by NodeID, gen Generation, issued Time) {
	st := s.store
	key := 0
	if st.spec.Keys > 1 {
		key = n.work.IntN(st.spec.Keys)
	}
	s.publish(Event{Kind: KindWrite, Node: n.id, Peer: by, Gen: gen, Value: int64(id), Tag: st.keyNames[key]})
	st.writes[id] = &writeInfo{by: by, coord: n.id, gen: gen, key: key}
	s.memory += writeInfoBytes
	p := &pendingWrite{coord: n.id, incarnation: n.incarnation, issued: issued, key: key}
	if st.spec.R > 1 {
		p.reading, p.acks, p.need = true, 1, st.spec.R
		for _, peer := range s.roster.Peers() {
			if peer == n.id {
				continue
			}
			if s.hinted(n, peer) {
				p.acks++ // a fallback replica answers, with nothing
			}
			s.transmit(n.id, peer, StoreRead{Write: id, Key: key})
		}
		if p.acks < p.need {
			s.keepPending(id, p)
			return
		}
	}
	s.writePhase(n, id, p)
}

// hinted says whether, under a sloppy quorum, a peer the coordinator
// cannot reach (cut off, or down) counts at once, served by a fallback.
func (s *Sim) hinted(n *nodeState, peer NodeID) bool {
	return s.store.spec.Quorum == QuorumSloppy && (!s.net.Reachable(index(n.id), index(peer)) || !s.nodes[peer].up)
}

// writePhase writes: it reads n's replica, stamps the new version with
// n's wall clock, and sends it to every other replica.
func (s *Sim) writePhase(n *nodeState, id uint64, p *pendingWrite) {
	st := s.store
	info := st.writes[id]
	info.wrote = s.now
	stamp := int64(n.clock.Wall(int64(s.now)))
	v, _ := s.storeApply(n, p.key, func(r *store.Replica) (*store.Version, store.Outcome) {
		return r.Write(p.key, id, int(n.id), stamp)
	})
	p.reading, p.acks, p.need, p.from = false, 1, st.spec.W, p.from[:0]
	for _, peer := range s.roster.Peers() {
		if peer == n.id {
			continue
		}
		if s.hinted(n, peer) {
			p.acks++ // a hinted copy on the coordinator stands in for it
		}
		s.transmit(n.id, peer, StoreWrite{Write: id, Key: p.key, Version: v})
	}
	if p.acks >= p.need {
		s.forget(id)
		s.acknowledge(id, p)
		return
	}
	s.keepPending(id, p)
}

// keepPending keeps a write that waits for answers, once.
func (s *Sim) keepPending(id uint64, p *pendingWrite) {
	st := s.store
	if st.pending[id] != nil {
		return
	}
	s.prunePending()
	st.pending[id] = p
	st.order = append(st.order, id)
	s.memory += pendingBytes
}

// forget drops a write from the pending ones, if it is there.
func (s *Sim) forget(id uint64) {
	if s.store.pending[id] != nil {
		delete(s.store.pending, id)
		s.memory -= pendingBytes
	}
}

// prunePending forgets the pending writes whose clients have given up: an
// acknowledgement after the timeout would count for nothing, and a write
// that never gathers W acknowledgements would otherwise be kept for ever.
func (s *Sim) prunePending() {
	st := s.store
	timeout := Time(s.scenario.Workload.ActTimeout())
	drop := 0
	for _, id := range st.order {
		if p := st.pending[id]; p != nil {
			if s.now-p.issued <= timeout {
				break
			}
			delete(st.pending, id)
			s.memory -= pendingBytes
		}
		drop++
	}
	st.order = st.order[drop:]
}

// storeApply changes n's replica and keeps the memory count, the lost
// writes' stories and the conflicts.
func (s *Sim) storeApply(n *nodeState, key int, change func(*store.Replica) (*store.Version, store.Outcome)) (*store.Version, store.Outcome) {
	r := s.store.replicas[n.id]
	before := r.Bytes()
	v, out := change(r)
	s.memory += r.Bytes() - before
	if !out.Discarded.Empty() {
		out.Discarded.Each(func(w uint64) bool {
			if info := s.store.writes[w]; info != nil && info.beatenBy == 0 {
				info.beatenBy = out.Winner.Write
			}
			return true
		})
	}
	if len(out.Resolved) > 1 {
		s.publish(Event{Kind: KindConflict, Node: n.id, Value: int64(len(out.Resolved)),
			Tag: fmt.Sprintf("%s: concurrent writes %s, merged by write %d", s.store.keyNames[key], store.Signature(out.Resolved), v.Write)})
	}
	return v, out
}

// acknowledge tells a write's client it succeeded: accepted if within the
// client's timeout, else the client had given up and counts it failed.
func (s *Sim) acknowledge(id uint64, p *pendingWrite) {
	info := s.store.writes[id]
	inTime := s.now-p.issued <= Time(s.scenario.Workload.ActTimeout())
	if inTime {
		s.store.acked[info.key] = s.store.acked[info.key].With(id)
	}
	s.publish(Event{Kind: KindActApplied, Node: p.coord, Peer: info.by, Gen: info.gen, Accepted: inTime, Tag: ActAcked, Value: int64(p.issued)})
}

// storeDeliver handles a store message at a replica; it reports false for
// any other message.
func (s *Sim) storeDeliver(n *nodeState, from NodeID, m Message) bool {
	switch m := m.(type) {
	case StoreWrite:
		s.storeApply(n, m.Key, func(r *store.Replica) (*store.Version, store.Outcome) {
			return m.Version, r.Apply(m.Key, m.Version)
		})
		s.transmit(n.id, from, StoreAck{Write: m.Write})
	case StoreAck:
		p := s.awaited(n, m.Write, false)
		if p == nil || !p.answer(from) {
			return true
		}
		if p.acks++; p.acks >= p.need {
			s.forget(m.Write)
			s.acknowledge(m.Write, p)
		}
	case StoreRead:
		s.transmit(n.id, from, StoreReadResp{Write: m.Write, Key: m.Key, Versions: slices.Clone(s.store.replicas[n.id].Versions(m.Key))})
	case StoreReadResp:
		p := s.awaited(n, m.Write, true)
		if p == nil || !p.answer(from) {
			return true
		}
		for _, v := range m.Versions {
			s.storeApply(n, m.Key, func(r *store.Replica) (*store.Version, store.Outcome) {
				return v, r.Apply(m.Key, v)
			})
		}
		if p.acks++; p.acks >= p.need {
			s.writePhase(n, m.Write, p)
		}
	case StoreSync:
		for key, vs := range m.Keys {
			for _, v := range vs {
				s.storeApply(n, key, func(r *store.Replica) (*store.Version, store.Outcome) {
					return v, r.Apply(key, v)
				})
			}
		}
	default:
		return false
	}
	return true
}

// answer notes a replica's answer, and reports false for one it gave
// already (a duplicated message).
func (p *pendingWrite) answer(from NodeID) bool {
	if slices.Contains(p.from, from) {
		return false
	}
	p.from = append(p.from, from)
	return true
}

// awaited returns the pending write an answer at n is for, if n still
// waits for it in that phase: not if it was acknowledged or given up, or
// its coordinator crashed since.
func (s *Sim) awaited(n *nodeState, id uint64, reading bool) *pendingWrite {
	p := s.store.pending[id]
	if p == nil || p.coord != n.id || p.incarnation != n.incarnation || p.reading != reading {
		return nil
	}
	return p
}

// antiEntropy sends n's replica to its next peer in turn.
func (s *Sim) antiEntropy(n *nodeState) {
	peers := s.roster.Peers()
	st := s.store
	i := st.nextPeer[n.id] % len(peers)
	if peers[i] == n.id {
		i = (i + 1) % len(peers)
	}
	st.nextPeer[n.id] = i + 1
	s.transmit(n.id, peers[i], StoreSync{Keys: st.replicas[n.id].Snapshot()})
	s.setTimer(n, st.spec.SyncEvery, timerSync, true)
}

// syncAll is anti-entropy at a heal: every replica whose node runs sends
// its state to every other, as hinted handoff and repair do when a
// partition ends.
func (s *Sim) syncAll() {
	if s.store == nil {
		return
	}
	for _, id := range s.roster.Peers() {
		n := s.nodes[id]
		if !n.up || n.paused {
			continue
		}
		snap := s.store.replicas[id].Snapshot()
		for _, peer := range s.roster.Peers() {
			if peer != id {
				s.transmit(id, peer, StoreSync{Keys: snap})
			}
		}
	}
}

// finishStore merges every replica, as a full anti-entropy after the last
// heal would, and reports each write acknowledged in time that the merge
// does not hold.
func (s *Sim) finishStore() {
	st := s.store
	if st == nil || s.stop != nil {
		return
	}
	var replicas []*store.Replica
	for _, id := range s.roster.Peers() {
		replicas = append(replicas, st.replicas[id])
	}
	merged := store.Merged(st.merge, replicas)
	s.now = s.end
	for key, acked := range st.acked {
		var final store.Set
		vs := merged.Versions(key)
		for _, v := range vs {
			final = final.Union(v.Value)
		}
		if len(vs) > 1 {
			s.publish(Event{Kind: KindConflict, Value: int64(len(vs)),
				Tag: fmt.Sprintf("%s: concurrent writes %s, merged when the run ended", st.keyNames[key], store.Signature(vs))})
		}
		acked.Minus(final).Each(func(w uint64) bool {
			s.lost(w)
			return s.stop == nil
		})
	}
}

// lost reports one lost write and what beat it.
func (s *Sim) lost(w uint64) {
	info := s.store.writes[w]
	lw := LostWrite{Write: w, Wrote: info.wrote}
	e := Event{Kind: KindWriteLost, Node: info.by, Gen: info.gen, Value: int64(w), Tag: LostConcurrent}
	if beater := s.store.writes[info.beatenBy]; beater != nil {
		lw.BeatenBy, lw.BeatenByGen, lw.ToSkew = info.beatenBy, beater.gen, info.wrote > beater.wrote
		e.Peer = beater.coord
		why := LostConcurrent
		if lw.ToSkew {
			why = LostToSkew
		}
		e.Tag = fmt.Sprintf("%s: write %d, written by %s at %v, beaten by write %d, written by %s at %v with a later timestamp",
			why, w, s.roster.Name(info.coord), Human(time.Duration(info.wrote)), info.beatenBy, s.roster.Name(beater.coord), Human(time.Duration(beater.wrote)))
	}
	e.Msg = lw
	s.publish(e)
}
