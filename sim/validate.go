package sim

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/electsim/electsim/clock"
	"github.com/electsim/electsim/network"
)

// Defaults for the fields a scenario may leave out.
const (
	DefaultActEvery     = 100 * time.Millisecond
	DefaultMaxEvents    = 100_000_000
	DefaultMaxInFlight  = 1_000_000
	DefaultMaxAtInstant = 1_000_000
	// DefaultProperty is what a scenario expects when it does not say.
	DefaultProperty = "single-leader-per-generation"
)

// MaxClockStep bounds a wall clock step: a century, far beyond any real
// NTP step, and far from overflowing the wall offset.
const MaxClockStep = 100 * 365 * 24 * time.Hour

// DefaultLatency is every link's latency when the scenario gives none.
var DefaultLatency = network.Constant(time.Millisecond)

// Validate checks the scenario, given the service nodes its protocol
// declares, and fills in defaults. Every problem is reported with its field
// and, for a scenario read from a file, its file and line.
func (s *Scenario) Validate(services []string) error {
	s.applyDefaults()
	roster, err := NewRoster(max(s.Nodes, 0), services)
	if err != nil {
		return s.errorf("protocol", "%v", err)
	}
	v := &validator{s: s, roster: roster}
	v.top()
	v.workload()
	v.network()
	v.clocks()
	v.faults()
	v.nemesis()
	v.limits()
	return v.result()
}

