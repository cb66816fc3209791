package etcdloop

import (
	"testing"
	"time"
)

// TestTheClusterElectsAndCommits: the loop is a working Raft cluster: over
// a minute one leader commits about one act per 100 ms on every node.
func TestTheClusterElectsAndCommits(t *testing.T) {
	l := New(time.Minute, 1)
	l.Run()
	perNode := l.Committed / Nodes
	if perNode < 500 || perNode > 700 {
		t.Fatalf("each node applied %d entries in a minute, want about 600 (one per 100ms after the election)", perNode)
	}
}

// BenchmarkEtcdRaftFiveNodes runs an hour of true time per op, as
// electsim's Raft benchmark does, and reports simulated seconds per wall
// second.
func BenchmarkEtcdRaftFiveNodes(b *testing.B) {
	b.ReportAllocs()
	var events int64
	for i := 0; b.Loop(); i++ {
		l := New(time.Hour, uint64(i))
		l.Run()
		events += l.Events
	}
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*time.Hour.Seconds()/elapsed, "sim-s/s")
	b.ReportMetric(float64(events)/float64(b.N), "events/op")
}
