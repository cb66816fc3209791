package raft_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// scaleSizes are the clusters BenchmarkRaftScale measures: the budget's
// five, the old limit of 64, and Akka-sized clusters up to a thousand.
var scaleSizes = []int{5, 64, 250, 1000}

// scaleScenario is benchScenario's cluster, latency and clocks at the given
// size, for a minute of true time: long enough to elect, commit an act
// every 100ms and heartbeat 600 times.
func scaleScenario(nodes int) *sim.Scenario {
	scn := benchScenario(nil)
	scn.Name, scn.Nodes, scn.Duration = fmt.Sprintf("raft-scale-%d", nodes), nodes, time.Minute
	return scn
}

// BenchmarkRaftScale measures what a node costs: simulated seconds per
// wall second and events per second (as BenchmarkFiveNodes), and the
// memory a run holds at its end, per node (live-B/node: nodes, logs,
// network, queue and checkers, after a GC). B/op is what a run allocates
// in all. Run it with
//
//	go test ./protocols/raft -run '^$' -bench RaftScale -benchtime 3x
func BenchmarkRaftScale(b *testing.B) {
	for _, nodes := range scaleSizes {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			scn := scaleScenario(nodes)
			p := protocoltest.Build(b, scn)
			protocoltest.Bench(b, scn, p)
			b.ReportMetric(float64(liveBytes(b, scn, p))/float64(nodes), "live-B/node")
		})
	}
}

// etcdLoad is the etcd raft loop's configuration and load (bench/etcdloop):
// PreVote and CheckQuorum on (Raft's defaults have both off), acts
// committed, no client writes besides the acts, and etcd's commit notices,
// so that both send the same messages: a heartbeat round, an append round
// and a commit round every 100ms.
var etcdLoad = map[string]any{"prevote": true, "check_quorum": true, "commit": true, "write_every": "0s", "commit_notify": "etcd"}

// BenchmarkRaftScaleAsEtcd is BenchmarkRaftScale's cluster, a minute of
// true time, under etcdLoad: what bench/etcdloop's BenchmarkEtcdRaftScale
// runs at the same sizes, for bench/cmd/ratios to compare with.
func BenchmarkRaftScaleAsEtcd(b *testing.B) {
	for _, nodes := range []int{5, 64, 250} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			scn := scaleScenario(nodes)
			scn.Protocol.Params = etcdLoad
			protocoltest.Bench(b, scn, protocoltest.Build(b, scn))
		})
	}
}

// liveBytes runs scn once, checkers attached, and returns how much more
// heap is live at its end than before it was built.
func liveBytes(b *testing.B, scn *sim.Scenario, p sim.Protocol) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := sim.New(scn, p, 1)
	if err != nil {
		b.Fatal(err)
	}
	suite := properties.Attach(s)
	if res := s.Run(); res.Err != nil {
		b.Fatal(res.Err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	runtime.KeepAlive(suite)
	return after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc)
}

// TestThousandNodes elects a leader in a cluster of a thousand and keeps
// it: one leader, acts committed, every property held. -short skips it.
func TestThousandNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("a thousand nodes: skipped under -short")
	}
	scn := scaleScenario(1000)
	scn.Duration = 10 * time.Second
	rep := run(t, scn, 1)
	if !rep.OK || rep.Metrics.LeaderChanges != 0 || rep.Metrics.Availability < 0.5 {
		t.Fatalf("a thousand nodes: ok %v, %d leader changes, availability %.2f:\n%v", rep.OK, rep.Metrics.LeaderChanges, rep.Metrics.Availability, rep.Violated())
	}
}

// TestLeaderLeaseCountsEveryNode: the leader lease needs a quorum of a
// heartbeat round's acknowledgements, and above 64 nodes most of the
// quorum has IDs past one word. With leader_lease on, a 200-node leader
// must hold its lease and act (a one-word set counted none of them, so it
// never did).
func TestLeaderLeaseCountsEveryNode(t *testing.T) {
	scn := scaleScenario(200)
	scn.Duration = 10 * time.Second
	scn.Protocol.Params = map[string]any{"leader_lease": true, "check_quorum": true}
	rep := run(t, scn, 1)
	if !rep.OK || rep.Metrics.Availability < 0.5 {
		t.Fatalf("200 nodes under a leader lease: ok %v, availability %.2f", rep.OK, rep.Metrics.Availability)
	}
}
