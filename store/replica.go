package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Merge is a replica's rule for two versions of a key.
type Merge uint8

// The merge rules.
const (
	LWW    Merge = iota + 1 // the highest timestamp wins
	Vector                  // version vectors; concurrent versions kept as siblings
)

// ParseMerge reads "lww" or "vector".
func ParseMerge(s string) (Merge, bool) {
	switch s {
	case "lww":
		return LWW, true
	case "vector":
		return Vector, true
	}
	return 0, false
}

func (m Merge) String() string {
	switch m {
	case LWW:
		return "lww"
	case Vector:
		return "vector"
	}
	return fmt.Sprintf("merge(%d)", uint8(m))
}

// Version is one value of a key, as one write made it. It is immutable.
type Version struct {
	Write  uint64 // the write that made it
	Writer int    // the node that coordinated that write (1-based)
	Stamp  int64  // the writer's wall clock when it wrote, ns since the epoch
	// Clock is the version vector, by node (index 0 unused): Clock[i] is
	// how many writes of node i to this key the version descends from.
	// Nil under LWW.
	Clock []uint32
	Value Set // the writes the version holds
}

// versionBytes is what a version costs besides its value's runs and its
// clock: the struct and a pointer to it.
const versionBytes = 80

// Bytes is what the version costs in memory.
func (v *Version) Bytes() int64 { return versionBytes + v.Value.Bytes() + 4*int64(len(v.Clock)) }

func (v *Version) String() string {
	return fmt.Sprintf("write %d by %d, stamp %d, writes %s", v.Write, v.Writer, v.Stamp, v.Value)
}

// newer reports whether a beats b under last-write-wins.
func newer(a, b *Version) bool {
	if c := cmp.Compare(a.Stamp, b.Stamp); c != 0 {
		return c > 0
	}
	if c := cmp.Compare(a.Writer, b.Writer); c != 0 {
		return c > 0
	}
	return a.Write > b.Write
}

// descends reports whether a's clock is at or after b's in every entry:
// a knows of everything b does.
func descends(a, b *Version) bool {
	for i, n := range b.Clock {
		if i >= len(a.Clock) || a.Clock[i] < n {
			return false
		}
	}
	return true
}

// Outcome is what applying a version did to one key of a replica.
type Outcome struct {
	// Discarded, under LWW, holds the writes this replica dropped in favour
	// of Winner without Winner holding them: writes lost here, unless some
	// other replica still has them.
	Discarded Set
	Winner    *Version
	// Siblings, under Vector, is the key's versions when applying left
	// two or more concurrent ones.
	Siblings []*Version
	// Resolved, for a Write under Vector, is the siblings it read and
	// merged by union when there were two or more: a conflict resolved.
	Resolved []*Version
	// Changed says the replica's versions of the key changed.
	Changed bool
}

// Replica is one node's copy of every key.
type Replica struct {
	merge Merge
	nodes int
	keys  [][]*Version // by key: one version under LWW, the siblings under Vector
	bytes int64
}

// NewReplica returns an empty replica of keys keys, in a cluster whose
// nodes are numbered 1..nodes.
func NewReplica(m Merge, keys, nodes int) *Replica {
	return &Replica{merge: m, nodes: nodes, keys: make([][]*Version, keys)}
}

// Bytes is what the replica's versions cost (a version shared with another
// replica is counted in each).
func (r *Replica) Bytes() int64 { return r.bytes }

// Keys is how many keys the replica holds.
func (r *Replica) Keys() int { return len(r.keys) }

// Versions returns the key's current versions, shared: do not modify.
func (r *Replica) Versions(key int) []*Version { return r.keys[key] }

