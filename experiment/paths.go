package experiment

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// SetPath writes value at a field path of a scenario held as ordered YAML
// (sim.Scenario.Marshal read back with yaml.UseOrderedMap), as an
// experiment's set and axes do; electsim run -set uses it.
func SetPath(doc yaml.MapSlice, path string, value any) (yaml.MapSlice, error) {
	return setPath(doc, path, value)
}

// setPath writes value at a field path (network.latency, faults[0].for) of
// a scenario held as ordered YAML. A missing key is added, with the
// mappings on the way to it; a list index must exist, since a value cannot
// stand in a list item that is not there.
func setPath(doc yaml.MapSlice, path string, value any) (yaml.MapSlice, error) {
	steps, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	out, err := setIn(doc, steps, value, "")
	if err != nil {
		return nil, err
	}
	return out.(yaml.MapSlice), nil
}

// PathStep is one step of a field path: a key, or an index when Key is "".
type PathStep struct {
	Key   string
	Index int
}

func (s PathStep) String() string {
	if s.Key == "" {
		return fmt.Sprintf("[%d]", s.Index)
	}
	return s.Key
}

// ParsePath reads a field path as experiments write it: keys joined by
// dots, each with any [index] after it (network.latency, faults[0].for).
func ParsePath(path string) ([]PathStep, error) { return parsePath(path) }

// JoinPath writes steps back as a path.
func JoinPath(steps []PathStep) string {
	var b strings.Builder
	for i, s := range steps {
		if i > 0 && s.Key != "" {
			b.WriteByte('.')
		}
		b.WriteString(s.String())
	}
	return b.String()
}

// HasPath reports whether a scenario held as ordered YAML writes the field
// at steps.
func HasPath(doc yaml.MapSlice, steps []PathStep) bool {
	var node any = doc
	for _, st := range steps {
		switch n := node.(type) {
		case yaml.MapSlice:
			found := false
			for _, item := range n {
				if k, ok := item.Key.(string); ok && k == st.Key && st.Key != "" {
					node, found = item.Value, true
					break
				}
			}
			if !found {
				return false
			}
		case []any:
			if st.Key != "" || st.Index >= len(n) {
				return false
			}
			node = n[st.Index]
		default:
			return false
		}
	}
	return true
}

func parsePath(path string) ([]PathStep, error) {
	var steps []PathStep
	for part := range strings.SplitSeq(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" && len(steps) == 0 {
			return nil, fmt.Errorf("%q does not start with a field name", path)
		}
		if key != "" {
			steps = append(steps, PathStep{Key: key})
		}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if !ok || err != nil || i < 0 {
				return nil, fmt.Errorf("%q: want an index such as [0]", path)
			}
			steps = append(steps, PathStep{Index: i})
			rest = strings.TrimPrefix(after, "[")
			if after != "" && !strings.HasPrefix(after, "[") {
				return nil, fmt.Errorf("%q: want a dot after ]", path)
			}
		}
		if key == "" && rest == "" && part == "" {
			return nil, fmt.Errorf("%q has an empty field name", path)
		}
	}
	return steps, nil
}

// setIn returns node with value at steps; where is the path so far, for
// errors.
func setIn(node any, steps []PathStep, value any, where string) (any, error) {
	if len(steps) == 0 {
		return value, nil
	}
	st := steps[0]
	if st.Key == "" {
		list, ok := node.([]any)
		if !ok || st.Index >= len(list) {
			return nil, fmt.Errorf("%s has no item [%d] in the base scenario", orTop(where), st.Index)
		}
		child, err := setIn(list[st.Index], steps[1:], value, fmt.Sprintf("%s[%d]", where, st.Index))
		if err != nil {
			return nil, err
		}
		list = append([]any(nil), list...)
		list[st.Index] = child
		return list, nil
	}
	var m yaml.MapSlice
	switch n := node.(type) {
	case yaml.MapSlice:
		m = append(yaml.MapSlice(nil), n...)
	case nil:
	default:
		return nil, fmt.Errorf("%s is not a mapping in the base scenario, so it has no field %s", orTop(where), st.Key)
	}
	next := joinField(where, st.Key)
	for i, item := range m {
		if item.Key == st.Key {
			child, err := setIn(item.Value, steps[1:], value, next)
			if err != nil {
				return nil, err
			}
			m[i].Value = child
			return m, nil
		}
	}
	child, err := setIn(nil, steps[1:], value, next)
	if err != nil {
		return nil, err
	}
	return append(m, yaml.MapItem{Key: st.Key, Value: child}), nil
}

func joinField(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

func orTop(where string) string {
	if where == "" {
		return "the scenario"
	}
	return where
}
