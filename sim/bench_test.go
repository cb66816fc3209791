package sim_test

import (
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols/example"
	"github.com/electsim/electsim/sim"
)

// benchRun runs scn b.N times and reports events per wall second, simulated
// seconds per wall second and allocations per event.
func benchRun(b *testing.B, scn *sim.Scenario, p sim.Protocol, checkers bool) {
	b.ReportAllocs()
	var events int64
	for i := 0; b.Loop(); i++ {
		s, err := sim.New(scn, p, uint64(i))
		if err != nil {
			b.Fatal(err)
		}
		if checkers {
			properties.Attach(s)
		}
		res := s.Run()
		if res.Err != nil {
			b.Fatal(res.Err)
		}
		events += res.Events
	}
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/elapsed, "events/s")
	b.ReportMetric(float64(b.N)*scn.Duration.Seconds()/elapsed, "sim-s/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// BenchmarkEventLoop measures the kernel: five nodes pinging each other
// every millisecond with messages of no size over constant-latency links,
// no observers. Almost all the time is the event loop.
func BenchmarkEventLoop(b *testing.B) {
	scn := &sim.Scenario{
		Name: "loop", Nodes: 5, Duration: 10 * time.Second, Protocol: sim.ProtocolSpec{Name: "example/ping"},
		Network: sim.NetworkSpec{Latency: network.Constant(time.Millisecond)},
	}
	benchRun(b, scn, example.Ping(time.Millisecond), false)
}

// BenchmarkMessageHeavy5Node is a realistic message-heavy load: five nodes
// pinging every 10ms over lognormal links with 1% loss, drifting clocks, a
// pause and a partition, with every checker and metric attached.
func BenchmarkMessageHeavy5Node(b *testing.B) {
	scn := &sim.Scenario{
		Name: "heavy", Nodes: 5, Duration: 60 * time.Second, Protocol: sim.ProtocolSpec{Name: "example/ping"},
		Network: sim.NetworkSpec{Latency: network.Latency{Dist: "lognormal", Median: 2 * time.Millisecond, Sigma: 0.5, Min: 500 * time.Microsecond}, Loss: 0.01},
		Clocks:  sim.Clocks{RandomDriftPPM: 200},
		Faults: []sim.Fault{
			{At: sim.Fixed(10 * time.Second), Pause: &sim.Pause{Node: "n2", For: sim.Fixed(3 * time.Second)}},
			{At: sim.Fixed(20 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeHalves}},
			{At: sim.Fixed(30 * time.Second), Heal: true},
		},
	}
	benchRun(b, scn, example.Ping(10*time.Millisecond), true)
}

// BenchmarkBareHeapLoop is the kernel's yardstick: BenchmarkEventLoop's
// load (five nodes pinging each other every millisecond, a pong for each
// ping, 1 ms links, 10 s) as a bare binary-heap loop does it, with nothing
// but the heap: no nodes, clocks, network, trace hash or observers. The
// kernel's goal is at least half its simulated seconds per wall second
// (bench/cmd/ratios prints the ratio).
func BenchmarkBareHeapLoop(b *testing.B) {
	const nodes, every, latency, duration = 5, int64(time.Millisecond), int64(time.Millisecond), int64(10 * time.Second)
	var events int64
	for b.Loop() {
		var h bareHeap
		for n := range nodes {
			h.push(bareItem{at: every, kind: bareTimer, node: n})
		}
		for len(h.items) > 0 {
			it := h.pop()
			if it.at >= duration {
				break
			}
			events++
			switch it.kind {
			case bareTimer:
				for peer := range nodes {
					if peer != it.node {
						h.push(bareItem{at: it.at + latency, kind: barePing, node: peer, from: it.node})
					}
				}
				h.push(bareItem{at: it.at + every, kind: bareTimer, node: it.node})
			case barePing:
				h.push(bareItem{at: it.at + latency, kind: barePong, node: it.from, from: it.node})
			}
		}
	}
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(events)/elapsed, "events/s")
	b.ReportMetric(float64(b.N)*time.Duration(duration).Seconds()/elapsed, "sim-s/s")
}

const (
	bareTimer = iota
	barePing
	barePong
)

type bareItem struct {
	at         int64
	seq        uint64
	kind       uint8
	node, from int
}

type bareHeap struct {
	items []bareItem
	seq   uint64
}

func (h *bareHeap) push(it bareItem) {
	it.seq = h.seq
	h.seq++
	h.items = append(h.items, it)
	for i := len(h.items) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *bareHeap) pop() bareItem {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	for i := 0; ; {
		c := 2*i + 1
		if c >= last {
			break
		}
		if c+1 < last && h.less(c+1, c) {
			c++
		}
		if !h.less(c, i) {
			break
		}
		h.items[i], h.items[c] = h.items[c], h.items[i]
		i = c
	}
	return top
}

func (h *bareHeap) less(i, j int) bool {
	a, b := &h.items[i], &h.items[j]
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}
