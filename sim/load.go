package sim

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Load reads and decodes a scenario file. Decoding is strict: an unknown
// field, a value of the wrong type or a malformed duration is an error that
// names the file, line and field. Load does not validate values; Validate
// (or New) does, once the protocol's services are known. It reads a
// regular file only, of at most MaxScenarioBytes (see ReadFile).
func Load(path string) (*Scenario, error) {
	data, err := ReadFile(path, "scenario")
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes a scenario from YAML; name is the file name used in errors.
func Parse(name string, data []byte) (*Scenario, error) {
	doc, err := parseDocument(name, data, "scenario", "a scenario is a mapping of fields (name, nodes, duration, ...)")
	if err != nil {
		return nil, err
	}
	s := &Scenario{}
	if err := doc.Decode(s); err != nil {
		return nil, err
	}
	s.source = doc.src
	if strings.ContainsAny(s.Name, "\n\t") {
		return nil, s.errorf("name", "want a name on one line, got %s", QuoteInput(s.Name))
	}
	return s, nil
}

// Document is one YAML document read for strict decoding into a Go value:
// a scenario, or a file that holds scenario parts (an experiment). Its
// errors, from decoding or from checks after it, name the file, the line
// and the field, as a scenario's do.
type Document struct{ src *source }

// ParseDocument reads a YAML file of one mapping; what names it in errors
// ("experiment").
func ParseDocument(name string, data []byte, what string) (*Document, error) {
	return parseDocument(name, data, what, "a "+what+" is a mapping of fields")
}

// parseDocument reads one YAML mapping within the limits of a file (see
// parseYAML) and screens it (see screen) before anything decodes it.
func parseDocument(name string, data []byte, what, notMapping string) (*Document, error) {
	// A byte-order mark, which some editors write, would join the first key.
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	file, err := parseYAML(name, data)
	if err != nil {
		return nil, err
	}
	body, err := singleDocument(name, file, what, notMapping)
	if err != nil {
		return nil, err
	}
	src := &source{file: name, body: body}
	if field, node, msg := screen(body, ""); node != nil {
		return nil, src.problem(field, node, msg)
	}
	return &Document{src: src}, nil
}

// Decode decodes the document into v, a pointer to a struct, strictly: an
// unknown field, a value of the wrong type, a YAML tag or an alias that
// would blow up is an error at its line.
func (d *Document) Decode(v any) error {
	if err := precheck(d.src, reflect.TypeOf(v)); err != nil {
		return err
	}
	return decode(d.src, v)
}

// Errorf returns an error about a field of the document ("axes[1].path"),
// placed at the field's line.
func (d *Document) Errorf(field, format string, args ...any) *ScenarioError {
	return d.src.errorAt(field, fmt.Sprintf(format, args...))
}

// decode runs go-yaml, which panics on some malformed input (a tag on a
// scalar where a list belongs, goccy/go-yaml#735): a panic is an error too.
func decode(src *source, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ScenarioError{File: src.file, Msg: fmt.Sprintf("the YAML decoder failed: %v", r)}
		}
	}()
	if err := yaml.NodeToValue(src.body, v, yaml.DisallowUnknownField()); err != nil {
		e := yamlError(src, err)
		if se, ok := e.(*ScenarioError); ok {
			se.Msg += didYouMean(reflect.TypeOf(v), se.Field, se.Msg)
		}
		return e
	}
	return nil
}

// didYouMean names the field an unknown one was likely meant to be, among
// those its struct has (by yaml tag): " (did you mean latency?)", or "".
func didYouMean(root reflect.Type, field, msg string) string {
	if !strings.HasPrefix(msg, "unknown field ") || field == "" {
		return ""
	}
	parts := strings.Split(pathIndexes.ReplaceAllString(field, ""), ".")
	t := root
	for _, part := range parts[:len(parts)-1] {
		if t = structOf(t); t == nil {
			return ""
		}
		f, ok := fieldByTag(t, part)
		if !ok {
			return ""
		}
		t = f.Type
	}
	if t = structOf(t); t == nil {
		return ""
	}
	var names []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	if near := Nearest(parts[len(parts)-1], names); near != "" {
		return fmt.Sprintf(" (did you mean %s?)", near)
	}
	return ""
}

// pathIndexes are the [i] of a field path.
var pathIndexes = regexp.MustCompile(`\[\d+\]`)

