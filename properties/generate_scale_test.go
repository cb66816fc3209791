package properties_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// maxNodes is the largest cluster the generators are drawn for: 200; 60
// under -short.
func maxNodes() int {
	if testing.Short() {
		return 60
	}
	return 200
}

// everyFault is a space that draws every kind, shape and role, with a
// service to cut, fault and place.
var everyFault = properties.FaultSpace{
	Kinds:        properties.FaultKinds,
	MaxFaults:    8,
	RestartAfter: 5 * time.Second, HealAfter: 5 * time.Second,
	Services: []string{"coord"},
	Quiet:    2 * time.Second,
	PauseMax: 3 * time.Second, StepMax: 500 * time.Millisecond, DriftMaxPPM: 200,
}

// TestScenariosKeepTheirSpaceAtScale draws clusters of up to maxNodes and
// schedules from every kind: each drawn scenario is valid, keeps every
// bound of its space (kinds, count, times, targets, shapes, lengths), lays
// a shape over a permutation of all participants or groups them all, and
// runs to its end, partitions compiled and applied at that size.
func TestScenariosKeepTheirSpaceAtScale(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := rapid.OneOf(rapid.IntRange(1, maxNodes()), rapid.SampledFrom([]int{4, 64, 65, maxNodes()})).Draw(t, "nodes")
		base := &sim.Scenario{Name: "scale", Nodes: nodes, Duration: 20 * time.Second, Protocol: sim.ProtocolSpec{Name: "first"}}
		space := everyFault
		space.Targets = append(names(nodes), sim.RoleLeader, sim.RoleFollower, "coord")
		scn := properties.Scenarios(base, space).Draw(t, "scenario")
		if err := scn.Clone().Validate(space.Services); err != nil {
			t.Fatalf("a drawn scenario of %d nodes is invalid: %v", nodes, err)
		}
		if len(scn.Faults) > space.MaxFaults {
			t.Fatalf("%d faults, more than %d", len(scn.Faults), space.MaxFaults)
		}
		for _, f := range scn.Faults {
			if err := keepsSpace(f, nodes, space, base.Duration); err != nil {
				t.Fatalf("%v: %v", f, err)
			}
		}
		s, err := sim.New(scn, firstLeads, 1)
		if err != nil {
			t.Fatalf("%d nodes: %v", nodes, err)
		}
		if res := s.Run(); res.Err != nil {
			t.Fatalf("%d nodes: %v", nodes, res.Err)
		}
	})
}

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i+1)
	}
	return out
}

// keepsSpace checks one drawn fault against the space it was drawn from.
func keepsSpace(f sim.Fault, nodes int, space properties.FaultSpace, duration time.Duration) error {
	if f.At.Min != f.At.Max || f.At.Min < 0 || f.At.Min >= duration-space.Quiet {
		return fmt.Errorf("at %v, outside [0, %v)", f.At, duration-space.Quiet)
	}
	target := func(name string) error {
		if !slices.Contains(space.Targets, name) {
			return fmt.Errorf("%q is not a target", name)
		}
		return nil
	}
	switch {
	case f.Partition != nil:
		return keepsShape(f.Partition, nodes, space)
	case f.Crash != "":
		return target(f.Crash)
	case f.Restart != "" && f.Restart != sim.RoleCrashed:
		return target(f.Restart)
	case f.Pause != nil && f.Pause.For.Min > space.PauseMax:
		return fmt.Errorf("pause longer than %v", space.PauseMax)
	case f.Pause != nil:
		return target(f.Pause.Node)
	case f.ClockStep != nil && (f.ClockStep.By > space.StepMax || f.ClockStep.By < -space.StepMax):
		return fmt.Errorf("step beyond ±%v", space.StepMax)
	case f.Drift != nil && (f.Drift.PPM > space.DriftMaxPPM || f.Drift.PPM < -space.DriftMaxPPM):
		return fmt.Errorf("drift beyond ±%v ppm", space.DriftMaxPPM)
	case f.Cut != nil:
		return distinctPair(f.Cut.From[0], f.Cut.To[0], nodes)
	case f.Link != nil:
		return distinctPair(f.Link.From, f.Link.To, nodes)
	}
	return nil
}

// keepsShape: groups split every participant into disjoint sides; an
// ordered shape lays out a permutation of all of them; isolate cuts a
// participant or a role.
func keepsShape(p *sim.Partition, nodes int, space properties.FaultSpace) error {
	all := names(nodes)
	switch {
	case p.Shape == "":
		got := slices.Concat(p.Groups...)
		slices.SortFunc(got, byID)
		if !slices.Equal(got, all) || slices.ContainsFunc(p.Groups, func(g []string) bool { return len(g) == 0 }) {
			return fmt.Errorf("groups %v do not split n1..n%d", p.Groups, nodes)
		}
	case p.Shape == sim.ShapeIsolate:
		if !slices.Contains(all, p.Node) && !slices.Contains(space.Targets, p.Node) {
			return fmt.Errorf("isolates %q", p.Node)
		}
	default:
		got := slices.SortedFunc(slices.Values(p.Order), byID)
		if !slices.Equal(got, all) {
			return fmt.Errorf("%s over %d names, not a permutation of n1..n%d", p.Shape, len(p.Order), nodes)
		}
	}
	return nil
}

func byID(a, b string) int {
	var x, y int
	fmt.Sscanf(a, "n%d", &x)
	fmt.Sscanf(b, "n%d", &y)
	return x - y
}

// distinctPair: a cut or link override runs from a participant to another
// node, a participant or the service.
func distinctPair(from, to string, nodes int) error {
	if !slices.Contains(names(nodes), from) || (from == to && nodes > 1) || (to != "coord" && !slices.Contains(names(nodes), to)) {
		return fmt.Errorf("pair %s -> %s", from, to)
	}
	return nil
}

// firstLeads is the least protocol that gives the roles someone to name:
// n1 leads generation 1 whenever it is up; nobody sends a message.
var firstLeads = sim.Protocol{
	Name:     "first",
	Services: []string{"coord"},
	New:      func(sim.NodeID, string) sim.Node { return &first{} },
}

type first struct{}

func (*first) Start(env sim.Env) {
	if env.ID() == 1 {
		env.Lead(1)
	}
}
func (*first) Deliver(sim.NodeID, sim.Message) {}
func (*first) Fire(sim.Timer)                  {}
