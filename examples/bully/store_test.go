package bully_test

import (
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// storeCluster is the bully cluster with its leaders' acts written to a
// replicated store (scenario store:) of the given merge rule, and
// no-lost-writes expected: what a split brain of this protocol costs in
// data, measured from outside electsim's module.
func storeCluster(merge string) *sim.Scenario {
	base := cluster(nil)
	base.Store = &sim.StoreSpec{Merge: merge}
	base.Clocks = sim.Clocks{RandomOffset: 200 * time.Millisecond, RandomDriftPPM: 100}
	base.Expect.Properties = append(base.Expect.Properties, properties.NoLostWrites)
	return base
}

// TestBullyWithVectorStoreLosesNoWrite: under partitions, crashes and
// pauses the bully's split brains make concurrent writes, and version
// vectors keep every acknowledged one.
func TestBullyWithVectorStoreLosesNoWrite(t *testing.T) {
	base := storeCluster("vector")
	opts := own
	opts.Space, opts.Checks = faults, 100
	properties.Check(t, base, protocoltest.Build(t, base), opts)
}

// TestBullyWithLWWStoreLosesWrites: the same with last-write-wins on
// clocks up to 200ms apart loses acknowledged writes, and needs no fault
// to: the bully's first election hands the lead from a lower node to a
// higher one, and a new leader whose clock is behind writes under older
// timestamps than its predecessor's last writes, which beat them. The
// search shrinks to that, and the metrics put the loss on clock skew.
func TestBullyWithLWWStoreLosesWrites(t *testing.T) {
	base := storeCluster("lww")
	opts := own
	opts.Space, opts.Checks = faults, 2000
	found := properties.Hunt(t, base, protocoltest.Build(t, base), opts)
	protocoltest.RequireShrunk(t, found, "an acknowledged write lost", 3)
	if found.Violated[0] != properties.NoLostWrites {
		t.Fatalf("the search broke %v first; want %s", found.Violated, properties.NoLostWrites)
	}
	if st := found.Report.Metrics.Store; st == nil || st.WritesLostToSkew == 0 || st.WritesLost > st.WritesAcked {
		t.Fatalf("store metrics %+v of the counterexample; want acknowledged writes lost to clock skew", st)
	}
}
