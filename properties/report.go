package properties

import (
	"fmt"
	"slices"
	"strings"

	"github.com/electsim/electsim/sim"
)

// Suite is every checker and the metrics of one run, as a single observer.
type Suite struct {
	checkers []Checker
	meter    *meter
	expect   []string
	roster   *sim.Roster
}

// Attach builds the suite for a run and adds it to the run's observers.
func Attach(s *sim.Sim) *Suite {
	r := s.Roster()
	suite := &Suite{
		checkers: []Checker{NewSingleLeader(r), NewSingleBelief(r), NewFencedResource(r)},
		meter:    newMeter(r, s.Scenario().Workload),
		expect:   s.Scenario().Expect.Properties,
		roster:   r,
	}
	s.Observe(suite)
	return suite
}

// Observe passes the event to every checker and to the metrics.
func (s *Suite) Observe(e *sim.Event) {
	for _, c := range s.checkers {
		c.Observe(e)
	}
	s.meter.Observe(e)
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
	Scenario   string                    `json:"scenario"`
	Seed       uint64                    `json:"seed"`
	Protocol   string                    `json:"protocol"`
	Events     int64                     `json:"events"`
	TraceHash  string                    `json:"trace_hash"`
	DurationNS int64                     `json:"duration_ns"`
	Metrics    Metrics                   `json:"metrics"`
	Properties map[string]PropertyResult `json:"properties"`
	Expected   []string                  `json:"expected"`
	// OK is true when the run reached its end and every expected property
	// held.
	OK bool `json:"ok"`
	// Error says why the run stopped early (a limit, a protocol panic).
	Error string `json:"error,omitempty"`

	violations []*Violation
}

// Report computes the outcome once the run has returned.
func (s *Suite) Report(res sim.Result) *Report {
	rep := &Report{
		Scenario: res.Scenario, Seed: res.Seed, Protocol: res.Protocol,
		Events: res.Events, TraceHash: sim.TraceHashString(res.TraceHash), DurationNS: int64(res.End),
		Metrics:    s.meter.finish(res.End, res.Events),
		Properties: map[string]PropertyResult{},
		Expected:   s.expect,
		OK:         res.Err == nil,
	}
	if res.Err != nil {
		rep.Error = res.Err.Error()
	}
	for _, c := range s.checkers {
		v := c.Violation()
		result := PropertyResult{OK: v == nil, Detail: "holds"}
		if v != nil {
			result.Detail = v.Detail
			rep.violations = append(rep.violations, v)
			if slices.Contains(s.expect, c.Name()) {
				rep.OK = false
			}
		}
		rep.Properties[c.Name()] = result
	}
	return rep
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