func (s *Scenario) applyDefaults() {
	if s.Workload.ActEvery == 0 {
		s.Workload.ActEvery = DefaultActEvery
	}
	if s.Network.Latency.Dist == "" {
		s.Network.Latency = DefaultLatency
	}
	if s.Resource.Fencing == "" {
		s.Resource.Fencing = FencingNone
	}
	if len(s.Expect.Properties) == 0 {
		s.Expect.Properties = []string{DefaultProperty}
	}
	l := &s.Limits
	l.MaxEvents = cmpOr(l.MaxEvents, DefaultMaxEvents)
	l.MaxInFlight = cmpOr(l.MaxInFlight, DefaultMaxInFlight)
	l.MaxAtInstant = cmpOr(l.MaxAtInstant, DefaultMaxAtInstant)
	if n := s.Nemesis; n != nil {
		if len(n.Kinds) == 0 {
			n.Kinds = []string{NemesisPartition, NemesisCrash, NemesisPause}
		}
		n.MinFor = cmpOr(n.MinFor, 100*time.Millisecond)
		n.MaxFor = cmpOr(n.MaxFor, 5*time.Second)
		n.MaxStep = cmpOr(n.MaxStep, time.Second)
		n.MaxDriftPPM = cmpOr(n.MaxDriftPPM, 1000)
		n.Loss = cmpOr(n.Loss, 0.9)
	}
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// maxReported bounds how many problems one error lists.
const maxReported = 10

type validator struct {
	s      *Scenario
	roster *Roster
	errs   []*ScenarioError
}

func (v *validator) add(field, format string, args ...any) {
	if len(v.errs) < maxReported {
		v.errs = append(v.errs, v.s.errorf(field, format, args...))
	}
}

func (v *validator) result() error {
	switch len(v.errs) {
	case 0:
		return nil
	case 1:
		return v.errs[0]
	}
	return ScenarioErrors(v.errs)
}

func (v *validator) top() {
	s := v.s
	if s.Nodes < 1 || s.Nodes > MaxParticipants {
		v.add("nodes", "must be 1..%d, got %d", MaxParticipants, s.Nodes)
	}
	if s.Duration <= 0 || s.Duration > MaxDuration {
		v.add("duration", "must be positive and at most %v, got %v", MaxDuration, s.Duration)
	}
	if s.Protocol.Name == "" {
		v.add("protocol.name", "missing: which protocol to run")
	}
	if f := s.Resource.Fencing; f != FencingNone && f != FencingGeneration {
		v.add("resource.fencing", "unknown fencing %q: none or generation", f)
	}
	v.expect()
}

func (v *validator) expect() {
	e := v.s.Expect
	for i, p := range e.Properties {
		if p == "" {
			v.add(fmt.Sprintf("expect.properties[%d]", i), "empty property name")
		}
	}
	if e.MaxSplitBrain != nil && *e.MaxSplitBrain < 0 {
		v.add("expect.max_split_brain", "must not be negative, got %v", *e.MaxSplitBrain)
	}
	if a := e.MinAvailability; a != nil && (math.IsNaN(*a) || *a < 0 || *a > 1) {
		v.add("expect.min_availability", "must be in [0, 1], got %v", *a)
	}
	if e.Liveness < 0 || e.Liveness > MaxDuration {
		v.add("expect.liveness", "must be positive and at most %v, got %v", MaxDuration, e.Liveness)
	}
}

func (v *validator) workload() {
	w := v.s.Workload
	if w.ActEvery < time.Microsecond {
		v.add("workload.act_every", "must be at least 1µs, got %v", w.ActEvery)
	}
	if math.IsNaN(w.Jitter) || w.Jitter < 0 || w.Jitter > 0.5 {
		v.add("workload.jitter", "must be in [0, 0.5], got %v", w.Jitter)
	}
	if w.Warmup < 0 || (v.s.Duration > 0 && w.Warmup >= v.s.Duration) {
		v.add("workload.warmup", "must be in [0, duration), got %v", w.Warmup)
	}
}

func (v *validator) network() {
	n := v.s.Network
	v.fieldErr("network", n.DefaultLink().Validate())
	for i, l := range n.Links {
		v.linkOverride(fmt.Sprintf("network.links[%d]", i), l)
	}
}

// fieldErr reports a network.FieldError under the parent field.
func (v *validator) fieldErr(parent string, err error) {
	if err == nil {
		return
	}
	if fe, ok := err.(*network.FieldError); ok {
		v.add(parent+"."+fe.Field, "%s", fe.Msg)
		return
	}
	v.add(parent, "%v", err)
}

func (v *validator) linkOverride(field string, l LinkOverride) {
	v.node(field+".from", l.From)
	v.node(field+".to", l.To)
	if l.From == l.To && l.From != "" {
		v.add(field+".to", "a link joins two different nodes, got %s to itself", l.To)
	}
	if l.Latency != nil {
		v.fieldErr(field+".latency", l.Latency.Validate())
	}
	v.probability(field+".loss", l.Loss)
	v.probability(field+".duplicate", l.Duplicate)
}

func (v *validator) probability(field string, p *float64) {
	if p != nil && (math.IsNaN(*p) || *p < 0 || *p > 1) {
		v.add(field, "probability %v is outside [0, 1]", *p)
	}
}

// node checks that name is a node of the run.
func (v *validator) node(field, name string) {
	if _, ok := v.roster.ID(name); !ok {
		v.add(field, "unknown node %q (nodes: %s)", name, v.describeNodes())
	}
}

func (v *validator) participant(field, name string) {
	if id, ok := v.roster.ID(name); !ok || !v.roster.IsParticipant(id) {
		v.add(field, "%q is not a participant (n1..n%d)", name, v.roster.Participants())
	}
}

func (v *validator) describeNodes() string {
	names := []string{}
	if n := v.roster.Participants(); n > 0 {
		names = append(names, fmt.Sprintf("n1..n%d", n))
	}
	names = append(names, v.roster.Names()[v.roster.Participants():]...)
	return strings.Join(names, ", ")
}

func (v *validator) clocks() {
	c := v.s.Clocks
	v.drift("clocks.drift_ppm", c.DriftPPM)
	v.randomDrift(c)
	if c.RandomOffset < 0 {
		v.add("clocks.random_offset", "must not be negative, got %v", c.RandomOffset)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Nodes)) {
		field := "clocks.nodes." + name
		v.node(field, name)
		if d := c.Nodes[name].DriftPPM; d != nil {
			v.drift(field+".drift_ppm", *d)
		}
	}
}

// randomDrift checks the spread of the drawn drifts. A draw adds up to all
// of it to drift_ppm, so the sum must be a drift too; it is checked only
// when drift_ppm alone is, so that one bad drift_ppm is one problem.
func (v *validator) randomDrift(c Clocks) {
	spread := c.RandomDriftPPM
	switch {
	case math.IsNaN(spread) || spread < 0:
		v.add("clocks.random_drift_ppm", "must be a non-negative number, got %v", spread)
	case spread > 0 && driftOK(c.DriftPPM) && !driftOK(math.Abs(c.DriftPPM)+spread):
		v.add("clocks.random_drift_ppm", "drift_ppm %v ± %v ppm reaches outside ±%d ppm", c.DriftPPM, spread, clock.MaxDriftPPM)
	}
}

func (v *validator) drift(field string, ppm float64) {
	if math.IsNaN(ppm) {
		v.add(field, "not a number")
		return
	}
	if !driftOK(ppm) {
		v.add(field, "drift %v ppm is outside ±%d ppm", ppm, clock.MaxDriftPPM)
	}
}

