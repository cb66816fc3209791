package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/electsim/electsim/store"
)

const sec = int64(time.Second)

// t0 is when the stories start: a plausible wall clock, ns since the epoch.
const t0 = 1_700_000_000 * sec

// cmpSets compares sets by their writes.
var cmpSets = cmp.Comparer(func(a, b store.Set) bool { return a.Equal(b) })

// tb is what the checks need of a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
}

// checkOutcome fails unless got is want, the winner being the very
// version want names (not merely an equal one).
func checkOutcome(t tb, what string, got, want store.Outcome) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpSets); diff != "" {
		t.Fatalf("%s: outcome (-want +got):\n%s", what, diff)
	}
	if got.Winner != want.Winner {
		t.Fatalf("%s: winner is %v, a copy of %v, not the version itself", what, got.Winner, want.Winner)
	}
}

// checkHolds fails unless the replica's versions of key are exactly vs,
// the same versions in the same order.
func checkHolds(t tb, what string, r *store.Replica, key int, vs ...*store.Version) {
	t.Helper()
	if got := r.Versions(key); !slices.Equal(got, vs) {
		t.Fatalf("%s: replica holds %v of key %d, want %v", what, got, key, vs)
	}
}

func checkFinal(t tb, what string, m store.Merge, replicas []*store.Replica, want ...store.Set) {
	t.Helper()
	if diff := cmp.Diff(want, store.Final(m, replicas), cmpSets); diff != "" {
		t.Fatalf("%s: Final (-want +got):\n%s", what, diff)
	}
}

// exchange applies every version a holds to b, as anti-entropy does.
func exchange(a, b *store.Replica) {
	for k, vs := range a.Snapshot() {
		for _, v := range vs {
			b.Apply(k, v)
		}
	}
}

// TestLWWSlowClockLosesALaterWrite: n1 writes 1 and 2 and n2 receives
// both; then n2, whose clock runs a second behind, reads 1,2 and writes 3,
// later in true time but with an earlier stamp than 2's. Write 3 is
// discarded at n2 at once and again when n1 applies it, n1's version
// winning; Final has 1,2 and lacks 3.
func TestLWWSlowClockLosesALaterWrite(t *testing.T) {
	n1 := store.NewReplica(store.LWW, 1, 2)
	n2 := store.NewReplica(store.LWW, 1, 2)
	v1, _ := n1.Write(0, 1, 1, t0)
	v2, _ := n1.Write(0, 2, 1, t0+sec)
	n2.Apply(0, v1)
	n2.Apply(0, v2)

	// At true time t0+1.5s n2's clock reads t0+0.5s.
	v3, atN2 := n2.Write(0, 3, 2, t0+sec+sec/2-sec)
	if !v3.Value.Equal(store.Of(1, 2, 3)) {
		t.Fatalf("n2 read 1,2 before writing 3, so its version should hold 1-3, holds %s", v3.Value)
	}
	checkOutcome(t, "n2 writing 3 under an older stamp than 2's", atN2, store.Outcome{Discarded: store.Of(3), Winner: v2})
	checkHolds(t, "n2 after its own write 3 lost", n2, 0, v2)

	atN1 := n1.Apply(0, v3)
	checkOutcome(t, "n1 applying n2's write 3", atN1, store.Outcome{Discarded: store.Of(3), Winner: v2})
	checkHolds(t, "n1 after applying write 3", n1, 0, v2)
	checkFinal(t, "after the slow clock's write", store.LWW, []*store.Replica{n1, n2}, store.Of(1, 2))
}

// TestLWWPartitionKeepsOnlyTheWinnersWrites: both replicas hold write 1;
// partitioned, n1 writes 2 and 3 and n2 then writes 4. On healing each
// applies the other's version: n2's, stamped last, wins everywhere, and
// Final holds 1 and 4 but not n1's 2 and 3, reported discarded at both.
func TestLWWPartitionKeepsOnlyTheWinnersWrites(t *testing.T) {
	n1 := store.NewReplica(store.LWW, 1, 2)
	n2 := store.NewReplica(store.LWW, 1, 2)
	v1, _ := n1.Write(0, 1, 1, t0)
	n2.Apply(0, v1)

	n1.Write(0, 2, 1, t0+sec)
	v3, _ := n1.Write(0, 3, 1, t0+2*sec)
	v4, _ := n2.Write(0, 4, 2, t0+3*sec)

	checkOutcome(t, "n1 applying n2's version on healing", n1.Apply(0, v4),
		store.Outcome{Discarded: store.Of(2, 3), Winner: v4, Changed: true})
	checkOutcome(t, "n2 applying n1's version on healing", n2.Apply(0, v3),
		store.Outcome{Discarded: store.Of(2, 3), Winner: v4})
	checkHolds(t, "n1 after healing", n1, 0, v4)
	checkHolds(t, "n2 after healing", n2, 0, v4)
	for _, order := range [][]*store.Replica{{n1, n2}, {n2, n1}} {
		checkFinal(t, "after the partition heals", store.LWW, order, store.Of(1, 4))
	}
}

