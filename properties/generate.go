package properties

import (
	"fmt"
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/sim"
)

// Fault kinds a generator draws, named as in a scenario's faults.
const (
	FaultPartition = "partition"
	FaultCut       = "cut"
	FaultHeal      = "heal"
	FaultCrash     = "crash"
	FaultRestart   = "restart"
	FaultPause     = "pause"
	FaultClockStep = "clock_step"
	FaultDrift     = "drift"
	FaultLink      = "link"
)

// FaultKinds lists every kind a generator can draw.
var FaultKinds = []string{FaultPartition, FaultCut, FaultHeal, FaultCrash, FaultRestart, FaultPause, FaultClockStep, FaultDrift, FaultLink}

// FaultSpace bounds the fault schedules a generator draws. Zero fields take
// the defaults given.
type FaultSpace struct {
	// Kinds to draw; default partition, heal, crash, restart, pause.
	Kinds []string
	// MaxFaults is the most faults in one schedule; default 6.
	MaxFaults int
	// RestartAfter, if set, gives every drawn crash a downtime (the fault's
	// for) of up to RestartAfter, after which the node restarts: the
	// crash-restart cycles that volatile-state bugs need. HealAfter does
	// the same for partitions.
	RestartAfter, HealAfter time.Duration
	// Targets are the nodes crashes, restarts, pauses, clock faults and
	// isolations hit; default the participants. Name services ("coord",
	// "resource") here to fault them too, and roles (sim.RoleLeader,
	// RoleFollower, RoleAny) to aim at whoever holds them when the fault
	// comes: a restart drawn for a role restarts sim.RoleCrashed, and with
	// the leader among the targets, halves and bridge place the leader.
	Targets []string
	// Services that partitions may place with a participant, e.g. "coord".
	Services []string
	// Shapes a partition draws from; default ShapeGroups, isolate, halves,
	// majorities-ring and bridge, as the cluster size allows.
	Shapes []string
	// Quiet is the end of the run no fault starts in; default 0.
	Quiet time.Duration
	// PauseMax bounds a pause; default a third of the run.
	PauseMax time.Duration
	// StepMax bounds a wall clock step either way; default 1s.
	StepMax time.Duration
	// DriftMaxPPM bounds a drift change either way; default 1000.
	DriftMaxPPM float64
}

// ShapeGroups is the pseudo-shape of an explicit two-group partition, for
// FaultSpace.Shapes: every participant on a drawn side, services outside.
const ShapeGroups = "groups"

func (fs FaultSpace) withDefaults(base *sim.Scenario) FaultSpace {
	if len(fs.Kinds) == 0 {
		fs.Kinds = []string{FaultPartition, FaultHeal, FaultCrash, FaultRestart, FaultPause}
	}
	if fs.MaxFaults == 0 {
		fs.MaxFaults = 6
	}
	if len(fs.Targets) == 0 {
		fs.Targets = participants(base.Nodes)
	}
	if len(fs.Shapes) == 0 {
		fs.Shapes = fittingShapes(base.Nodes)
	}
	if fs.PauseMax == 0 {
		fs.PauseMax = base.Duration / 3
	}
	if fs.StepMax == 0 {
		fs.StepMax = time.Second
	}
	if fs.DriftMaxPPM == 0 {
		fs.DriftMaxPPM = 1000
	}
	return fs
}

func participants(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i+1)
	}
	return out
}

func fittingShapes(n int) []string {
	shapes := []string{ShapeGroups}
	for _, s := range []struct {
		name string
		min  int
	}{{sim.ShapeIsolate, 2}, {sim.ShapeHalves, 2}, {sim.ShapeBridge, 3}, {sim.ShapeMajoritiesRing, 4}} {
		if n >= s.min {
			shapes = append(shapes, s.name)
		}
	}
	return shapes
}

// Scenarios draws scenarios from base: the same cluster, protocol, network
// and workload, a drawn seed and a drawn schedule of faults appended to
// base's own. Rapid shrinks a failing schedule towards fewer, earlier and
// simpler faults, and the seed towards 0.
//
//	scn := properties.Scenarios(base, properties.FaultSpace{Kinds: ...}).Draw(t, "scenario")
func Scenarios(base *sim.Scenario, space FaultSpace) *rapid.Generator[*sim.Scenario] {
	space = space.withDefaults(base)
	return rapid.Custom(func(t *rapid.T) *sim.Scenario {
		s := base.Clone()
		s.Seed = rapid.Uint64().Draw(t, "seed")
		faults := rapid.SliceOfN(faultGenerator(base, space), 0, space.MaxFaults).Draw(t, "faults")
		s.Faults = append(slices.Clone(base.Faults), faults...)
		return s
	})
}

