package sim

import (
	"fmt"
	"math"
	"time"
)

// The expect section: properties, bounds on the metrics, and the outcomes
// a story is about.

func (v *validator) expect() {
	e := v.s.Expect
	for i, p := range e.Properties {
		if p == "" {
			v.add(fmt.Sprintf("expect.properties[%d]", i), "empty property name")
		}
	}
	v.nonNegative("expect.max_split_brain", e.MaxSplitBrain)
	if a := e.MinAvailability; a != nil && (math.IsNaN(*a) || *a < 0 || *a > 1) {
		v.add("expect.min_availability", "must be in [0, 1], got %v", *a)
	}
	if e.Liveness < 0 || e.Liveness > MaxDuration {
		v.add("expect.liveness", "must be positive and at most %v, got %v", MaxDuration, e.Liveness)
	}
	v.outcomes(e)
}

func (v *validator) nonNegative(field string, d *time.Duration) {
	if d != nil && *d < 0 {
		v.add(field, "must not be negative, got %v", *d)
	}
}

func (v *validator) outcomes(e Expect) {
	if e.LeaderAtEnd != nil {
		v.participants("expect.leader_at_end", e.LeaderAtEnd, 1)
	}
	if b := e.LeaderBy; b != nil {
		if b.At < 0 || (v.s.Duration > 0 && b.At >= v.s.Duration) {
			v.add("expect.leader_by.at", "time %v is not inside the run [0, %v)", b.At, v.s.Duration)
		}
		v.participants("expect.leader_by.among", b.Among, 0)
	}
	if t := e.NoLeaderChangeAfter; t != nil && (*t < 0 || (v.s.Duration > 0 && *t >= v.s.Duration)) {
		v.add("expect.no_leader_change_after", "time %v is not inside the run [0, %v)", *t, v.s.Duration)
	}
	if n := e.MaxLeaderChanges; n != nil && *n < 0 {
		v.add("expect.max_leader_changes", "must not be negative, got %d", *n)
	}
	v.nonNegative("expect.max_leaderless", e.MaxLeaderless)
	v.nonNegative("expect.max_leaderless_stretch", e.MaxLeaderlessStretch)
	if out := e.OutOfServiceAtEnd; out != nil {
		v.participants("expect.out_of_service_at_end", *out, 0)
	}
}

// participants checks a list of participant names, none twice.
func (v *validator) participants(field string, names []string, minLen int) {
	if len(names) < minLen {
		v.add(field, "needs at least %d participant(s)", minLen)
	}
	for i, name := range names {
		v.participant(fmt.Sprintf("%s[%d]", field, i), name)
	}
	v.once(field, names)
}
