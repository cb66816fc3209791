package network

import (
	"fmt"
	"slices"
	"strings"
)

// Reach is a reachability relation over n nodes: Can(from, to) says whether
// a message from -> to gets through. A node always reaches itself.
//
// It is a bit matrix, row = sender, each row padded to whole words so that
// bits past n stay 0 and Equal can compare words: 128 KiB at 1,000 nodes,
// where a bool per pair would take a megabyte per partition a run holds.
type Reach struct {
	n     int
	words int      // per row
	bits  []uint64 // n rows of words
}

func newReach(n int) Reach {
	words := (n + 63) / 64
	return Reach{n: n, words: words, bits: make([]uint64, n*words)}
}

// Full returns the relation in which every node reaches every other.
func Full(n int) Reach {
	r := newReach(n)
	if n == 0 {
		return r
	}
	for i := range r.bits {
		r.bits[i] = ^uint64(0)
	}
	tail := ^uint64(0) >> ((64 - n%64) % 64) // the last word's bits below n
	for from := range n {
		r.bits[(from+1)*r.words-1] = tail
	}
	return r
}

// None returns the relation in which no node reaches another.
func None(n int) Reach {
	r := newReach(n)
	for i := range n {
		r.put(i, i, true)
	}
	return r
}

// Len returns the number of nodes.
func (r Reach) Len() int { return r.n }

// Can reports whether from reaches to.
func (r Reach) Can(from, to int) bool {
	return r.bits[from*r.words+to>>6]&(1<<(to&63)) != 0
}

// Set allows or blocks from -> to. A node cannot be cut from itself.
func (r *Reach) Set(from, to int, ok bool) {
	if from == to {
		return
	}
	r.put(from, to, ok)
}

func (r *Reach) put(from, to int, ok bool) {
	if to < 0 || to >= r.n {
		panic(fmt.Sprintf("network: node %d outside a relation over %d nodes", to, r.n))
	}
	w, bit := &r.bits[from*r.words+to>>6], uint64(1)<<(to&63)
	if ok {
		*w |= bit
	} else {
		*w &^= bit
	}
}

// Link sets both directions between a and b.
func (r *Reach) Link(a, b int, ok bool) {
	r.Set(a, b, ok)
	r.Set(b, a, ok)
}

// Clone returns an independent copy.
func (r Reach) Clone() Reach {
	return Reach{n: r.n, words: r.words, bits: slices.Clone(r.bits)}
}

// Equal reports whether two relations are the same.
func (r Reach) Equal(o Reach) bool { return r.n == o.n && slices.Equal(r.bits, o.bits) }

// Sees returns, in order, the nodes that node can exchange messages with in
// both directions, itself included.
func (r Reach) Sees(node int) []int {
	var out []int
	for other := range r.n {
		if r.Can(node, other) && r.Can(other, node) {
			out = append(out, other)
		}
	}
	return out
}

// Symmetric reports whether every link is open both ways or neither.
func (r Reach) Symmetric() bool {
	for a := range r.n {
		for b := range a {
			if r.Can(a, b) != r.Can(b, a) {
				return false
			}
		}
	}
	return true
}

// String draws the relation as rows of 1s and 0s, for test failures.
func (r Reach) String() string {
	var b strings.Builder
	for from := range r.n {
		for to := range r.n {
			b.WriteByte("01"[boolIndex(r.Can(from, to))])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Place gives node the same connectivity as like: it reaches and is reached
// by exactly the nodes like is, and the two reach each other. This is how a
// service node (the resource, a coordinator) is put on one side of a shape.
func (r *Reach) Place(node, like int) {
	for other := range r.n {
		if other == node {
			continue
		}
		r.Set(node, other, r.Can(like, other))
		r.Set(other, node, r.Can(other, like))
	}
	r.Link(node, like, true)
}

// Groups returns the relation in which nodes of different groups cannot
// reach each other and nodes of one group can. A node in no group is outside
// the partition: it reaches, and is reached by, everyone.
func Groups(n int, groups [][]int) Reach {
	group := make([]int, n)
	for i := range group {
		group[i] = -1
	}
	for g, members := range groups {
		for _, m := range members {
			group[m] = g
		}
	}
	r := Full(n)
	for a := range n {
		for b := range n {
			if group[a] >= 0 && group[b] >= 0 && group[a] != group[b] {
				r.Set(a, b, false)
			}
		}
	}
	return r
}

// Isolate cuts node off from every other node, both ways.
func Isolate(n, node int) Reach {
	r := Full(n)
	for other := range n {
		r.Link(node, other, false)
	}
	return r
}

// Halves splits order into two groups, the smaller half first, as Jepsen's
// bisect does: [n1 n2] [n3 n4 n5].
func Halves(order []int) [][]int {
	k := len(order) / 2
	return [][]int{slices.Clone(order[:k]), slices.Clone(order[k:])}
}

// MajoritiesRing lays order out on a ring and lets each node exchange
// messages with the nodes within distance k of it, k being the smallest with
// 2k+1 at least a majority. Every node then sees a majority of order (itself
// included), links are symmetric, and since a window of 2k+1 < len(order)
// nodes is determined by its centre, no two nodes see the same majority.
// Needs at least 4 nodes; nodes not in order are untouched.
func MajoritiesRing(n int, order []int) (Reach, error) {
	size := len(order)
	if size < 4 {
		return Reach{}, fmt.Errorf("majorities-ring needs at least 4 nodes, got %d", size)
	}
	majority := size/2 + 1
	k := majority / 2 // smallest k with 2k+1 >= majority
	r := Full(n)
	for i, a := range order {
		for j, b := range order {
			if ringDistance(i, j, size) > k {
				r.Set(a, b, false)
			}
		}
	}
	return r, nil
}

func ringDistance(i, j, size int) int {
	d := i - j
	if d < 0 {
		d = -d
	}
	return min(d, size-d)
}

// Bridge splits order into two halves and a bridge node between them that
// reaches both, as Jepsen's bridge nemesis: for n1..n5 the halves are [n1 n2]
// and [n4 n5] and n3 is the bridge. It returns the relation and the bridge.
// Needs at least 3 nodes; nodes not in order are untouched.
func Bridge(n int, order []int) (Reach, int, error) {
	if len(order) < 3 {
		return Reach{}, 0, fmt.Errorf("bridge needs at least 3 nodes, got %d", len(order))
	}
	k := (len(order) - 1) / 2
	left, bridge, right := order[:k], order[k], order[k+1:]
	r := Full(n)
	for _, a := range left {
		for _, b := range right {
			r.Link(a, b, false)
		}
	}
	return r, bridge, nil
}
