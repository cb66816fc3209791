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
	// DefaultMaxFaults bounds a run's faults, written and drawn: enough
	// for a nemesis every 36ms of a one-hour run.
	DefaultMaxFaults = 100_000
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
	// Clamped, so that a hostile node count (a billion) costs a refusal,
	// not a roster of a billion names; top reports it.
	roster, err := NewRoster(min(max(s.Nodes, 0), MaxParticipants), services)
	if err != nil {
		return s.errorf("protocol", "%v", err)
	}
	v := &validator{s: s, roster: roster}
	v.top()
	v.workload()
	v.network()
	v.disk()
	v.clocks()
	v.boot()
	v.faults()
	v.nemesis()
	v.limits()
	v.store()
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
	if st := s.Store; st != nil {
		st.Keys = cmpOr(st.Keys, 1)
		st.W = cmpOr(st.W, 1)
		st.R = cmpOr(st.R, 1)
		st.Quorum = cmpOr(st.Quorum, QuorumStrict)
		st.SyncEvery = cmpOr(st.SyncEvery, DefaultSyncEvery)
		s.Workload.Writers = cmpOr(s.Workload.Writers, WritersLeader)
	}
	if len(s.Expect.Properties) == 0 {
		s.Expect.Properties = []string{DefaultProperty}
	}
	l := &s.Limits
	l.MaxEvents = cmpOr(l.MaxEvents, DefaultMaxEvents)
	l.MaxInFlight = cmpOr(l.MaxInFlight, DefaultMaxInFlight)
	l.MaxAtInstant = cmpOr(l.MaxAtInstant, DefaultMaxAtInstant)
	l.MaxMemory = cmpOr(l.MaxMemory, DefaultMaxMemory)
	l.MaxFaults = cmpOr(l.MaxFaults, DefaultMaxFaults)
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

func (v *validator) workload() {
	w := v.s.Workload
	// Bounded above so that a node's clock reading plus it cannot wrap.
	if w.ActEvery < time.Microsecond || w.ActEvery > MaxDuration {
		v.add("workload.act_every", "must be at least 1µs and at most %v, got %v", MaxDuration, w.ActEvery)
	}
	if math.IsNaN(w.Jitter) || w.Jitter < 0 || w.Jitter > 0.5 {
		v.add("workload.jitter", "must be in [0, 0.5], got %v", w.Jitter)
	}
	if w.Warmup < 0 || (v.s.Duration > 0 && w.Warmup >= v.s.Duration) {
		v.add("workload.warmup", "must be in [0, duration), got %v", w.Warmup)
	}
	if w.Timeout < 0 {
		v.add("workload.timeout", "must not be negative, got %v", w.Timeout)
	}
}

func (v *validator) network() {
	n := v.s.Network
	if err := n.DefaultLink().Validate(); err != nil {
		v.fieldErr("network", err)
	} else {
		v.latency("network.latency", n.Latency)
	}
	for i, l := range n.Links {
		v.linkOverride(fmt.Sprintf("network.links[%d]", i), l, nil)
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

// linkOverride checks a link's settings; roles are those its ends may name
// (a fault's link may name roles, the network section's may not).
func (v *validator) linkOverride(field string, l LinkOverride, roles []string) {
	v.target(field+".from", l.From, roles)
	v.target(field+".to", l.To, roles)
	if l.From == l.To && l.From != "" {
		v.add(field+".to", "a link joins two different nodes, got %s to itself", l.To)
	}
	if l.Latency != nil {
		v.latency(field+".latency", *l.Latency)
	}
	v.probability(field+".loss", l.Loss)
	v.probability(field+".duplicate", l.Duplicate)
}

// latency checks a distribution and bounds its times by MaxDuration, so
// that a delay added to a true time cannot wrap (a constant or uniform
// delay is not capped as the tails of the others are).
func (v *validator) latency(field string, l network.Latency) {
	if err := l.Validate(); err != nil {
		v.fieldErr(field, err)
		return
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"value", l.Value}, {"min", l.Min}, {"max", l.Max}, {"mean", l.Mean}, {"stddev", l.Stddev}, {"median", l.Median}} {
		if f.d > MaxDuration {
			v.add(field+"."+f.name, "a latency is at most %v, got %v", MaxDuration, f.d)
			return
		}
	}
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

// disk checks the write latencies: known nodes, valid distributions.
func (v *validator) disk() {
	d := v.s.Disk
	if d.Latency != nil {
		v.latency("disk.latency", *d.Latency)
	}
	for _, name := range sortedKeys(d.Nodes) {
		v.node("disk.nodes."+name, name)
		v.latency("disk.nodes."+name, d.Nodes[name])
	}
}

func (v *validator) clocks() {
	c := v.s.Clocks
	v.drift("clocks.drift_ppm", c.DriftPPM)
	v.randomDrift(c)
	if c.RandomOffset < 0 || c.RandomOffset > MaxClockStep {
		v.add("clocks.random_offset", "must be in [0, %v], got %v", MaxClockStep, c.RandomOffset)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Nodes)) {
		field := "clocks.nodes." + name
		v.node(field, name)
		if d := c.Nodes[name].DriftPPM; d != nil {
			v.drift(field+".drift_ppm", *d)
		}
		if o := c.Nodes[name].Offset; o != nil && (*o < -MaxClockStep || *o > MaxClockStep) {
			v.add(field+".offset", "an offset is at most ±%v, got %v", MaxClockStep, *o)
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
	if l.MaxMemory < 0 {
		v.add("limits.max_memory", "must not be negative")
	}
	if l.MaxFaults < 0 {
		v.add("limits.max_faults", "must not be negative")
	} else if n := len(v.s.Faults); n > l.MaxFaults {
		v.add("faults", "%d faults are more than limits.max_faults (%d); raise it if this is expected", n, l.MaxFaults)
	}
}
