package properties

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/sim"
)

// Outcome is a finished run: the expanded scenario it ran (with its seed
// and trace hash, ready to save), the kernel's result and the report.
type Outcome struct {
	Scenario *sim.Scenario
	Result   sim.Result
	Report   *Report
}

// Run builds a run of scn with protocol p under seed, attaches every
// checker (and any extra observers), runs it and reports.
func Run(scn *sim.Scenario, p sim.Protocol, seed uint64, observers ...sim.Observer) (*Outcome, error) {
	return RunWith(scn, p, seed, Options{}, observers...)
}

// Options configure a property search.
type Options struct {
	// Space bounds the drawn fault schedules.
	Space FaultSpace
	// Checks is the least number of cases to try, or rapid's -rapid.checks
	// when that is larger. Under -short rapid tries a fifth.
	Checks int
	// Properties must hold; by default the base scenario's expect list.
	// It may name checkers of your own, which are expected anyway.
	Properties []string
	// FailureDir is where Check saves a failing scenario; default
	// testdata/failures.
	FailureDir string
	// Checkers are properties of the caller's own, each built afresh for
	// every run from its roster: they must hold as the built-in properties
	// do, a run that breaks one is a counterexample, shrunk and saved the
	// same way (and replayed with -electsim.replay, which has them; the
	// electsim command does not).
	Checkers []func(*sim.Roster) Checker
	// Metrics are numbers of the caller's own, built afresh for every run;
	// a counterexample's report has them in UserMetrics.
	Metrics []func(*sim.Roster) Metric
}

// RunWith is Run with the checkers and metrics of opts attached too.
func RunWith(scn *sim.Scenario, p sim.Protocol, seed uint64, opts Options, observers ...sim.Observer) (*Outcome, error) {
	s, err := sim.New(scn, p, seed)
	if err != nil {
		return nil, err
	}
	suite := Attach(s)
	for _, c := range opts.Checkers {
		suite.AddChecker(c(s.Roster()))
	}
	for _, m := range opts.Metrics {
		suite.AddMetric(m(s.Roster()))
	}
	s.Observe(observers...)
	res := s.Run()
	saved := s.Scenario().Clone()
	saved.Seed = seed
	saved.TraceHash = sim.TraceHashString(res.TraceHash)
	return &Outcome{Scenario: saved, Result: res, Report: suite.Report(res)}, nil
}

// Counterexample is a failing case, shrunk: the expanded scenario (a plain
// fault list, its seed and trace hash) and what its run showed.
type Counterexample struct {
	Outcome
	Violated []string
	protocol sim.Protocol
	// Cases is how many cases the search ran before the first failure;
	// FindTime and ShrinkTime are the wall time until then and after it,
	// to the shrunk schedule (measured around the runs, never inside one).
	Cases                int
	FindTime, ShrinkTime time.Duration
}

// Check draws scenarios from base with Scenarios, runs each with p and
// fails t when one violates a property that must hold (or the run fails: a
// limit, a panic). Rapid shrinks the failing schedule; the shrunk scenario
// is saved under FailureDir, and the test log says how to replay it with
// electsim replay.
func Check(t testing.TB, base *sim.Scenario, p sim.Protocol, opts Options) {
	t.Helper()
	if err := checkNames(base, p, opts); err != nil {
		t.Fatal(err)
		return
	}
	if *replayFlag != "" {
		replayInTest(t, *replayFlag, p, opts)
		return
	}
	search := newSearch(base, p, opts)
	t.Cleanup(func() {
		if t.Failed() && search.last != nil {
			search.last = search.tighten(t, search.minimize())
			search.save(t, opts.FailureDir)
		}
	})
	withChecks(opts.Checks, func() { rapid.Check(t, search.property) })
}

// Hunt searches like Check but does not fail t: it returns the shrunk
// counterexample, or nil when every case held. Tests of known-bug variants
// use it to assert that the bug is found and how small it shrinks.
func Hunt(t testing.TB, base *sim.Scenario, p sim.Protocol, opts Options) *Counterexample {
	t.Helper()
	if err := checkNames(base, p, opts); err != nil {
		t.Fatal(err)
		return nil
	}
	start := time.Now()
	search := newSearch(base, p, opts)
	if !search.hunt(t) {
		return nil
	}
	found := search.tighten(t, search.minimize())
	found.Cases, found.FindTime = search.firstCases, search.firstFailure.Sub(start)
	found.ShrinkTime = time.Since(search.firstFailure)
	return found
}

