package sim

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// MaxScenarioBytes bounds a scenario file.
const MaxScenarioBytes = 4 << 20

// Load reads and decodes a scenario file. Decoding is strict: an unknown
// field, a value of the wrong type or a malformed duration is an error that
// names the file, line and field. Load does not validate values; Validate
// (or New) does, once the protocol's services are known.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes a scenario from YAML; name is the file name used in errors.
func Parse(name string, data []byte) (*Scenario, error) {
	if len(data) > MaxScenarioBytes {
		return nil, &ScenarioError{File: name, Msg: fmt.Sprintf("file is larger than %d bytes", MaxScenarioBytes)}
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, yamlError(name, nil, err)
	}
	body, err := singleDocument(name, file)
	if err != nil {
		return nil, err
	}
	s := &Scenario{}
	if err := yaml.NodeToValue(body, s, yaml.DisallowUnknownField()); err != nil {
		return nil, yamlError(name, body, err)
	}
	s.source = &source{file: name, body: body}
	return s, nil
}

func singleDocument(name string, file *ast.File) (ast.Node, error) {
	var bodies []ast.Node
	for _, doc := range file.Docs {
		if doc.Body != nil {
			bodies = append(bodies, doc.Body)
		}
	}
	switch {
	case len(bodies) == 0:
		return nil, &ScenarioError{File: name, Msg: "empty scenario"}
	case len(bodies) > 1:
		return nil, &ScenarioError{File: name, Msg: "a scenario file holds one YAML document"}
	}
	if _, ok := unwrap(bodies[0]).(*ast.MappingNode); !ok {
		if _, ok := unwrap(bodies[0]).(*ast.MappingValueNode); !ok {
			return nil, &ScenarioError{File: name, Line: bodies[0].GetToken().Position.Line, Msg: "a scenario is a mapping of fields (name, nodes, duration, ...)"}
		}
	}
	return bodies[0], nil
}

// yamlError turns a go-yaml error into a ScenarioError with a position and,
// where the AST tells it, the field.
func yamlError(name string, body ast.Node, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return &ScenarioError{File: name, Msg: err.Error()}
	}
	tok := ye.GetToken()
	e := &ScenarioError{File: name, Line: tok.Position.Line, Column: tok.Position.Column, Msg: ye.GetMessage()}
	if body != nil {
		e.Field, _ = pathOf(body, tok, "")
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		e.Msg = typeErrorMessage(te)
	}
	return e
}

func typeErrorMessage(te *yaml.TypeError) string {
	want := te.DstType.String()
	switch want {
	case "time.Duration":
		want = `a duration such as "150ms" or "2s"`
	case "float64":
		want = "a number"
	case "bool":
		want = "true or false"
	case "[]string", "[][]string":
		want = "a list of node names"
	}
	return fmt.Sprintf("want %s, got %s", want, te.SrcType)
}

// source remembers where a scenario came from, to put positions on errors
// found after decoding.
type source struct {
	file string
	body ast.Node
}

// ScenarioError is one problem with a scenario: where, which field, what.
type ScenarioError struct {
	File   string
	Line   int
	Column int
	Field  string // as written: faults[3].crash
	Msg    string
}

