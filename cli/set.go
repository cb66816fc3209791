package cli

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/electsim/electsim/sim"
)

// What a -set key names. The rule, as the manual and README give it:
//
//   - protocol.X is the protocol parameter X;
//   - a key with a dot or an index (store.w, faults[0].pause.for), or a
//     top-level field of a scenario (nodes, duration, store), is a field
//     of the scenario by its path, as an experiment's set and axes write
//     it;
//   - any other key (prevote, election_timeout_max) is a protocol
//     parameter.
//
// No protocol has a parameter named as a top-level scenario field
// (TestSetKeysDoNotCollide), so a parameter never needs protocol. to be
// reached; protocol.X reaches one all the same.

// setKey is what one -set key names.
type setKey struct {
	key   string // as typed
	path  string // the scenario field: protocol.X for a parameter
	param string // the protocol parameter, or "" for a scenario field
}

// scenarioFields are the top-level fields of a scenario, by their YAML
// names.
var scenarioFields = func() []string {
	var out []string
	t := reflect.TypeFor[sim.Scenario]()
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			out = append(out, name)
		}
	}
	return out
}()

// parseSetKey reads a -set key by the rule above. protocolFlag is the flag
// that chooses the protocol instead (-protocol, -protocols).
func parseSetKey(key, protocolFlag string) (setKey, error) {
	switch {
	case key == "":
		return setKey{}, fmt.Errorf("no key before =")
	case key == "protocol" || key == "protocol.name":
		return setKey{}, fmt.Errorf("choose the protocol with %s", protocolFlag)
	case key == "seed":
		return setKey{}, fmt.Errorf("give the seed with %s", map[string]string{"-protocol": "-seed", "-protocols": "-seeds"}[protocolFlag])
	case key == "trace_hash":
		return setKey{}, fmt.Errorf("a run records its own trace hash")
	}
	if param, ok := strings.CutPrefix(key, "protocol."); ok && !strings.ContainsAny(param, ".[") {
		return setKey{key: key, path: key, param: param}, nil
	}
	if strings.ContainsAny(key, ".[") || slices.Contains(scenarioFields, key) {
		if err := checkFieldPath(key); err != nil {
			return setKey{}, err
		}
		return setKey{key: key, path: key}, nil
	}
	return setKey{key: key, path: "protocol." + key, param: key}, nil
}

// pathStep is one step of a field path: a key, or an index when key is "".
type pathStep struct {
	key   string
	index int
}

func (s pathStep) String() string {
	if s.key == "" {
		return fmt.Sprintf("[%d]", s.index)
	}
	return s.key
}

// splitPath reads a field path as experiments write it: keys joined by
// dots, each with any [index] after it.
func splitPath(path string) ([]pathStep, error) {
	var steps []pathStep
	for part := range strings.SplitSeq(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" {
			if len(steps) == 0 {
				return nil, fmt.Errorf("%s does not start with a field name", sim.QuoteInput(path))
			}
			return nil, fmt.Errorf("%s has an empty field name", sim.QuoteInput(path))
		}
		steps = append(steps, pathStep{key: key})
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if !ok || err != nil || i < 0 || (after != "" && after[0] != '[') {
				return nil, fmt.Errorf("%s: want an index such as [0] after a name, and a dot after ]", sim.QuoteInput(path))
			}
			steps = append(steps, pathStep{index: i})
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return steps, nil
}

func joinPath(steps []pathStep) string {
	var b strings.Builder
	for i, s := range steps {
		if i > 0 && s.key != "" {
			b.WriteByte('.')
		}
		b.WriteString(s.String())
	}
	return b.String()
}

// checkFieldPath checks a path against the fields a scenario has, so that
// a misspelt field is named with the ones that are there. It checks as far
// as a field with a reading of its own (the protocol, a span, a size),
// which the scenario's own reading checks.
func checkFieldPath(path string) error {
	steps, err := splitPath(path)
	if err != nil {
		return err
	}
	t := reflect.TypeFor[sim.Scenario]()
	for i, st := range steps {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if readsItself(t) {
			return nil
		}
		where := joinPath(steps[:i])
		switch {
		case st.key == "" && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			t = t.Elem()
		case st.key == "":
			return fmt.Errorf("%s is not a list, so it has no item %s", where, st)
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Slice:
			return fmt.Errorf("%s is a list: name an item by its index, such as %s[0].%s", where, where, st.key)
		case t.Kind() == reflect.Struct:
			f, ok := fieldNamed(t, st.key)
			if !ok {
				return unknownField(where, st.key, t)
			}
			t = f.Type
		case t.Kind() == reflect.Interface:
			return nil
		default:
			return fmt.Errorf("%s is a value, not a mapping: it has no field %s", where, sim.QuoteInput(st.key))
		}
	}
	return nil
}

// readsItself reports whether a type reads its own YAML (a span "1s-5s", a
// size "512MiB", the protocol's parameters), so that its struct fields say
// nothing about its keys.
func readsItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	for _, m := range []string{"UnmarshalYAML", "UnmarshalText"} {
		if _, ok := p.MethodByName(m); ok {
			return true
		}
	}
	return false
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

func fieldNamed(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if yamlName(t.Field(i)) == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// unknownField names a field that is not there with those that are, the
// nearest first when one is near.
func unknownField(where, key string, t reflect.Type) error {
	var names []string
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" && name != "trace_hash" {
			names = append(names, name)
		}
	}
	owner := where
	if owner == "" {
		owner = "a scenario"
	}
	hint := ""
	if near := nearest(key, names); near != "" {
		hint = fmt.Sprintf("did you mean %s? ", joinField(where, near))
	}
	return fmt.Errorf("%s has no field %s (%sit has: %s)", owner, sim.QuoteInput(key), hint, strings.Join(names, ", "))
}

func joinField(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

// nearest is the name closest to key in edits, if it is near: within a
// third of its length, and at least 2 edits.
func nearest(key string, names []string) string {
	best, bestD := "", max(2, len(key)/3)+1
	for _, n := range names {
		if d := editDistance(key, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 100 || len(b) > 100 {
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
