// Package etcdloop drives the real etcd raft library (go.etcd.io/raft/v3,
// one RawNode per member of a cluster of any size) with a minimal
// discrete-event loop: a binary heap of ticks, proposals and message
// deliveries in simulated time, the same cluster, timings and load as
// electsim's Raft benchmarks (protocols/raft
// BenchmarkFiveNodesPreVoteCheckQuorum/commit+etcd-load at five nodes,
// BenchmarkRaftScaleAsEtcd at more; BenchmarkFiveNodesPreVoteCheckQuorum/commit
// is the same cluster with electsim's default load: a client write in every
// heartbeat, commit indexes learnt with the next append, a third fewer
// messages):
//
//   - 100 ms heartbeat and 1-2 s election timeouts: a tick every 100 ms,
//     HeartbeatTick 1, ElectionTick 10 (etcd randomizes the timeout in
//     [ElectionTick, 2*ElectionTick) ticks);
//   - PreVote and CheckQuorum on;
//   - each node's clock drifts by up to +-100 ppm (its ticks come that much
//     early or late) and starts at a random phase;
//   - links lose 0.1% of messages, with lognormal latency (median 2 ms,
//     sigma 0.5, at least 0.5 ms);
//   - the leader proposes an act (a 16-byte entry) every 100 ms of its own
//     clock, and every committed entry is applied;
//   - Ready is handled the synchronous way etcd's raftexample does: append
//     entries and hard state to a MemoryStorage, send, apply, Advance; the
//     log is compacted behind a snapshot every 10,000 entries.
//
// It is the yardstick in this module so that electsim's own module does
// not depend on etcd. It is not a simulator: it has no faults, no checkers
// and no trace.
package etcdloop

import (
	"math"
	"math/rand/v2"
	"time"

	"go.etcd.io/raft/v3"
	pb "go.etcd.io/raft/v3/raftpb"
)

// The timings are the benchmark's.
const (
	tick      = 100 * time.Millisecond
	actEvery  = 100 * time.Millisecond
	driftPPM  = 100
	lossProb  = 0.001
	latMedian = 2 * time.Millisecond
	latSigma  = 0.5
	latMin    = 500 * time.Microsecond
	compactAt = 10_000
)

type kind uint8

const (
	kindTick kind = iota + 1
	kindAct
	kindDeliver
)

type item struct {
	at   int64
	seq  uint64
	kind kind
	node int    // 0-based
	term uint64 // for an act: the leadership epoch it belongs to
	msg  pb.Message
}

type node struct {
	raw      *raft.RawNode
	storage  *raft.MemoryStorage
	period   int64 // one tick of this node's clock, in true ns
	leader   bool
	term     uint64 // leadership epochs: an act item of an older one is stale
	applied  uint64
	snapshot uint64
	applies  int64 // committed entries applied here
	conf     pb.ConfState
}

// Loop is one run.
type Loop struct {
	now, end int64
	seq      uint64
	heap     []item
	nodes    []*node
	rng      *rand.Rand
	// Committed counts the entries applied on the nodes, Events the items
	// the loop handled (ticks, acts, deliveries), Sent the messages the
	// nodes sent (lost ones too).
	Committed, Events, Sent int64
}

