package generation_test

import (
	"testing"
	"time"

	"github.com/electsim/electsim/protocols/generation"
	"github.com/electsim/electsim/sim"
)

// TestLargeClusterCountsEveryPromise: a candidate needs promises from a
// majority, and above 64 nodes most of them come from IDs past one word.
// A thousand nodes elect a leader, keep it, and elect another when it
// crashes; every property holds. -short runs 200.
func TestLargeClusterCountsEveryPromise(t *testing.T) {
	nodes := 1000
	if testing.Short() {
		nodes = 200
	}
	scn := scenario(nodes, 20*time.Second, sim.Fault{At: sim.Fixed(10 * time.Second), Crash: sim.RoleLeader})
	rep, leads := run(t, scn, generation.New(generation.DefaultConfig()), 1)
	allHold(t, rep)
	if len(leads) < 2 || leads[0].at > sim.Time(5*time.Second) || leads[len(leads)-1].at < sim.Time(10*time.Second) {
		t.Fatalf("%d nodes: leads %v; want one by 5s and another after the crash at 10s", nodes, leads)
	}
}
