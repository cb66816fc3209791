package network_test

import (
	"fmt"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/network"
)

// maxSize is the largest cluster the shape properties are drawn at: 200,
// well past one word of a relation's row; 70 under -short.
func maxSize() int {
	if testing.Short() {
		return 70
	}
	return 200
}

// drawSize draws a cluster size from least to maxSize, with the sizes
// around word boundaries (63, 64, 65, 128) and the largest as likely as
// any other: rapid's draws favour small numbers.
func drawSize(t *rapid.T, least int) int {
	edges := []int{63, 64, 65, 128, maxSize()}
	return rapid.OneOf(rapid.IntRange(least, maxSize()), rapid.SampledFrom(edges)).Draw(t, "size")
}

// model is a relation as a plain matrix, to check Reach's bit matrix by.
type model [][]bool

func modelOf(r network.Reach) model {
	m := make(model, r.Len())
	for from := range m {
		m[from] = make([]bool, r.Len())
		for to := range m[from] {
			m[from][to] = r.Can(from, to)
		}
	}
	return m
}

// TestReachIsItsMatrix applies drawn Set, Link and Place operations to a
// Reach (Full or None) and to a plain matrix: they agree on every pair, a
// clone is equal and independent, and the relation is Full once every pair
// is set.
func TestReachIsItsMatrix(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := drawSize(t, 1)
		r := network.Full(n)
		if rapid.Bool().Draw(t, "from none") {
			r = network.None(n)
		}
		want := modelOf(r)
		node := rapid.IntRange(0, n-1)
		for range rapid.IntRange(0, 30).Draw(t, "ops") {
			a, b, ok := node.Draw(t, "a"), node.Draw(t, "b"), rapid.Bool().Draw(t, "ok")
			switch rapid.IntRange(0, 2).Draw(t, "op") {
			case 0:
				r.Set(a, b, ok)
				want[a][b] = want[a][b] && a == b || ok
			case 1:
				r.Link(a, b, ok)
				want[a][b], want[b][a] = ok || a == b, ok || a == b
			case 2:
				if a != b {
					r.Place(a, b)
					want.place(a, b)
				}
			}
		}
		if got := modelOf(r); !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("Reach disagrees with its matrix over %d nodes", n)
		}
		clone := r.Clone()
		clone.Set(0, n-1, !clone.Can(0, n-1))
		if !r.Equal(r.Clone()) || (n > 1 && r.Equal(clone)) || !slices.EqualFunc(modelOf(r), want, slices.Equal) {
			t.Fatalf("a clone over %d nodes is not equal, or not independent", n)
		}
		for a := range n {
			for b := range n {
				r.Set(a, b, true)
			}
		}
		if !r.Equal(network.Full(n)) {
			t.Fatalf("every pair set, yet not Full over %d nodes", n)
		}
	})
}

// place is Reach.Place on the matrix: node takes like's rows and columns.
func (m model) place(node, like int) {
	for other := range m {
		if other != node {
			m[node][other], m[other][node] = m[like][other], m[other][like]
		}
	}
	m[node][like], m[like][node] = true, true
}

// TestShapesKeepTheirSidesAtScale draws the partition shapes over a
// shuffled order of up to maxSize participants, with two service nodes
// outside the order: isolate cuts one node off both ways and nothing else;
// halves (and random-halves, halves of a drawn order) makes two sides of
// floor and ceiling half, whole inside and cut both ways between; nodes
// outside the order reach everyone.
func TestShapesKeepTheirSidesAtScale(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := drawSize(t, 2)
		n := size + 2 // two services, outside the order
		order := shuffledOrder(t, size)
		lone := rapid.SampledFrom(order).Draw(t, "isolated")
		isolated := network.Isolate(n, lone)
		checkSides(t, "isolate", isolated, n, func(a, b int) bool { return (a == lone) == (b == lone) })

		halves := network.Halves(order)
		if len(halves[0]) != size/2 || len(halves[1]) != size-size/2 {
			t.Fatalf("halves of %d: sides of %d and %d", size, len(halves[0]), len(halves[1]))
		}
		side := make([]int, n) // 0: outside the order
		for i, h := range halves {
			for _, node := range h {
				side[node] = i + 1
			}
		}
		sameSide := func(a, b int) bool { return side[a] == 0 || side[b] == 0 || side[a] == side[b] }
		checkSides(t, "halves", network.Groups(n, halves), n, sameSide)
	})
}