// Protocol returns the protocol the counterexample ran, to replay it.
func (c *Counterexample) Protocol() sim.Protocol { return c.protocol }

// search is one property search; last is the most recent failing case,
// which after rapid's shrinking is the smallest one.
type search struct {
	base  *sim.Scenario
	p     sim.Protocol
	opts  Options
	gen   *rapid.Generator[*sim.Scenario]
	must  []string
	last  *Counterexample
	cases int

	firstFailure time.Time // when the first failing case ended
	firstCases   int       // cases run by then
}

func newSearch(base *sim.Scenario, p sim.Protocol, opts Options) *search {
	// The caller's own checkers are always expected (the suite adds them);
	// the drawn scenarios, which a saved failure keeps, name only the
	// built-in properties, so that the electsim command reads them.
	var must []string
	for _, name := range opts.Properties {
		if slices.Contains(Names, name) {
			must = append(must, name)
		}
	}
	if len(must) == 0 {
		must = base.Expect.Properties
	}
	if len(must) == 0 {
		must = []string{sim.DefaultProperty}
	}
	return &search{base: base, p: p, opts: opts, gen: Scenarios(base, opts.Space), must: must}
}

// hunt runs the search without failing t and reports whether it found a
// counterexample.
func (s *search) hunt(t testing.TB) bool {
	t.Helper()
	quiet := &quietTB{TB: t}
	// A hunt starts afresh each time: no fail file from an earlier hunt is
	// written, so none replays, and find times measure a search.
	withFlag("rapid.nofailfile", "true", func() {
		withChecks(s.opts.Checks, func() { rapid.Check(quiet, s.property) })
	})
	if quiet.failed && s.last == nil {
		t.Fatalf("the property search failed without a counterexample:\n%s", quiet.log)
	}
	return quiet.failed
}

// tighten searches again with a budget of one fault fewer, while that still
// finds a failure: a local minimum that neither rapid nor minimize could
// leave is often not the smallest schedule there is.
//
// Each round that finds one takes at least one fault off, so the rounds
// are bounded by the schedule's length; only the last, which finds
// nothing, costs a whole search.
func (s *search) tighten(t testing.TB, c *Counterexample) *Counterexample {
	for {
		drawn := len(c.Scenario.Faults) - len(s.base.Faults)
		if drawn <= minTightened {
			break
		}
		opts := s.opts
		opts.Space.MaxFaults = drawn - 1
		smaller := newSearch(s.base, s.p, opts)
		if !smaller.hunt(t) {
			break
		}
		c = smaller.minimize()
	}
	return c
}

// tighten leaves a schedule of minTightened faults alone: a search that
// fails costs all its checks, and a two-fault story is already short.
const minTightened = 2

func (s *search) property(t *rapid.T) {
	scn := s.gen.Draw(t, "scenario")
	scn.Expect.Properties = s.must
	out, err := RunWith(scn, s.p, scn.Seed, s.opts)
	if err != nil {
		t.Fatalf("drawn scenario does not build: %v", err)
	}
	s.cases++
	if !failed(out) {
		return
	}
	s.last = &Counterexample{Outcome: *out, Violated: out.Report.Violated(), protocol: s.p}
	if s.firstCases == 0 {
		s.firstFailure, s.firstCases = time.Now(), s.cases
	}
	if out.Result.Err != nil {
		t.Fatalf("run failed: %v", out.Result.Err)
	}
	t.Fatalf("%s", describe(out.Report))
}

// minimize finishes rapid's shrinking on the concrete schedule: rapid
// deletes and simplifies draws, but a deletion can shift the draws after
// it, so it can stop at a schedule with faults to spare. This drops drawn
// faults one at a time, then two at a time, keeping each drop after which
// the same seed still violates a property that must hold, until none can
// go: a schedule minimal against the removal of one or two faults.
func (s *search) minimize() *Counterexample {
	best := s.last
	for {
		if c := s.dropOne(best); c != nil {
			best = c
			continue
		}
		if c := s.dropTwo(best); c != nil {
			best = c
			continue
		}
		return best
	}
}

func (s *search) dropOne(c *Counterexample) *Counterexample {
	for i := len(s.base.Faults); i < len(c.Scenario.Faults); i++ {
		if smaller := s.without(c, i); smaller != nil {
			return smaller
		}
	}
	return nil
}

