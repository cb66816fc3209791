package protocoltest

import (
	"slices"
	"strings"
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
	requireReplays(t, found, bug)
	t.Logf("%s: found after %d cases in %v, shrunk in %v to %v\n(%d runs in all; -rapid.seed=%d searches the same way)",
		bug, found.Cases, found.FindTime.Round(time.Millisecond), found.ShrinkTime.Round(time.Millisecond), found,
		found.Runs, found.SearchSeed)
}

// requireReplays saves the counterexample as a file would hold it, reads it
// back and runs it: it must give the trace hash it recorded.
func requireReplays(t testing.TB, found *properties.Counterexample, bug string) {
	t.Helper()
	data, err := found.Scenario.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	saved, err := sim.Parse("saved.yaml", data)
	if err != nil {
		t.Fatalf("%s: the saved counterexample does not read back: %v\n%s", bug, err, data)
	}
	replayed, err := properties.Run(saved, found.Protocol(), saved.Seed)
	if err != nil || replayed.Report.TraceHash != saved.TraceHash {
		t.Fatalf("%s: the saved counterexample does not replay to its trace hash %s: %v\n%s", bug, saved.TraceHash, err, data)
	}
}

// Bench runs scn with p and every checker b.N times and reports simulated
// seconds and events per wall second: the measure of the performance
// budget (README.md, Performance).
func Bench(b *testing.B, scn *sim.Scenario, p sim.Protocol) {
	b.Helper()
	b.ReportAllocs()
	var events int64
	for i := 0; b.Loop(); i++ {
		out, err := properties.Run(scn, p, uint64(i))
		if err != nil || out.Result.Err != nil {
			b.Fatal(err, out.Result.Err)
		}
		events += out.Result.Events
	}
	elapsed := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N)*scn.Duration.Seconds()/elapsed, "sim-s/s")
	b.ReportMetric(float64(events)/elapsed, "events/s")
}

// RequireCause fails the test unless the causal story of the
// counterexample's violation (properties.Story) tells its known cause: a
// step of one of the kinds (a restart that lost a vote, a pause that
// outlived a lease, a drift beyond the bound), on a node the story
// involves. It logs the story, as replay prints it.
func RequireCause(t testing.TB, found *properties.Counterexample, cause string, kinds ...sim.Kind) {
	t.Helper()
	v := properties.ExplainedViolation(found.Report)
	if v == nil {
		t.Fatalf("the counterexample has no violation to explain (%s)", cause)
	}
	story, err := properties.Story(found.Scenario, found.Protocol(), found.Scenario.Seed, v)
	if err != nil {
		t.Fatal(err)
	}
	var told strings.Builder
	story.Write(&told)
	for i, step := range story.Steps {
		if slices.Contains(kinds, step.Event.Kind) {
			t.Logf("the causal story names %s at step %d (event #%d):\n%s", cause, i+1, step.Event.Index, told.String())
			return
		}
	}
	t.Fatalf("the causal story does not name %s (an event of kind %v):\n%s", cause, kinds, told.String())
}
