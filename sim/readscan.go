package sim

import "fmt"

// Limits on a YAML text, checked by a scan of its bytes before go-yaml
// reads it, and again on go-yaml's tokens before its parser reads them
// (see parseYAML): a file is refused before go-yaml allocates anything, or,
// in corner cases of YAML, before its parser runs. go-yaml's scanner
// tokenizes a whole text at once, at about 300 bytes a token; its parser
// and decoder add a kilobyte a token more, and take time and memory that
// grow with the square of the nesting depth (40,000 "[" take gigabytes)
// and of the keys of an indented mapping. With these limits and
// MaxScenarioBytes, reading the costliest file there may be allocates
// about 250 MB (30 mappings of MaxScenarioKeys keys; the most faults, 130
// MB), most of it garbage at once: see BenchmarkParseLargest.
const (
	// MaxScenarioTokens bounds the tokens of a file: keys, values,
	// punctuation and comments, a word of a plain text counted as one. A
	// fault written {at: 1s, crash: n1} is 10, so a file holds some ten
	// thousand faults.
	MaxScenarioTokens = 100_000
	// MaxScenarioDepth bounds how deep values nest: lists and mappings,
	// indented or in brackets. A scenario needs 6.
	MaxScenarioDepth = 64
	// MaxScenarioKeys bounds the keys of one indented mapping: one for
	// each node (boot times, clocks) and more. go-yaml parses an indented
	// mapping in time and memory that grow with the square of its keys (a
	// mapping in braces does not).
	MaxScenarioKeys = MaxParticipants + 64
)

// yamlScan walks a YAML text as a lexer would, without allocating, to count
// its tokens and measure its nesting: the brackets open ([ and {) and the
// columns of the indented lists and mappings that hold the current line.
// It errs on the side of more: a word of a plain text counts as a token,
// and an indented continuation line as a level. It needs no exactness,
// only that go-yaml never sees much more than it counted; go-yaml reports
// what is malformed.
type yamlScan struct {
	data      []byte
	i         int // the next byte
	line      int // the line of data[i], from 1
	lineBegin int // where that line begins in data
	indent    int // and its indentation
	tokens    int // counted so far
	flow      int // brackets open
	levels        // indented lists and mappings open
	// first is true before the first token of a line, and entry after a
	// "- " or "? " that begins an entry: then a "-" or "?" begins another
	// (anywhere else it is text). node is true after a key's colon,
	// punctuation in brackets, a tag or an anchor: where a quote begins a
	// quoted text (after a word it is part of a plain one).
	first, entry, node bool
	// pending is the column of the first token of the line, or of an
	// entry's content, outside brackets: a level opens there if the token
	// is a key or an entry, not if it is a value. -1 when there is none.
	pending int
	// literal is the indentation of the line that began a block scalar
	// (| or >) whose lines are being skipped, or -1; content is that of
	// its first line, which the others keep, or -1 before it.
	literal, content int
}

// scanLimits returns an error, at its line, if data has more tokens than
// MaxScenarioTokens or nests deeper than MaxScenarioDepth.
func scanLimits(name string, data []byte) *ScenarioError {
	s := newScan(data)
	msg := s.run()
	if msg == "" {
		return nil
	}
	return &ScenarioError{File: name, Line: s.line, Msg: msg}
}

func newScan(data []byte) *yamlScan {
	return &yamlScan{data: data, line: 1, literal: -1, content: -1, pending: -1}
}

func (s *yamlScan) run() string {
	for s.i < len(s.data) {
		if !s.lineStart() {
			continue
		}
		for s.i < len(s.data) && s.data[s.i] != '\n' {
			s.token()
			if msg := s.check(); msg != "" {
				return msg
			}
		}
		s.newline()
	}
	return ""
}

func (s *yamlScan) check() string { return overLimits(s.tokens, s.flow, &s.levels) }

// overLimits says which limit a text is over, if any, given its tokens so
// far, the brackets open and the indented levels.
func overLimits(tokens, flow int, l *levels) string {
	switch {
	case tokens > MaxScenarioTokens:
		return fmt.Sprintf("more than %d YAML tokens (keys, values and punctuation: {at: 1s, crash: n1} is 10); a file this large is refused", MaxScenarioTokens)
	case flow+len(l.columns) > MaxScenarioDepth:
		return fmt.Sprintf("lists and mappings nest more than %d deep", MaxScenarioDepth)
	case len(l.keys) > 0 && l.keys[len(l.keys)-1] > MaxScenarioKeys:
		return fmt.Sprintf("an indented mapping holds more than %d keys", MaxScenarioKeys)
	}
	return ""
}

func (s *yamlScan) newline() {
	if s.i < len(s.data) {
		s.i++ // the '\n'
		s.line++
		s.lineBegin = s.i
	}
	s.entry = false
}

// lineStart reads a line's indentation. It skips the line (and returns
// false) if it is blank or the content of a block scalar; otherwise,
// outside brackets, the line closes the levels indented deeper, and its
// first token may open one.
func (s *yamlScan) lineStart() bool {
	indent := 0
	for s.i+indent < len(s.data) && s.data[s.i+indent] == ' ' {
		indent++
	}
	rest := s.i + indent
	if s.literal >= 0 && s.content < 0 && indent > s.literal && !blankLine(s.data[rest:]) {
		s.content = indent
	}
	if blankLine(s.data[rest:]) || (s.literal >= 0 && s.content >= 0 && indent >= s.content) {
		s.skipLine()
		return false
	}
	s.literal = -1
	s.i, s.indent, s.first, s.pending = rest, indent, true, -1
	if s.flow == 0 && s.data[s.i] != '#' {
		s.close(indent)
		s.pending = indent
	}
	return true
}