// checkSides fails unless r is symmetric and a reaches b exactly when
// linked says so.
func checkSides(t *rapid.T, shape string, r network.Reach, n int, linked func(a, b int) bool) {
	for a := range n {
		for b := range n {
			if r.Can(a, b) != linked(a, b) {
				t.Fatalf("%s over %d nodes: %d -> %d reachable = %v", shape, n, a, b, r.Can(a, b))
			}
		}
	}
}

// TestMajoritiesRingAmongServices: with nodes outside the order (the
// resource, a coordinator), every node of the order still sees a majority
// of the order, and no two the same one.
func TestMajoritiesRingAmongServices(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := drawSize(t, 4)
		n := size + 2
		order := shuffledOrder(t, size)
		r, err := network.MajoritiesRing(n, order)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]int{}
		for _, node := range order {
			view := slices.DeleteFunc(r.Sees(node), func(other int) bool { return other >= size })
			if len(view) <= size/2 {
				t.Fatalf("node %d sees %d of %d", node, len(view), size)
			}
			key := fmt.Sprint(view)
			if other, dup := seen[key]; dup {
				t.Fatalf("nodes %d and %d see the same majority of %d", other, node, size)
			}
			seen[key] = node
		}
		for service := size; service < n; service++ {
			if len(r.Sees(service)) != n {
				t.Fatalf("service %d, outside the ring, does not see everyone", service)
			}
		}
	})
}

// TestLinksMadeLateDrawAsIfMadeEarly: a link's state is made on its first
// use, so the order links are first used in must not matter. One network
// meets the drawn sends fresh; the other has every link made first, in
// reverse order; every message meets the same fate in both.
func TestLinksMadeLateDrawAsIfMadeEarly(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 40).Draw(t, "n")
		def := drawLink(t)
		late, early := network.New(n, def, streams(7)), network.New(n, def, streams(7))
		for p := n*n - 1; p >= 0; p-- {
			early.SetLink(p/n, p%n, early.Link(p/n, p%n))
		}
		node := rapid.IntRange(0, n-1)
		used := map[[2]int]bool{}
		for i := range rapid.IntRange(1, 60).Draw(t, "sends") {
			from, to := node.Draw(t, "from"), node.Draw(t, "to")
			used[[2]int{from, to}] = true
			now := int64(i) * 1000
			if a, b := late.Transmit(from, to, now), early.Transmit(from, to, now); a != b {
				t.Fatalf("send %d on %d->%d: %+v made late, %+v made early", i, from, to, a, b)
			}
		}
		if late.LinksInUse() != len(used) || early.LinksInUse() != n*n {
			t.Fatalf("links in use: %d late (want %d), %d early (want %d)", late.LinksInUse(), len(used), early.LinksInUse(), n*n)
		}
	})
}

// BenchmarkNetworkThousand builds the network of a thousand nodes (and
// two services) and sends one message each way between a leader and every
// follower: B/op is what a run's network costs when only the leader talks.
func BenchmarkNetworkThousand(b *testing.B) {
	b.ReportAllocs()
	const n = 1002
	for b.Loop() {
		net := network.New(n, network.Link{Latency: network.Constant(0)}, streams(1))
		for follower := 1; follower < n; follower++ {
			net.Transmit(0, follower, 0)
			net.Transmit(follower, 0, 0)
		}
		net.SetReach(network.Isolate(n, 0))
	}
}
