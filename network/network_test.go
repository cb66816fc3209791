package network_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/network"
)

func streams(seed uint64) func(from, to int) *rand.Rand {
	return func(from, to int) *rand.Rand {
		return rand.New(rand.NewPCG(seed, uint64(from)<<32|uint64(to)))
	}
}

func drawLatency(t *rapid.T) network.Latency {
	ms := func(label string, lo, hi int64) time.Duration {
		return time.Duration(rapid.Int64Range(lo, hi).Draw(t, label)) * time.Millisecond
	}
	switch rapid.SampledFrom(network.Dists).Draw(t, "dist") {
	case "constant":
		return network.Constant(ms("value", 0, 50))
	case "uniform":
		lo := ms("min", 0, 20)
		return network.Uniform(lo, lo+ms("width", 0, 30))
	case "normal":
		return network.Latency{Dist: "normal", Mean: ms("mean", 0, 20), Stddev: ms("stddev", 0, 20)}
	case "exponential":
		return network.Latency{Dist: "exponential", Mean: ms("mean", 1, 20), Min: ms("min", 0, 5)}
	case "lognormal":
		return network.Latency{Dist: "lognormal", Median: ms("median", 1, 20), Sigma: rapid.Float64Range(0.1, 2).Draw(t, "sigma")}
	default:
		return network.Latency{Dist: "pareto", Min: ms("min", 1, 10), Alpha: rapid.Float64Range(0.5, 4).Draw(t, "alpha"), Max: ms("max", 10, 1000)}
	}
}

func drawLink(t *rapid.T) network.Link {
	return network.Link{
		Latency:   drawLatency(t),
		Loss:      rapid.SampledFrom([]float64{0, 0.1, 0.5, 1}).Draw(t, "loss"),
		Duplicate: rapid.SampledFrom([]float64{0, 0.2, 1}).Draw(t, "duplicate"),
		Reorder:   rapid.Bool().Draw(t, "reorder"),
	}
}

func TestGeneratedLinksAreValid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		if err := drawLink(t).Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLatencySamplesStayInRange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := drawLatency(t)
		r := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "seed"), 0))
		for range 200 {
			d := l.Sample(r)
			if d < 0 {
				t.Fatalf("%+v sampled a negative latency %v", l, d)
			}
			if l.Dist != "normal" && d < l.Min {
				t.Fatalf("%+v sampled %v below its min", l, d)
			}
			if l.Max > 0 && d > l.Max {
				t.Fatalf("%+v sampled %v above its max", l, d)
			}
		}
	})
}

func TestLossZeroLosesNothing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := drawLink(t)
		l.Loss = 0
		net := network.New(2, l, streams(rapid.Uint64().Draw(t, "seed")))
		for i := range 500 {
			if d := net.Transmit(0, 1, int64(i)*int64(time.Millisecond)); d.Copies == 0 {
				t.Fatalf("message %d lost on a link with loss 0", i)
			}
		}
	})
}

func TestLossOneLosesEverything(t *testing.T) {
	net := network.New(2, network.Link{Latency: network.Constant(time.Millisecond), Loss: 1, Duplicate: 1}, streams(1))
	for i := range 500 {
		if d := net.Transmit(0, 1, int64(i)); d.Copies != 0 {
			t.Fatalf("message %d got through a link with loss 1", i)
		}
	}
}

func TestFIFOLinksKeepOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := drawLink(t)
		l.Reorder = false
		net := network.New(2, l, streams(rapid.Uint64().Draw(t, "seed")))
		now, last := int64(0), int64(-1)
		for range 300 {
			now += rapid.Int64Range(0, int64(5*time.Millisecond)).Draw(t, "gap")
			d := net.Transmit(0, 1, now)
			for _, at := range d.At[:d.Copies] {
				if at < last {
					t.Fatalf("a message sent at %d arrives at %d, before an earlier one's %d", now, at, last)
				}
				if at < now {
					t.Fatalf("a message sent at %d arrives in the past, at %d", now, at)
				}
				last = at
			}
		}
	})
}

func TestReorderingLinksCanReorder(t *testing.T) {
	// The positive space of the FIFO test: the same kind of link with
	// reordering on does reorder, so the FIFO test is not passing by luck.
	net := network.New(2, network.Link{Latency: network.Uniform(0, 50*time.Millisecond), Reorder: true}, streams(7))
	last := int64(-1)
	for i := range 100 {
		d := net.Transmit(0, 1, int64(i)*int64(time.Millisecond))
		if d.At[0] < last {
			return
		}
		last = d.At[0]
	}
	t.Fatal("100 messages on a reordering link with 0..50 ms latency arrived in order")
}

