package experiment

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/electsim/electsim/sim"
)

// The fields a scenario has, by their YAML names, for checking a path
// before it is set: a misspelt field is named with the ones that are
// there, where setting it would only be refused by the scenario's strict
// reading, at the base file's line.

// ScenarioFields are the top-level fields of a scenario, by their YAML
// names.
func ScenarioFields() []string {
	var out []string
	t := reflect.TypeFor[sim.Scenario]()
	for i := range t.NumField() {
		if name := yamlName(t.Field(i)); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// FieldsNamed lists the paths of the scenario fields named name (a list's
// items as its first, [0]): act_every is workload.act_every.
func FieldsNamed(name string) []string {
	return fieldsNamedIn(reflect.TypeFor[sim.Scenario](), name, "", 0)
}

// CheckPath checks a path against the fields a scenario has, so that
// a misspelt field is named with the ones that are there. It checks as far
// as a field with a reading of its own (the protocol, a span, a size),
// which the scenario's own reading checks.
func CheckPath(path string) error {
	steps, err := parsePath(path)
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
		where := JoinPath(steps[:i])
		switch {
		case st.Key == "" && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
			t = t.Elem()
		case st.Key == "":
			return fmt.Errorf("%s is not a list, so it has no item %s", where, st)
		case t.Kind() == reflect.Map:
			t = t.Elem()
		case t.Kind() == reflect.Slice:
			return fmt.Errorf("%s is a list: name an item by its index, such as %s[0].%s", where, where, st.Key)
		case t.Kind() == reflect.Struct:
			f, ok := fieldNamed(t, st.Key)
			if !ok {
				return unknownField(where, st.Key, t)
			}
			t = f.Type
		case t.Kind() == reflect.Interface:
			return nil
		default:
			return fmt.Errorf("%s is a value, not a mapping: it has no field %s", where, sim.QuoteInput(st.Key))
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
	if near := sim.Nearest(key, names); near != "" {
		hint = fmt.Sprintf("did you mean %s? ", joinField(where, near))
	}
	return fmt.Errorf("%s has no field %s (%sit has: %s)", owner, sim.QuoteInput(key), hint, strings.Join(names, ", "))
}

// fieldsNamedIn lists the paths of the scenario fields named name, a list's
// items as its first ([0]).
func fieldsNamedIn(t reflect.Type, name, prefix string, depth int) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
		if t.Kind() != reflect.Pointer {
			prefix += "[0]"
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || readsItself(t) || depth > 4 {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		n := yamlName(f)
		if n == "" {
			continue
		}
		path := joinField(prefix, n)
		if n == name {
			out = append(out, path)
		}
		out = append(out, fieldsNamedIn(f.Type, name, path, depth+1)...)
	}
	return out
}
