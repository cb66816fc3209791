package sim

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// precheck walks the AST beside the Go type it decodes into, before
// go-yaml does, for what go-yaml gets wrong: a mapping key that is not text
// (go-yaml then drops the whole mapping without a word), a fraction where a
// whole number belongs (truncated), a malformed duration (reported
// without a position) and a tag, which scenarios do not use and go-yaml
// mishandles. It does not follow aliases or merge keys.
func precheck(src *source, t reflect.Type) error {
	field, node, msg := check(src.body, t, "")
	if node == nil {
		return nil
	}
	pos := node.GetToken().Position
	return &ScenarioError{File: src.file, Line: pos.Line, Column: pos.Column, Field: field, Msg: msg}
}

// check returns the first problem precheck looks for under node: its field,
// node and message.
func check(node ast.Node, t reflect.Type, field string) (string, ast.Node, string) {
	if tag := findTag(node); tag != nil {
		return field, tag, fmt.Sprintf("YAML tags such as %s have no use in a scenario", tag.Start.Value)
	}
	node = unwrap(node)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == reflect.TypeFor[Span]():
		return checkSpan(node, field)
	case reflect.PointerTo(t).Implements(reflect.TypeFor[yaml.BytesUnmarshaler]()):
		return "", nil, "" // decodes itself (the protocol)
	case t == reflect.TypeFor[time.Duration]():
		if text, ok := scalarText(node); ok {
			if _, err := time.ParseDuration(text); err != nil {
				return field, node, fmt.Sprintf("want %s, got %q", durationWanted, text)
			}
		}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		if f, ok := node.(*ast.FloatNode); ok && (f.Value != math.Trunc(f.Value) || math.Abs(f.Value) >= 1<<63) {
			return field, node, fmt.Sprintf("want a whole number, got %s", f.GetToken().Value)
		}
	case t.Kind() == reflect.Struct, t.Kind() == reflect.Map:
		return checkMapping(node, t, field)
	case t.Kind() == reflect.Slice:
		if seq, ok := node.(*ast.SequenceNode); ok {
			for i, v := range seq.Values {
				if f, bad, msg := check(v, t.Elem(), fmt.Sprintf("%s[%d]", field, i)); bad != nil {
					return f, bad, msg
				}
			}
		}
	}
	return "", nil, ""
}

// checkSpan checks a duration or a range of durations: a scalar that
// ParseSpan reads.
func checkSpan(node ast.Node, field string) (string, ast.Node, string) {
	text, ok := scalarText(node)
	if !ok {
		switch node.(type) {
		case *ast.IntegerNode, *ast.FloatNode:
			// A number without its unit: say so as written.
			return field, node, fmt.Sprintf("want %s, got %s", spanWanted, node.GetToken().Value)
		case *ast.NullNode:
			return "", nil, ""
		default:
			return field, node, "want " + spanWanted
		}
	}
	if _, err := ParseSpan(text); err != nil {
		return field, node, err.Error()
	}
	return "", nil, ""
}

func checkMapping(node ast.Node, t reflect.Type, field string) (string, ast.Node, string) {
	for _, mv := range mappingValues(node) {
		if mv.Key == nil || mv.Key.IsMergeKey() {
			continue
		}
		key := mv.Key.String()
		if _, ok := unwrap(mv.Key).(*ast.StringNode); !ok {
			return joinField(field, key), mv.Key, fmt.Sprintf("field and node names are text, got %s", key)
		}
		if ft, ok := fieldType(t, key); ok {
			if f, bad, msg := check(mv.Value, ft, joinField(field, key)); bad != nil {
				return f, bad, msg
			}
		}
	}
	return "", nil, ""
}

// findTag returns the tag on node, if any, looking through anchors.
func findTag(node ast.Node) *ast.TagNode {
	for {
		switch n := node.(type) {
		case *ast.TagNode:
			return n
		case *ast.AnchorNode:
			node = n.Value
		default:
			return nil
		}
	}
}

// scalarText is the text of a plain, quoted or block scalar.
func scalarText(node ast.Node) (string, bool) {
	switch n := node.(type) {
	case *ast.StringNode:
		return n.Value, true
	case *ast.LiteralNode:
		return n.Value.Value, true
	}
	return "", false
}

// fieldType is the type a mapping key decodes into: a map's element, or
// the struct field whose yaml tag names the key.
func fieldType(t reflect.Type, key string) (reflect.Type, bool) {
	if t.Kind() == reflect.Map {
		return t.Elem(), true
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && name == key {
			return f.Type, true
		}
	}
	return nil, false
}