func (e *ScenarioError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ScenarioErrors is several problems, each on its own line.
type ScenarioErrors []*ScenarioError

func (es ScenarioErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each problem.
func (es ScenarioErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Errorf returns a ScenarioError about a field (written as in the file:
// "protocol.ttl", "faults[2].at"), placed at the field's line when the
// scenario was read from a file. Packages that check parts of a scenario
// (the protocol registry, the properties) report through it.
func (s *Scenario) Errorf(field, format string, args ...any) *ScenarioError {
	return s.errorf(field, format, args...)
}

func (s *Scenario) errorf(field, format string, args ...any) *ScenarioError {
	e := &ScenarioError{Field: field, Msg: fmt.Sprintf(format, args...)}
	if s.source != nil {
		e.File = s.source.file
		if pos := locate(s.source.body, field); pos != nil {
			e.Line, e.Column = pos.Line, pos.Column
		}
	}
	return e
}

// SourceFile returns the file the scenario was read from, or "".
func (s *Scenario) SourceFile() string {
	if s.source == nil {
		return ""
	}
	return s.source.file
}

// step is one segment of a field path: a key or an index.
type step struct {
	key   string
	index int // -1 for a key
}

func parseField(field string) []step {
	var steps []step
	for _, part := range strings.Split(field, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key != "" {
			steps = append(steps, step{key: key, index: -1})
		}
		for rest != "" {
			num, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if err != nil {
				return steps
			}
			steps = append(steps, step{index: i})
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return steps
}

// locate finds the position of a field in the AST, or of its nearest
// ancestor that is written down (a missing field points at its parent).
func locate(root ast.Node, field string) *token.Position {
	node := unwrap(root)
	var pos *token.Position
	for _, st := range parseField(field) {
		var keyTok *token.Token
		node, keyTok = child(node, st)
		if node == nil {
			break
		}
		pos = node.GetToken().Position
		if keyTok != nil {
			pos = keyTok.Position
		}
		node = unwrap(node)
	}
	return pos
}

// child returns a mapping's value under a key (and the key's token) or a
// sequence's element.
func child(node ast.Node, st step) (ast.Node, *token.Token) {
	if st.index >= 0 {
		seq, ok := node.(*ast.SequenceNode)
		if !ok || st.index >= len(seq.Values) {
			return nil, nil
		}
		return seq.Values[st.index], nil
	}
	for _, mv := range mappingValues(node) {
		if mv.Key != nil && mv.Key.String() == st.key {
			return mv.Value, mv.Key.GetToken()
		}
	}
	return nil, nil
}

func mappingValues(node ast.Node) []*ast.MappingValueNode {
	switch n := node.(type) {
	case *ast.MappingNode:
		return n.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{n}
	}
	return nil
}

// unwrap looks through tags and anchors to the node they decorate.
func unwrap(node ast.Node) ast.Node {
	for {
		switch n := node.(type) {
		case *ast.TagNode:
			node = n.Value
		case *ast.AnchorNode:
			node = n.Value
		default:
			return node
		}
	}
}

// pathOf finds the field path of the node that holds tok.
func pathOf(node ast.Node, tok *token.Token, prefix string) (string, bool) {
	if node == nil {
		return "", false
	}
	if node.GetToken() == tok {
		return prefix, true
	}
	switch n := unwrap(node).(type) {
	case *ast.SequenceNode:
		for i, v := range n.Values {
			if p, ok := pathOf(v, tok, fmt.Sprintf("%s[%d]", prefix, i)); ok {
				return p, true
			}
		}
	case *ast.MappingNode, *ast.MappingValueNode:
		for _, mv := range mappingValues(n) {
			key := joinField(prefix, mv.Key.String())
			if mv.Key.GetToken() == tok {
				return key, true
			}
			if p, ok := pathOf(mv.Value, tok, key); ok {
				return p, true
			}
		}
	}
	return "", false
}

func joinField(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// UnmarshalYAML reads {name: raft, prevote: true}: the name and, beside it,
// the parameters.
func (p *ProtocolSpec) UnmarshalYAML(data []byte) error {
	var fields yaml.MapSlice
	if err := yaml.UnmarshalWithOptions(data, &fields, yaml.UseOrderedMap()); err != nil {
		return err
	}
	p.Params = map[string]any{}
	for _, item := range fields {
		key, ok := item.Key.(string)
		if !ok {
			return fmt.Errorf("protocol: parameter names are strings, got %v", item.Key)
		}
		if key != "name" {
			p.Params[key] = item.Value
			continue
		}
		if p.Name, ok = item.Value.(string); !ok {
			return fmt.Errorf("protocol.name: want a protocol name, got %v", item.Value)
		}
	}
	return nil
}

// MarshalYAML writes the name first and the parameters in name order.
func (p ProtocolSpec) MarshalYAML() (any, error) {
	out := yaml.MapSlice{{Key: "name", Value: p.Name}}
	for _, k := range sortedKeys(p.Params) {
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

// Clone returns a deep copy, so a caller can change faults without touching
// the original. The copy keeps the original's source for error positions.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.Protocol.Params = cloneMap(s.Protocol.Params)
	c.Network.Links = slices.Clone(s.Network.Links)
	c.Clocks.Nodes = cloneMap(s.Clocks.Nodes)
	c.Faults = slices.Clone(s.Faults)
	c.Expect.Properties = slices.Clone(s.Expect.Properties)
	if s.Nemesis != nil {
		n := *s.Nemesis
		c.Nemesis = &n
	}
	return &c
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
