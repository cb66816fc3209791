package network

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Latency is a one-way delay distribution. Dist names it; each distribution
// reads only its own parameters (Validate rejects the others):
//
//	constant     value
//	uniform      min, max
//	normal       mean, stddev          (resampled below 0, so truncated at 0)
//	exponential  mean [, min]          (min + an exponential with that mean)
//	lognormal    median, sigma [, min] (min + median * e^(sigma*N(0,1)))
//	pareto       min, alpha            (scale min, shape alpha: a heavy tail)
//
// Every distribution but constant and uniform takes an optional cap, max,
// at which samples are clamped, so that a heavy tail stays bounded.
type Latency struct {
	Dist   string        `yaml:"dist" json:"dist"`
	Value  time.Duration `yaml:"value,omitempty" json:"value,omitempty"`
	Min    time.Duration `yaml:"min,omitempty" json:"min,omitempty"`
	Max    time.Duration `yaml:"max,omitempty" json:"max,omitempty"`
	Mean   time.Duration `yaml:"mean,omitempty" json:"mean,omitempty"`
	Stddev time.Duration `yaml:"stddev,omitempty" json:"stddev,omitempty"`
	Median time.Duration `yaml:"median,omitempty" json:"median,omitempty"`
	Sigma  float64       `yaml:"sigma,omitempty" json:"sigma,omitempty"`
	Alpha  float64       `yaml:"alpha,omitempty" json:"alpha,omitempty"`
}

// Constant returns a fixed latency.
func Constant(d time.Duration) Latency { return Latency{Dist: "constant", Value: d} }

// Uniform returns a latency uniform in [min, max].
func Uniform(min, max time.Duration) Latency { return Latency{Dist: "uniform", Min: min, Max: max} }

// Dists lists the distribution names, for messages and docs.
var Dists = []string{"constant", "uniform", "normal", "exponential", "lognormal", "pareto"}

// FieldError is a validation error about one named field, so that the
// scenario decoder can point at the line that holds it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Validate checks that the distribution is known, that its parameters are
// present, non-negative and consistent, and that no foreign parameter is set.
func (l Latency) Validate() error {
	allowed, err := l.params()
	if err != nil {
		return err
	}
	for _, f := range l.fields() {
		if f.set && !allowed[f.name] {
			return fieldErr(f.name, "%s is not a parameter of the %s distribution", f.name, l.Dist)
		}
		if f.negative {
			return fieldErr(f.name, "latency must not be negative")
		}
	}
	return l.checkShape()
}

type latencyField struct {
	name          string
	set, negative bool
}

// fields lists every parameter in a fixed order, so errors are reproducible.
func (l Latency) fields() []latencyField {
	durations := []struct {
		name string
		d    time.Duration
	}{{"value", l.Value}, {"min", l.Min}, {"max", l.Max}, {"mean", l.Mean}, {"stddev", l.Stddev}, {"median", l.Median}}
	var out []latencyField
	for _, f := range durations {
		out = append(out, latencyField{name: f.name, set: f.d != 0, negative: f.d < 0})
	}
	return append(out, latencyField{name: "sigma", set: l.Sigma != 0}, latencyField{name: "alpha", set: l.Alpha != 0})
}

// params names the parameters each distribution reads.
func (l Latency) params() (map[string]bool, error) {
	switch l.Dist {
	case "constant":
		return map[string]bool{"value": true}, nil
	case "uniform":
		return map[string]bool{"min": true, "max": true}, nil
	case "normal":
		return map[string]bool{"mean": true, "stddev": true, "max": true}, nil
	case "exponential":
		return map[string]bool{"mean": true, "min": true, "max": true}, nil
	case "lognormal":
		return map[string]bool{"median": true, "sigma": true, "min": true, "max": true}, nil
	case "pareto":
		return map[string]bool{"min": true, "alpha": true, "max": true}, nil
	case "":
		return nil, fieldErr("dist", "missing: one of %v", Dists)
	}
	return nil, fieldErr("dist", "unknown distribution %q: one of %v", l.Dist, Dists)
}

func (l Latency) checkShape() error {
	switch l.Dist {
	case "uniform":
		if l.Max < l.Min {
			return fieldErr("max", "uniform max %v is below min %v", l.Max, l.Min)
		}
	case "exponential":
		if l.Mean <= 0 {
			return fieldErr("mean", "exponential needs a positive mean")
		}
	case "lognormal":
		if l.Median <= 0 || l.Sigma <= 0 || math.IsNaN(l.Sigma) || l.Sigma > 10 {
			return fieldErr("sigma", "lognormal needs a positive median and a sigma in (0, 10]")
		}
	case "pareto":
		if l.Min <= 0 || !(l.Alpha > 0) || l.Alpha > 100 {
			return fieldErr("alpha", "pareto needs a positive min and an alpha in (0, 100]")
		}
	}
	if l.Max != 0 && l.Dist != "uniform" && l.Max < l.Min {
		return fieldErr("max", "cap %v is below min %v", l.Max, l.Min)
	}
	return nil
}

// maxNormalTries bounds the resampling of a truncated normal; a mean far
// below zero would otherwise loop for long. After it the sample is 0.
const maxNormalTries = 64

// Sample draws one latency. It uses only r, so a link's stream alone decides
// its delays.
func (l *Latency) Sample(r *rand.Rand) time.Duration {
	var d float64
	switch l.Dist {
	case "constant":
		return l.Value
	case "uniform":
		return l.Min + time.Duration(r.Int64N(int64(l.Max-l.Min)+1))
	case "normal":
		d = l.sampleNormal(r)
	case "exponential":
		d = float64(l.Min) + r.ExpFloat64()*float64(l.Mean)
	case "lognormal":
		d = float64(l.Min) + float64(l.Median)*math.Exp(l.Sigma*r.NormFloat64())
	case "pareto":
		d = float64(l.Min) / math.Pow(1-r.Float64(), 1/l.Alpha)
	}
	return l.capped(d)
}

func (l *Latency) sampleNormal(r *rand.Rand) float64 {
	for range maxNormalTries {
		if d := float64(l.Mean) + r.NormFloat64()*float64(l.Stddev); d >= 0 {
			return d
		}
	}
	return 0
}

// capped converts a sample to a duration, clamped to the cap and to a year so
// that a heavy tail can never overflow true time.
func (l *Latency) capped(d float64) time.Duration {
	limit := float64(365 * 24 * time.Hour)
	if l.Max > 0 {
		limit = float64(l.Max)
	}
	if !(d < limit) { // also catches NaN and +Inf
		return time.Duration(limit)
	}
	return time.Duration(d)
}
