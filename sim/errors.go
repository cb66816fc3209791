package sim

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

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
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		if e.Line > 0 && e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
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
	msg := fmt.Sprintf(format, args...)
	if s.source == nil {
		return &ScenarioError{Field: field, Msg: msg}
	}
	return s.source.errorAt(field, msg)
}

// source remembers where a scenario came from, to put positions on errors
// found after decoding.
type source struct {
	file string
	body ast.Node
}

// errorAt places a problem with a field at the field's position.
func (src *source) errorAt(field, msg string) *ScenarioError {
	e := &ScenarioError{File: src.file, Field: field, Msg: msg}
	if pos := locate(src.body, field); pos != nil {
		e.Line, e.Column = pos.Line, pos.Column
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

// fieldError is a problem a custom unmarshaler finds in a field. go-yaml
// passes it on without a position; yamlError looks the field up.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// yamlError turns a go-yaml error into a ScenarioError with a position and,
// where the AST tells it, the field.
func yamlError(src *source, err error) error {
	name, body := src.file, src.body
	var fe *fieldError
	if errors.As(err, &fe) && body != nil {
		return src.errorAt(fe.field, fe.msg)
	}
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
		want = durationWanted
	case "string":
		want = "text"
	case "float64":
		want = "a number"
	case "int", "int64", "uint64":
		want = "a whole number"
	case "bool":
		want = "true or false"
	case "[]string", "[][]string":
		want = "a list of node names"
	}
	return fmt.Sprintf("want %s, got %s", want, given(te))
}

const durationWanted = `a duration such as "150ms" or "2s"`

// given shows the value written where a type error occurred: a scalar as
// written (so "duration: 30" says "got 30", and the missing unit shows),
// anything else by its Go type.
func given(te *yaml.TypeError) string {
	if te.Token == nil || te.SrcType == nil {
		return fmt.Sprint(te.SrcType)
	}
	switch te.SrcType.Kind() {
	case reflect.String:
		return QuoteInput(te.Token.Value)
	case reflect.Map:
		return "a mapping"
	case reflect.Slice:
		return "a list"
	}
	return ShortInput(te.Token.Value)
}