// TestVectorConcurrentWritesBecomeSiblingsThenResolve: both replicas hold
// write 1; partitioned, n1 writes 2 and n2 writes 3. On exchange each
// keeps both as siblings (a conflict, named "2,3"); n1's next write 4
// reads both, holds 1-4, replaces them alone and its clock descends from
// both, and its outcome names the two it resolved. Final holds every
// write, before and after n2 learns of 4.
func TestVectorConcurrentWritesBecomeSiblingsThenResolve(t *testing.T) {
	n1 := store.NewReplica(store.Vector, 1, 2)
	n2 := store.NewReplica(store.Vector, 1, 2)
	v1, _ := n1.Write(0, 1, 1, t0)
	n2.Apply(0, v1)

	v2, _ := n1.Write(0, 2, 1, t0+sec)
	v3, _ := n2.Write(0, 3, 2, t0+sec)
	if diff := cmp.Diff([][]uint32{{0, 1, 0}, {0, 2, 0}, {0, 1, 1}}, [][]uint32{v1.Clock, v2.Clock, v3.Clock}); diff != "" {
		t.Fatalf("clocks of writes 1 (n1), 2 (n1 after 1), 3 (n2 after 1) (-want +got):\n%s", diff)
	}

	atN1 := n1.Apply(0, v3)
	checkOutcome(t, "n1 applying n2's concurrent write 3", atN1, store.Outcome{Siblings: []*store.Version{v2, v3}, Changed: true})
	checkOutcome(t, "n2 applying n1's concurrent write 2", n2.Apply(0, v2), store.Outcome{Siblings: []*store.Version{v2, v3}, Changed: true})
	if sig := store.Signature(atN1.Siblings); sig != "2,3" {
		t.Fatalf("the conflict's signature is %q, want \"2,3\"", sig)
	}
	checkHolds(t, "n1 after the exchange", n1, 0, v2, v3)
	checkHolds(t, "n2 after the exchange", n2, 0, v2, v3)
	checkFinal(t, "with the siblings unresolved", store.Vector, []*store.Replica{n1, n2}, store.Of(1, 2, 3))

	v4, atWrite := n1.Write(0, 4, 1, t0+2*sec)
	checkOutcome(t, "n1's write 4 over the siblings", atWrite, store.Outcome{Resolved: []*store.Version{v2, v3}, Changed: true})
	if !slices.Equal(atWrite.Resolved, []*store.Version{v2, v3}) {
		t.Fatalf("write 4 resolved %v, want the very siblings 2 and 3", atWrite.Resolved)
	}
	if !v4.Value.Equal(store.Of(1, 2, 3, 4)) {
		t.Fatalf("write 4 read both siblings, so it should hold 1-4, holds %s", v4.Value)
	}
	if diff := cmp.Diff([]uint32{0, 3, 1}, v4.Clock); diff != "" {
		t.Fatalf("write 4's clock should descend from 2's %v and 3's %v with n1's entry one higher (-want +got):\n%s", v2.Clock, v3.Clock, diff)
	}
	checkHolds(t, "n1 after write 4 resolved the siblings", n1, 0, v4)
	checkFinal(t, "with n2 still holding the siblings", store.Vector, []*store.Replica{n2, n1}, store.Of(1, 2, 3, 4))

	checkOutcome(t, "n2 applying write 4", n2.Apply(0, v4), store.Outcome{Changed: true})
	checkHolds(t, "n2 after write 4 reached it", n2, 0, v4)
	checkFinal(t, "after write 4 reached both", store.Vector, []*store.Replica{n1, n2}, store.Of(1, 2, 3, 4))
}