// structOf is the struct a field's value decodes into, through pointers,
// slices and maps; nil if none.
func structOf(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

func fieldByTag(t reflect.Type, tag string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == tag {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

func singleDocument(name string, file *ast.File, what, notMapping string) (ast.Node, error) {
	var bodies []ast.Node
	for _, doc := range file.Docs {
		if doc.Body != nil {
			bodies = append(bodies, doc.Body)
		}
	}
	switch {
	case len(bodies) == 0:
		return nil, &ScenarioError{File: name, Msg: "empty " + what}
	case len(bodies) > 1:
		return nil, &ScenarioError{File: name, Line: bodies[1].GetToken().Position.Line, Msg: "a " + what + " file holds one YAML document, this is a second"}
	}
	if _, ok := unwrap(bodies[0]).(*ast.MappingNode); !ok {
		if _, ok := unwrap(bodies[0]).(*ast.MappingValueNode); !ok {
			return nil, &ScenarioError{File: name, Line: bodies[0].GetToken().Position.Line, Msg: notMapping}
		}
	}
	return bodies[0], nil
}

// UnmarshalYAML reads {name: raft, prevote: true}: the name and, beside it,
// the parameters. It takes the node, not its text: go-yaml renders the text
// of a node by walking every token of the file. A node that did not come
// through Parse is screened here, as Parse screens a file.
func (p *ProtocolSpec) UnmarshalYAML(node ast.Node) error {
	if field, bad, msg := screen(node, "protocol"); bad != nil {
		return &fieldError{field, msg}
	}
	var fields yaml.MapSlice
	if err := yaml.NodeToValue(node, &fields, yaml.UseOrderedMap()); err != nil {
		return &fieldError{"protocol", "want a mapping such as {name: raft, prevote: true}: " + message(err)}
	}
	p.Params = map[string]any{}
	for _, item := range fields {
		key, ok := item.Key.(string)
		if !ok {
			return &fieldError{"protocol", fmt.Sprintf("parameter names are text, got %v", item.Key)}
		}
		if key != "name" {
			p.Params[key] = item.Value
			continue
		}
		if p.Name, ok = item.Value.(string); !ok {
			return &fieldError{"protocol.name", fmt.Sprintf("want a protocol name, got %v", item.Value)}
		}
	}
	return nil
}

// message is a go-yaml error's message without its position.
func message(err error) string {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return ye.GetMessage()
	}
	return err.Error()
}

// MarshalYAML writes the name first and the parameters in name order.
func (p ProtocolSpec) MarshalYAML() (any, error) {
	out := yaml.MapSlice{{Key: "name", Value: p.Name}}
	for _, k := range slices.Sorted(maps.Keys(p.Params)) {
		out = append(out, yaml.MapItem{Key: k, Value: p.Params[k]})
	}
	return out, nil
}

// Marshal writes the scenario as YAML that Parse reads back to the same
// scenario.
func (s *Scenario) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf, yaml.IndentSequence(true))
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// GoString shows a scenario as the YAML that would save it, so that test
// logs (rapid prints drawn values with %#v) read as scenario files.
func (s *Scenario) GoString() string {
	data, err := s.Marshal()
	if err != nil {
		return fmt.Sprintf("scenario %q (not marshalable: %v)", s.Name, err)
	}
	return "\n" + string(data)
}

// Clone returns a deep copy, so a caller can change faults without touching
// the original. The copy keeps the original's source for error positions.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Protocol.Params = cloneMap(s.Protocol.Params)
	c.Network.Links = slices.Clone(s.Network.Links)
	c.Clocks.Nodes = cloneMap(s.Clocks.Nodes)
	c.Boot = cloneMap(s.Boot)
	c.Disk.Latency = clonePtr(s.Disk.Latency)
	c.Disk.Nodes = cloneMap(s.Disk.Nodes)
	c.Faults = slices.Clone(s.Faults)
	c.Store = clonePtr(s.Store)
	c.Expect.Properties = slices.Clone(s.Expect.Properties)
	c.Expect.MaxSplitBrain = clonePtr(s.Expect.MaxSplitBrain)
	c.Expect.MinAvailability = clonePtr(s.Expect.MinAvailability)
	c.Expect.LeaderAtEnd = slices.Clone(s.Expect.LeaderAtEnd)
	if b := s.Expect.LeaderBy; b != nil {
		c.Expect.LeaderBy = &LeaderBy{At: b.At, Among: slices.Clone(b.Among)}
	}
	c.Expect.NoLeaderChangeAfter = clonePtr(s.Expect.NoLeaderChangeAfter)
	c.Expect.MaxLeaderChanges = clonePtr(s.Expect.MaxLeaderChanges)
	c.Expect.MaxLeaderless = clonePtr(s.Expect.MaxLeaderless)
	c.Expect.MaxLeaderlessStretch = clonePtr(s.Expect.MaxLeaderlessStretch)
	if out := s.Expect.OutOfServiceAtEnd; out != nil {
		list := slices.Clone(*out)
		c.Expect.OutOfServiceAtEnd = &list
	}
	if s.Nemesis != nil {
		n := *s.Nemesis
		c.Nemesis = &n
	}
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