func driftOK(ppm float64) bool {
	return !math.IsNaN(ppm) && clock.CheckDriftPPB(clock.PPB(ppm)) == nil && math.Abs(ppm) <= clock.MaxDriftPPM
}

func (v *validator) faults() {
	for i, f := range v.s.Faults {
		field := fmt.Sprintf("faults[%d]", i)
		if f.At < 0 || f.At >= v.s.Duration {
			v.add(field+".at", "fault at %v is outside the run [0, %v)", f.At, v.s.Duration)
		}
		kinds := f.kinds()
		if len(kinds) != 1 {
			v.add(field, "a fault has exactly one kind (partition, cut, heal, crash, restart, pause, clock_step, drift, link), got %s", kindList(kinds))
			continue
		}
		v.fault(field, f)
		v.faultFor(field, f, kinds[0])
	}
}

// faultFor checks a fault's For: only crashes, partitions and cuts have an
// end, and it lies after the start.
func (v *validator) faultFor(field string, f Fault, kind string) {
	switch {
	case f.For == 0:
	case kind != "crash" && kind != "partition" && kind != "cut":
		v.add(field+".for", "only a crash (restarted after it), a partition or a cut (healed after it) takes for; a %s does not", kind)
	case f.For < 0 || f.For > MaxDuration:
		v.add(field+".for", "must be positive and at most %v, got %v", MaxDuration, f.For)
	}
}

func kindList(kinds []string) string {
	if len(kinds) == 0 {
		return "none"
	}
	return strings.Join(kinds, " and ")
}

// kinds returns the kinds a fault sets, in a fixed order.
func (f Fault) kinds() []string {
	var out []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"partition", f.Partition != nil}, {"cut", f.Cut != nil}, {"heal", f.Heal},
		{"crash", f.Crash != ""}, {"restart", f.Restart != ""}, {"pause", f.Pause != nil},
		{"clock_step", f.ClockStep != nil}, {"drift", f.Drift != nil}, {"link", f.Link != nil},
	} {
		if k.set {
			out = append(out, k.name)
		}
	}
	return out
}

func (v *validator) fault(field string, f Fault) {
	switch {
	case f.Partition != nil:
		v.partition(field+".partition", f.Partition)
	case f.Cut != nil:
		v.nodeList(field+".cut.from", f.Cut.From, 1)
		v.nodeList(field+".cut.to", f.Cut.To, 1)
	case f.Crash != "":
		v.node(field+".crash", f.Crash)
	case f.Restart != "":
		v.node(field+".restart", f.Restart)
	case f.Pause != nil:
		v.node(field+".pause.node", f.Pause.Node)
		// Bounded so that the kernel's now+for cannot overflow into the past.
		if f.Pause.For <= 0 || f.Pause.For > MaxDuration {
			v.add(field+".pause.for", "a pause lasts a positive time, at most %v, got %v", MaxDuration, f.Pause.For)
		}
	case f.ClockStep != nil:
		v.node(field+".clock_step.node", f.ClockStep.Node)
		if by := f.ClockStep.By; by < -MaxClockStep || by > MaxClockStep {
			v.add(field+".clock_step.by", "a step is at most ±%v, got %v", MaxClockStep, by)
		}
	case f.Drift != nil:
		v.node(field+".drift.node", f.Drift.Node)
		v.drift(field+".drift.ppm", f.Drift.PPM)
		if f.Drift.Reset && f.Drift.PPM != 0 {
			v.add(field+".drift.reset", "reset goes back to the configured drift: give reset or ppm, not both")
		}
	case f.Link != nil:
		v.linkOverride(field+".link", *f.Link)
	}
}

func (v *validator) nodeList(field string, names []string, minLen int) {
	if len(names) < minLen {
		v.add(field, "needs at least %d node(s)", minLen)
	}
	seen := map[string]bool{}
	for i, name := range names {
		v.node(fmt.Sprintf("%s[%d]", field, i), name)
		if seen[name] {
			v.add(fmt.Sprintf("%s[%d]", field, i), "node %s appears twice", name)
		}
		seen[name] = true
	}
}

func (v *validator) partition(field string, p *Partition) {
	if (len(p.Groups) > 0) == (p.Shape != "") {
		v.add(field, "give either groups or a shape (%s)", strings.Join(Shapes, ", "))
		return
	}
	if len(p.Groups) > 0 {
		v.groups(field+".groups", p.Groups)
	} else {
		v.shape(field, p)
	}
	for _, service := range slices.Sorted(maps.Keys(p.Place)) {
		id, ok := v.roster.ID(service)
		if !ok || v.roster.IsParticipant(id) {
			v.add(field+".place."+service, "%q is not a service node (%s)", service, strings.Join(v.roster.Names()[v.roster.Participants():], ", "))
		}
		v.node(field+".place."+service, p.Place[service])
	}
}

