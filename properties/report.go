package properties

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/electsim/electsim/sim"
)

// Suite is every checker and the metrics of one run, as a single observer.
type Suite struct {
	checkers   []Checker
	liveness   *liveness
	recoveries *recoveries
	outcomes   *outcomes
	leadership *leadership
	meter      *meter
	expect     sim.Expect
	roster     *sim.Roster
	own        []string // the names of the caller's checkers, all expected
	metrics    []Metric
	ignored    []IgnoredFault
	all        []sim.Observer   // every observer above, in order
	byKind     [][]sim.Observer // those that want each kind (see route)
}

// Attach builds the suite for a run and adds it to the run's observers.
func Attach(s *sim.Sim) *Suite {
	r := s.Roster()
	expect := s.Settings().Expect
	lead := newLeadership(r)
	suite := &Suite{
		checkers:   []Checker{NewSingleLeader(r), NewSingleBelief(r), NewSingleCommit(r), NewFencedResource(r), NewNoLostWrites(r)},
		liveness:   newLiveness(r, expect.Liveness),
		recoveries: &recoveries{roster: r, lead: lead},
		outcomes:   newOutcomes(s, lead),
		leadership: lead,
		meter:      newMeter(s.Settings()),
		expect:     expect,
		roster:     r,
	}
	if st := suite.meter.store; st != nil {
		st.lead = lead
	}
	suite.route()
	s.Observe(suite)
	return suite
}

// Observe passes the event to every checker and metric that wants its
// kind (see route), in the order they were added. The recoveries and the outcomes look at the leadership as it was before the
// event, so the leadership takes the event after them.
func (s *Suite) Observe(e *sim.Event) {
	observers := s.all
	if int(e.Kind) < len(s.byKind) {
		observers = s.byKind[e.Kind]
	}
	for _, o := range observers {
		o.Observe(e)
	}
	if e.Kind == sim.KindFaultIgnored && len(s.ignored) < maxRecoveries {
		s.ignored = append(s.ignored, IgnoredFault{Fault: e.Tag, AtNS: int64(e.At)})
	}
}

// IgnoredFault is a warning: a fault that could not take effect and changed
// nothing (a restart of a node that was up, a crash of one that was down,
// a pause of one down or paused), most likely not what the scenario's
// author meant. The JSON names are part of the report's contract.
type IgnoredFault struct {
	Fault string `json:"fault"` // what it was and why it changed nothing
	AtNS  int64  `json:"at_ns"`
}

// AddChecker adds a property of the caller's own: it is judged, reported
// and expected like the built-in ones (a run that breaks it fails).
func (s *Suite) AddChecker(c Checker) {
	s.checkers = append(s.checkers, c)
	s.own = append(s.own, c.Name())
	s.route()
}

// AddMetric adds a metric of the caller's own; the report has its value
// under its name, in UserMetrics.
func (s *Suite) AddMetric(m Metric) {
	s.metrics = append(s.metrics, m)
	s.route()
}

// Metric is a number a run's report gives, measured as the events go by:
// messages of one type, time in some state.
type Metric interface {
	sim.Observer
	Name() string
	Value() float64
}

// FirstViolation returns the earliest violation of a safety property so
// far (liveness is judged only at the end), or nil.
func (s *Suite) FirstViolation() *Violation {
	var first *Violation
	for _, c := range s.checkers {
		if v := c.Violation(); v != nil && (first == nil || v.Index < first.Index) {
			first = v
		}
	}
	return first
}

// CheckExpect reports an expect.properties entry that names no property.
func CheckExpect(scn *sim.Scenario) error {
	for i, name := range scn.Expect.Properties {
		if !slices.Contains(Names, name) {
			return scn.Errorf(fmt.Sprintf("expect.properties[%d]", i), "unknown property %q (known: %s)", name, strings.Join(Names, ", "))
		}
	}
	return nil
}

// PropertyResult is one property's outcome. The JSON names are a public
// contract.
type PropertyResult struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Report is a run's outcome, as `electsim run -json` prints it. The JSON
// names are a public contract: scripts parse them.
type Report struct {
	Scenario   string  `json:"scenario"`
	Seed       uint64  `json:"seed"`
	Protocol   string  `json:"protocol"`
	Events     int64   `json:"events"`
	TraceHash  string  `json:"trace_hash"`
	DurationNS int64   `json:"duration_ns"`
	Metrics    Metrics `json:"metrics"`
	// UserMetrics are the values of the caller's own metrics, by name.
	UserMetrics map[string]float64        `json:"user_metrics,omitempty"`
	Properties  map[string]PropertyResult `json:"properties"`
	Expected    []string                  `json:"expected"`
	Recoveries  []Recovery                `json:"recoveries"`
	// Skipped lists the faults skipped for a role nobody held then.
	Skipped []SkippedFault `json:"skipped_faults"`
	// Ignored lists, as warnings, the first 1,000 faults that could not
	// take effect (see sim.KindFaultIgnored).
	Ignored []IgnoredFault `json:"ignored_faults"`
	// PeakMemoryBytes is the most memory the run accounted for at once,
	// what limits.max_memory bounds: a guide to setting it.
	PeakMemoryBytes int64 `json:"peak_memory_bytes"`
	// Leadership lists the first 1,000 leaderships (node, generation,
	// from, to); LeadershipCount counts them all.
	Leadership      []Leadership `json:"leadership"`
	LeadershipCount int64        `json:"leadership_count"`
	// LeaderAtEnd is the leader when the run ended, or null.
	LeaderAtEnd *LeaderAt `json:"leader_at_end"`
	// OK is true when the run reached its end and every expected property
	// held.
	OK bool `json:"ok"`
	// Error says why the run stopped early (a limit, a protocol panic).
	Error string `json:"error,omitempty"`

	violations []*Violation
	actTimeout time.Duration // the workload's: what "available" waited for
	actSlots   int64         // availability's denominator
	// byWrites, with writers: all, says availability is over writes,
	// the writes measured; else it is over actSlots.
	byWrites bool
	writes   int64
}

