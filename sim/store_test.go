package sim_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/all"
	"github.com/electsim/electsim/sim"
	"github.com/electsim/electsim/store"
)

// Hand-built runs of the replicated store (issue 14): each merge rule
// through a partition and a heal, strict and sloppy quorums, a coordinator
// that crashes before its acknowledgements arrive, anti-entropy over lossy
// links, replay, and the validation of the store section.

// idle is a protocol that does nothing: with writers: all the kernel's own
// workload writes, whatever the protocol believes.
func idle() sim.Protocol {
	return protocolOf(func(sim.NodeID) *funcNode { return &funcNode{} })
}

// storeRun indexes a run's store events.
type storeRun struct {
	rec    *recorder
	writes map[uint64]sim.Event // KindWrite by write number
	// acked holds the acknowledgements (KindActApplied tagged acked,
	// accepted in time), by coordinator and issue time: in leaderless
	// mode and for a leader's uncommitted acts a write is issued when its
	// coordinator writes it, so this names one write.
	acked map[ackKey]sim.Event
	// ackEvents is every acknowledgement, in time or not.
	ackEvents []sim.Event
	lost      []sim.Event
}

type ackKey struct {
	coord  sim.NodeID
	issued sim.Time
}

func indexStore(t *testing.T, rec *recorder) *storeRun {
	t.Helper()
	r := &storeRun{rec: rec, writes: map[uint64]sim.Event{}, acked: map[ackKey]sim.Event{}}
	for _, e := range rec.events {
		switch e.Kind {
		case sim.KindWrite:
			if _, dup := r.writes[uint64(e.Value)]; dup {
				t.Fatalf("write %d issued twice", e.Value)
			}
			r.writes[uint64(e.Value)] = e
		case sim.KindActApplied:
			if e.Tag != sim.ActAcked {
				continue
			}
			r.ackEvents = append(r.ackEvents, e)
			if e.Accepted {
				r.acked[ackKey{e.Node, sim.Time(e.Value)}] = e
			}
		case sim.KindWriteLost:
			r.lost = append(r.lost, e)
		}
	}
	return r
}

// ackOf returns the in-time acknowledgement of a write issued when it was
// written.
func (r *storeRun) ackOf(w sim.Event) (sim.Event, bool) {
	e, ok := r.acked[ackKey{w.Node, w.At}]
	return e, ok
}

// everAcked says whether any acknowledgement, in time or late, names the
// write.
func (r *storeRun) everAcked(w sim.Event) bool {
	for _, e := range r.ackEvents {
		if e.Node == w.Node && sim.Time(e.Value) == w.At {
			return true
		}
	}
	return false
}

// halves is seed 003's story on five nodes that all write one key: the
// halves [n1 n2] and [n3 n4 n5] are cut apart from 3s to 7s. n1's wall
// clock runs 300ms behind everyone else's.
func halves(merge string) *sim.Scenario {
	scn := baseScenario(5, 10*time.Second)
	scn.Workload = sim.Workload{ActEvery: 100 * time.Millisecond, Jitter: 0.5, Writers: sim.WritersAll}
	behind := -300 * time.Millisecond
	scn.Clocks = sim.Clocks{Nodes: map[string]sim.NodeClock{"n1": {Offset: &behind}}}
	scn.Store = &sim.StoreSpec{Merge: merge}
	scn.Faults = []sim.Fault{
		{At: sim.Fixed(3 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeHalves}},
		{At: sim.Fixed(7 * time.Second), Heal: true},
	}
	return scn
}

var (
	partitionStart = sim.Time(3 * time.Second)
	partitionEnd   = sim.Time(7 * time.Second)
)

func sideOf(id sim.NodeID) int {
	if id <= 2 {
		return 0
	}
	return 1
}