func TestLinksHaveIndependentStreams(t *testing.T) {
	// Traffic on one link must not change another link's fate.
	l := network.Link{Latency: network.Uniform(0, time.Second), Loss: 0.3}
	quiet, busy := network.New(3, l, streams(3)), network.New(3, l, streams(3))
	for i := range 100 {
		busy.Transmit(0, 2, int64(i))
	}
	for i := range 100 {
		if a, b := quiet.Transmit(0, 1, int64(i)), busy.Transmit(0, 1, int64(i)); a != b {
			t.Fatalf("message %d on 0->1: %+v without traffic on 0->2, %+v with it", i, a, b)
		}
	}
}

func TestCutIsOneWay(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 10).Draw(t, "n")
		net := network.New(n, network.Link{Latency: network.Constant(0)}, streams(0))
		from := rapid.SliceOfNDistinct(rapid.IntRange(0, n-1), 1, n, rapid.ID).Draw(t, "from")
		to := rapid.SliceOfNDistinct(rapid.IntRange(0, n-1), 1, n, rapid.ID).Draw(t, "to")
		net.Cut(from, to)
		for a := range n {
			for b := range n {
				want := a == b || !(slices.Contains(from, a) && slices.Contains(to, b))
				if net.Reachable(a, b) != want {
					t.Fatalf("after cutting %v -> %v, %d -> %d reachable = %v", from, to, a, b, !want)
				}
			}
		}
		net.Heal()
		if !net.Reach().Equal(network.Full(n)) {
			t.Fatalf("heal left\n%v", net.Reach())
		}
	})
}

func TestGroupsSeparateAndSparesTheUngrouped(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 12).Draw(t, "n")
		group := rapid.SliceOfN(rapid.IntRange(-1, 3), n, n).Draw(t, "group") // -1: in no group
		groups := make([][]int, 4)
		for node, g := range group {
			if g >= 0 {
				groups[g] = append(groups[g], node)
			}
		}
		r := network.Groups(n, groups)
		for a := range n {
			for b := range n {
				want := group[a] < 0 || group[b] < 0 || group[a] == group[b]
				if r.Can(a, b) != want {
					t.Fatalf("groups %v: %d -> %d reachable = %v", groups, a, b, r.Can(a, b))
				}
			}
		}
	})
}

func TestIsolate(t *testing.T) {
	r := network.Isolate(4, 2)
	for other := range 4 {
		if other != 2 && (r.Can(2, other) || r.Can(other, 2)) {
			t.Fatalf("isolated node 2 still linked to %d:\n%v", other, r)
		}
	}
	if !r.Can(0, 3) || !r.Can(3, 1) {
		t.Fatalf("isolating node 2 cut other links:\n%v", r)
	}
}

func TestHalvesPutsTheSmallerHalfFirst(t *testing.T) {
	got := network.Halves([]int{0, 1, 2, 3, 4})
	if want := [][]int{{0, 1}, {2, 3, 4}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("Halves = %v, want %v", got, want)
	}
}

func shuffledOrder(t *rapid.T, size int) []int {
	return rapid.Permutation(iota(size)).Draw(t, "order")
}

func iota(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestMajoritiesRing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := drawSize(t, 4)
		order := shuffledOrder(t, size)
		r, err := network.MajoritiesRing(size, order)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Symmetric() {
			t.Fatalf("majorities-ring is not symmetric:\n%v", r)
		}
		seen := map[string]int{}
		for node := range size {
			view := r.Sees(node)
			if len(view) <= size/2 {
				t.Fatalf("node %d sees only %v, not a majority of %d:\n%v", node, view, size, r)
			}
			key := slices.Concat(view)
			if other, dup := seen[fmtInts(key)]; dup {
				t.Fatalf("nodes %d and %d see the same majority %v:\n%v", other, node, view, r)
			}
			seen[fmtInts(key)] = node
		}
	})
}

func fmtInts(xs []int) string { return fmt.Sprint(xs) }

