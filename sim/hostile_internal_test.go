package sim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"
)

// TestScanCountsWhatGoYAMLReads: the scan that bounds a file before go-yaml
// reads it must count at least about as many tokens as go-yaml makes (or
// the bound on memory is not one), on real files and on every shape of
// YAML a scenario uses.
func TestScanCountsWhatGoYAMLReads(t *testing.T) {
	texts := map[string]string{
		"block faults":    "faults:\n" + strings.Repeat("  - at: 1s\n    crash: n1\n    for: 2s\n", 50),
		"flow faults":     "faults:\n" + strings.Repeat("  - {at: 1s, crash: n1}\n", 50),
		"block scalars":   strings.Repeat("a: |\n  text [ { - ?\n  more\nb: >-\n  folded\n", 50),
		"quoted":          strings.Repeat("a: \"x [ { , \\\" y\"\nb: 'it''s'\n", 50),
		"comments":        strings.Repeat("# a comment [ {\na: 1 # another\n", 50),
		"multi-line":      "a: \"one\n  two\"\nb: plain\n  continued\n",
		"nested flows":    strings.Repeat("a: {b: [1, 2, {c: d}], e: []}\n", 50),
		"indentless":      "a:\n- b\n- c:\n  - d\n",
		"documents":       strings.Repeat("---\na: 1\n...\n", 20),
		"empty values":    strings.Repeat("a:\nb: ~\nc: []\n", 30),
		"anchors":         "a: &x 1\nb: *x\nc: !!str 3\n",
		"keys and dashes": strings.Repeat("- - - a\n- ? b\n  : c\n", 20),
	}
	for _, pattern := range []string{"../scenarios/*.yaml", "../scenarios/experiments/*.yaml", "../cli/testdata/*.yaml", "../experiment/testdata/*.yaml"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			texts[p] = mustRead(t, p)
		}
	}
	for name, text := range texts {
		s := newScan([]byte(text))
		if what := refusedBy(text); what != "" {
			t.Errorf("%s: refused by %s", name, what)
		}
		s.run()
		if goyaml := countTokens(text); goyaml > s.tokens+s.tokens/2+2 {
			t.Errorf("%s: go-yaml makes %d tokens, the scan counted %d", name, goyaml, s.tokens)
		}
	}
}

func countTokens(text string) int {
	n := 0
	for _, tk := range lexer.Tokenize(text) {
		if tk.Type != token.SpaceType {
			n++
		}
	}
	return n
}

func mustRead(t *testing.T, path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestScanMeasuresNesting: nesting one level past MaxScenarioDepth is
// refused in every style, and what the scenarios need is not. A list left
// unindented under its key counts as no level of its own, so that style
// is refused at twice the depth.
func TestScanMeasuresNesting(t *testing.T) {
	styles := map[string]func(depth int) string{
		"brackets":      func(d int) string { return "a: " + strings.Repeat("[", d-1) + strings.Repeat("]", d-1) + "\n" },
		"braces":        func(d int) string { return strings.Repeat("{a: ", d) + "1" + strings.Repeat("}", d) + "\n" },
		"dashes":        func(d int) string { return strings.Repeat("- ", d) + "x\n" },
		"tagged dashes": func(d int) string { return strings.Repeat("- !t &a ", d) + "x\n" },
		"indented keys": func(d int) string {
			return nestedLines(d, func(i int) string { return strings.Repeat("  ", i) + "a:" })
		},
		"indented lists": func(d int) string {
			return nestedLines(d, func(i int) string { return strings.Repeat("  ", i) + "- " })
		},
		"keys and flows": func(d int) string { return "a:\n  b:\n    c: " + strings.Repeat("[", d-3) + "\n" },
	}
	for name, style := range styles {
		if what := refusedBy(style(MaxScenarioDepth)); what != "" {
			t.Errorf("%s: %d levels refused by %s", name, MaxScenarioDepth, what)
		}
		if what := refusedBy(style(MaxScenarioDepth + 1)); what != "both" {
			t.Errorf("%s: %d levels refused by %q, want both", name, MaxScenarioDepth+1, what)
		}
	}
	indentless := func(d int) string {
		return nestedLines(d, func(i int) string {
			return strings.Repeat("  ", i/2) + map[bool]string{true: "a:", false: "- "}[i%2 == 0]
		})
	}
	if what := refusedBy(indentless(2*MaxScenarioDepth + 2)); what != "both" {
		t.Errorf("unindented lists: %d levels refused by %q, want both", 2*MaxScenarioDepth+2, what)
	}
}

// refusedBy says which checks refuse a text: the scan of its bytes, the
// check of go-yaml's tokens, both or neither ("").
func refusedBy(text string) string {
	byScan := newScan([]byte(text)).run() != ""
	byTokens := tokenLimits("t", lexer.Tokenize(text)) != nil
	switch {
	case byScan && byTokens:
		return "both"
	case byScan:
		return "the scan"
	case byTokens:
		return "the tokens"
	}
	return ""
}

func nestedLines(depth int, line func(i int) string) string {
	var b strings.Builder
	for i := range depth {
		b.WriteString(line(i) + "\n")
	}
	return b.String()
}