// TestStoreLWWHalvesLoseWritesAtTheHeal: under last-write-wins, both halves
// write through the partition and the heal keeps one side's version of
// the key: the other side's acknowledged writes are reported lost, each
// naming the write that beat it and the node that coordinated that one;
// many writes made during the partition are lost to a write from the
// other side, which only the heal can bring. n1's clock, 300ms behind,
// loses its writes to writes made earlier in true time: those are tagged
// lost to clock skew, and the tag agrees with the true times of the two
// writes.
func TestStoreLWWHalvesLoseWritesAtTheHeal(t *testing.T) {
	res, rec := run(t, halves("lww"), idle(), 1)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	r := indexStore(t, rec)
	if len(r.lost) == 0 {
		t.Fatal("no write lost under last-write-wins across a partition and a heal")
	}
	crossSide, skewByN1 := 0, 0
	for _, e := range r.lost {
		if e.At != res.End {
			t.Errorf("write %d reported lost at %v, want at the end of the run (%v)", e.Value, e.At, res.End)
		}
		lw, ok := e.Msg.(sim.LostWrite)
		if !ok || lw.Write != uint64(e.Value) {
			t.Fatalf("lost-write event %+v carries %#v, want a LostWrite for write %d", e, e.Msg, e.Value)
		}
		w, ok := r.writes[lw.Write]
		if !ok {
			t.Fatalf("write %d reported lost was never written", lw.Write)
		}
		if _, ok := r.ackOf(w); !ok {
			t.Errorf("write %d reported lost was never acknowledged in time", lw.Write)
		}
		if lw.Wrote != w.At {
			t.Errorf("write %d lost: written at %v, the LostWrite says %v", lw.Write, w.At, lw.Wrote)
		}
		if e.Node != w.Peer {
			t.Errorf("write %d lost: event names %v, the write was %v's", lw.Write, e.Node, w.Peer)
		}
		beater, ok := r.writes[lw.BeatenBy]
		if lw.BeatenBy == 0 || !ok {
			t.Fatalf("write %d lost without naming a write that beat it: %+v", lw.Write, lw)
		}
		if e.Peer != beater.Node {
			t.Errorf("write %d lost to write %d, coordinated by %v, but the event names %v", lw.Write, lw.BeatenBy, beater.Node, e.Peer)
		}
		if lw.ToSkew != (w.At > beater.At) {
			t.Errorf("write %d at %v beaten by write %d at %v: ToSkew %v, want %v", lw.Write, w.At, lw.BeatenBy, beater.At, lw.ToSkew, w.At > beater.At)
		}
		wantTag := sim.LostConcurrent
		if lw.ToSkew {
			wantTag = sim.LostToSkew
		}
		if !strings.HasPrefix(e.Tag, wantTag) {
			t.Errorf("write %d lost: tag %q, want it to begin %q", lw.Write, e.Tag, wantTag)
		}
		if sideOf(w.Node) != sideOf(beater.Node) && w.At >= partitionStart && w.At < partitionEnd {
			crossSide++ // possible only once the heal let the sides meet
		}
		if lw.ToSkew && w.Node == 1 {
			skewByN1++
		}
	}
	if crossSide < 10 {
		t.Errorf("%d writes made during the partition lost to a write from the other side, want the losing side's writes (at least 10)", crossSide)
	}
	if skewByN1 == 0 {
		t.Error("no write of n1, whose clock runs 300ms behind, was lost to clock skew")
	}
	t.Logf("%d writes, %d lost: %d to the other side, %d of n1's to clock skew", len(r.writes), len(r.lost), crossSide, skewByN1)
}

// TestStoreVectorHalvesLoseNothingAndReportConflicts: the same run under
// version vectors loses no acknowledged write, and reports the concurrent
// versions the two sides made as conflicts.
func TestStoreVectorHalvesLoseNothingAndReportConflicts(t *testing.T) {
	res, rec := run(t, halves("vector"), idle(), 1)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	r := indexStore(t, rec)
	if len(r.lost) != 0 {
		t.Fatalf("%d writes lost under version vectors; the first: %s", len(r.lost), r.lost[0].Tag)
	}
	if len(r.acked) == 0 {
		t.Fatal("no write acknowledged")
	}
	conflicts := rec.of(sim.KindConflict)
	if len(conflicts) == 0 {
		t.Fatal("no conflict reported after both halves wrote one key")
	}
	afterHeal := 0
	for _, e := range conflicts {
		if e.Value < 2 {
			t.Errorf("a conflict of %d versions: %+v", e.Value, e)
		}
		if e.At >= partitionEnd {
			afterHeal++
		}
	}
	if afterHeal == 0 {
		t.Error("no conflict reported at or after the heal, when the halves' versions meet")
	}
}

