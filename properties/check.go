package properties

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/protocols"
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
	// SearchSeed is the rapid seed Hunt searched from (-rapid.seed gives
	// it again), and Runs the runs it made, finding and shrinking.
	SearchSeed uint64
	Runs       int
}

// String is the counterexample's faults, one after the other, and what
// they broke: "2 faults (seed 0): at 403ms: drift n1 by -343107 ppm; at
// 1.401s: partition [n2 n3] [n1] -> single-leader-per-generation".
func (c *Counterexample) String() string {
	parts := make([]string, len(c.Scenario.Faults))
	for i, f := range c.Scenario.Faults {
		parts[i] = f.String()
	}
	faults := "no fault"
	if len(parts) > 0 {
		faults = strings.Join(parts, "; ")
	}
	return fmt.Sprintf("%d faults (seed %d): %s -> %s", len(parts), c.Scenario.Seed, faults, strings.Join(c.Violated, ", "))
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
	search := newSearch(base, p, opts, searchSeed())
	t.Cleanup(func() {
		if t.Failed() && search.last != nil {
			search.last = search.counterexample(t, search.tighten(search.shrink(search.last.Scenario)))
			search.save(t, opts.FailureDir)
		}
	})
	withChecks(opts.Checks, func() { rapid.Check(t, search.property) })
}

// Hunt searches like Check but does not fail t: it returns the shrunk
// counterexample, or nil when every case held. Tests of known-bug variants
// use it to assert that the bug is found and how small it shrinks.
//
// It runs the cases rapid.Check would (the same draws, in the same order,
// from -rapid.seed or a random seed), then shrinks the first failure by
// replaying it with faults taken off and made simpler (see shrink), and
// searches again with one fault fewer while that finds one (see tighten).
// Cases and candidates run on every core, and the first failure in
// rapid's order wins, so the same -rapid.seed gives the same
// counterexample.
//
// Unlike Check, Hunt tries all of Options.Checks under -short too: it
// stops at the first failure, so the bound costs time only when nothing is
// found, and a fifth of it would make a test that a known bug is found
// fail for some seeds (the Raft lease's restart hole needs about 5,000
// cases; a fifth of its 20,000 missed it for 3 seeds in 8).
func Hunt(t testing.TB, base *sim.Scenario, p sim.Protocol, opts Options) *Counterexample {
	t.Helper()
	if err := checkNames(base, p, opts); err != nil {
		t.Fatal(err)
		return nil
	}
	start := time.Now()
	search := newSearch(base, p, opts, searchSeed())
	search.whole = true
	failing := search.find()
	if failing == nil {
		return nil
	}
	firstFailure, cases := time.Now(), search.cases
	found := search.counterexample(t, search.tighten(search.shrink(failing)))
	found.Cases, found.FindTime = cases, firstFailure.Sub(start)
	found.ShrinkTime = time.Since(firstFailure)
	found.SearchSeed, found.Runs = search.seed, search.probe.runs
	return found
}

// Protocol returns the protocol the counterexample ran, to replay it.
func (c *Counterexample) Protocol() sim.Protocol { return c.protocol }

// search is one property search; last is the most recent failing case of
// rapid.Check, which after rapid's shrinking is the smallest one.
type search struct {
	base  *sim.Scenario
	p     sim.Protocol
	opts  Options
	gen   *rapid.Generator[*sim.Scenario]
	must  []string
	last  *Counterexample
	cases int
	seed  uint64 // the rapid seed of find's first case
	probe *probe // runs the candidates, for this search and its tightenings
	// whole makes find try every one of its checks under -short too (see
	// Hunt).
	whole bool
}

func newSearch(base *sim.Scenario, p sim.Protocol, opts Options, seed uint64) *search {
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
	return &search{base: base, p: p, opts: opts, gen: Scenarios(base, opts.Space), must: must, seed: seed,
		probe: newProbe(base, p, opts, must)}
}

// tighten searches again with a budget of one fault fewer, while that still
// finds a failure: a local minimum that shrinking could not leave is often
// not the smallest schedule there is. The smaller search starts from the
// same rapid seed and shares this one's probe.
//
// Each round that finds one takes at least one fault off, so the rounds
// are bounded by the schedule's length; only the last, which finds
// nothing, costs a whole search.
func (s *search) tighten(scn *sim.Scenario) *sim.Scenario {
	for {
		drawn := len(scn.Faults) - len(s.base.Faults)
		if drawn <= minTightened {
			return scn
		}
		opts := s.opts
		opts.Space.MaxFaults = drawn - 1
		smaller := newSearch(s.base, s.p, opts, s.seed)
		smaller.probe = s.probe
		failing := smaller.find()
		if failing == nil {
			return scn
		}
		scn = smaller.shrink(failing)
	}
}

// tighten leaves a schedule of minTightened faults alone: a search that
// fails costs all its checks, and a two-fault story is already short.
const minTightened = 2

// counterexample runs the shrunk schedule once more with every checker and
// metric, for its report and trace hash.
func (s *search) counterexample(t testing.TB, scn *sim.Scenario) *Counterexample {
	t.Helper()
	scn = scn.Clone()
	scn.TraceHash = ""
	out, err := RunWith(scn, s.p, scn.Seed, s.opts)
	if err != nil {
		t.Fatalf("the shrunk counterexample does not build: %v", err)
		return nil
	}
	if !failed(out) {
		t.Fatalf("the shrunk counterexample no longer fails:\n%#v", scn)
	}
	return &Counterexample{Outcome: *out, Violated: out.Report.Violated(), protocol: s.p}
}

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
	if out.Result.Err != nil {
		t.Fatalf("run failed: %v", out.Result.Err)
	}
	t.Fatalf("%s", describe(out.Report))
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
	switch {
	case ownFailed(s.last.Violated):
		msg += "\n(a checker of this test's own failed: only the test judges it, not the electsim command)"
	case !s.replaysFromFile():
		msg += fmt.Sprintf("\n(the electsim command would build %s from the file's parameters, and that is another run: "+
			"this test built the protocol in Go with settings the file cannot say, so only the test replays it)", s.last.Scenario.Protocol.Name)
	default:
		msg += "\nor with an electsim command that has this protocol (cli.Main): electsim replay " + abs
	}
	t.Log(msg)
}

// replaysFromFile says whether the protocol the saved file names, built
// from its parameters as electsim replay builds it, runs the same run as
// the search's: not when the test built its protocol in Go with settings
// of its own. A protocol this binary has not registered is given the
// benefit of the doubt: the command that has it may well build it alike.
func (s *search) replaysFromFile() bool {
	p, _, err := protocols.ForScenario(s.last.Scenario)
	if err != nil {
		return true
	}
	out, err := Run(s.last.Scenario.Clone(), p, s.last.Scenario.Seed)
	return err == nil && out.Result.TraceHash == s.last.Result.TraceHash
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

// checksFlag guards -rapid.checks, which rapid reads for its case count:
// a Check that raises it holds it while its search runs, so Checks in
// parallel subtests take turns rather than race on the flag.
var checksFlag sync.Mutex

// withChecks raises -rapid.checks to at least n while f runs.
func withChecks(n int, f func()) {
	fl := flag.Lookup("rapid.checks")
	if fl == nil || n == 0 {
		f()
		return
	}
	checksFlag.Lock()
	defer checksFlag.Unlock()
	old := fl.Value.String()
	if cur, err := strconv.Atoi(old); err == nil && cur < n {
		fl.Value.Set(strconv.Itoa(n))
		defer fl.Value.Set(old)
	}
	f()
}
