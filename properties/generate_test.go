package properties_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// TestScenariosDrawRoleTargets: with roles among the targets, the drawn
// schedules aim at them (crash, pause, skew and isolate the leader; restart
// the crashed node; place the leader in a shape), and every drawn scenario
// is valid.
func TestScenariosDrawRoleTargets(t *testing.T) {
	base := &sim.Scenario{Name: "roles", Nodes: 5, Duration: 20 * time.Second, Protocol: sim.ProtocolSpec{Name: "any"}}
	space := properties.FaultSpace{
		Kinds:   []string{properties.FaultCrash, properties.FaultRestart, properties.FaultPause, properties.FaultPartition, properties.FaultDrift},
		Targets: []string{sim.RoleLeader, sim.RoleFollower, "n2"},
		Shapes:  []string{sim.ShapeIsolate, sim.ShapeHalves, sim.ShapeBridge},
	}
	seen := map[string]bool{}
	gen := properties.Scenarios(base, space)
	// Examples with fixed seeds: the coverage below must not depend on
	// rapid's seed or on -short.
	for i := range 300 {
		scn := gen.Example(i)
		if err := scn.Clone().Validate(nil); err != nil {
			t.Fatalf("a drawn scenario is invalid: %v", err)
		}
		for _, f := range scn.Faults {
			text := f.String()
			for _, want := range []string{"crash leader", "crash follower", "pause follower", "restart crashed", "isolate leader", "the leader on the minority side", "the leader at the bridge"} {
				if strings.Contains(text, want) {
					seen[want] = true
				}
			}
			if f.Restart != "" && f.Restart != sim.RoleCrashed && f.Restart != "n2" {
				t.Fatalf("restart of %q: a role restarts the crashed node", f.Restart)
			}
		}
	}
	for _, want := range []string{"crash leader", "crash follower", "pause follower", "restart crashed", "isolate leader", "the leader on the minority side", "the leader at the bridge"} {
		if !seen[want] {
			t.Errorf("no drawn schedule had %q", want)
		}
	}
}
