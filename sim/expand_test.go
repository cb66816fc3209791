package sim_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/electsim/electsim/sim"
)

// TestExpandedScenarioReplaysTheRun: the expanded scenario, written as YAML
// and read back, is a plain scenario (no nemesis, every random choice made)
// that replays the original run to the same trace hash with the same seed.
// This is what lets a failing run be saved and replayed without the
// generator.
func TestExpandedScenarioReplaysTheRun(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec, p := drawProtocol(t)
		scn := drawScenario(t, spec)
		seed := rapid.Uint64().Draw(t, "seed")
		s, err := sim.New(scn, p, seed)
		if err != nil {
			t.Fatal(err)
		}
		original := s.Run()
		expanded := s.Scenario()
		if expanded.Nemesis != nil {
			t.Fatal("the expanded scenario still has a nemesis")
		}
		data, err := expanded.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		saved, err := sim.Parse("saved.yaml", data)
		if err != nil {
			t.Fatalf("the saved scenario does not read back: %v\n%s", err, data)
		}
		again, err := saved.Expand(p.Services, seed)
		if err != nil {
			t.Fatalf("the saved scenario does not validate: %v\n%s", err, data)
		}
		if diff := cmp.Diff(expanded, again, cmpopts.IgnoreUnexported(sim.Scenario{}), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("expanding the saved scenario changed it (-saved +expanded again):\n%s", diff)
		}
		replay, err := sim.New(saved, p, seed)
		if err != nil {
			t.Fatal(err)
		}
		if got := replay.Run(); got.TraceHash != original.TraceHash || got.Events != original.Events {
			t.Fatalf("the saved scenario replays to hash %x over %d events, the original ran to %x over %d\n%s",
				got.TraceHash, got.Events, original.TraceHash, original.Events, data)
		}
	})
}

func TestExpandLeavesTheOriginalAlone(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec, p := drawProtocol(t)
		scn := drawScenario(t, spec)
		before := scn.Clone()
		if _, err := scn.Expand(p.Services, 1); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, scn, cmpopts.IgnoreUnexported(sim.Scenario{})); diff != "" {
			t.Fatalf("Expand changed its receiver:\n%s", diff)
		}
	})
}
