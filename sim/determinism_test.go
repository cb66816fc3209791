package sim_test

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/electsim/electsim/sim"
)

// traceOf runs a scenario and returns its trace, messages included, with
// the result.
func traceOf(t *rapid.T, scn *sim.Scenario, p sim.Protocol, seed uint64) ([]sim.Event, sim.Result) {
	s, err := sim.New(scn, p, seed)
	if err != nil {
		t.Fatalf("building the run: %v", err)
	}
	rec := &recorder{}
	s.Observe(rec)
	return rec.events, s.Run()
}

// resultOf runs a scenario with no observer at all, or with the JSON trace
// writer, and returns only the result.
func resultOf(t *rapid.T, scn *sim.Scenario, p sim.Protocol, seed uint64, writeTrace bool) sim.Result {
	s, err := sim.New(scn, p, seed)
	if err != nil {
		t.Fatalf("building the run: %v", err)
	}
	if writeTrace {
		defer sim.WriteTrace(s, io.Discard).Flush()
	}
	return s.Run()
}

// firstDivergence explains where two traces part: the first differing event
// as a diff, with the events just before it for context.
func firstDivergence(a, b []sim.Event) string {
	for i := range min(len(a), len(b)) {
		if diff := cmp.Diff(a[i], b[i]); diff != "" {
			var ctx strings.Builder
			for j := max(0, i-3); j < i; j++ {
				fmt.Fprintf(&ctx, "  %+v\n", a[j])
			}
			return fmt.Sprintf("first divergence at event %d (-first +second):\n%s\nthe events before it:\n%s", i, diff, ctx.String())
		}
	}
	if len(a) != len(b) {
		return fmt.Sprintf("same first %d events, then one trace has %d and the other %d", min(len(a), len(b)), len(a), len(b))
	}
	return ""
}

// atLeastChecks raises -rapid.checks to n for one test, so that a property
// the issue asks to hold over n cases gets them even at the default setting.
func atLeastChecks(t *testing.T, n int) {
	f := flag.Lookup("rapid.checks")
	if f == nil {
		return
	}
	old := f.Value.String()
	if cur, err := strconv.Atoi(old); err == nil && cur >= n {
		return
	}
	if testing.Short() {
		return
	}
	f.Value.Set(strconv.Itoa(n))
	t.Cleanup(func() { f.Value.Set(old) })
}

// TestDeterminism: the same scenario and seed give the same trace, event for
// event, run once or twice, alone or beside another run, with GOMAXPROCS 1
// or 4, with or without the trace recorded. Run it with -race too.
func TestDeterminism(t *testing.T) {
	atLeastChecks(t, 200)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rapid.Check(t, func(t *rapid.T) {
		spec, p := drawProtocol(t)
		scn := drawScenario(t, spec)
		seed := rapid.Uint64().Draw(t, "seed")

		runtime.GOMAXPROCS(1)
		first, res := traceOf(t, scn, p, seed)
		if res.Err != nil {
			t.Fatalf("run failed: %v", res.Err)
		}
		runtime.GOMAXPROCS(4)
		again, _ := traceOf(t, scn, p, seed)
		if d := firstDivergence(first, again); d != "" {
			t.Fatalf("a second run differs: %s", d)
		}
		var side [2][]sim.Event
		var wg sync.WaitGroup
		for i := range side {
			wg.Go(func() { side[i], _ = traceOf(t, scn, p, seed) })
		}
		wg.Wait()
		for i := range side {
			if d := firstDivergence(first, side[i]); d != "" {
				t.Fatalf("a run beside another differs: %s", d)
			}
		}
		for _, write := range []bool{false, true} {
			if other := resultOf(t, scn, p, seed, write); other.TraceHash != res.TraceHash || other.Events != res.Events {
				t.Fatalf("with trace writing %v: hash %x over %d events, want %x over %d", write, other.TraceHash, other.Events, res.TraceHash, res.Events)
			}
		}
	})
}
