package clock_test

import (
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/clock"
)

// drawDrift draws a drift in ppb across the whole accepted range, with the
// realistic small drifts and the extremes both likely.
func drawDrift(t *rapid.T, label string) int64 {
	return rapid.OneOf(
		rapid.Int64Range(-1000_000, 1000_000),
		rapid.Int64Range(-clock.MaxDriftPPM*1000, clock.MaxDriftPPM*1000),
		rapid.SampledFrom([]int64{0, -clock.MaxDriftPPM * 1000, clock.MaxDriftPPM * 1000}),
	).Draw(t, label)
}

// history is a clock driven through drift changes and wall steps at
// increasing true times, as the kernel drives it.
type history struct {
	c   clock.Clock
	now int64
}

func drawHistory(t *rapid.T) *history {
	h := &history{c: clock.New(drawDrift(t, "drift0"), time.Duration(rapid.Int64Range(-int64(time.Hour), int64(time.Hour)).Draw(t, "offset")))}
	steps := rapid.IntRange(0, 5).Draw(t, "changes")
	for range steps {
		h.now += rapid.Int64Range(0, int64(100*time.Second)).Draw(t, "gap")
		if rapid.Bool().Draw(t, "step") {
			h.c.Step(time.Duration(rapid.Int64Range(-int64(time.Minute), int64(time.Minute)).Draw(t, "by")))
		} else {
			h.c.SetDrift(h.now, drawDrift(t, "drift"))
		}
	}
	return h
}

func TestMonotonicNeverGoesBack(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t)
		a := h.now + rapid.Int64Range(0, int64(1000*time.Hour)).Draw(t, "a")
		b := a + rapid.Int64Range(0, int64(time.Hour)).Draw(t, "b-a")
		if ma, mb := h.c.Mono(a), h.c.Mono(b); mb < ma {
			t.Fatalf("Mono(%d) = %d but later Mono(%d) = %d", a, ma, b, mb)
		}
	})
}

func TestMonotonicAdvancesEveryTrueSecond(t *testing.T) {
	// Even the slowest clock allowed moves: a stuck clock would hang timers forever.
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t)
		a := h.now + rapid.Int64Range(0, int64(1000*time.Hour)).Draw(t, "a")
		if h.c.Mono(a+int64(time.Second)) <= h.c.Mono(a) {
			t.Fatalf("clock stood still for a true second at %d", a)
		}
	})
}

func TestTimerFiresWhenLocalClockAdvancedExactlyD(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t)
		set := h.now + rapid.Int64Range(0, int64(100*time.Hour)).Draw(t, "set")
		d := time.Duration(rapid.Int64Range(0, int64(100*time.Hour)).Draw(t, "d"))
		target := h.c.Mono(set) + d
		// A slow clock can read the same for a few true nanoseconds, so the
		// first time it reads the target may lie before set: a timer fires
		// no earlier than it was set, as the kernel schedules it.
		fire := max(h.c.TrueAt(target), set)
		if got := h.c.Mono(fire); got < target {
			t.Fatalf("at the firing time %d the clock reads %v, short of %v", fire, got, target)
		}
		if fire > set {
			if got := h.c.Mono(fire - 1); got >= target {
				t.Fatalf("one ns before the firing time %d the clock already reads %v >= %v", fire, got, target)
			}
		}
	})
}

func TestDriftBound(t *testing.T) {
	// Over any interval after the last change, local elapsed time differs
	// from true elapsed time by the drift, to within one nanosecond of rounding.
	rapid.Check(t, func(t *rapid.T) {
		h := drawHistory(t)
		a := h.now + rapid.Int64Range(0, int64(1000*time.Hour)).Draw(t, "a")
		elapsed := rapid.Int64Range(0, int64(1000*time.Hour)).Draw(t, "elapsed")
		local := int64(h.c.Mono(a+elapsed) - h.c.Mono(a))
		want := float64(elapsed) * (1 + float64(h.c.DriftPPB())/1e9)
		if math.Abs(float64(local)-want) > 1+want*1e-15 {
			t.Fatalf("drift %d ppb: %d true ns became %d local ns, want %.1f", h.c.DriftPPB(), elapsed, local, want)
		}
	})
}

func TestWallIsMonoPlusOffsetAndSteps(t *testing.T) {
	c := clock.New(clock.PPB(200), -3*time.Second)
	at := int64(10 * time.Second)
	if got, want := c.Mono(at), 10*time.Second+2*time.Millisecond; got != want {
		t.Fatalf("Mono after 10 s at +200 ppm = %v, want %v", got, want)
	}
	if got, want := c.Wall(at), 7*time.Second+2*time.Millisecond; got != want {
		t.Fatalf("Wall = %v, want %v", got, want)
	}
	c.Step(-time.Minute)
	if got, want := c.Wall(at), 7*time.Second+2*time.Millisecond-time.Minute; got != want {
		t.Fatalf("Wall after a step back of 1m = %v, want %v", got, want)
	}
	if got, want := c.Mono(at), 10*time.Second+2*time.Millisecond; got != want {
		t.Fatalf("a wall step moved Mono to %v, want %v", got, want)
	}
}

func TestTenSecondTimerAtPlus200PPM(t *testing.T) {
	// DESIGN.md's example: with drift +200 ppm a 10 s timer fires after 9.998 s of true time.
	c := clock.New(clock.PPB(200), 0)
	fire := c.TrueAt(10 * time.Second)
	want := int64(time.Duration(10*time.Second).Seconds() / 1.0002 * 1e9)
	if diff := fire - want; diff < -1 || diff > 1 {
		t.Fatalf("10 s timer fires at %v of true time, want about %v", time.Duration(fire), time.Duration(want))
	}
}

func TestTrueAtFarFutureSaturates(t *testing.T) {
	c := clock.New(0, 0)
	if got := c.TrueAt(time.Duration(math.MaxInt64)); got != math.MaxInt64 {
		t.Fatalf("TrueAt(max) = %d, want MaxInt64 (never)", got)
	}
}

func TestCheckDriftPPB(t *testing.T) {
	for _, tc := range []struct {
		ppm float64
		ok  bool
	}{{0, true}, {-200.5, true}, {clock.MaxDriftPPM, true}, {clock.MaxDriftPPM + 0.001, false}, {-clock.MaxDriftPPM - 1, false}} {
		if err := clock.CheckDriftPPB(clock.PPB(tc.ppm)); (err == nil) != tc.ok {
			t.Errorf("CheckDriftPPB(%v ppm) = %v, want ok=%v", tc.ppm, err, tc.ok)
		}
	}
}
