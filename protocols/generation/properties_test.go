package generation_test

import (
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// build makes the protocol from the scenario's own protocol block, so that
// a saved counterexample replays with the same configuration.
func build(t *testing.T, scn *sim.Scenario) sim.Protocol {
	t.Helper()
	p, _, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// everyFault is the whole fault space a generation clock meets.
var everyFault = properties.FaultSpace{
	Kinds:    []string{properties.FaultPartition, properties.FaultHeal, properties.FaultCrash, properties.FaultRestart, properties.FaultPause, properties.FaultCut, properties.FaultClockStep, properties.FaultDrift, properties.FaultLink},
	PauseMax: 5 * time.Second,
}

// TestAtMostOneLeaderPerGeneration: with the generation persisted before
// every promise, no fault schedule gives a generation two leaders, by acts
// or by beliefs.
func TestAtMostOneLeaderPerGeneration(t *testing.T) {
	base := scenario(5, 20*time.Second)
	base.Expect.Properties = []string{properties.SingleLeader, properties.SingleBelief}
	properties.Check(t, base, build(t, base), properties.Options{Space: everyFault, Checks: 500})
}

// TestGenerationKeptInMemoryIsCaught: with persist: false a crash and
// restart lets a voter promise one generation twice. The search finds two
// leaders in one generation and shrinks the schedule to at most 3 faults.
func TestGenerationKeptInMemoryIsCaught(t *testing.T) {
	base := scenario(3, 5*time.Second)
	base.Protocol.Params = map[string]any{"persist": false}
	base.Expect.Properties = []string{properties.SingleLeader}
	found := properties.Hunt(t, base, build(t, base), properties.Options{
		Space: properties.FaultSpace{
			Kinds:        []string{properties.FaultPartition, properties.FaultCrash},
			RestartAfter: time.Second,
		},
		Checks: 20000,
	})
	if found == nil {
		t.Fatal("no generation with two leaders found with persist: false")
	}
	if n := len(found.Scenario.Faults); n > 3 {
		t.Fatalf("shrunk to %d faults, want at most 3: %v", n, found.Scenario.Faults)
	}
	t.Logf("shrunk to %d faults: %v", len(found.Scenario.Faults), found.Scenario.Faults)
}