func (v *validator) groups(field string, groups [][]string) {
	seen := map[string]bool{}
	for g, members := range groups {
		for i, name := range members {
			at := fmt.Sprintf("%s[%d][%d]", field, g, i)
			v.node(at, name)
			if seen[name] {
				v.add(at, "node %s is in two groups", name)
			}
			seen[name] = true
		}
	}
}

// shapeMinimum is the fewest nodes each shape can lay out.
var shapeMinimum = map[string]int{ShapeHalves: 2, ShapeRandomHalves: 2, ShapeMajoritiesRing: 4, ShapeBridge: 3}

func (v *validator) shape(field string, p *Partition) {
	if !slices.Contains(Shapes, p.Shape) {
		v.add(field+".shape", "unknown shape %q: one of %s", p.Shape, strings.Join(Shapes, ", "))
		return
	}
	if p.Shape == ShapeIsolate {
		v.node(field+".node", p.Node)
		if len(p.Order) > 0 {
			v.add(field+".order", "isolate takes a node, not an order")
		}
		return
	}
	if p.Node != "" {
		v.add(field+".node", "only isolate takes a node; %s lays out the order", p.Shape)
	}
	size := v.roster.Participants()
	if len(p.Order) > 0 {
		size = len(p.Order)
		for i, name := range p.Order {
			v.participant(fmt.Sprintf("%s.order[%d]", field, i), name)
		}
		v.nodeList(field+".order", p.Order, 0)
	}
	if size < shapeMinimum[p.Shape] {
		v.add(field+".shape", "%s needs at least %d participants, has %d", p.Shape, shapeMinimum[p.Shape], size)
	}
}

func (v *validator) nemesis() {
	n := v.s.Nemesis
	if n == nil {
		return
	}
	end := v.s.Duration
	// Bounded like the duration, so that the exponential gaps drawn from it
	// stay far from overflowing.
	if n.Interval <= 0 || n.Interval > MaxDuration {
		v.add("nemesis.interval", "must be positive and at most %v, got %v", MaxDuration, n.Interval)
	}
	for i, k := range n.Kinds {
		if !slices.Contains(NemesisKinds, k) {
			v.add(fmt.Sprintf("nemesis.kinds[%d]", i), "unknown kind %q: one of %s", k, strings.Join(NemesisKinds, ", "))
		}
	}
	// Written without start+quiet, which a huge start would overflow.
	if n.Start < 0 || n.Quiet < 0 || n.Start >= end || n.Quiet >= end-n.Start {
		field := "nemesis.quiet"
		if n.Start < 0 || n.Start >= end {
			field = "nemesis.start" // the culprit, and maybe the only one written
		}
		v.add(field, "start %v and quiet %v leave no time for faults in a run of %v", n.Start, n.Quiet, end)
	}
	if n.MinFor < 0 {
		v.add("nemesis.min_for", "must not be negative, got %v", n.MinFor)
	} else if n.MaxFor < n.MinFor {
		v.add("nemesis.max_for", "need min_for <= max_for, got %v and %v", n.MinFor, n.MaxFor)
	}
	for i, shape := range n.Shapes {
		at := fmt.Sprintf("nemesis.shapes[%d]", i)
		if !slices.Contains(Shapes, shape) {
			v.add(at, "unknown shape %q: one of %s", shape, strings.Join(Shapes, ", "))
		} else if v.s.Nodes < shapeMinimum[shape] {
			v.add(at, "%s needs at least %d participants", shape, shapeMinimum[shape])
		}
	}
	v.nodeList("nemesis.targets", n.Targets, 0)
	if n.MaxStep < 0 {
		v.add("nemesis.max_step", "must not be negative, got %v", n.MaxStep)
	}
	v.drift("nemesis.max_drift_ppm", n.MaxDriftPPM)
	v.probability("nemesis.loss", &n.Loss)
}

func (v *validator) limits() {
	l := v.s.Limits
	if l.MaxEvents < 0 {
		v.add("limits.max_events", "must not be negative")
	}
	if l.MaxInFlight < 0 {
		v.add("limits.max_in_flight", "must not be negative")
	}
	if l.MaxAtInstant < 0 {
		v.add("limits.max_at_instant", "must not be negative")
	}
}
