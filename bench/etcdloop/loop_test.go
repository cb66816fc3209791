package etcdloop

import (
	"fmt"
	"testing"
	"time"
)

// TestTheClusterElectsAndCommits: the loop is a working Raft cluster, at
// the budget's five nodes and at 64: over a minute a leader commits about
// one act per 100 ms, and every node applies them.
func TestTheClusterElectsAndCommits(t *testing.T) {
	for _, nodes := range []int{5, 64} {
		t.Run(fmt.Sprintf("nodes=%d", nodes), func(t *testing.T) {
			l := New(nodes, time.Minute, 1)
			l.Run()
			if l.Nodes() != nodes {
				t.Fatalf("a cluster of %d has %d nodes", nodes, l.Nodes())
			}
			for i := range nodes {
				if got := l.CommittedOn(i); got < 500 || got > 700 {
					t.Fatalf("node %d applied %d entries in a minute, want about 600 (one per 100ms after the election)", i+1, got)
				}
			}
		})
	}
}

// BenchmarkEtcdRaftFiveNodes runs an hour of true time per op, as
// electsim's Raft benchmark does, and reports simulated seconds per wall
// second.
func BenchmarkEtcdRaftFiveNodes(b *testing.B) {
	b.ReportAllocs()
	var events int64
	for i := 0; b.Loop(); i++ {
		l := New(5, time.Hour, uint64(i))
		l.Run()
		events += l.Events
	}
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*time.Hour.Seconds()/elapsed, "sim-s/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}

// scaleSizes are the clusters BenchmarkEtcdRaftScale measures: those of
// electsim's BenchmarkRaftScale (protocols/raft) but a thousand, which
// takes the loop about 320 s of wall time per simulated minute (and 144 GB
// of allocation): etcd's leader sorts every voter's match index on each
// append response (quorum.MajorityConfig.CommittedIndex), so an act costs
// it O(n^2 log n).
var scaleSizes = []int{5, 64, 250}

// BenchmarkEtcdRaftScale runs a minute of true time per op at each of
// electsim's BenchmarkRaftScale sizes and reports simulated seconds per
// wall second (as BenchmarkEtcdRaftFiveNodes), the loop's events per op
// and the messages sent per simulated second.
func BenchmarkEtcdRaftScale(b *testing.B) {
	for _, nodes := range scaleSizes {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			b.ReportAllocs()
			var events, sent int64
			for i := 0; b.Loop(); i++ {
				l := New(nodes, time.Minute, uint64(i))
				l.Run()
				events += l.Events
				sent += l.Sent
			}
			elapsed := b.Elapsed().Seconds()
			b.ReportMetric(float64(b.N)*time.Minute.Seconds()/elapsed, "sim-s/s")
			b.ReportMetric(float64(events)/float64(b.N), "events/op")
			b.ReportMetric(float64(sent)/float64(b.N)/time.Minute.Seconds(), "msgs/sim-s")
		})
	}
}
