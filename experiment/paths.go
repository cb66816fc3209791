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

// pathStep is a key, or an index when key is "".
type pathStep struct {
	key   string
	index int
}

func parsePath(path string) ([]pathStep, error) {
	var steps []pathStep
	for part := range strings.SplitSeq(path, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" && len(steps) == 0 {
			return nil, fmt.Errorf("%q does not start with a field name", path)
		}
		if key != "" {
			steps = append(steps, pathStep{key: key})
		}
		for rest != "" {
			num, after, ok := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if !ok || err != nil || i < 0 {
				return nil, fmt.Errorf("%q: want an index such as [0]", path)
			}
			steps = append(steps, pathStep{index: i})
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
func setIn(node any, steps []pathStep, value any, where string) (any, error) {
	if len(steps) == 0 {
		return value, nil
	}
	st := steps[0]
	if st.key == "" {
		list, ok := node.([]any)
		if !ok || st.index >= len(list) {
			return nil, fmt.Errorf("%s has no item [%d] in the base scenario", orTop(where), st.index)
		}
		child, err := setIn(list[st.index], steps[1:], value, fmt.Sprintf("%s[%d]", where, st.index))
		if err != nil {
			return nil, err
		}
		list = append([]any(nil), list...)
		list[st.index] = child
		return list, nil
	}
	var m yaml.MapSlice
	switch n := node.(type) {
	case yaml.MapSlice:
		m = append(yaml.MapSlice(nil), n...)
	case nil:
	default:
		return nil, fmt.Errorf("%s is not a mapping in the base scenario, so it has no field %s", orTop(where), st.key)
	}
	next := joinField(where, st.key)
	for i, item := range m {
		if item.Key == st.key {
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
	return append(m, yaml.MapItem{Key: st.key, Value: child}), nil
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