func TestMajoritiesRingNeedsFourNodes(t *testing.T) {
	if _, err := network.MajoritiesRing(3, []int{0, 1, 2}); err == nil {
		t.Fatal("majorities-ring over 3 nodes: no error")
	}
}

func TestBridge(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		size := drawSize(t, 3)
		order := shuffledOrder(t, size)
		r, bridge, err := network.Bridge(size, order)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Symmetric() {
			t.Fatalf("bridge is not symmetric:\n%v", r)
		}
		if got := r.Sees(bridge); len(got) != size {
			t.Fatalf("bridge node %d sees only %v:\n%v", bridge, got, r)
		}
		// Everyone else sees a strict subset, and the two sides do not meet.
		var sides [][]int
		for node := range size {
			if node == bridge {
				continue
			}
			view := r.Sees(node)
			if !slices.Contains(view, bridge) || len(view) == size {
				t.Fatalf("node %d sees %v: should see the bridge %d and not everyone:\n%v", node, view, bridge, r)
			}
			if !slices.ContainsFunc(sides, func(s []int) bool { return slices.Equal(s, view) }) {
				sides = append(sides, view)
			}
		}
		if len(sides) != 2 {
			t.Fatalf("bridge has %d sides %v, want 2:\n%v", len(sides), sides, r)
		}
		if size%2 == 1 && len(sides[0]) != len(sides[1]) {
			t.Fatalf("odd bridge has uneven sides %v", sides)
		}
	})
}

func TestBridgeNeedsThreeNodes(t *testing.T) {
	if _, _, err := network.Bridge(2, []int{0, 1}); err == nil {
		t.Fatal("bridge over 2 nodes: no error")
	}
}

func TestPlaceCopiesConnectivity(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(3, 10).Draw(t, "n")
		r := network.None(n)
		for a := range n {
			for b := range n {
				r.Set(a, b, rapid.Bool().Draw(t, "link"))
			}
		}
		node := rapid.IntRange(0, n-1).Draw(t, "node")
		like := rapid.IntRange(0, n-1).Filter(func(x int) bool { return x != node }).Draw(t, "like")
		r.Place(node, like)
		for other := range n {
			if other == node || other == like {
				continue
			}
			if r.Can(node, other) != r.Can(like, other) || r.Can(other, node) != r.Can(other, like) {
				t.Fatalf("placed %d like %d, but they differ towards %d:\n%v", node, like, other, r)
			}
		}
		if !r.Can(node, like) || !r.Can(like, node) {
			t.Fatalf("placed %d with %d but they cannot talk:\n%v", node, like, r)
		}
	})
}

func TestLatencyValidation(t *testing.T) {
	for _, tc := range []struct {
		l     network.Latency
		field string
	}{
		{network.Latency{}, "dist"},
		{network.Latency{Dist: "gaussian"}, "dist"},
		{network.Constant(-time.Millisecond), "value"},
		{network.Uniform(5*time.Millisecond, time.Millisecond), "max"},
		{network.Latency{Dist: "uniform", Min: 1, Max: 2, Mean: 3}, "mean"},
		{network.Latency{Dist: "exponential"}, "mean"},
		{network.Latency{Dist: "lognormal", Median: time.Millisecond}, "sigma"},
		{network.Latency{Dist: "pareto", Min: time.Millisecond, Alpha: -1}, "alpha"},
		{network.Latency{Dist: "normal", Mean: 10, Stddev: 1, Max: -1}, "max"},
	} {
		err := tc.l.Validate()
		fe, ok := err.(*network.FieldError)
		if !ok || fe.Field != tc.field {
			t.Errorf("%+v: error %v, want one about field %q", tc.l, err, tc.field)
		}
	}
}

func TestLinkValidation(t *testing.T) {
	for _, tc := range []struct {
		l     network.Link
		field string
	}{
		{network.Link{Latency: network.Constant(0), Loss: 2}, "loss"},
		{network.Link{Latency: network.Constant(0), Loss: -0.1}, "loss"},
		{network.Link{Latency: network.Constant(0), Duplicate: 1.5}, "duplicate"},
		{network.Link{Latency: network.Latency{Dist: "uniform", Min: 2, Max: 1}}, "latency.max"},
	} {
		err := tc.l.Validate()
		fe, ok := err.(*network.FieldError)
		if !ok || fe.Field != tc.field {
			t.Errorf("%+v: error %v, want one about field %q", tc.l, err, tc.field)
		}
	}
}