// TestStoreLWWAndVectorIssueTheSameWrites: the merge rule changes what is kept,
// not what is written: both runs issue the same writes at the same times.
func TestStoreLWWAndVectorIssueTheSameWrites(t *testing.T) {
	writes := func(merge string) []string {
		_, rec := run(t, halves(merge), idle(), 1)
		var out []string
		for _, e := range rec.of(sim.KindWrite) {
			out = append(out, fmt.Sprintf("%d %v %v %s", e.Value, e.At, e.Node, e.Tag))
		}
		return out
	}
	if diff := cmp.Diff(writes("lww"), writes("vector")); diff != "" {
		t.Fatalf("the writes differ between lww and vector (-lww +vector):\n%s", diff)
	}
}

// quorumRun is five writers through a halves partition from 1s to 3s,
// with W=3 of the given kind, under version vectors.
func quorumRun(t *testing.T, quorum string) (*storeRun, sim.Result) {
	t.Helper()
	scn := baseScenario(5, 5*time.Second)
	scn.Workload = sim.Workload{ActEvery: 100 * time.Millisecond, Jitter: 0.5, Writers: sim.WritersAll}
	scn.Store = &sim.StoreSpec{Merge: "vector", W: 3, Quorum: quorum}
	scn.Faults = []sim.Fault{
		{At: sim.Fixed(time.Second), Partition: &sim.Partition{Shape: sim.ShapeHalves}},
		{At: sim.Fixed(3 * time.Second), Heal: true},
	}
	res, rec := run(t, scn, idle(), 7)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	return indexStore(t, rec), res
}

// partitionWrites splits the writes issued during the 1s..3s partition by
// side: the minority [n1 n2] and the majority [n3 n4 n5].
func partitionWrites(r *storeRun) (minority, majority []sim.Event) {
	for _, w := range r.writes {
		if w.At < sim.Time(time.Second) || w.At >= sim.Time(3*time.Second) {
			continue
		}
		if w.Node <= 2 {
			minority = append(minority, w)
		} else {
			majority = append(majority, w)
		}
	}
	return minority, majority
}

// TestStoreStrictQuorumNeverAcknowledgesTheMinority: with a strict quorum of
// W=3 of 5, a write coordinated on the 2-node side of a halves partition
// reaches two replicas and is never acknowledged, during the partition or
// after the heal (anti-entropy copies it, but no replica acknowledges a
// copy), while the majority side's writes are.
func TestStoreStrictQuorumNeverAcknowledgesTheMinority(t *testing.T) {
	r, _ := quorumRun(t, sim.QuorumStrict)
	minority, majority := partitionWrites(r)
	if len(minority) == 0 || len(majority) == 0 {
		t.Fatalf("%d minority and %d majority writes during the partition, want both", len(minority), len(majority))
	}
	for _, w := range minority {
		if r.everAcked(w) {
			t.Errorf("write %d of n%d at %v, on the minority side, was acknowledged with a strict quorum of 3", w.Value, w.Node, w.At)
		}
	}
	acked := 0
	for _, w := range majority {
		if _, ok := r.ackOf(w); ok {
			acked++
		}
	}
	if acked != len(majority) {
		t.Errorf("%d of the majority side's %d writes during the partition acknowledged, want all", acked, len(majority))
	}
}