// TestApplyingAVersionAgainChangesNothing: after two concurrent writes
// have been exchanged, applying any version a replica has already seen
// (its own, the other's, the winner, the loser) leaves its versions and
// bytes as they were, reports no change and the same outcome as the first
// time or none.
func TestApplyingAVersionAgainChangesNothing(t *testing.T) {
	for _, m := range []store.Merge{store.LWW, store.Vector} {
		t.Run(m.String(), func(t *testing.T) {
			n1 := store.NewReplica(m, 1, 2)
			n2 := store.NewReplica(m, 1, 2)
			v1, _ := n1.Write(0, 1, 1, t0)
			v2, _ := n2.Write(0, 2, 2, t0+sec)
			first := n1.Apply(0, v2)
			n2.Apply(0, v1)
			for _, r := range []*store.Replica{n1, n2} {
				for _, v := range []*store.Version{v1, v2} {
					before, bytes := slices.Clone(r.Versions(0)), r.Bytes()
					got := r.Apply(0, v)
					if got.Changed {
						t.Errorf("applying %v again reported a change", v)
					}
					if !slices.Equal(before, r.Versions(0)) || bytes != r.Bytes() {
						t.Errorf("applying %v again changed the replica: %v (%d bytes) became %v (%d bytes)",
							v, before, bytes, r.Versions(0), r.Bytes())
					}
					// The only non-empty repeat is LWW's report that the
					// loser is still discarded.
					if m == store.LWW && v == v1 {
						first.Changed = false
						checkOutcome(t, "LWW applying the loser again", got, first)
					} else {
						checkOutcome(t, fmt.Sprintf("applying %v again", v), got, store.Outcome{})
					}
				}
			}
		})
	}
}

// TestLWWEqualStampsGoToTheHigherWriter: n1 and n2 write at the same
// stamp; at both replicas n2's write wins, whichever arrives first. A
// node whose clock stalls keeps its later write (the higher write number).
func TestLWWEqualStampsGoToTheHigherWriter(t *testing.T) {
	n1 := store.NewReplica(store.LWW, 1, 2)
	n2 := store.NewReplica(store.LWW, 1, 2)
	v1, _ := n1.Write(0, 1, 1, t0)
	v2, _ := n2.Write(0, 2, 2, t0)
	checkOutcome(t, "n1 applying n2's write at the same stamp", n1.Apply(0, v2),
		store.Outcome{Discarded: store.Of(1), Winner: v2, Changed: true})
	checkOutcome(t, "n2 applying n1's write at the same stamp", n2.Apply(0, v1),
		store.Outcome{Discarded: store.Of(1), Winner: v2})
	for _, order := range [][]*store.Replica{{n1, n2}, {n2, n1}} {
		checkFinal(t, "after a tie", store.LWW, order, store.Of(2))
	}

	stalled := store.NewReplica(store.LWW, 1, 2)
	stalled.Write(0, 1, 1, t0)
	v, out := stalled.Write(0, 2, 1, t0)
	checkOutcome(t, "a second write at a stalled clock", out, store.Outcome{Discarded: store.Set{}, Winner: v, Changed: true})
	checkHolds(t, "after a second write at a stalled clock", stalled, 0, v)
}

// TestSnapshotIsACopy: changing a replica after a snapshot, or the
// snapshot's lists, leaves the other as it was.
func TestSnapshotIsACopy(t *testing.T) {
	r := store.NewReplica(store.Vector, 2, 2)
	v1, _ := r.Write(0, 1, 1, t0)
	snap := r.Snapshot()
	r.Write(0, 2, 1, t0+sec)
	r.Write(1, 3, 1, t0+sec)
	if !slices.Equal(snap[0], []*store.Version{v1}) || len(snap[1]) != 0 {
		t.Fatalf("snapshot changed with the replica: %v", snap)
	}
	snap[0][0] = nil
	if r.Versions(0)[0] == nil {
		t.Fatalf("writing into the snapshot changed the replica")
	}
}

// replicaBytes is Bytes recomputed from the versions the replica holds.
func replicaBytes(r *store.Replica) int64 {
	var n int64
	for k := range r.Keys() {
		for _, v := range r.Versions(k) {
			n += v.Bytes()
		}
	}
	return n
}

// beats reports whether a is after b in (Stamp, Writer, Write) order.
func beats(a, b *store.Version) bool {
	if a.Stamp != b.Stamp {
		return a.Stamp > b.Stamp
	}
	if a.Writer != b.Writer {
		return a.Writer > b.Writer
	}
	return a.Write > b.Write
}

