package experiment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/electsim/electsim/sim"
)

// Value is one value of an axis: as YAML decodes it (what is set in the
// scenario), its text (how tables and rows name it) and, for a number or a
// duration, its magnitude (where plots place it; durations in seconds).
type Value struct {
	YAML    any
	Text    string
	Num     float64
	Numeric bool
}

// newValue reads one written value.
func newValue(v any) (Value, error) {
	switch v := v.(type) {
	case nil:
		return Value{}, fmt.Errorf("a value is missing (null)")
	case string:
		val := Value{YAML: v, Text: v}
		if d, err := time.ParseDuration(v); err == nil {
			val.Num, val.Numeric = d.Seconds(), true
		}
		return val, nil
	case bool:
		return Value{YAML: v, Text: strconv.FormatBool(v)}, nil
	case uint64, int64, int, float64:
		f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
		return Value{YAML: v, Text: fmt.Sprint(v), Num: f, Numeric: true}, nil
	}
	// A mapping or a list (a latency distribution): its one-line YAML.
	text, err := yaml.MarshalWithOptions(v, yaml.Flow(true))
	if err != nil {
		return Value{}, err
	}
	return Value{YAML: v, Text: strings.TrimSpace(string(text))}, nil
}

// ValueOf reads a value as the command line writes it ("true", "2s",
// "{dist: constant, value: 1ms}"), as YAML, within a file's limits (see
// sim.ParseValue).
func ValueOf(text string) (Value, error) {
	v, err := sim.ParseValue(text)
	if err != nil {
		return Value{}, fmt.Errorf("%s is not a value: %v", sim.QuoteInput(text), err)
	}
	val, err := newValue(v)
	if err == nil {
		val.Text = text // as the user wrote it
	}
	return val, err
}

// expandRange lists a range's values: numbers, or durations when all three
// ends are durations.
func expandRange(r *RangeSpec) ([]Value, error) {
	from, errF := time.ParseDuration(r.From)
	to, errT := time.ParseDuration(r.To)
	step, errS := time.ParseDuration(r.Step)
	if errF == nil && errT == nil && errS == nil {
		return durationRange(from, to, step)
	}
	f, errF := strconv.ParseFloat(r.From, 64)
	t, errT := strconv.ParseFloat(r.To, 64)
	s, errS := strconv.ParseFloat(r.Step, 64)
	if errF != nil || errT != nil || errS != nil {
		return nil, fmt.Errorf("from, to and step are numbers or durations, all three: got %q, %q, %q", r.From, r.To, r.Step)
	}
	return numberRange(f, t, s, max(decimals(r.From), decimals(r.Step)))
}

// decimals counts the digits after the point of a number as written: the
// precision its range's values are given to.
func decimals(text string) int {
	_, frac, ok := strings.Cut(strings.ToLower(text), ".")
	if !ok || strings.ContainsAny(frac, "e") {
		return -1 // none, or an exponent: no rounding
	}
	return len(frac)
}

func durationRange(from, to, step time.Duration) ([]Value, error) {
	if err := checkSteps(float64(from), float64(to), float64(step)); err != nil {
		return nil, err
	}
	var out []Value
	for d := from; d <= to; d += step {
		out = append(out, Value{YAML: d.String(), Text: d.String(), Num: d.Seconds(), Numeric: true})
	}
	return out, nil
}

func numberRange(from, to, step float64, places int) ([]Value, error) {
	if err := checkSteps(from, to, step); err != nil {
		return nil, err
	}
	var out []Value
	// Each value from its index, rounded to the decimals the range was
	// written with, so that 0.1 steps give 0.3, not 0.30000000000000004.
	for i := 0; ; i++ {
		raw := from + float64(i)*step
		if raw > to+math.Abs(step)*1e-9 {
			return out, nil
		}
		v := raw
		if places >= 0 && places <= 15 {
			scale := math.Pow(10, float64(places))
			v = math.Round(raw*scale) / scale
		}
		out = append(out, Value{YAML: v, Text: strconv.FormatFloat(v, 'g', -1, 64), Num: v, Numeric: true})
	}
}

func checkSteps(from, to, step float64) error {
	switch {
	case math.IsNaN(from) || math.IsNaN(to) || math.IsNaN(step) || math.IsInf(from, 0) || math.IsInf(to, 0):
		return fmt.Errorf("want finite numbers")
	case step <= 0:
		return fmt.Errorf("step must be above 0")
	case to < from:
		return fmt.Errorf("the range runs backwards: from is above to")
	case (to-from)/step >= MaxAxisSize:
		return fmt.Errorf("more than %d values", MaxAxisSize)
	}
	return nil
}
