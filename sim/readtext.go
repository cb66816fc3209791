package sim

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxQuotedBytes bounds how much of an input text an error message quotes.
const maxQuotedBytes = 200

// Printable returns text from a file or the command line fit to print on
// a terminal: control characters (an escape sequence can clear the screen
// or rewrite a line), bidirectional overrides and invalid UTF-8 are
// escaped as strconv.Quote escapes them ("\x1b", "\u202e"); all else is
// left as it is.
func Printable(s string) string {
	if !hasUnprintable(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case isControl(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}

// QuoteInput quotes a text from the input for an error message: escaped
// as strconv.Quote does, and cut to its first 200 bytes, so that a message
// stays a line however large the input.
func QuoteInput(s string) string {
	head, cut := cutInput(s)
	if !cut {
		return strconv.Quote(s)
	}
	return strconv.Quote(head) + "... (" + strconv.Itoa(len(s)) + " bytes)"
}

// ShortInput is a text from the input for an error message, unquoted: cut
// to its first 200 bytes and escaped as Printable escapes it.
func ShortInput(s string) string {
	head, cut := cutInput(s)
	if cut {
		head += "..."
	}
	return Printable(head)
}

func cutInput(s string) (string, bool) {
	if len(s) <= maxQuotedBytes {
		return s, false
	}
	n := maxQuotedBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

func hasUnprintable(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	return strings.IndexFunc(s, isControl) >= 0
}

// isControl reports a rune that must not reach a terminal as it is: a
// control character (C0, DEL, C1) or a bidirectional formatting character,
// which reorders the text around it.
func isControl(r rune) bool {
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Bidi_Control, r)
}

// controlInText returns the first control character of a scenario's text
// other than a tab or a line break, which a description may hold.
func controlInText(s string) (rune, bool) {
	for _, r := range s {
		if r != '\t' && r != '\n' && isControl(r) {
			return r, true
		}
	}
	return 0, false
}