// New builds a run of a cluster of the given size (at least one node), of
// the given length, with a seed.
func New(nodes int, duration time.Duration, seed uint64) *Loop {
	l := &Loop{end: int64(duration), nodes: make([]*node, nodes), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	voters := make([]uint64, nodes)
	for i := range voters {
		voters[i] = uint64(i + 1)
	}
	for i := range l.nodes {
		l.nodes[i] = l.newNode(i, voters)
	}
	return l
}

func (l *Loop) newNode(i int, voters []uint64) *node {
	st := raft.NewMemoryStorage()
	conf := pb.ConfState{Voters: voters}
	if err := st.ApplySnapshot(pb.Snapshot{Metadata: pb.SnapshotMetadata{ConfState: conf, Index: 1, Term: 1}}); err != nil {
		panic(err)
	}
	raw, err := raft.NewRawNode(&raft.Config{
		ID: uint64(i + 1), ElectionTick: 10, HeartbeatTick: 1, Storage: st,
		MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, PreVote: true, CheckQuorum: true,
		Logger: quiet{},
	})
	if err != nil {
		panic(err)
	}
	drift := (l.rng.Float64()*2 - 1) * driftPPM / 1e6
	n := &node{raw: raw, storage: st, period: int64(float64(tick) * (1 + drift)), conf: conf, applied: 1}
	l.push(item{at: l.rng.Int64N(int64(tick)), kind: kindTick, node: i})
	return n
}

// Nodes is the cluster size.
func (l *Loop) Nodes() int { return len(l.nodes) }

// CommittedOn counts the entries applied on node i (0-based).
func (l *Loop) CommittedOn(i int) int64 { return l.nodes[i].applies }

// Run runs to the end.
func (l *Loop) Run() {
	for len(l.heap) > 0 {
		it := l.pop()
		if it.at >= l.end {
			return
		}
		l.now = it.at
		l.Events++
		n := l.nodes[it.node]
		switch it.kind {
		case kindTick:
			n.raw.Tick()
			l.push(item{at: l.now + n.period, kind: kindTick, node: it.node})
		case kindAct:
			if !n.leader || it.term != n.term {
				continue // stale: the leadership it was for has ended
			}
			_ = n.raw.Propose(make([]byte, 16))
			l.scheduleAct(it.node)
		case kindDeliver:
			_ = n.raw.Step(it.msg)
		}
		l.ready(it.node)
	}
}

// ready handles a node's Ready the synchronous way: persist, send, apply,
// Advance.
func (l *Loop) ready(i int) {
	n := l.nodes[i]
	for n.raw.HasReady() {
		rd := n.raw.Ready()
		if rd.SoftState != nil {
			l.lead(i, rd.SoftState.RaftState == raft.StateLeader)
		}
		if !raft.IsEmptySnap(rd.Snapshot) {
			_ = n.storage.ApplySnapshot(rd.Snapshot)
			n.applied = rd.Snapshot.Metadata.Index
		}
		_ = n.storage.Append(rd.Entries)
		if !raft.IsEmptyHardState(rd.HardState) {
			_ = n.storage.SetHardState(rd.HardState)
		}
		for _, m := range rd.Messages {
			l.send(m)
		}
		for _, e := range rd.CommittedEntries {
			n.applied = e.Index
			n.applies++
			l.Committed++
		}
		l.compact(n)
		n.raw.Advance(rd)
	}
}

// lead starts or ends a node's leadership: as electsim's workload, only a
// leader has an act timer.
func (l *Loop) lead(i int, leader bool) {
	n := l.nodes[i]
	if leader == n.leader {
		return
	}
	n.leader = leader
	n.term++
	if leader {
		l.scheduleAct(i)
	}
}

func (l *Loop) scheduleAct(i int) {
	n := l.nodes[i]
	l.push(item{at: l.now + n.period*int64(actEvery/tick), kind: kindAct, node: i, term: n.term})
}

// compact keeps the log short behind a snapshot, so memory stays flat.
func (l *Loop) compact(n *node) {
	if n.applied-n.snapshot < compactAt {
		return
	}
	if _, err := n.storage.CreateSnapshot(n.applied, &n.conf, nil); err != nil {
		return
	}
	_ = n.storage.Compact(n.applied - compactAt/10)
	n.snapshot = n.applied
}

func (l *Loop) send(m pb.Message) {
	l.Sent++
	if l.rng.Float64() < lossProb {
		return
	}
	lat := float64(latMedian) * math.Exp(latSigma*l.rng.NormFloat64())
	l.push(item{at: l.now + max(int64(lat), int64(latMin)), kind: kindDeliver, node: int(m.To - 1), msg: m})
}

func (l *Loop) push(it item) {
	it.seq = l.seq
	l.seq++
	l.heap = append(l.heap, it)
	for i := len(l.heap) - 1; i > 0; {
		p := (i - 1) / 2
		if !before(&l.heap[i], &l.heap[p]) {
			break
		}
		l.heap[i], l.heap[p] = l.heap[p], l.heap[i]
		i = p
	}
}

func (l *Loop) pop() item {
	top := l.heap[0]
	last := len(l.heap) - 1
	l.heap[0] = l.heap[last]
	l.heap[last] = item{}
	l.heap = l.heap[:last]
	for i := 0; ; {
		c := 2*i + 1
		if c >= last {
			break
		}
		if c+1 < last && before(&l.heap[c+1], &l.heap[c]) {
			c++
		}
		if !before(&l.heap[c], &l.heap[i]) {
			break
		}
		l.heap[i], l.heap[c] = l.heap[c], l.heap[i]
		i = c
	}
	return top
}

func before(a, b *item) bool { return a.at < b.at || (a.at == b.at && a.seq < b.seq) }

// quiet is a raft.Logger that writes nothing and formats nothing, so that
// logging costs the library nothing here.
type quiet struct{}

func (quiet) Debug(...any)              {}
func (quiet) Debugf(string, ...any)     {}
func (quiet) Error(...any)              {}
func (quiet) Errorf(string, ...any)     {}
func (quiet) Info(...any)               {}
func (quiet) Infof(string, ...any)      {}
func (quiet) Warning(...any)            {}
func (quiet) Warningf(string, ...any)   {}
func (quiet) Fatal(v ...any)            { panic(v) }
func (quiet) Fatalf(f string, v ...any) { panic(f) }
func (quiet) Panic(v ...any)            { panic(v) }
func (quiet) Panicf(f string, v ...any) { panic(f) }