// clockLE reports whether every entry of a is at most b's: b knows of all
// a does.
func clockLE(a, b []uint32) bool {
	for i, n := range a {
		if i >= len(b) {
			if n > 0 {
				return false
			}
			continue
		}
		if n > b[i] {
			return false
		}
	}
	return true
}

// history is a random run of a replicated store: writes at replicas
// stamped by per-replica wall clocks, and syncs between replicas. Every
// step checks the invariants that hold under any history; its fields let
// a test check more.
type history struct {
	merge    store.Merge
	replicas []*store.Replica
	clocks   []int64    // by replica: its wall clock
	written  [][]uint64 // by key: every write made to it
	next     uint64     // the last write number used
}

func newHistory(t *rapid.T, m store.Merge) *history {
	nodes := rapid.IntRange(2, 5).Draw(t, "replicas")
	keys := rapid.IntRange(1, 3).Draw(t, "keys")
	h := &history{merge: m, written: make([][]uint64, keys)}
	for i := range nodes {
		h.replicas = append(h.replicas, store.NewReplica(m, keys, nodes))
		skew := rapid.Int64Range(-3, 3).Draw(t, fmt.Sprintf("clock skew of n%d (s)", i+1))
		h.clocks = append(h.clocks, t0+skew*sec)
	}
	return h
}

// write makes the next write at replica r (node r+1) to key, stamped
// stamp, and checks what Write did against the replica's versions before.
func (h *history) write(t *rapid.T, r, key int, stamp int64) *store.Version {
	h.next++
	w := h.next
	h.written[key] = append(h.written[key], w)
	rep := h.replicas[r]
	before := slices.Clone(rep.Versions(key))
	v, out := rep.Write(key, w, r+1, stamp)
	what := fmt.Sprintf("write %d by n%d to key %d at stamp %d over %v", w, r+1, key, stamp, before)
	want := store.Of(w)
	for _, old := range before {
		want = want.Union(old.Value)
	}
	if !v.Value.Equal(want) {
		t.Fatalf("%s: its version holds %s, want everything it read plus itself, %s", what, v.Value, want)
	}
	if v.Write != w || v.Writer != r+1 || v.Stamp != stamp {
		t.Fatalf("%s: made version %v", what, v)
	}
	if h.merge == store.Vector {
		for _, old := range before {
			if !clockLE(old.Clock, v.Clock) || slices.Equal(old.Clock, v.Clock) {
				t.Fatalf("%s: its clock %v does not strictly descend from %v's %v", what, v.Clock, old, old.Clock)
			}
		}
		want := store.Outcome{Changed: true}
		if len(before) > 1 {
			want.Resolved = before
		}
		checkOutcome(t, what, out, want)
		if !slices.Equal(out.Resolved, want.Resolved) {
			t.Fatalf("%s: Resolved is %v, want the very siblings it read", what, out.Resolved)
		}
		checkHolds(t, what+": the write resolves every sibling it read", rep, key, v)
	} else {
		checkLWWOutcome(t, what, before, v, out, rep.Versions(key))
	}
	return v
}

// sync applies every version replica a holds to replica b, as
// anti-entropy does, checking each outcome.
func (h *history) sync(t *rapid.T, a, b int) {
	for k, vs := range h.replicas[a].Snapshot() {
		for _, v := range vs {
			rep := h.replicas[b]
			before := slices.Clone(rep.Versions(k))
			out := rep.Apply(k, v)
			what := fmt.Sprintf("n%d applying %v from n%d to key %d over %v", b+1, v, a+1, k, before)
			if h.merge == store.LWW {
				checkLWWOutcome(t, what, before, v, out, rep.Versions(k))
				continue
			}
			after := rep.Versions(k)
			if out.Changed == slices.Equal(before, after) {
				t.Fatalf("%s: Changed is %v, versions went from %v to %v", what, out.Changed, before, after)
			}
			wantSiblings := []*store.Version(nil)
			if out.Changed && len(after) > 1 {
				wantSiblings = after
			}
			if !slices.Equal(out.Siblings, wantSiblings) {
				t.Fatalf("%s: outcome siblings %v, replica holds %v", what, out.Siblings, after)
			}
		}
	}
}

