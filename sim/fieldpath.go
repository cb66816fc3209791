package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/token"

	"github.com/goccy/go-yaml/ast"
)

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
// ancestor that is written down (a missing field points at its parent, a
// missing top-level field at the first).
func locate(root ast.Node, field string) *token.Position {
	node := unwrap(root)
	var pos *token.Position
	if first := mappingValues(node); len(first) > 0 {
		pos = first[0].Key.GetToken().Position
	}
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