func (s *search) dropTwo(c *Counterexample) *Counterexample {
	for i := len(s.base.Faults); i < len(c.Scenario.Faults); i++ {
		for j := i + 1; j < len(c.Scenario.Faults); j++ {
			if smaller := s.without(c, j, i); smaller != nil {
				return smaller
			}
		}
	}
	return nil
}

// without reruns a counterexample with the faults at the given indexes
// (in decreasing order) removed and returns it if it still fails.
func (s *search) without(c *Counterexample, indexes ...int) *Counterexample {
	scn := c.Scenario.Clone()
	for _, i := range indexes {
		scn.Faults = slices.Delete(scn.Faults, i, i+1)
	}
	scn.TraceHash = ""
	out, err := RunWith(scn, s.p, scn.Seed, s.opts)
	if err != nil {
		return nil
	}
	if !failed(out) {
		return nil
	}
	return &Counterexample{Outcome: *out, Violated: out.Report.Violated(), protocol: s.p}
}

// failed reports whether a run broke a property that must hold, or did not
// finish (a limit, a protocol panic): either is a counterexample.
func failed(out *Outcome) bool {
	return len(out.Report.Violated()) > 0 || out.Result.Err != nil
}

func describe(r *Report) string {
	msg := ""
	for _, name := range r.Violated() {
		msg += fmt.Sprintf("%s violated: %s\n", name, r.Properties[name].Detail)
	}
	return msg
}

// save writes the last counterexample where electsim replay can read it.
func (s *search) save(t testing.TB, dir string) {
	if dir == "" {
		dir = filepath.Join("testdata", "failures")
	}
	data, err := s.last.Scenario.Marshal()
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	path := filepath.Join(dir, fileName(t.Name())+".yaml")
	if err == nil {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil {
		t.Logf("could not save the failing scenario: %v", err)
		return
	}
	abs, _ := filepath.Abs(path)
	pkgDir, _ := os.Getwd() // the package's directory, where go test ran
	msg := fmt.Sprintf("shrunk to %s, seed %d; saved as %s\nreplay it with: cd %s && go test -run '%s' -electsim.replay=%s",
		plural(int64(len(s.last.Scenario.Faults)), "fault", "faults"), s.last.Scenario.Seed, path, pkgDir, runPattern(t.Name()), path)
	if ownFailed(s.last.Violated) {
		msg += "\n(a checker of this test's own failed: only the test judges it, not the electsim command)"
	} else {
		msg += "\nor with an electsim command that has this protocol (cli.Main): electsim replay " + abs
	}
	t.Log(msg)
}

// ownFailed says whether a violated property is none of the built-in ones:
// a checker of the caller's own.
func ownFailed(violated []string) bool {
	for _, name := range violated {
		if !slices.Contains(Names, name) && !slices.Contains(outcomeNames, name) {
			return true
		}
	}
	return false
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func fileName(testName string) string { return unsafeName.ReplaceAllString(testName, "_") }

// withChecks raises -rapid.checks to at least n while f runs.
func withChecks(n int, f func()) {
	fl := flag.Lookup("rapid.checks")
	if fl == nil || n == 0 {
		f()
		return
	}
	old := fl.Value.String()
	if cur, err := strconv.Atoi(old); err == nil && cur < n {
		fl.Value.Set(strconv.Itoa(n))
		defer fl.Value.Set(old)
	}
	f()
}

// withFlag sets a flag while f runs.
func withFlag(name, value string, f func()) {
	if fl := flag.Lookup(name); fl != nil {
		old := fl.Value.String()
		fl.Value.Set(value)
		defer fl.Value.Set(old)
	}
	f()
}

// quietTB passes rapid a TB that records failure instead of failing the
// test, so that a test can look at what was found.
type quietTB struct {
	testing.TB
	failed bool
	log    string
}

func (q *quietTB) Errorf(format string, args ...any) { q.Error(fmt.Sprintf(format, args...)) }
func (q *quietTB) Error(args ...any)                 { q.failed = true; q.log += fmt.Sprintln(args...) }
func (q *quietTB) Fatalf(format string, args ...any) { q.Errorf(format, args...) }
func (q *quietTB) Fatal(args ...any)                 { q.Error(args...) }
func (q *quietTB) Fail()                             { q.failed = true }
func (q *quietTB) FailNow()                          { q.failed = true }
func (q *quietTB) Failed() bool                      { return q.failed }
func (q *quietTB) Logf(format string, args ...any)   {}
func (q *quietTB) Log(args ...any)                   {}