// checkLWWOutcome checks an LWW Apply of v over the versions held before:
// the replica now holds the one of the two that is last in (Stamp,
// Writer, Write) order, and the outcome names it and the loser's writes it
// lacks.
func checkLWWOutcome(t *rapid.T, what string, before []*store.Version, v *store.Version, out store.Outcome, after []*store.Version) {
	t.Helper()
	switch {
	case len(before) == 0:
		checkOutcome(t, what+" (first version)", out, store.Outcome{Changed: true})
		if !slices.Equal(after, []*store.Version{v}) {
			t.Fatalf("%s: holds %v, want the version applied", what, after)
		}
	case len(before) > 1:
		t.Fatalf("%s: an LWW replica held %d versions of a key", what, len(before))
	case before[0].Write == v.Write:
		checkOutcome(t, what+" (seen already)", out, store.Outcome{})
		if !slices.Equal(after, before) {
			t.Fatalf("%s: held %v, now %v", what, before, after)
		}
	default:
		winner, loser := before[0], v
		if beats(v, before[0]) {
			winner, loser = v, before[0]
		}
		checkOutcome(t, what, out, store.Outcome{Discarded: loser.Value.Minus(winner.Value), Winner: winner, Changed: winner == v})
		if !slices.Equal(after, []*store.Version{winner}) {
			t.Fatalf("%s: holds %v, want the winner %v alone", what, after, winner)
		}
	}
}

// check checks what holds after every step of any history: each
// replica's Bytes is the sum of its versions', an LWW replica holds at
// most one version a key, and a Vector replica's siblings are sorted by
// write and pairwise concurrent.
func (h *history) check(t *rapid.T) {
	for i, r := range h.replicas {
		if got, want := r.Bytes(), replicaBytes(r); got != want {
			t.Fatalf("n%d: Bytes is %d, its versions cost %d", i+1, got, want)
		}
		for k := range r.Keys() {
			vs := r.Versions(k)
			if h.merge == store.LWW && len(vs) > 1 {
				t.Fatalf("n%d: LWW replica holds %d versions of key %d: %v", i+1, len(vs), k, vs)
			}
		}
		if h.merge == store.Vector {
			h.checkSiblings(t, fmt.Sprintf("n%d", i+1), r)
		}
	}
}

// checkSiblings fails unless every key's versions at r are sorted by write
// and pairwise concurrent: none descends from another.
func (h *history) checkSiblings(t *rapid.T, name string, r *store.Replica) {
	for k := range r.Keys() {
		vs := r.Versions(k)
		for a := range vs {
			if a > 0 && vs[a-1].Write >= vs[a].Write {
				t.Fatalf("%s key %d: siblings not sorted by write: %v", name, k, vs)
			}
			for b := range a {
				if clockLE(vs[a].Clock, vs[b].Clock) || clockLE(vs[b].Clock, vs[a].Clock) {
					t.Fatalf("%s key %d: siblings %v (clock %v) and %v (clock %v) are not concurrent: one descends from the other",
						name, k, vs[b], vs[b].Clock, vs[a], vs[a].Clock)
				}
			}
		}
	}
}

// run drives a random history of writes with skewed, possibly backwards
// clocks, and syncs between any two replicas, checking after every step;
// then calls final.
func (h *history) run(t *rapid.T, final func(*rapid.T)) {
	n := len(h.replicas)
	t.Repeat(map[string]func(*rapid.T){
		"write": func(t *rapid.T) {
			r := rapid.IntRange(0, n-1).Draw(t, "at replica")
			key := rapid.IntRange(0, len(h.written)-1).Draw(t, "key")
			step := rapid.Int64Range(-2, 3).Draw(t, "clock step (s)")
			h.clocks[r] += step * sec
			h.write(t, r, key, h.clocks[r])
		},
		"sync": func(t *rapid.T) {
			a := rapid.IntRange(0, n-1).Draw(t, "from")
			b := rapid.IntRange(0, n-2).Draw(t, "to (skipping from)")
			if b >= a {
				b++
			}
			h.sync(t, a, b)
		},
		"": func(t *rapid.T) {
			h.check(t)
			final(t)
		},
	})
}

// checkOrderIndependent fails unless Final gives the same sets whatever
// the order of the replicas.
func (h *history) checkOrderIndependent(t *rapid.T, final []store.Set) {
	perm := rapid.Permutation(h.replicas).Draw(t, "replica order")
	if diff := cmp.Diff(final, store.Final(h.merge, perm), cmpSets); diff != "" {
		t.Fatalf("Final depends on the order of the replicas (-in order +permuted):\n%s", diff)
	}
}