// Snapshot returns every key's versions as they are now: a copy of the
// lists, sharing the versions, for anti-entropy.
func (r *Replica) Snapshot() [][]*Version {
	out := make([][]*Version, len(r.keys))
	for k, vs := range r.keys {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Write makes a new version of key at this replica, as its coordinator
// does: it reads the key (every sibling, merged by union), adds write and
// stamps the result with the writer's wall clock and, under Vector, a
// clock that descends from all it read with the writer's own entry one
// higher. The new version is then applied like any other: under LWW a
// replica holding a version with a later timestamp keeps it, and the write
// is discarded at once, as Cassandra discards a cell written with an older
// timestamp than the one it has.
func (r *Replica) Write(key int, write uint64, writer int, stamp int64) (*Version, Outcome) {
	v := &Version{Write: write, Writer: writer, Stamp: stamp}
	read := r.keys[key]
	for _, old := range read {
		v.Value = v.Value.Union(old.Value)
	}
	v.Value = v.Value.With(write)
	if r.merge == Vector {
		v.Clock = make([]uint32, r.nodes+1)
		for _, old := range r.keys[key] {
			for i, n := range old.Clock {
				v.Clock[i] = max(v.Clock[i], n)
			}
		}
		v.Clock[writer]++
	}
	out := r.Apply(key, v)
	if len(read) > 1 {
		out.Resolved = read
	}
	return v, out
}

// Apply merges one version of key into the replica by the replica's rule.
func (r *Replica) Apply(key int, v *Version) Outcome {
	if r.merge == LWW {
		return r.applyLWW(key, v)
	}
	return r.applyVector(key, v)
}

func (r *Replica) applyLWW(key int, v *Version) Outcome {
	cur := r.keys[key]
	if len(cur) == 0 {
		r.set(key, []*Version{v})
		return Outcome{Changed: true}
	}
	old := cur[0]
	if old == v || old.Write == v.Write {
		return Outcome{}
	}
	if newer(v, old) {
		r.set(key, []*Version{v})
		return Outcome{Discarded: old.Value.Minus(v.Value), Winner: v, Changed: true}
	}
	return Outcome{Discarded: v.Value.Minus(old.Value), Winner: old}
}

func (r *Replica) applyVector(key int, v *Version) Outcome {
	cur := r.keys[key]
	for _, old := range cur {
		if old == v || old.Write == v.Write || descends(old, v) {
			return Outcome{} // known already, or superseded here
		}
	}
	next := make([]*Version, 0, len(cur)+1)
	for _, old := range cur {
		if !descends(v, old) {
			next = append(next, old) // concurrent with v: a sibling
		}
	}
	next = append(next, v)
	slices.SortFunc(next, func(a, b *Version) int { return cmp.Compare(a.Write, b.Write) })
	r.set(key, next)
	out := Outcome{Changed: true}
	if len(next) > 1 {
		out.Siblings = next
	}
	return out
}

// set replaces a key's versions and keeps the byte count.
func (r *Replica) set(key int, vs []*Version) {
	for _, old := range r.keys[key] {
		r.bytes -= old.Bytes()
	}
	for _, v := range vs {
		r.bytes += v.Bytes()
	}
	r.keys[key] = vs
}

// Final is what the replicas hold once every one has merged with every
// other and the siblings left are resolved by union: each key's writes, as
// a full anti-entropy after the last heal would leave them. Replicas are
// merged in the order given.
func Final(m Merge, replicas []*Replica) []Set {
	all := Merged(m, replicas)
	if all == nil {
		return nil
	}
	out := make([]Set, len(all.keys))
	for k, vs := range all.keys {
		for _, v := range vs {
			out[k] = out[k].Union(v.Value)
		}
	}
	return out
}

// Merged is one replica holding what every replica holds, merged by the
// rule in the order given: under Vector, the siblings a full anti-entropy
// would leave. It is nil for no replicas.
func Merged(m Merge, replicas []*Replica) *Replica {
	if len(replicas) == 0 {
		return nil
	}
	all := NewReplica(m, replicas[0].Keys(), replicas[0].nodes)
	for _, r := range replicas {
		for k, vs := range r.keys {
			for _, v := range vs {
				all.Apply(k, v)
			}
		}
	}
	return all
}

// Signature names a set of siblings by their writes: "17,23".
func Signature(siblings []*Version) string {
	parts := make([]string, len(siblings))
	for i, v := range siblings {
		parts[i] = fmt.Sprint(v.Write)
	}
	return strings.Join(parts, ",")
}
