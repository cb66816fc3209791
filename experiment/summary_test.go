package experiment_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

func row(times ...int64) experiment.Row {
	r := experiment.Row{Metrics: &properties.Metrics{}}
	for _, ns := range times {
		r.Recoveries = append(r.Recoveries, properties.Recovery{NewLeaderNS: ns})
	}
	return r
}

// TestSummaryOfTheTimeToANewLeader: the median, mean and maximum run over
// every fault a new leader followed, in the runs that reached their end; a
// fault no new leader followed is counted apart, not as a zero, and a fault
// skipped for want of a leader is neither.
func TestSummaryOfTheTimeToANewLeader(t *testing.T) {
	failed := row(1)
	failed.Error = "limit"
	s := experiment.Summarize([]experiment.Row{row(400, -1), row(100), row(200, 300), failed})
	if s.NewLeaderFaults != 4 || s.NoNewLeaderFaults != 1 || s.NewLeaderMedianNS != 250 || s.NewLeaderMeanNS != 250 || s.NewLeaderMaxNS != 400 || s.Failed != 1 {
		t.Fatalf("summary %+v: want 4 faults and 1 without a new leader, median 250, mean 250, max 400, 1 failed run", s)
	}
	if s := experiment.Summarize([]experiment.Row{row(3e9), row(1e9), row(2e9)}); s.NewLeaderMedianNS != 2e9 {
		t.Errorf("odd count: median %d, want 2s", s.NewLeaderMedianNS)
	}
	skipped := row()
	skipped.Skipped = []properties.SkippedFault{{}, {}}
	if s := experiment.Summarize([]experiment.Row{row(1e9, -1), skipped}); s.NewLeaderFaults != 1 || s.NoNewLeaderFaults != 1 || s.SkippedFaults != 2 {
		t.Errorf("with skipped faults: %+v, want 1 time, 1 none, 2 skipped", s)
	}
}

// TestLeaderlessMeanIsOverRunsThatElected: the time without a leader
// counts from the first leader, so a run that never elected has none; it
// must not pull the mean towards 0s, and with no run elected it is -1.
func TestLeaderlessMeanIsOverRunsThatElected(t *testing.T) {
	never := experiment.Row{Metrics: &properties.Metrics{FirstLeaderNS: -1}}
	elected := experiment.Row{Metrics: &properties.Metrics{FirstLeaderNS: 1e9, LeaderlessNS: 2e9}}
	if s := experiment.Summarize([]experiment.Row{never, elected}); s.LeaderlessMeanNS != 2e9 {
		t.Errorf("one run never elected, one was 2s without a leader: mean %d, want 2s", s.LeaderlessMeanNS)
	}
	if s := experiment.Summarize([]experiment.Row{never, never}); s.LeaderlessMeanNS != -1 {
		t.Errorf("no run elected: mean %d, want -1", s.LeaderlessMeanNS)
	}
}

// TestAPanicOutsideTheKernelIsARow panics on the run's way outside
// sim.Run, where the kernel cannot catch it: the run is a row with the
// panic and its stack, and the others keep their results.
func TestAPanicOutsideTheKernelIsARow(t *testing.T) {
	e := load(t, "testdata/loss.yaml")
	opts := experiment.Options{Parallel: 3, Run: func(scn *sim.Scenario, p sim.Protocol, seed uint64, obs ...sim.Observer) (*properties.Outcome, error) {
		if seed%2 == 1 {
			panic(fmt.Sprintf("odd seed %d", seed))
		}
		return properties.Run(scn, p, seed, obs...)
	}}
	var rows []experiment.Row
	if err := e.Run(context.Background(), e.Jobs(opts), opts, func(r *experiment.Row) { rows = append(rows, *r) }); err != nil {
		t.Fatal(err)
	}
	if len(rows) != e.Runs() {
		t.Fatalf("%d rows of %d runs", len(rows), e.Runs())
	}
	for _, r := range rows {
		switch {
		case r.Seed%2 == 1 && (!strings.Contains(r.Error, fmt.Sprintf("odd seed %d", r.Seed)) || !strings.Contains(r.Error, "goroutine")):
			t.Errorf("seed %d: error %q, want the panic and its stack", r.Seed, r.Error)
		case r.Seed%2 == 0 && (r.Error != "" || r.TraceHash == "" || r.Metrics == nil):
			t.Errorf("seed %d lost its result: %+v", r.Seed, r)
		}
	}
}

// TestACancelledRunKeepsTheFinishedRows: once the context is done no run
// starts, the runs under way are emitted, and Run says it was cancelled.
func TestACancelledRunKeepsTheFinishedRows(t *testing.T) {
	e := load(t, "testdata/loss.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	var rows []experiment.Row
	opts := experiment.Options{Parallel: 2}
	err := e.Run(ctx, e.Jobs(opts), opts, func(r *experiment.Row) {
		rows = append(rows, *r)
		if len(rows) == 5 {
			cancel()
		}
	})
	// Besides the runs under way, one job may have been handed out as the
	// context was cancelled.
	if err != context.Canceled || len(rows) < 5 || len(rows) > 5+opts.Parallel+1 {
		t.Fatalf("err %v, %d rows: want Canceled and the 5 rows plus at most the %d under way and one more", err, len(rows), opts.Parallel)
	}
}
