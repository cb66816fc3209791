package sim_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/sim"
)

// expandErr expands a scenario with no services and returns the one
// problem it reports.
func expandErr(t *testing.T, scn *sim.Scenario) *sim.ScenarioError {
	t.Helper()
	_, err := scn.Expand(nil, 1)
	var se *sim.ScenarioError
	if !errors.As(err, &se) {
		t.Fatalf("expanding gave %v, want a scenario error", err)
	}
	return se
}

// TestNemesisTooDenseIsRefusedBeforeDrawing: an interval of 1ns over an
// hour would draw 3.6e12 faults. It is an error at once, naming the
// interval and limits.max_faults, not minutes of drawing.
func TestNemesisTooDenseIsRefusedBeforeDrawing(t *testing.T) {
	scn := baseScenario(3, time.Hour)
	scn.Nemesis = &sim.Nemesis{Interval: time.Nanosecond}
	se := expandErr(t, scn)
	if se.Field != "nemesis.interval" || !strings.Contains(se.Msg, "limits.max_faults") || !strings.Contains(se.Msg, "3600000000000 faults") {
		t.Fatalf("got %v; want nemesis.interval, the draws it would make and limits.max_faults", se)
	}
	// A raised limit lets a denser nemesis through.
	scn = baseScenario(3, time.Hour)
	scn.Nemesis = &sim.Nemesis{Interval: 10 * time.Millisecond}
	if _, err := scn.Expand(nil, 1); err == nil {
		t.Fatal("360,000 draws passed under the default of 100,000")
	}
	scn.Limits.MaxFaults = 1_000_000
	if _, err := scn.Expand(nil, 1); err != nil {
		t.Fatalf("under max_faults 1,000,000: %v", err)
	}
	// A max_faults raised past what memory allows is held by max_memory.
	scn.Nemesis.Interval = time.Nanosecond
	scn.Limits.MaxFaults = 1 << 60
	if se := expandErr(t, scn); se.Field != "nemesis.interval" || !strings.Contains(se.Msg, "limits.max_memory (2GiB") {
		t.Fatalf("max_faults 2^60: got %v; want max_memory named", se)
	}
}

// TestNemesisCountsWhatItDraws: the draws expected fit, but each partition
// comes with its heal, so the faults drawn do not: the expansion stops
// with an error, whatever the seed, and never returns more than the limit.
func TestNemesisCountsWhatItDraws(t *testing.T) {
	scn := baseScenario(3, time.Second)
	scn.Nemesis = &sim.Nemesis{Interval: time.Millisecond, Kinds: []string{sim.NemesisPartition}, MinFor: 1, MaxFor: 1}
	scn.Limits.MaxFaults = 1500 // about 1,000 draws, 2,000 faults
	for seed := range uint64(5) {
		if _, err := scn.Expand(nil, seed); err == nil || !strings.Contains(err.Error(), "limits.max_faults (1500)") {
			t.Fatalf("seed %d: %v; want the faults drawn refused", seed, err)
		}
	}
	scn.Limits.MaxFaults = 3000
	expanded, err := scn.Expand(nil, 1)
	if err != nil || len(expanded.Faults) < 1500 || len(expanded.Faults) > 3000 {
		t.Fatalf("under 3,000: %v, %d faults", err, len(expanded.Faults))
	}
}

func TestTooManyScriptedFaults(t *testing.T) {
	scn := baseScenario(2, time.Second)
	scn.Limits.MaxFaults = 2
	for range 3 {
		scn.Faults = append(scn.Faults, sim.Fault{At: sim.Fixed(time.Millisecond), Heal: true})
	}
	if se := expandErr(t, scn); se.Field != "faults" || !strings.Contains(se.Msg, "limits.max_faults (2)") {
		t.Fatalf("got %v", se)
	}
}

// TestSumsThatWouldWrapAreErrors: every time that the kernel adds to
// another is bounded, so that the sum is an error in the scenario rather
// than a wrap in the run.
func TestSumsThatWouldWrapAreErrors(t *testing.T) {
	huge := time.Duration(1<<63 - 1)
	step := func(node string, by time.Duration) sim.Fault {
		return sim.Fault{At: sim.Fixed(time.Millisecond), ClockStep: &sim.ClockStep{Node: node, By: by}}
	}
	century := sim.MaxClockStep
	for _, tc := range []struct {
		field  string
		change func(s *sim.Scenario)
	}{
		{"workload.act_every", func(s *sim.Scenario) { s.Workload.ActEvery = huge }},
		{"network.latency.value", func(s *sim.Scenario) { s.Network.Latency = network.Constant(huge) }},
		{"network.latency.max", func(s *sim.Scenario) { s.Network.Latency = network.Uniform(0, huge) }},
		{"disk.latency.value", func(s *sim.Scenario) { l := network.Constant(huge); s.Disk.Latency = &l }},
		{"network.links[0].latency.value", func(s *sim.Scenario) {
			l := network.Constant(huge)
			s.Network.Links = []sim.LinkOverride{{From: "n1", To: "n2", Latency: &l}}
		}},
		{"clocks.random_offset", func(s *sim.Scenario) { s.Clocks.RandomOffset = huge }},
		{"clocks.nodes.n1.offset", func(s *sim.Scenario) {
			s.Clocks.Nodes = map[string]sim.NodeClock{"n1": {Offset: &huge}}
		}},
		{"faults[2].clock_step.by", func(s *sim.Scenario) {
			s.Faults = []sim.Fault{step("n1", century), step("n1", -century), step("n1", century)}
		}},
		{"faults[1].clock_step.by", func(s *sim.Scenario) {
			s.Clocks.RandomOffset = century
			s.Faults = []sim.Fault{step("n2", century/2), step(sim.RoleLeader, century)}
		}},
		{"nemesis.max_for", func(s *sim.Scenario) { s.Nemesis = &sim.Nemesis{Interval: time.Second, MaxFor: huge} }},
		{"nemesis.max_step", func(s *sim.Scenario) { s.Nemesis = &sim.Nemesis{Interval: time.Second, MaxStep: huge} }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			scn := baseScenario(2, time.Minute)
			tc.change(scn)
			if se := expandErr(t, scn); se.Field != tc.field {
				t.Fatalf("got %v; want a problem with %s", se, tc.field)
			}
		})
	}
}

// TestNemesisStepsThatWouldWrapAreErrors: a nemesis's clock steps, each in
// range, may add up past what a wall clock holds.
func TestNemesisStepsThatWouldWrapAreErrors(t *testing.T) {
	scn := baseScenario(1, time.Hour)
	scn.Nemesis = &sim.Nemesis{Interval: time.Second, Kinds: []string{sim.NemesisClockStep}, MaxStep: sim.MaxClockStep}
	if se := expandErr(t, scn); se.Field != "nemesis.max_step" || !strings.Contains(se.Msg, "n1's wall clock") {
		t.Fatalf("got %v", se)
	}
}

// TestLimitsDefaults: the new limits have their documented defaults and
// refuse negative values.
func TestLimitsDefaults(t *testing.T) {
	scn := baseScenario(1, time.Second)
	if err := scn.Validate(nil); err != nil {
		t.Fatal(err)
	}
	if l := scn.Limits; l.MaxMemory != sim.DefaultMaxMemory || l.MaxFaults != sim.DefaultMaxFaults {
		t.Fatalf("defaults: %+v", l)
	}
	scn.Limits = sim.Limits{MaxMemory: -1, MaxFaults: -1}
	err := scn.Validate(nil)
	for _, field := range []string{"limits.max_memory", "limits.max_faults"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("negative limits: %v; want %s named", err, field)
		}
	}
}
