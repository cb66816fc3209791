package protocoltest

import (
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// Build makes the protocol from the scenario's own protocol block through
// the registry, so that a saved counterexample replays with the same
// configuration as the test ran.
func Build(t testing.TB, scn *sim.Scenario) sim.Protocol {
	t.Helper()
	p, _, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// RequireShrunk fails the test unless a property search found a
// counterexample (the known bug was caught) with at most maxFaults faults
// after shrinking, and logs the schedule.
func RequireShrunk(t testing.TB, found *properties.Counterexample, bug string, maxFaults int) {
	t.Helper()
	if found == nil {
		t.Fatalf("the search did not find %s", bug)
	}
	faults := found.Scenario.Faults
	if len(faults) > maxFaults {
		t.Fatalf("%s shrank to %d faults, want at most %d: %v", bug, len(faults), maxFaults, faults)
	}
	t.Logf("%s: found after %d cases in %v, shrunk in %v to %d faults (seed %d): %v",
		bug, found.Cases, found.FindTime.Round(time.Millisecond), found.ShrinkTime.Round(time.Millisecond), len(faults), found.Scenario.Seed, faults)
}
