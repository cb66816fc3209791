package sim_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/sim"
)

// TestHuman pins the form a person reads a duration in: three
// significant digits, in the largest unit time.Duration writes below it.
func TestHuman(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{5*time.Second + 472*time.Millisecond + 2, "5.47s"},
		{85*time.Second + 727387512, "1m25.7s"},
		{999*time.Millisecond + 600*time.Microsecond, "1s"},
		{999*time.Millisecond + 400*time.Microsecond, "999ms"},
		{412*time.Millisecond + 345*time.Microsecond, "412ms"},
		{400*time.Microsecond + 3, "400µs"},
		{1, "1ns"},
		{999, "999ns"},
		{1234, "1.23µs"},
		{0, "0s"},
		{-(2*time.Second + 504*time.Millisecond), "-2.5s"},
		{-5*time.Second - 475*time.Millisecond, "-5.48s"}, // halves away from zero
		{10 * time.Minute, "10m0s"},
		{time.Hour + 2*time.Minute + 5*time.Second, "1h2m10s"},
		{time.Duration(1<<63 - 1), "2561111h6m40s"},
	} {
		if got := sim.Human(c.in); got != c.want {
			t.Errorf("Human(%d ns) = %q, want %q", int64(c.in), got, c.want)
		}
	}
}

// TestHumanKeepsThreeSignificantDigits: what Human writes reads back as a
// duration of at most three significant digits, within 0.5% of the value.
func TestHumanKeepsThreeSignificantDigits(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := time.Duration(rapid.Int64().Draw(t, "ns"))
		s := sim.Human(d)
		back, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("Human(%d) = %q, which does not parse: %v", int64(d), s, err)
		}
		digits := strings.TrimRight(strings.TrimLeft(strconv.FormatUint(magnitude(back), 10), "0"), "0")
		if len(digits) > 3 {
			t.Fatalf("Human(%d) = %q keeps %d significant digits", int64(d), s, len(digits))
		}
		if diff := magnitudeDiff(back, d); float64(diff) > 0.005*float64(magnitude(d)) {
			t.Fatalf("Human(%d) = %q is %d ns off, more than 0.5%%", int64(d), s, diff)
		}
	})
}

func magnitude(d time.Duration) uint64 {
	if d < 0 {
		return uint64(-(d + 1)) + 1
	}
	return uint64(d)
}

func magnitudeDiff(a, b time.Duration) uint64 {
	if a > b {
		return uint64(a) - uint64(b)
	}
	return uint64(b) - uint64(a)
}