// TestStoreSloppyQuorumAcknowledgesTheMinority: with a sloppy quorum of W=3,
// each replica the coordinator cannot reach counts as a hinted copy, so
// the minority side's writes are acknowledged at once; under version
// vectors none of them is lost, as the hinted copies reach the other side
// after the heal.
func TestStoreSloppyQuorumAcknowledgesTheMinority(t *testing.T) {
	r, _ := quorumRun(t, sim.QuorumSloppy)
	minority, _ := partitionWrites(r)
	if len(minority) == 0 {
		t.Fatal("no minority write during the partition")
	}
	for _, w := range minority {
		ack, ok := r.ackOf(w)
		if !ok {
			t.Errorf("write %d of n%d at %v, on the minority side, was not acknowledged with a sloppy quorum of 3", w.Value, w.Node, w.At)
			continue
		}
		if ack.At != w.At {
			t.Errorf("write %d of n%d at %v acknowledged at %v, want at once (three hinted copies)", w.Value, w.Node, w.At, ack.At)
		}
	}
	if len(r.lost) != 0 {
		t.Errorf("%d writes lost under version vectors with hinted copies; the first: %s", len(r.lost), r.lost[0].Tag)
	}
}

// TestStoreCrashedCoordinatorNeverAcknowledges: a coordinator that crashes
// after sending a write, before its replicas' acknowledgements come back,
// never acknowledges that write: not while it is down (the acks are
// dropped) and not after a restart that beats the acks (they reach a new
// incarnation, which has no client waiting). A peer's write of the same
// moment is acknowledged when its acks arrive.
func TestStoreCrashedCoordinatorNeverAcknowledges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		downed time.Duration
	}{
		{"down when the acks arrive", time.Second},
		{"restarted before the acks arrive", 10 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Writes every 100ms exactly (no jitter, no drift); acks
			// take 20ms there and back.
			scn := baseScenario(5, 2*time.Second)
			scn.Network.Latency = network.Constant(10 * time.Millisecond)
			scn.Workload = sim.Workload{ActEvery: 100 * time.Millisecond, Writers: sim.WritersAll}
			scn.Store = &sim.StoreSpec{Merge: "vector", W: 2}
			crashAt := 205 * time.Millisecond
			scn.Faults = []sim.Fault{{At: sim.Fixed(crashAt), Crash: "n1", For: sim.Fixed(tc.downed)}}
			res, rec := run(t, scn, idle(), 1)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			r := indexStore(t, rec)
			var mine, peers []sim.Event
			for _, w := range r.writes {
				if w.At == sim.Time(200*time.Millisecond) {
					if w.Node == 1 {
						mine = append(mine, w)
					} else {
						peers = append(peers, w)
					}
				}
			}
			if len(mine) != 1 || len(peers) != 4 {
				t.Fatalf("at 200ms: %d writes by n1 and %d by its peers, want 1 and 4", len(mine), len(peers))
			}
			if r.everAcked(mine[0]) {
				t.Errorf("n1's write %d, pending when n1 crashed, was acknowledged", mine[0].Value)
			}
			acksBack := 0
			for _, e := range rec.events {
				toN1 := (e.Kind == sim.KindDeliver && e.Node == 1) || (e.Kind == sim.KindDrop && e.Peer == 1)
				if ack, ok := e.Msg.(sim.StoreAck); ok && ack.Write == uint64(mine[0].Value) && toN1 && e.At >= sim.Time(crashAt) {
					acksBack++
				}
			}
			if acksBack != 4 {
				t.Errorf("%d of the 4 acks for n1's write came back after the crash, want 4: the test does not test what it says", acksBack)
			}
			for _, w := range peers {
				if ack, ok := r.ackOf(w); !ok || ack.At != sim.Time(220*time.Millisecond) {
					t.Errorf("n%d's write %d at 200ms: acknowledged %v at %v, want at 220ms", w.Node, w.Value, ok, ack.At)
				}
			}
		})
	}
}

