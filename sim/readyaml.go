package sim

import (
	"errors"
	"fmt"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// MaxValueBytes bounds a value given on the command line (-set).
const MaxValueBytes = 64 << 10

// parseYAML parses a YAML text within a scenario file's limits: its size,
// then its tokens, depth and keys, first on its bytes (scanLimits), which
// costs nothing, then on go-yaml's tokens (tokenLimits), before go-yaml's
// parser, whose costs the limits bound, sees them.
func parseYAML(name string, data []byte) (*ast.File, error) {
	if len(data) > MaxScenarioBytes {
		return nil, tooLarge(name)
	}
	if e := scanLimits(name, data); e != nil {
		return nil, e
	}
	tokens := lexer.Tokenize(string(data))
	if e := tokenLimits(name, tokens); e != nil {
		return nil, e
	}
	file, err := parser.Parse(tokens, 0)
	if err != nil {
		return nil, yamlError(&source{file: name}, err)
	}
	return file, nil
}

// tokenLimits checks go-yaml's tokens against the limits scanLimits
// checked on the bytes. The scan reads YAML as go-yaml does in all but
// corner cases (is a quote after a line break the start of a quoted text,
// or more of a plain one?), and a corner case must not let 40,000 brackets
// through to the parser: these tokens are the parser's own. They cost
// go-yaml's scanner at most some 300 bytes a byte of a file.
func tokenLimits(name string, tokens token.Tokens) *ScenarioError {
	var l levels
	count, flow, line := 0, 0, 0
	for _, tk := range tokens {
		if tk.Type == token.CommentType || tk.Type == token.SpaceType {
			continue // the parser drops them
		}
		count++
		if flow == 0 && tk.Position.Line != line {
			l.close(tk.Position.Column)
		}
		line = tk.Position.Line
		flow = nestTokens(tk, flow, &l)
		if msg := overLimits(count, flow, &l); msg != "" {
			return &ScenarioError{File: name, Line: line, Msg: msg}
		}
	}
	return nil
}

// nestTokens follows the nesting through one token: brackets, and outside
// them the entries and keys of indented lists and mappings. It returns
// the brackets open after it.
func nestTokens(tk *token.Token, flow int, l *levels) int {
	switch tk.Type {
	case token.SequenceStartType, token.MappingStartType:
		return flow + 1
	case token.SequenceEndType, token.MappingEndType:
		return max(flow-1, 0)
	case token.SequenceEntryType, token.MappingKeyType:
		if flow == 0 {
			l.open(tk.Position.Column, false)
		}
	case token.MappingValueType:
		if flow == 0 && tk.Prev != nil {
			l.open(tk.Prev.Position.Column, true) // the key's
		}
	}
	return flow
}

// screen looks through a parsed tree, before any of it is decoded, for what
// a scenario refuses: anchors, aliases and merge keys, and text with a
// control character. An alias stands for a copy of what it names, so a few
// lines of them stand for billions of values, or for themselves; go-yaml
// expands them as it decodes. A name is printed, and an escape sequence in
// it can clear a terminal and print anything. It returns the field, the
// node and the message, as check does.
func screen(node ast.Node, field string) (string, ast.Node, string) {
	switch n := node.(type) {
	case *ast.AnchorNode:
		return field, n, fmt.Sprintf("anchors (&%s) are refused: write each value out", ShortInput(nodeText(n.Name)))
	case *ast.AliasNode:
		return field, n, fmt.Sprintf("aliases (*%s) are refused: write the value out", ShortInput(nodeText(n.Value)))
	case *ast.TagNode:
		return screen(n.Value, field)
	case *ast.MappingKeyNode:
		return screen(n.Value, field)
	case *ast.StringNode:
		return screenText(n, field, n.Value)
	case *ast.LiteralNode:
		return screenText(n, field, n.Value.Value)
	case *ast.SequenceNode:
		for i, v := range n.Values {
			if f, bad, msg := screen(v, fmt.Sprintf("%s[%d]", field, i)); bad != nil {
				return f, bad, msg
			}
		}
	case *ast.MappingNode, *ast.MappingValueNode:
		return screenMapping(mappingValues(n), field)
	}
	return "", nil, ""
}

func nodeText(n ast.Node) string {
	if n == nil {
		return ""
	}
	return n.String()
}

func screenMapping(values []*ast.MappingValueNode, field string) (string, ast.Node, string) {
	for _, mv := range values {
		if mv.Key == nil {
			continue
		}
		if mv.Key.IsMergeKey() {
			return field, mv.Key, "merge keys (<<) are refused: write the fields out"
		}
		if f, bad, msg := screen(mv.Key, field); bad != nil {
			return f, bad, msg
		}
		if f, bad, msg := screen(mv.Value, joinField(field, mv.Key.String())); bad != nil {
			return f, bad, msg
		}
	}
	return "", nil, ""
}

func screenText(node ast.Node, field, text string) (string, ast.Node, string) {
	if r, bad := controlInText(text); bad {
		return field, node, fmt.Sprintf("text holds the control character %s: write plain text", QuoteInput(string(r)))
	}
	return "", nil, ""
}

// ParseValue reads one value as the command line writes it ("true", "2s",
// "{dist: constant, value: 1ms}"), as YAML, within the limits of a file
// and screened as a file is: no anchors, aliases or control characters.
// A mapping reads as map[string]any. Its errors quote none of the text;
// the caller quotes it with QuoteInput.
func ParseValue(text string) (any, error) {
	if len(text) > MaxValueBytes {
		return nil, fmt.Errorf("a value is at most %d bytes, this one is %d", MaxValueBytes, len(text))
	}
	file, err := parseYAML("", []byte(text))
	if err != nil {
		return nil, err
	}
	if len(file.Docs) != 1 || file.Docs[0].Body == nil {
		return nil, errors.New("want one value")
	}
	body := file.Docs[0].Body
	if _, bad, msg := screen(body, ""); bad != nil {
		return nil, errors.New(msg)
	}
	var v any
	if err := decode(&source{body: body}, &v); err != nil {
		return nil, err
	}
	if v == nil {
		return nil, errors.New("the value is empty (null)")
	}
	return v, nil
}
