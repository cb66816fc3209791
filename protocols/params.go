package protocols

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/electsim/electsim/sim"
)

// Kind is a parameter's type.
type Kind int

// Parameter types. A duration is written with its unit ("150ms"), never as
// a bare number.
const (
	Duration Kind = iota + 1
	Bool
	Int
	Float
	Enum
	// IntLists is a list of whole numbers for each of some names (nodes):
	// {n1: [1, 1, 2], n2: [1]}.
	IntLists
	// NameList is a list of names (nodes): [n1, n2].
	NameList
)

func (k Kind) String() string {
	return [...]string{"", "duration", "bool", "int", "float", "enum", "lists", "names"}[k]
}

// Param is one typed parameter of a protocol.
type Param struct {
	Name    string
	Kind    Kind
	Default any    // time.Duration, bool, int64, float64, string (Enum), map[string][]int64 (IntLists) or []string (NameList)
	Unit    string // shown by `electsim protocols`: "ms", "ppm", ...
	Doc     string
	Enum    []string // the choices, for Enum
	// Min and Max bound Int, Float and Duration values (Duration in ns);
	// a Max of zero means no upper bound (both zero: unbounded). Unit is
	// for numbers: a duration shows its own.
	Min, Max float64
}

func (p Param) checkDefault() error {
	if _, err := p.parse(p.Default); err != nil {
		return fmt.Errorf("parameter %s: default: %v", p.Name, err)
	}
	return nil
}

// parse converts a value as decoded from YAML (or put in Params by Go code)
// to the parameter's type and checks its range.
func (p Param) parse(raw any) (any, error) {
	switch p.Kind {
	case Duration:
		d, err := toDuration(raw)
		if err != nil {
			return nil, err
		}
		return d, p.inRange(float64(d), func(f float64) string { return time.Duration(f).String() })
	case Bool:
		b, ok := raw.(bool)
		if !ok {
			return nil, fmt.Errorf("want true or false, got %v", describe(raw))
		}
		return b, nil
	case Int:
		i, err := toInt(raw)
		if err != nil {
			return nil, err
		}
		return i, p.inRange(float64(i), func(f float64) string { return fmt.Sprint(int64(f)) })
	case Float:
		f, err := toFloat(raw)
		if err != nil {
			return nil, err
		}
		return f, p.inRange(f, func(f float64) string { return fmt.Sprint(f) })
	case Enum:
		s, ok := raw.(string)
		if !ok || !slices.Contains(p.Enum, s) {
			return nil, fmt.Errorf("want one of %s, got %v", strings.Join(p.Enum, ", "), describe(raw))
		}
		return s, nil
	case IntLists:
		return p.intLists(raw)
	case NameList:
		return names(raw)
	}
	return nil, fmt.Errorf("parameter %s has no kind", p.Name)
}

// maxListLength bounds each list of an IntLists parameter.
const maxListLength = 10000

// intLists reads {name: [1, 2], ...}, each number within the parameter's
// range.
func (p Param) intLists(raw any) (map[string][]int64, error) {
	if lists, ok := raw.(map[string][]int64); ok {
		return lists, nil
	}
	m, ok := stringMap(raw)
	if !ok {
		return nil, fmt.Errorf("want a list of whole numbers for each node, such as {n1: [1, 1, 2]}, got %v", describe(raw))
	}
	out := make(map[string][]int64, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		items, ok := m[name].([]any)
		if !ok {
			return nil, fmt.Errorf("%s: want a list of whole numbers, got %v", name, describe(m[name]))
		}
		if len(items) > maxListLength {
			return nil, fmt.Errorf("%s: at most %d numbers, got %d", name, maxListLength, len(items))
		}
		list := make([]int64, len(items))
		for i, item := range items {
			v, err := toInt(item)
			if err == nil {
				err = p.inRange(float64(v), func(f float64) string { return fmt.Sprint(int64(f)) })
			}
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %v", name, i, err)
			}
			list[i] = v
		}
		out[name] = list
	}
	return out, nil
}

// names reads a list of names: [n1, n2].
func names(raw any) ([]string, error) {
	if list, ok := raw.([]string); ok {
		return list, nil
	}
	items, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("want a list of node names, such as [n1, n2], got %v", describe(raw))
	}
	if len(items) > maxListLength {
		return nil, fmt.Errorf("at most %d names, got %d", maxListLength, len(items))
	}
	out := make([]string, len(items))
	for i, item := range items {
		name, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("[%d]: want a node name, got %v", i, describe(item))
		}
		out[i] = name
	}
	return out, nil
}