// replicas rebuilds every replica of a run from its trace: a coordinator
// applies its write before it sends it, and a replica applies every
// StoreWrite and StoreSync delivered to it.
func replicas(merge store.Merge, keys, nodes int, events []sim.Event) map[sim.NodeID]*store.Replica {
	out := map[sim.NodeID]*store.Replica{}
	at := func(id sim.NodeID) *store.Replica {
		if out[id] == nil {
			out[id] = store.NewReplica(merge, keys, nodes)
		}
		return out[id]
	}
	coordinated := map[uint64]bool{}
	for _, e := range events {
		switch m := e.Msg.(type) {
		case sim.StoreWrite:
			if e.Kind == sim.KindSend && !coordinated[m.Write] {
				coordinated[m.Write] = true
				at(e.Node).Apply(m.Key, m.Version)
			}
			if e.Kind == sim.KindDeliver {
				at(e.Node).Apply(m.Key, m.Version)
			}
		case sim.StoreSync:
			if e.Kind == sim.KindDeliver {
				for k, vs := range m.Keys {
					for _, v := range vs {
						at(e.Node).Apply(k, v)
					}
				}
			}
		}
	}
	return out
}

// contents names what a replica holds: each key's versions by write.
func contents(r *store.Replica) []string {
	out := make([]string, r.Keys())
	for k := range out {
		var held store.Set
		for _, v := range r.Versions(k) {
			held = held.Union(v.Value)
		}
		out[k] = fmt.Sprintf("versions %s holding %s", store.Signature(r.Versions(k)), held)
	}
	return out
}

// TestStoreAntiEntropyConvergesAfterLossyWrites: two leaders (a split brain)
// write three keys for 3s while every link loses 60% of its messages and
// n5 is down for most of it; the links heal at 4s. Writes are missed on
// the way (dropped for loss, or to the crashed n5), yet by the end, every
// replica, rebuilt from the trace, holds the same versions of every key;
// anti-entropy and the heal's all-to-all exchange got them there. Under
// version vectors no acknowledged write is lost.
func TestStoreAntiEntropyConvergesAfterLossyWrites(t *testing.T) {
	for _, merge := range []string{"vector", "lww"} {
		t.Run(merge, func(t *testing.T) {
			scn := baseScenario(5, 8*time.Second)
			scn.Workload = sim.Workload{ActEvery: 50 * time.Millisecond, Jitter: 0.3}
			scn.Store = &sim.StoreSpec{Merge: merge, Keys: 3, SyncEvery: 200 * time.Millisecond}
			loss := 0.6
			for i := 1; i <= 5; i++ {
				for j := i + 1; j <= 5; j++ {
					scn.Faults = append(scn.Faults, sim.Fault{At: sim.Fixed(10 * time.Millisecond),
						Link: &sim.LinkOverride{From: fmt.Sprintf("n%d", i), To: fmt.Sprintf("n%d", j), Both: true, Loss: &loss}})
				}
			}
			scn.Faults = append(scn.Faults,
				sim.Fault{At: sim.Fixed(500 * time.Millisecond), Crash: "n5", For: sim.Fixed(3 * time.Second)},
				sim.Fault{At: sim.Fixed(4 * time.Second), Heal: true})
			// n1 leads gen 1 and n3 gen 2, both until 3s.
			p := protocolOf(func(id sim.NodeID) *funcNode {
				return &funcNode{
					start: func(env sim.Env) {
						if (id == 1 || id == 3) && env.Mono() == 0 {
							env.Lead(sim.Generation(id/2 + 1))
							env.SetTimer(3*time.Second, "step down")
						}
					},
					fire: func(env sim.Env, _ sim.Timer) { env.StepDown() },
				}
			})
			s, err := sim.New(scn, p, 3)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			s.Observe(rec)
			res := s.Run()
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			missed, syncsAfterHeal := 0, 0
			for _, e := range rec.events {
				if _, ok := e.Msg.(sim.StoreWrite); ok && e.Kind == sim.KindDrop {
					missed++
				}
				if _, ok := e.Msg.(sim.StoreSync); ok && e.Kind == sim.KindDeliver && e.At >= sim.Time(4*time.Second) {
					syncsAfterHeal++
				}
			}
			if missed == 0 || syncsAfterHeal < 20 {
				t.Fatalf("%d writes missed by a replica, %d syncs delivered after the heal: want some missed and at least the heal's 20", missed, syncsAfterHeal)
			}
			m, _ := store.ParseMerge(merge)
			rs := replicas(m, 3, s.Roster().Len(), rec.events)
			want := contents(rs[1])
			for _, id := range s.Roster().Peers() {
				if diff := cmp.Diff(want, contents(rs[id])); diff != "" {
					t.Errorf("%s's replica differs from n1's at the end (-n1 +%s):\n%s", s.Roster().Name(id), s.Roster().Name(id), diff)
				}
			}
			lost := len(rec.of(sim.KindWriteLost))
			if merge == "vector" && lost != 0 {
				t.Errorf("%d writes lost under version vectors", lost)
			}
			t.Logf("%s: %d writes, %d missed on the way, %d syncs after the heal, %d lost; every replica: %v",
				merge, len(rec.of(sim.KindWrite)), missed, syncsAfterHeal, lost, want)
		})
	}
}

