package sim

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Span is a duration, or a range of durations from which each run draws
// one: "4s", or "4s..4.05s" for any time from 4s to 4.05s, both ends
// included. Fault times and lengths and node boot times are spans, so that
// one scenario file says "at a random moment in the heartbeat interval"
// across a sweep's seeds. Scenario.Expand draws every range uniformly from
// the faults stream of the seed; an expanded scenario holds fixed spans
// only, and reads back as the run it was.
type Span struct {
	Min, Max time.Duration
}

// Fixed is the span of exactly d.
func Fixed(d time.Duration) Span { return Span{Min: d, Max: d} }

// Between is the span of every duration from lo to hi.
func Between(lo, hi time.Duration) Span { return Span{Min: lo, Max: hi} }

// IsRange reports whether the span still has a draw to make.
func (s Span) IsRange() bool { return s.Max != s.Min }

// IsZero reports whether the span is the zero duration (a field left out).
func (s Span) IsZero() bool { return s == Span{} }

// String writes the span as a scenario file does: "4s" or "4s..4.05s".
func (s Span) String() string {
	if !s.IsRange() {
		return s.Min.String()
	}
	return s.Min.String() + ".." + s.Max.String()
}

// draw picks a duration in the span, uniformly, both ends included. A fixed
// span draws nothing from r, so a scenario without ranges leaves the stream
// as it was.
func (s Span) draw(r *rand.Rand) Span {
	if !s.IsRange() {
		return s
	}
	return Fixed(s.Min + time.Duration(r.Int64N(int64(s.Max-s.Min)+1)))
}

// ParseSpan reads "4s" or "4s..4.05s". It checks only the syntax; whether
// the range runs forwards is for Validate to say, with the field.
func ParseSpan(text string) (Span, error) {
	lo, hi, isRange := strings.Cut(strings.TrimSpace(text), "..")
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return Span{}, fmt.Errorf("want %s, got %q", spanWanted, text)
	}
	if !isRange {
		return Fixed(min), nil
	}
	max, err := time.ParseDuration(strings.TrimSpace(hi))
	if err != nil {
		return Span{}, fmt.Errorf("want %s, got %q", spanWanted, text)
	}
	return Between(min, max), nil
}

const spanWanted = `a duration such as "150ms", or a range such as "4s..4.05s"`

// UnmarshalYAML reads a span from its scalar. The decoder's precheck has
// already placed any malformed span at its line, so an error here is a
// backstop. It takes the decoding function, not the bytes: go-yaml
// renders bytes for an unmarshaler by walking every token of the file, so
// a file of n spans would cost n times its size.
func (s *Span) UnmarshalYAML(unmarshal func(any) error) error {
	var text string
	if err := unmarshal(&text); err != nil {
		return fmt.Errorf("want %s", spanWanted)
	}
	v, err := ParseSpan(text)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalYAML writes the span as ParseSpan reads it.
func (s Span) MarshalYAML() (any, error) { return s.String(), nil }