func faultGenerator(base *sim.Scenario, space FaultSpace) *rapid.Generator[sim.Fault] {
	last := max(base.Duration-space.Quiet, time.Millisecond)
	return rapid.Custom(func(t *rapid.T) sim.Fault {
		d := drawer{t: t, space: space, nodes: base.Nodes}
		at := d.duration("at", 0, last-time.Millisecond)
		f := sim.Fault{At: sim.Fixed(at)}
		switch rapid.SampledFrom(space.Kinds).Draw(t, "kind") {
		case FaultPartition:
			f.Partition = d.partition()
			f.For = d.undoAfter("healed after", d.space.HealAfter)
		case FaultCut:
			from, to := d.pair(d.space.Services)
			f.Cut = &sim.Cut{From: []string{from}, To: []string{to}}
		case FaultHeal:
			f.Heal = true
		case FaultCrash:
			f.Crash = d.target()
			f.For = d.undoAfter("down", d.space.RestartAfter)
		case FaultRestart:
			if f.Restart = d.target(); sim.IsRole(f.Restart) {
				f.Restart = sim.RoleCrashed
			}
		case FaultPause:
			f.Pause = &sim.Pause{Node: d.target(), For: sim.Fixed(d.duration("for", time.Millisecond, space.PauseMax))}
		case FaultClockStep:
			f.ClockStep = &sim.ClockStep{Node: d.target(), By: d.duration("by", -space.StepMax, space.StepMax)}
		case FaultDrift:
			ppm := spread(t, "ppm", int64(2*space.DriftMaxPPM)) - int64(space.DriftMaxPPM)
			f.Drift = &sim.DriftChange{Node: d.target(), PPM: float64(ppm)}
		case FaultLink:
			loss := float64(rapid.IntRange(0, 100).Draw(t, "loss %")) / 100
			from, to := d.pair(d.space.Services)
			f.Link = &sim.LinkOverride{From: from, To: to, Both: true, Loss: &loss}
		}
		return f
	})
}

// undoAfter draws how long a crash or partition lasts, when the space
// bounds it; 0 leaves it to a drawn restart or heal.
func (d drawer) undoAfter(label string, bound time.Duration) sim.Span {
	if bound == 0 {
		return sim.Span{}
	}
	return sim.Fixed(d.duration(label, time.Millisecond, bound))
}

// drawer draws the parts of one fault.
type drawer struct {
	t     *rapid.T
	space FaultSpace
	nodes int
}

func (d drawer) target() string { return rapid.SampledFrom(d.space.Targets).Draw(d.t, "node") }

func (d drawer) participant(label string) string {
	return fmt.Sprintf("n%d", rapid.IntRange(1, d.nodes).Draw(d.t, label))
}

// pair draws a participant and another node: a participant or one of the
// services given.
func (d drawer) pair(services []string) (string, string) {
	from := d.participant("from")
	others := slices.DeleteFunc(append(participants(d.nodes), services...), func(n string) bool { return n == from })
	if len(others) == 0 {
		return from, from
	}
	return from, rapid.SampledFrom(others).Draw(d.t, "to")
}

// duration draws in whole milliseconds, which read well in a saved file,
// spread over the whole range (see spread).
func (d drawer) duration(label string, lo, hi time.Duration) time.Duration {
	ms := spread(d.t, label+" ms", int64((hi-lo)/time.Millisecond))
	return lo + time.Duration(ms)*time.Millisecond
}

// spread draws from [0, n] in two parts, a coarse step out of at most 256
// and an offset within the step. Rapid draws integers biased towards small
// values, which over a wide range would bunch every fault into the first
// moments of a run; 256 steps are few enough that its bias still covers
// them all, and both parts still shrink towards 0.
func spread(t *rapid.T, label string, n int64) int64 {
	if n <= 0 {
		return 0
	}
	unit := n/256 + 1
	coarse := rapid.Int64Range(0, n/unit).Draw(t, label)
	fine := rapid.Int64Range(0, unit-1).Draw(t, label+" offset")
	return min(coarse*unit+fine, n)
}
func (d drawer) partition() *sim.Partition {
	shape := rapid.SampledFrom(d.space.Shapes).Draw(d.t, "shape")
	var p *sim.Partition
	switch shape {
	case ShapeGroups:
		p = &sim.Partition{Groups: d.twoGroups()}
	case sim.ShapeIsolate:
		p = &sim.Partition{Shape: shape, Node: d.isolated()}
	default:
		p = &sim.Partition{Shape: shape, Order: rapid.Permutation(participants(d.nodes)).Draw(d.t, "order")}
		p.Leader = d.leaderPlace(shape)
	}
	for _, service := range d.space.Services {
		if rapid.Bool().Draw(d.t, "place "+service) {
			if p.Place == nil {
				p.Place = map[string]string{}
			}
			p.Place[service] = d.participant("with")
		}
	}
	return p
}

// isolated draws the node an isolation cuts off: a participant, or a role
// among the targets.
func (d drawer) isolated() string {
	var roles []string
	for _, target := range d.space.Targets {
		if sim.IsRole(target) && target != sim.RoleCrashed {
			roles = append(roles, target)
		}
	}
	if len(roles) == 0 {
		return d.participant("isolated")
	}
	return rapid.SampledFrom(append(participants(d.nodes), roles...)).Draw(d.t, "isolated")
}

// leaderPlace draws where a shape puts the leader, when the leader is a
// target and the shape can place it: "" leaves the order as drawn.
func (d drawer) leaderPlace(shape string) string {
	var places []string
	switch {
	case !slices.Contains(d.space.Targets, sim.RoleLeader):
	case shape == sim.ShapeBridge:
		places = []string{"", sim.LeaderAtBridge, sim.LeaderOnSide}
	case shape == sim.ShapeHalves && d.nodes%2 == 1:
		places = []string{"", sim.LeaderOnMinority, sim.LeaderOnMajority}
	}
	if len(places) == 0 {
		return ""
	}
	return rapid.SampledFrom(places).Draw(d.t, "leader place")
}

// twoGroups splits the participants in two by a drawn side for each; an
// empty side leaves the network whole.
func (d drawer) twoGroups() [][]string {
	groups := make([][]string, 2)
	for _, name := range participants(d.nodes) {
		side := rapid.IntRange(0, 1).Draw(d.t, "side of "+name)
		groups[side] = append(groups[side], name)
	}
	return slices.DeleteFunc(groups, func(g []string) bool { return len(g) == 0 })
}