// loadWithProtocol reads a scenario file and builds its protocol from the
// registry.
func loadWithProtocol(t *testing.T, path string) (*sim.Scenario, sim.Protocol) {
	t.Helper()
	scn, err := sim.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	return scn, p
}

// isStoreEvent says whether an event belongs to the store: its kinds, its
// messages, or an acknowledgement.
func isStoreEvent(e sim.Event) bool {
	switch e.Kind {
	case sim.KindWrite, sim.KindConflict, sim.KindWriteLost:
		return true
	case sim.KindActApplied:
		return e.Tag == sim.ActAcked
	}
	switch e.Msg.(type) {
	case sim.StoreWrite, sim.StoreAck, sim.StoreSync:
		return true
	}
	return false
}

// lostSummary lists a run's lost writes as the trace tells them.
func lostSummary(rec *recorder) []string {
	var out []string
	for _, e := range rec.of(sim.KindWriteLost) {
		out = append(out, fmt.Sprintf("%v %d %v %s", e.Node, e.Value, e.Peer, e.Tag))
	}
	return out
}

// TestStoreRunsReplay: every store scenario run twice with its seed gives
// the same trace hash and the same lost writes; with its store section
// removed, the run has no store event at all (no write, conflict, lost
// write, acknowledgement or store message), and its acts go to the
// resource again.
func TestStoreRunsReplay(t *testing.T) {
	paths, err := filepath.Glob("../scenarios/store-*.yaml")
	if err != nil || len(paths) < 5 {
		t.Fatalf("found %d store scenarios (%v), want the 5 of issue 14", len(paths), err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			scn, p := loadWithProtocol(t, path)
			first, rec1 := run(t, scn, p, scn.Seed)
			second, rec2 := run(t, scn, p, scn.Seed)
			if first.Err != nil || second.Err != nil {
				t.Fatal(first.Err, second.Err)
			}
			if first.TraceHash != second.TraceHash || first.Events != second.Events {
				t.Fatalf("same seed, different runs: hash %x/%x, events %d/%d", first.TraceHash, second.TraceHash, first.Events, second.Events)
			}
			if diff := cmp.Diff(lostSummary(rec1), lostSummary(rec2)); diff != "" {
				t.Fatalf("same seed, different lost writes:\n%s", diff)
			}
			if len(rec1.of(sim.KindWrite)) == 0 {
				t.Fatal("a store scenario wrote nothing")
			}

			plain := scn.Clone()
			plain.Store = nil
			plain.Workload.Writers = ""
			plain.Expect.Properties = slices.DeleteFunc(plain.Expect.Properties, func(p string) bool { return p == "no-lost-writes" }) // a store's alone
			res, rec := run(t, plain, p, scn.Seed)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if res.TraceHash == first.TraceHash {
				t.Error("the run without a store has the store run's trace hash")
			}
			for _, e := range rec.events {
				if isStoreEvent(e) {
					t.Fatalf("the run without a store has a store event: %+v", e)
				}
			}
			applied := rec.of(sim.KindActApplied)
			if scn.Workload.Writers != sim.WritersAll && len(applied) == 0 {
				t.Error("without a store, no act reached the resource")
			}
		})
	}
}

// storeBase is a valid five-node scenario with a store, in eight lines; a
// row's mistake goes on from line 9, or replaces a line.
const storeBase = `name: t
nodes: 5
duration: 30s
protocol:
  name: example/beacon
store:
  merge: lww
  w: 3
`