func blankLine(rest []byte) bool {
	for _, c := range rest {
		switch c {
		case '\n':
			return true
		case ' ', '\t', '\r':
		default:
			return false
		}
	}
	return true
}

func (s *yamlScan) skipLine() {
	for s.i < len(s.data) && s.data[s.i] != '\n' {
		s.i++
	}
	s.newline()
}

// open opens a level at the pending column, for a key or an entry there.
func (s *yamlScan) open(key bool) {
	if s.pending >= 0 {
		s.levels.open(s.pending, key)
	}
	s.pending = -1
}

// levels are the indented lists and mappings open at a point of a text:
// their columns, increasing, and the keys each has had.
type levels struct{ columns, keys []int }

// close closes the levels indented deeper than col.
func (l *levels) close(col int) {
	for len(l.columns) > 0 && l.columns[len(l.columns)-1] > col {
		l.columns = l.columns[:len(l.columns)-1]
		l.keys = l.keys[:len(l.keys)-1]
	}
}

// open notes a key or an entry at column col: it opens a level there, or
// is one more of the level open there.
func (l *levels) open(col int, key bool) {
	l.close(col)
	n := len(l.columns)
	if n == 0 || l.columns[n-1] < col {
		l.columns = append(l.columns, col)
		l.keys = append(l.keys, 0)
		n++
	}
	if key {
		l.keys[n-1]++
	}
}

// token reads one token, or the blanks before one, on the current line.
func (s *yamlScan) token() {
	c := s.data[s.i]
	if c == ' ' || c == '\t' || c == '\r' {
		s.i++
		return
	}
	if s.entry && s.flow == 0 {
		s.pending = s.i - s.lineBegin
	}
	opens, node := s.first || s.entry, s.first || s.entry || s.node
	s.first, s.entry, s.node = false, false, false
	s.tokens++
	switch {
	case c == '#':
		s.skipComment()
	case (c == '"' || c == '\'') && node:
		s.skipQuoted(c)
	case c == '[' || c == '{':
		s.flow++
		s.i++
		s.node = true
	case c == ']' || c == '}':
		s.flow = max(s.flow-1, 0)
		s.i++
	case c == ',':
		s.i++
		s.node = true
	default:
		s.word(opens)
	}
}

func (s *yamlScan) skipComment() {
	for s.i < len(s.data) && s.data[s.i] != '\n' {
		s.i++
	}
}

// skipQuoted skips a quoted text, which may span lines: "..." with
// backslash escapes, '...' with a doubled quote for a quote.
func (s *yamlScan) skipQuoted(quote byte) {
	for s.i++; s.i < len(s.data); s.i++ {
		switch c := s.data[s.i]; {
		case c == '\n':
			s.line++
			s.lineBegin = s.i + 1
		case c == '\\' && quote == '"' && s.i+1 < len(s.data) && s.data[s.i+1] != '\n':
			s.i++ // an escaped character
		case c == quote && quote == '\'' && s.i+1 < len(s.data) && s.data[s.i+1] == '\'':
			s.i++
		case c == quote:
			s.i++
			return
		}
	}
}

// word reads a plain token up to a blank (or, in brackets, punctuation);
// a key's colon counts as a token of its own. Where an entry may begin
// (opens), "-" and "?" begin one; "|" and ">" begin block scalars.
func (s *yamlScan) word(opens bool) {
	start := s.i
	for s.i < len(s.data) && !s.wordEnds() {
		s.i++
	}
	w := s.data[start:s.i]
	key := s.i < len(s.data) && s.data[s.i] == ':'
	if key {
		s.tokens++
		s.i++
	}
	s.node = key || (len(w) > 0 && (w[0] == '!' || w[0] == '&'))
	switch {
	case s.flow > 0:
	case len(w) > 0 && (w[0] == '!' || w[0] == '&'):
		s.entry = opens // a tag or an anchor is no token of the tree
	case key:
		s.open(true)
	case opens && (string(w) == "-" || string(w) == "?"):
		s.open(false)
		s.entry, s.node = true, true
	case len(w) > 0 && (w[0] == '|' || w[0] == '>') && blockHeader(w[1:]):
		s.literal, s.content = s.indent, -1
	}
}

// wordEnds reports whether data[i] ends a plain word: a blank, a colon
// before a blank, or, in brackets, punctuation.
func (s *yamlScan) wordEnds() bool {
	c := s.data[s.i]
	switch c {
	case ' ', '\t', '\r', '\n':
		return true
	case ':':
		return s.i+1 == len(s.data) || isBlank(s.data[s.i+1]) || (s.flow > 0 && isFlowPunct(s.data[s.i+1]))
	case ',', '[', ']', '{', '}':
		return s.flow > 0
	}
	return false
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isFlowPunct(c byte) bool { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}' }

// blockHeader reports whether what follows | or > is a block scalar's
// indentation and chomping indicators.
func blockHeader(rest []byte) bool {
	for _, c := range rest {
		if c != '+' && c != '-' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