// LeaderAt names a leader: the node, its generation and since when.
type LeaderAt struct {
	Node    string         `json:"node"`
	Gen     sim.Generation `json:"gen"`
	SinceNS int64          `json:"since_ns"`
}

// Report computes the outcome once the run has returned.
func (s *Suite) Report(res sim.Result) *Report {
	rep := &Report{
		Scenario: res.Scenario, Seed: res.Seed, Protocol: res.Protocol,
		Events: res.Events, TraceHash: sim.TraceHashString(res.TraceHash), DurationNS: int64(res.End),
		Metrics:         s.meter.finish(res.End, res.Events),
		Properties:      map[string]PropertyResult{},
		Expected:        s.expected(),
		Recoveries:      nonNil(s.recoveries.list),
		Skipped:         nonNil(s.recoveries.skipped),
		Ignored:         nonNil(s.ignored),
		OK:              res.Err == nil,
		PeakMemoryBytes: res.PeakMemory,
		actTimeout:      s.meter.timeout,
		actSlots:        s.meter.slotCount(res.End),
		byWrites:        s.meter.writes != nil,
		writes:          s.meter.measuredWrites(res.End),
	}
	s.leadershipReport(rep, res.End)
	rep.Metrics.RecoveryMaxNS, rep.Metrics.UnrecoveredFaults = s.recoveries.max, int64(len(s.recoveries.open))
	for _, m := range s.metrics {
		if rep.UserMetrics == nil {
			rep.UserMetrics = map[string]float64{}
		}
		rep.UserMetrics[m.Name()] = m.Value()
	}
	if res.Err != nil {
		rep.Error = res.Err.Error()
	}
	for _, c := range s.checkers {
		rep.record(c.Name(), c.Violation())
	}
	detail := s.liveness.finish(res.End)
	rep.record(Liveness, s.liveness.Violation())
	if s.liveness.Violation() == nil {
		rep.Properties[Liveness] = PropertyResult{OK: true, Detail: detail}
	}
	s.bounds(rep)
	s.outcomes.judge(rep, res.End)
	for _, name := range rep.Expected {
		if !rep.Properties[name].OK {
			rep.OK = false
		}
	}
	return rep
}

// leadershipReport enters the leaderships, the leader at the end and the
// times they measure.
func (s *Suite) leadershipReport(rep *Report, end sim.Time) {
	l := s.leadership
	rep.Leadership = nonNil(l.finish(end, &rep.Metrics))
	rep.LeadershipCount = l.count
	if l.leader != sim.NoNode {
		rep.LeaderAtEnd = &LeaderAt{Node: s.roster.Name(l.leader), Gen: l.gen[l.leader], SinceNS: int64(l.since[l.leader])}
	}
}

// record enters a property's outcome.
func (r *Report) record(name string, v *Violation) {
	result := PropertyResult{OK: v == nil, Detail: "holds"}
	if v != nil {
		result.Detail = v.Detail
		r.violations = append(r.violations, v)
	}
	r.Properties[name] = result
}

// Bounds on metrics that a scenario's expect section can set.
const (
	MaxSplitBrain   = "max-split-brain"
	MinAvailability = "min-availability"
)

// bounds checks the expect section's bounds on the metrics.
func (s *Suite) bounds(rep *Report) {
	m := rep.Metrics
	if b := s.expect.MaxSplitBrain; b != nil {
		rep.Properties[MaxSplitBrain] = PropertyResult{OK: m.SplitBrainNS <= int64(*b),
			Detail: fmt.Sprintf("split brain lasted %v; the bound is %v", readable(m.SplitBrainNS), *b)}
	}
	if b := s.expect.MinAvailability; b != nil {
		rep.Properties[MinAvailability] = PropertyResult{OK: m.Availability >= *b,
			Detail: fmt.Sprintf("availability %.4f; the bound is %v", m.Availability, *b)}
	}
}

// expected lists what must hold: the properties named, liveness when its
// bound is set, and each bound set.
func (s *Suite) expected() []string {
	out := slices.Clone(s.expect.Properties)
	if s.expect.Liveness > 0 && !slices.Contains(out, Liveness) {
		out = append(out, Liveness)
	}
	if s.expect.MaxSplitBrain != nil {
		out = append(out, MaxSplitBrain)
	}
	if s.expect.MinAvailability != nil {
		out = append(out, MinAvailability)
	}
	out = append(out, expectedOutcomes(s.expect)...)
	for _, name := range s.own {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// Violations returns the violations found, expected properties or not, in
// the order of Names.
func (r *Report) Violations() []*Violation { return r.violations }

// Violated returns the expected properties that failed.
func (r *Report) Violated() []string {
	var out []string
	for _, name := range r.Expected {
		if p, ok := r.Properties[name]; ok && !p.OK {
			out = append(out, name)
		}
	}
	return out
}

// nonNil makes a list that JSON writes as [] even when empty.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
