// Package clock models the local clocks of one simulated node.
//
// A node reads two clocks, as a Go process does through time.Time: a monotonic
// clock, which starts at zero when the run starts, drifts but never steps, and
// is what timers and leases are measured on; and a wall clock, which runs at
// the same drifting rate but also carries an initial offset and steps forward
// or back when told to (as NTP does).
//
// True time is the simulator's int64 count of nanoseconds since the run began.
// Drift is in parts per billion (ppb) so that fractional ppm are exact: a drift
// of +200 ppm (200_000 ppb) makes the local clock advance 1.0002 s per true
// second, so a 10 s timer fires after 9.998 s of true time. All conversions are
// exact to the nanosecond: Mono rounds down, TrueAt finds the first true
// nanosecond at which the monotonic clock has reached a reading.
package clock

import (
	"fmt"
	"math"
	"time"
)

const nanosPerSecond = 1_000_000_000

// MaxDriftPPM bounds the drift magnitude a clock accepts. Real oscillators
// drift by tens or hundreds of ppm; the bound leaves room for experiments with
// badly broken clocks while keeping every clock running forward.
const MaxDriftPPM = 500_000

// MaxTrue is the latest true time a clock converts; beyond it the
// fixed-point arithmetic could overflow. It is about 190 years.
const MaxTrue = int64(6_000_000_000) * nanosPerSecond

// PPB converts a drift in ppm, as scenarios write it, to parts per billion,
// rounding to the nearest ppb.
func PPB(driftPPM float64) int64 {
	return int64(math.Round(driftPPM * 1000))
}

// CheckDriftPPB reports whether driftPPB is within ±MaxDriftPPM.
func CheckDriftPPB(driftPPB int64) error {
	if driftPPB < -MaxDriftPPM*1000 || driftPPB > MaxDriftPPM*1000 {
		return fmt.Errorf("drift %.3f ppm is outside ±%d ppm", float64(driftPPB)/1000, MaxDriftPPM)
	}
	return nil
}

// Clock is one node's pair of clocks. The zero value is not ready; use New.
//
// The monotonic reading is piecewise linear in true time: it runs at rate
// (1e9 + driftPPB) local ns per 1e9 true ns since anchorTrue, when it read
// anchorMono. A drift change moves the anchor. Queries must not go back in
// true time before the last anchor.
type Clock struct {
	anchorTrue int64
	anchorMono time.Duration
	rate       int64 // local nanoseconds per true second
	wallOffset time.Duration
}

// New returns a clock that reads 0 on its monotonic clock at true time 0,
// drifts by driftPPB and whose wall clock reads wallOffset ahead of its
// monotonic clock. It panics if the drift is out of bounds: callers validate
// user input with CheckDriftPPB first.
func New(driftPPB int64, wallOffset time.Duration) Clock {
	mustDrift(driftPPB)
	return Clock{rate: nanosPerSecond + driftPPB, wallOffset: wallOffset}
}

func mustDrift(driftPPB int64) {
	if err := CheckDriftPPB(driftPPB); err != nil {
		panic("clock: " + err.Error())
	}
}

func (c *Clock) mustFollowAnchor(now int64) {
	if now < c.anchorTrue || now > MaxTrue {
		panic(fmt.Sprintf("clock: true time %d is before the clock's anchor %d or after MaxTrue", now, c.anchorTrue))
	}
}

// Mono returns the monotonic reading at true time now.
func (c *Clock) Mono(now int64) time.Duration {
	c.mustFollowAnchor(now)
	elapsed := now - c.anchorTrue
	// Split whole seconds from the remainder so elapsed*rate cannot overflow.
	seconds, rest := elapsed/nanosPerSecond, elapsed%nanosPerSecond
	return c.anchorMono + time.Duration(seconds*c.rate+rest*c.rate/nanosPerSecond)
}

// Wall returns the wall reading at true time now, as a duration since the
// run's wall epoch.
func (c *Clock) Wall(now int64) time.Duration {
	return c.Mono(now) + c.wallOffset
}

// DriftPPB returns the current drift.
func (c *Clock) DriftPPB() int64 {
	return c.rate - nanosPerSecond
}

// SetDrift changes the drift from true time now on. Readings before now are
// unchanged.
func (c *Clock) SetDrift(now int64, driftPPB int64) {
	mustDrift(driftPPB)
	c.anchorMono = c.Mono(now)
	c.anchorTrue = now
	c.rate = nanosPerSecond + driftPPB
}

// Step moves the wall clock by the given amount (negative steps go back).
// The monotonic clock does not step.
func (c *Clock) Step(by time.Duration) {
	c.wallOffset += by
}

// TrueAt returns the first true time, not before the clock's last anchor, at
// which the monotonic clock reads at least mono, assuming the drift does not
// change in between. A reading too far ahead to reach before MaxTrue gives
// math.MaxInt64. A timer set for local duration d at true time t fires at
// max(TrueAt(Mono(t) + d), t): a slow clock reads the same for a few true
// nanoseconds, so the first time it read a reading can lie before t.
func (c *Clock) TrueAt(mono time.Duration) int64 {
	ahead := int64(mono - c.anchorMono)
	if ahead <= 0 {
		return c.anchorTrue
	}
	// The answer is anchorTrue + ceil(ahead * 1e9 / rate), split as in Mono.
	whole, rest := ahead/c.rate, ahead%c.rate
	if whole >= (MaxTrue-c.anchorTrue)/nanosPerSecond {
		return math.MaxInt64 // beyond any run: the caller treats it as never
	}
	elapsed := whole*nanosPerSecond + ceilDiv(rest*nanosPerSecond, c.rate)
	return c.anchorTrue + elapsed
}

func ceilDiv(a, b int64) int64 {
	return (a + b - 1) / b
}