// TestVectorLosesNoWriteUnderAnyHistory: under version vectors, after any
// history of writes (clocks skewed, stepping back) and partial syncs,
// Final holds exactly the writes ever made to each key, whatever the
// order of the replicas; siblings stay pairwise concurrent and Bytes
// stays the sum of the versions held.
func TestVectorLosesNoWriteUnderAnyHistory(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := newHistory(t, store.Vector)
		h.run(t, func(t *rapid.T) {
			final := store.Final(store.Vector, h.replicas)
			for k, ws := range h.written {
				if want := store.Of(ws...); !final[k].Equal(want) {
					t.Fatalf("key %d: Final holds %s, but the writes made were %s (missing %s)",
						k, final[k], want, want.Minus(final[k]))
				}
			}
			h.checkOrderIndependent(t, final)
			merged := store.Merged(store.Vector, h.replicas)
			h.checkSiblings(t, "Merged", merged)
			for k := range merged.Keys() {
				var union store.Set
				for _, v := range merged.Versions(k) {
					union = union.Union(v.Value)
				}
				if !union.Equal(final[k]) {
					t.Fatalf("key %d: Merged's siblings hold %s, Final %s", k, union, final[k])
				}
			}
		})
	})
}

// TestLWWFinalIsTheLastVersionHeld: under LWW, after any history of
// writes (clocks skewed, stepping back) and partial syncs, Final of each
// key is the value of the version last in (Stamp, Writer, Write) order of
// all the replicas hold, whatever the order of the replicas; every Apply
// keeps that version and reports the loser's missing writes; Bytes stays
// the sum of the versions held.
func TestLWWFinalIsTheLastVersionHeld(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := newHistory(t, store.LWW)
		h.run(t, func(t *rapid.T) {
			final := store.Final(store.LWW, h.replicas)
			for k := range h.written {
				var last *store.Version
				for _, r := range h.replicas {
					for _, v := range r.Versions(k) {
						if last == nil || beats(v, last) {
							last = v
						}
					}
				}
				want := store.Set{}
				if last != nil {
					want = last.Value
				}
				if !final[k].Equal(want) {
					t.Fatalf("key %d: Final holds %s, want %s, the value of the last version held, %v", k, final[k], want, last)
				}
			}
			h.checkOrderIndependent(t, final)
		})
	})
}

// TestLWWPerfectClocksWithoutPartitionLoseNothing: under LWW, when every
// write is stamped after every earlier one and reaches every replica
// before the next, every replica holds the latest write after each sync
// and Final holds every write made.
func TestLWWPerfectClocksWithoutPartitionLoseNothing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := newHistory(t, store.LWW)
		n := len(h.replicas)
		t.Repeat(map[string]func(*rapid.T){
			"write and sync to all": func(t *rapid.T) {
				r := rapid.IntRange(0, n-1).Draw(t, "at replica")
				key := rapid.IntRange(0, len(h.written)-1).Draw(t, "key")
				stamp := t0 + int64(h.next+1)*sec // after every earlier write
				h.write(t, r, key, stamp)
				for b := range n {
					if b != r {
						h.sync(t, r, b)
					}
				}
				for b, rep := range h.replicas {
					if vs := rep.Versions(key); len(vs) != 1 || vs[0].Write != h.next {
						t.Fatalf("after write %d and a sync to all, n%d holds %v of key %d", h.next, b+1, vs, key)
					}
				}
			},
			"": func(t *rapid.T) {
				h.check(t)
				final := store.Final(store.LWW, h.replicas)
				for k, ws := range h.written {
					if want := store.Of(ws...); !final[k].Equal(want) {
						t.Fatalf("key %d: Final holds %s, but the writes made were %s (lost %s)", k, final[k], want, want.Minus(final[k]))
					}
				}
			},
		})
	})
}

// TestBytesIsTheSumOfVersionsHeld: a replica's Bytes, kept as versions
// come and go, equals the sum of Bytes of the versions it holds after
// every step of any history, under both rules. (The history tests check
// it too; this one names it.)
func TestBytesIsTheSumOfVersionsHeld(t *testing.T) {
	for _, m := range []store.Merge{store.LWW, store.Vector} {
		t.Run(m.String(), func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				h := newHistory(t, m)
				h.run(t, func(*rapid.T) {})
			})
		})
	}
}