// stringMap reads a mapping with text keys, as Go code writes it or as the
// scenario decoder keeps it (in order, as a yaml.MapSlice).
func stringMap(raw any) (map[string]any, bool) {
	switch m := raw.(type) {
	case map[string]any:
		return m, true
	case yaml.MapSlice:
		out := make(map[string]any, len(m))
		for _, item := range m {
			key, ok := item.Key.(string)
			if !ok {
				return nil, false
			}
			out[key] = item.Value
		}
		return out, true
	}
	return nil, false
}

func (p Param) inRange(f float64, show func(float64) string) error {
	switch {
	case p.Min == 0 && p.Max == 0:
		return nil
	case p.Max == 0 && f < p.Min:
		return fmt.Errorf("%s is below %s", show(f), show(p.Min))
	case p.Max != 0 && (f < p.Min || f > p.Max):
		return fmt.Errorf("%s is outside [%s, %s]", show(f), show(p.Min), show(p.Max))
	}
	return nil
}

func toDuration(raw any) (time.Duration, error) {
	switch v := raw.(type) {
	case time.Duration:
		return v, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf(`want a duration such as "150ms" or "2s", got %q`, v)
		}
		return d, nil
	}
	return 0, fmt.Errorf(`want a duration with its unit, such as "150ms" or "2s", got %v`, describe(raw))
}

func toInt(raw any) (int64, error) {
	switch v := raw.(type) {
	case int:
		return int64(v), nil
	case int64:
		return v, nil
	case uint64:
		if v > math.MaxInt64 {
			return 0, fmt.Errorf("%d is too large", v)
		}
		return int64(v), nil
	}
	return 0, fmt.Errorf("want a whole number, got %v", describe(raw))
}

func toFloat(raw any) (float64, error) {
	switch v := raw.(type) {
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, fmt.Errorf("want a finite number, got %v", v)
		}
		return v, nil
	case int, int64, uint64:
		i, err := toInt(v)
		return float64(i), err
	}
	return 0, fmt.Errorf("want a number, got %v", describe(raw))
}

// describe shows a value as it was written, in YAML's words where it
// needs any ("[1 2] (a list)"), never Go's types.
func describe(raw any) string {
	switch v := raw.(type) {
	case string:
		return fmt.Sprintf("%q", v)
	case bool, int, int64, uint64, float64:
		return fmt.Sprint(v)
	case []any:
		return fmt.Sprintf("%v (a list)", v)
	case map[string]any, yaml.MapSlice:
		return fmt.Sprintf("%v (a mapping)", v)
	case nil:
		return "nothing (null)"
	}
	return fmt.Sprint(raw)
}

// FormatDefault shows a parameter's default as a scenario would write it.
func (p Param) FormatDefault() string {
	switch d := p.Default.(type) {
	case time.Duration:
		return d.String()
	case map[string][]int64:
		if len(d) == 0 {
			return "{}"
		}
	case []string:
		return "[" + strings.Join(d, ", ") + "]"
	}
	return fmt.Sprint(p.Default)
}

// Values are a protocol's checked parameters, defaults filled in.
type Values struct {
	scn      *sim.Scenario
	values   map[string]any
	warnings []string
}

// Duration returns a duration parameter. Asking for a parameter the
// protocol did not declare, or with the wrong type, panics: a bug in the
// protocol's Build.
func (v *Values) Duration(name string) time.Duration { return get[time.Duration](v, name) }

// Bool returns a bool parameter.
func (v *Values) Bool(name string) bool { return get[bool](v, name) }

// Int returns an int parameter.
func (v *Values) Int(name string) int64 { return get[int64](v, name) }

// Float returns a float parameter.
func (v *Values) Float(name string) float64 { return get[float64](v, name) }

// String returns an enum parameter.
func (v *Values) String(name string) string { return get[string](v, name) }

// NameList returns a NameList parameter.
func (v *Values) NameList(name string) []string { return get[[]string](v, name) }

// IntLists returns an IntLists parameter.
func (v *Values) IntLists(name string) map[string][]int64 { return get[map[string][]int64](v, name) }

func get[T any](v *Values, name string) T {
	raw, ok := v.values[name]
	if !ok {
		panic("protocols: no parameter " + name)
	}
	return raw.(T)
}

// Errorf reports a problem with a parameter, at its line in the scenario.
func (v *Values) Errorf(name, format string, args ...any) error {
	return v.scn.Errorf("protocol."+name, format, args...)
}

// Warnf records a parameter setting that runs but is likely a mistake.
func (v *Values) Warnf(name, format string, args ...any) {
	v.warnings = append(v.warnings, v.scn.Errorf("protocol."+name, format, args...).Error())
}

// Warnings returns what Warnf recorded.
func (v *Values) Warnings() []string { return v.warnings }

// Scenario returns the scenario the values came from.
func (v *Values) Scenario() *sim.Scenario { return v.scn }
