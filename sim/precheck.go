package sim

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
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
// mishandles, and a number too large for its field (go-yaml wraps a seed
// of 2^64 to 2^63 without a word). Aliases and merge keys never reach it:
// screen refuses them.
func precheck(src *source, t reflect.Type) error {
	field, node, msg := check(src.body, t, "")
	if node == nil {
		return nil
	}
	return src.problem(field, node, msg)
}

// problem is a ScenarioError about a field at a node's position.
func (src *source) problem(field string, node ast.Node, msg string) *ScenarioError {
	e := &ScenarioError{File: src.file, Field: field, Msg: msg}
	if tok := node.GetToken(); tok != nil && tok.Position != nil {
		e.Line, e.Column = tok.Position.Line, tok.Position.Column
	}
	return e
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
	case decodesItself(t):
		return "", nil, "" // the protocol, an amount of memory
	case t == reflect.TypeFor[time.Duration]():
		return checkDuration(node, field)
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return checkWhole(node, t, field)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return checkFloat(node, field)
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

func decodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(reflect.TypeFor[yaml.BytesUnmarshaler]()) ||
		p.Implements(reflect.TypeFor[yaml.NodeUnmarshaler]()) ||
		p.Implements(reflect.TypeFor[yaml.InterfaceUnmarshaler]())
}

func checkDuration(node ast.Node, field string) (string, ast.Node, string) {
	text, ok := scalarText(node)
	if !ok {
		return "", nil, ""
	}
	if _, err := time.ParseDuration(text); err != nil {
		if durationSyntax.MatchString(text) {
			return field, node, fmt.Sprintf("%s is longer than the longest duration, %v", QuoteInput(text), time.Duration(math.MaxInt64))
		}
		return field, node, fmt.Sprintf("want %s, got %s", durationWanted, QuoteInput(text))
	}
	return "", nil, ""
}

// durationSyntax matches what time.ParseDuration reads, whatever its size.
var durationSyntax = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$`)

// checkWhole checks that a number is whole and fits the integer type t.
// go-yaml reads a number too large for 64 bits as text, then wraps it.
func checkWhole(node ast.Node, t reflect.Type, field string) (string, ast.Node, string) {
	switch n := node.(type) {
	case *ast.FloatNode:
		if n.Value != math.Trunc(n.Value) || math.Abs(n.Value) >= 1<<63 {
			return field, node, fmt.Sprintf("want a whole number, got %s", ShortInput(n.GetToken().Value))
		}
		if !fits(int64(n.Value), t) {
			return field, node, outOfRange(n, t)
		}
	case *ast.IntegerNode:
		if !fits(n.Value, t) {
			return field, node, outOfRange(n, t)
		}
	case *ast.StringNode:
		if misfits(n.Value, t) {
			return field, node, outOfRange(n, t)
		}
	}
	return "", nil, ""
}

func outOfRange(node ast.Node, t reflect.Type) string {
	lo, hi := intRange(t)
	return fmt.Sprintf("want a whole number from %s to %s, got %s", lo, hi, ShortInput(node.GetToken().Value))
}

// misfits reports whether text that go-yaml would turn into a number of
// type t (it reads 2^64 and 1e30 as text, quoted numbers too, and then
// wraps them) is one beyond t or with a fraction. Other text is left to
// go-yaml to refuse.
func misfits(text string, t reflect.Type) bool {
	var err error
	if t.Kind() >= reflect.Uint && !strings.HasPrefix(text, "-") {
		_, err = strconv.ParseUint(strings.TrimPrefix(text, "+"), 0, t.Bits())
	} else {
		_, err = strconv.ParseInt(text, 0, t.Bits())
	}
	if err == nil || errors.Is(err, strconv.ErrRange) {
		return err != nil
	}
	f, err := strconv.ParseFloat(text, 64) // 1e30
	if err != nil {
		return errors.Is(err, strconv.ErrRange)
	}
	lo, hi := -math.Ldexp(1, t.Bits()-1), math.Ldexp(1, t.Bits()-1)
	if t.Kind() >= reflect.Uint {
		lo, hi = 0, math.Ldexp(1, t.Bits())
	}
	return f != math.Trunc(f) || f < lo || f >= hi
}

// fits reports whether v, an integer as go-yaml reads it (int64, uint64,
// or nil beyond both), fits the integer type t.
func fits(v any, t reflect.Type) bool {
	switch v := v.(type) {
	case int64:
		if t.Kind() >= reflect.Uint {
			return v >= 0 && !reflect.New(t).Elem().OverflowUint(uint64(v))
		}
		return !reflect.New(t).Elem().OverflowInt(v)
	case uint64:
		if t.Kind() >= reflect.Uint {
			return !reflect.New(t).Elem().OverflowUint(v)
		}
		return v <= math.MaxInt64 && !reflect.New(t).Elem().OverflowInt(int64(v))
	}
	return false
}

func intRange(t reflect.Type) (string, string) {
	bits := t.Bits()
	if t.Kind() >= reflect.Uint {
		return "0", strconv.FormatUint(math.MaxUint64>>(64-bits), 10)
	}
	return strconv.FormatInt(math.MinInt64>>(64-bits), 10), strconv.FormatInt(math.MaxInt64>>(64-bits), 10)
}

// checkFloat refuses a number beyond float64, which go-yaml reads as text.
func checkFloat(node ast.Node, field string) (string, ast.Node, string) {
	n, ok := node.(*ast.StringNode)
	if !ok {
		return "", nil, ""
	}
	if _, err := strconv.ParseFloat(n.Value, 64); errors.Is(err, strconv.ErrRange) {
		return field, node, fmt.Sprintf("%s is beyond the largest number", ShortInput(n.Value))
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
