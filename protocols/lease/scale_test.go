package lease_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// TestThousandClients: a thousand clients share one coordinator; the
// first to campaign leads, stays the leader, and when it crashes the next
// key's owner is told it leads, within a TTL. -short runs 250.
func TestThousandClients(t *testing.T) {
	nodes := 1000
	if testing.Short() {
		nodes = 250
	}
	scn := cluster(nodes, 20*time.Second, nil)
	scn.Faults = []sim.Fault{{At: sim.Fixed(10 * time.Second), Crash: sim.RoleLeader}}
	rep := run(t, scn).Report
	if !rep.OK || rep.Metrics.LeaderChanges != 1 || rep.Metrics.Availability < 0.8 {
		t.Fatalf("%d clients: ok %v, %d leader changes, availability %.2f", nodes, rep.OK, rep.Metrics.LeaderChanges, rep.Metrics.Availability)
	}
}

// BenchmarkLeaseScale is BenchmarkRaftScale's measure for the lease
// protocol: every client keeps a session with the coordinator, so the
// work grows with the cluster, not with its square.
//
//	go test ./protocols/lease -run '^$' -bench LeaseScale -benchtime 3x
func BenchmarkLeaseScale(b *testing.B) {
	for _, nodes := range []int{5, 64, 250, 1000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			scn := cluster(nodes, time.Minute, map[string]any{"ttl": "10s"})
			protocoltest.Bench(b, scn, protocoltest.Build(b, scn))
		})
	}
}