// TestStoreValidation: each mistake in a store section, or in what a store
// rules out, is reported on its own, naming the field and its line, in a
// file's error.
func TestStoreValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		yaml  string
		field string
		line  int
		msg   string
	}{
		{"unknown merge", strings.Replace(storeBase, "merge: lww", "merge: crdt", 1),
			"store.merge", 7, `must be lww or vector, got "crdt"`},
		{"no merge", strings.Replace(storeBase, "  merge: lww\n", "", 1),
			"store.merge", 6, `must be lww or vector, got ""`},
		{"w above the nodes", strings.Replace(storeBase, "w: 3", "w: 6", 1),
			"store.w", 8, "must be 1..5 (the participants, each holding a replica), got 6"},
		{"negative w", strings.Replace(storeBase, "w: 3", "w: -1", 1),
			"store.w", 8, "must be 1..5"},
		{"r above the nodes", storeBase + "  r: 6\n",
			"store.r", 9, "must be 1..5 (the participants, each holding a replica), got 6"},
		{"negative r", storeBase + "  r: -1\n",
			"store.r", 9, "must be 1..5"},
		{"no-lost-writes without a store", strings.Replace(storeBase, "store:\n  merge: lww\n  w: 3\n", "expect:\n  properties: [no-lost-writes]\n", 1),
			"expect.properties", 7, "lists no-lost-writes, which needs a store"},
		{"unknown quorum", storeBase + "  quorum: x\n",
			"store.quorum", 9, `must be strict or sloppy, got "x"`},
		{"sync below a millisecond", storeBase + "  sync_every: 0.5ms\n",
			"store.sync_every", 9, "must be at least 1ms"},
		{"negative sync", storeBase + "  sync_every: -1s\n",
			"store.sync_every", 9, "must be at least 1ms"},
		{"negative keys", storeBase + "  keys: -1\n",
			"store.keys", 9, "must be 1..1024, got -1"},
		{"too many keys", storeBase + "  keys: 100000\n",
			"store.keys", 9, "must be 1..1024, got 100000"},
		{"unknown writers", storeBase + "workload:\n  writers: some\n",
			"workload.writers", 10, `must be leader or all, got "some"`},
		{"writers: all without a store", strings.Replace(storeBase, "store:\n  merge: lww\n  w: 3\n", "workload:\n  writers: all\n", 1),
			"workload.writers", 7, `is "all", which needs a store`},
		{"a store with generation fencing", storeBase + "resource:\n  fencing: generation\n",
			"resource.fencing", 10, "a store replaces the resource"},
		{"unknown field in the store", storeBase + "  replicas: 3\n",
			"store.replicas", 9, `unknown field "replicas"`},
		{"w as a word", strings.Replace(storeBase, "w: 3", "w: three", 1),
			"store.w", 8, `want a whole number, got "three"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const file = "store.yaml"
			_, err := parseAndValidate(file, tc.yaml, nil)
			if err == nil {
				t.Fatalf("no error for\n%s", tc.yaml)
			}
			got := scenarioProblems(t, err)
			if len(got) != 1 {
				t.Fatalf("want one problem, got %d:\n%v", len(got), err)
			}
			e := got[0]
			if e.Field != tc.field || e.Line != tc.line || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got field %q, line %d, message %q\nwant field %q, line %d, message containing %q",
					e.Field, e.Line, e.Msg, tc.field, tc.line, tc.msg)
			}
			if want := fmt.Sprintf("%s:%d:", file, tc.line); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q does not begin with the file and line %q", err.Error(), want)
			}
		})
	}
}

// TestStoreDefaults: the fields a store section leaves out, or gives as 0,
// take their defaults: one key, W=1, R=1, a strict quorum, anti-entropy
// every second, the leader writing. (So w: 0 is no error but W=1.)
func TestStoreDefaults(t *testing.T) {
	for _, text := range []string{
		"name: t\nnodes: 5\nduration: 30s\nprotocol: {name: example/beacon}\nstore:\n  merge: vector\n",
		"name: t\nnodes: 5\nduration: 30s\nprotocol: {name: example/beacon}\nstore:\n  merge: vector\n  keys: 0\n  w: 0\n  r: 0\n  sync_every: 0s\n",
	} {
		scn, err := parseAndValidate("store.yaml", text, nil)
		if err != nil {
			t.Fatalf("%v\n%s", err, text)
		}
		st := scn.Store
		got := fmt.Sprintf("keys %d, w %d, r %d, quorum %s, sync_every %v", st.Keys, st.W, st.R, st.Quorum, st.SyncEvery)
		if want := fmt.Sprintf("keys 1, w 1, r 1, quorum strict, sync_every %v", sim.DefaultSyncEvery); got != want {
			t.Errorf("defaults: %s, want %s; of\n%s", got, want, text)
		}
		if scn.Workload.Writers != sim.WritersLeader {
			t.Errorf("writers %q, want the default %q", scn.Workload.Writers, sim.WritersLeader)
		}
	}
}

// TestStoreRefusedByNew: sim.New refuses a scenario built in Go with a bad
// store section, naming the field, as a file's would be.
func TestStoreRefusedByNew(t *testing.T) {
	scn := baseScenario(3, time.Second)
	scn.Store = &sim.StoreSpec{Merge: "lww", W: 4}
	_, err := sim.New(scn, idle(), 1)
	if err == nil {
		t.Fatal("sim.New took a store with W=4 on 3 nodes")
	}
	got := scenarioProblems(t, err)
	if !slices.ContainsFunc(got, func(e *sim.ScenarioError) bool { return e.Field == "store.w" }) {
		t.Fatalf("error %v does not name store.w", err)
	}
}

// TestStoreQuorumCountsEachReplicaOnce: a strict quorum counts replicas,
// not messages. On a network that duplicates every message, three nodes
// with n3 down from the start: a write with W=3 is held by n1 and n2 only
// and must never be acknowledged; a write with R=3 can read only two
// replicas and must never be written, so never acknowledged either.
func TestStoreQuorumCountsEachReplicaOnce(t *testing.T) {
	for _, st := range []sim.StoreSpec{{Merge: "lww", W: 3}, {Merge: "lww", R: 3}} {
		t.Run(fmt.Sprintf("w%d r%d", st.W, st.R), func(t *testing.T) {
			scn := baseScenario(3, 2*time.Second)
			scn.Network.Duplicate = 1
			scn.Workload = sim.Workload{ActEvery: 100 * time.Millisecond, Writers: sim.WritersAll}
			scn.Store = &st
			scn.Boot = map[string]sim.Span{"n3": sim.Fixed(1500 * time.Millisecond)} // down until 1.5s
			res, rec := run(t, scn, idle(), 1)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			r := indexStore(t, rec)
			for _, w := range rec.of(sim.KindWrite) {
				if w.At < sim.Time(1400*time.Millisecond) && r.everAcked(w) {
					t.Fatalf("n%d's write %d at %v was acknowledged with n3 down: two replicas met a quorum of 3", w.Node, w.Value, w.At)
				}
			}
		})
	}
}

// TestStoreWithAFencingProtocolNamesTheProtocol: a protocol configured to
// fence (lease with fenced: true) puts generation fencing on the resource,
// which a store replaces; the refusal should say so in terms of what the
// file says (the protocol's fencing), not of a resource.fencing the file
// never wrote.
func TestStoreWithAFencingProtocolNamesTheProtocol(t *testing.T) {
	scn, err := sim.Parse("f.yaml", []byte("name: t\nnodes: 3\nduration: 10s\nprotocol:\n  name: lease\n  fenced: true\nstore:\n  merge: lww\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = sim.New(scn, p, 1)
	if err == nil {
		t.Fatal("a store with a fencing protocol was accepted")
	}
	if msg := err.Error(); !strings.Contains(msg, "protocol") || !strings.Contains(msg, "fenced") {
		t.Errorf("the error %q does not name the protocol's fenced setting", msg)
	}
}
