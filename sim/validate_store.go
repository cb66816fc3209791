package sim

import (
	"slices"
	"time"

	"github.com/electsim/electsim/store"
)

// DefaultSyncEvery is the store's anti-entropy interval when the scenario
// sets none.
const DefaultSyncEvery = time.Second

// MaxStoreKeys bounds the store's key set: contention is the point, and
// each key costs every replica a slot.
const MaxStoreKeys = 1024

// propertyNoLostWrites is the property only a store can break
// (properties.NoLostWrites).
const propertyNoLostWrites = "no-lost-writes"

// store checks the store section and what it rules out.
func (v *validator) store() {
	s := v.s
	st := s.Store
	if st == nil {
		if slices.Contains(s.Expect.Properties, propertyNoLostWrites) {
			v.add("expect.properties", "lists %s, which needs a store: add a store section, or leave it out", propertyNoLostWrites)
		}
		if s.Workload.Writers != "" && s.Workload.Writers != WritersLeader {
			v.add("workload.writers", "is %q, which needs a store: add a store section, or leave writers out", s.Workload.Writers)
		}
		return
	}
	if _, ok := store.ParseMerge(st.Merge); !ok {
		v.add("store.merge", "must be lww or vector, got %q", st.Merge)
	}
	if st.Keys < 1 || st.Keys > MaxStoreKeys {
		v.add("store.keys", "must be 1..%d, got %d", MaxStoreKeys, st.Keys)
	}
	if st.W < 1 || st.W > max(s.Nodes, 1) {
		v.add("store.w", "must be 1..%d (the participants, each holding a replica), got %d", max(s.Nodes, 1), st.W)
	}
	if st.R < 1 || st.R > max(s.Nodes, 1) {
		v.add("store.r", "must be 1..%d (the participants, each holding a replica), got %d", max(s.Nodes, 1), st.R)
	}
	if st.Quorum != QuorumStrict && st.Quorum != QuorumSloppy {
		v.add("store.quorum", "must be strict or sloppy, got %q", st.Quorum)
	}
	if st.SyncEvery < time.Millisecond || st.SyncEvery > MaxDuration {
		v.add("store.sync_every", "must be at least 1ms and at most %v, got %v", MaxDuration, st.SyncEvery)
	}
	if w := s.Workload.Writers; w != WritersLeader && w != WritersAll {
		v.add("workload.writers", "must be leader or all, got %q", w)
	}
	if s.Resource.Fencing == FencingGeneration {
		v.add("resource.fencing", "is generation (set here, or by a protocol that fences, as lease with fenced: true), but a store replaces the resource: leave the fencing out, or the store")
	}
}
