package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// Limits on a sweep: a mistyped range fails at once instead of running for
// days or exhausting memory with results.
const (
	maxSweepRuns    = 100_000
	maxParallel     = 1024
	maxProblemLines = 20 // failed or violating runs the table lists; -json has them all
)

const sweepSynopsis = "sweep FILE [-protocols raft,routing] [-seeds 1-20] [-set key=v1,v2,...]... [-paired] [-parallel N] [-json] [-plot out.svg|png] [-cdf out.svg|png]"

// sweepOptions are the sweep's flags and file.
type sweepOptions struct {
	file      string
	protocols []string // empty: the scenario's
	seeds     seedList
	sets      []setAxis
	paired    bool // the varied -set axes go together, value by value
	parallel  int
	asJSON    bool
	plot      string
	cdf       string
}

// setAxis is one -set: a parameter and its values. With one value it just
// sets the parameter; with several it is an axis of the sweep.
type setAxis struct {
	key    string
	values []string // as written, each read as YAML by overrides.apply
}

func (a setAxis) varied() bool { return len(a.values) > 1 }

func sweepCommand(args []string, stdout, stderr io.Writer) error {
	opts, err := parseSweep(args, stderr)
	if err != nil {
		return err
	}
	plan, err := planSweep(opts, stderr)
	if err != nil {
		return err
	}
	// The pictures' files are created before the runs, so that a bad path
	// fails in a second rather than after the whole sweep.
	plotFile, err := createOutput(opts.plot)
	if err != nil {
		return err
	}
	cdfFile, err := createOutput(opts.cdf)
	if err != nil {
		return err
	}
	defer lessGC()()
	bar := newProgress(stderr, plan.runs())
	results := plan.runAll(opts.parallel, bar.tick)
	bar.wait()
	sweep := plan.report(results)
	if err := drawTo(plotFile, func(w io.Writer, format string) error { return drawSweep(w, format, opts.seeds.text, sweep) }); err != nil {
		return fmt.Errorf("drawing the sweep: %w", err)
	}
	if err := drawTo(cdfFile, func(w io.Writer, format string) error { return drawNewLeaderCDF(w, format, opts.seeds.text, sweep) }); err != nil {
		return fmt.Errorf("drawing the CDF: %w", err)
	}
	if err := printSweep(stdout, opts, plan, sweep); err != nil {
		return err
	}
	if !sweep.ok() {
		return &exitError{code: 1, err: errQuiet}
	}
	return nil
}

// createOutput creates a picture's file, or returns nil when none is asked.
func createOutput(path string) (*os.File, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, badInput(err)
	}
	return f, nil
}

// drawTo draws a picture into its file, in the format its name says, and
// closes it; a nil file is no picture asked for.
func drawTo(f *os.File, draw func(w io.Writer, format string) error) error {
	if f == nil {
		return nil
	}
	err := draw(f, strings.TrimPrefix(filepath.Ext(f.Name()), "."))
	return errors.Join(err, f.Close())
}

// sweepGCPercent is the GC target while a sweep runs. Its live heap is a
// few MB, so at Go's default of 100 the collector runs every few tens of
// milliseconds and slows every worker; 400 took about a fifth off the wall
// time of a 400-run sweep on two cores, for a few MB more memory.
const sweepGCPercent = 400

// lessGC raises the GC target, unless GOGC says otherwise, and returns
// what puts it back.
func lessGC() (restore func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(sweepGCPercent)
	return func() { debug.SetGCPercent(old) }
}

// parseSweep reads the flags; every problem is a usage error.
func parseSweep(args []string, stderr io.Writer) (*sweepOptions, error) {
	fs := newFlagSet("sweep", sweepSynopsis, stderr)
	opts := &sweepOptions{seeds: seedList{text: "1-10", seeds: seedRange(1, 10)}}
	fs.Func("protocols", "run each of these protocols, comma-separated (default: the scenario's)", func(s string) error {
		list, err := splitList(s)
		opts.protocols = list
		return err
	})
	fs.Var(&opts.seeds, "seeds", "run each configuration with these seeds: 1-20, 1,2,7 or 1-5,9")
	fs.Func("set", "set a protocol parameter, key=value, or sweep it, key=v1,v2,... (repeatable)", func(kv string) error {
		a, err := parseSetAxis(kv)
		if err == nil && slices.ContainsFunc(opts.sets, func(b setAxis) bool { return b.key == a.key }) {
			err = fmt.Errorf("%s is set twice; list its values in one -set: %s=v1,v2", a.key, a.key)
		}
		opts.sets = append(opts.sets, a)
		return err
	})
	fs.IntVar(&opts.parallel, "parallel", min(runtime.GOMAXPROCS(0), maxParallel), "run this many runs at once")
	fs.BoolVar(&opts.asJSON, "json", false, "print one JSON object with every run instead of the table")
	fs.BoolVar(&opts.paired, "paired", false, "pair the -set lists value by value instead of crossing them (each list as long)")
	fs.StringVar(&opts.plot, "plot", "", "draw the availability of each configuration to this .svg or .png file")
	fs.StringVar(&opts.cdf, "cdf", "", "draw the CDF of the time to a new leader after each fault, a curve per configuration, to this .svg or .png file")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, &exitError{code: 2}
	}
	if len(files) != 1 {
		fs.Usage()
		return nil, usageError("sweep takes one scenario file, got %d", len(files))
	}
	opts.file = files[0]
	if opts.parallel < 1 || opts.parallel > maxParallel {
		return nil, usageError("-parallel must be 1..%d, got %d", maxParallel, opts.parallel)
	}
	for flag, path := range map[string]string{"-plot": opts.plot, "-cdf": opts.cdf} {
		if ext := filepath.Ext(path); path != "" && ext != ".svg" && ext != ".png" {
			return nil, usageError("%s writes .svg or .png, not %q", flag, ext)
		}
	}
	check := checkCrossed
	if opts.paired {
		check = checkPaired
	}
	if err := check(opts.sets); err != nil {
		return nil, err
	}
	return opts, nil
}

// checkPaired: paired lists go value by value, so they are as long.
func checkPaired(axes []setAxis) error {
	n, first := 0, ""
	for _, a := range axes {
		switch {
		case !a.varied():
		case n == 0:
			n, first = len(a.values), a.key
		case len(a.values) != n:
			return usageError("-paired: -set %s has %d values and -set %s %d; paired lists are as long", first, n, a.key, len(a.values))
		}
	}
	if n == 0 {
		return usageError("-paired needs -set lists of several values to pair")
	}
	return nil
}

// splitList splits a comma-separated list with no empty or repeated items.
func splitList(s string) ([]string, error) {
	items := strings.Split(s, ",")
	for i, item := range items {
		items[i] = strings.TrimSpace(item)
		switch {
		case items[i] == "":
			return nil, fmt.Errorf("%q has an empty item", s)
		case slices.Contains(items[:i], items[i]):
			return nil, fmt.Errorf("%q lists %s twice", s, items[i])
		}
	}
	return items, nil
}

func parseSetAxis(kv string) (setAxis, error) {
	key, values, ok := strings.Cut(kv, "=")
	if !ok || key == "" {
		return setAxis{}, fmt.Errorf("want key=value or key=v1,v2,..., got %q", kv)
	}
	list := splitOutsideBrackets(values)
	for i := range list {
		if list[i] = strings.TrimSpace(list[i]); list[i] == "" {
			return setAxis{}, fmt.Errorf("%s: %q has an empty item", key, values)
		}
	}
	return setAxis{key: key, values: list}, nil
}

// splitOutsideBrackets splits at the commas that are not inside [...] or
// {...}, so that a value may be a list: role_members=[n1,n2],[n3].
func splitOutsideBrackets(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// checkCrossed: a value repeated in a crossed list only repeats
// configurations. (Paired lists may repeat one: a heartbeat shared by two
// ranges.)
func checkCrossed(axes []setAxis) error {
	for _, a := range axes {
		if _, err := splitList(strings.Join(a.values, ",")); err != nil {
			return usageError("-set %s: %v", a.key, err)
		}
	}
	return nil
}

// seedList is a -seeds: single seeds and inclusive ranges, in the order
// given.
type seedList struct {
	text  string
	seeds []uint64
}

func (l *seedList) String() string { return l.text }

func (l *seedList) Set(s string) error {
	var seeds []uint64
	given := map[uint64]bool{}
	for item := range strings.SplitSeq(s, ",") {
		lo, hi, err := parseSeedItem(strings.TrimSpace(item))
		if err != nil {
			return err
		}
		if hi-lo >= maxSweepRuns || len(seeds)+int(hi-lo) >= maxSweepRuns {
			return fmt.Errorf("more than %d seeds", maxSweepRuns)
		}
		for _, seed := range seedRange(lo, hi) {
			if given[seed] {
				return fmt.Errorf("seed %d is given twice", seed)
			}
			given[seed] = true
			seeds = append(seeds, seed)
		}
	}
	l.text, l.seeds = s, seeds
	return nil
}

// parseSeedItem reads "7" or "1-20".
func parseSeedItem(item string) (lo, hi uint64, err error) {
	loText, hiText, isRange := strings.Cut(item, "-")
	if !isRange {
		hiText = loText
	}
	lo, errLo := strconv.ParseUint(loText, 10, 64)
	hi, errHi := strconv.ParseUint(hiText, 10, 64)
	switch {
	case errLo != nil || errHi != nil:
		return 0, 0, fmt.Errorf("want seeds such as 1-20 or 1,2,7, got %q", item)
	case hi < lo:
		return 0, 0, fmt.Errorf("the range %s runs backwards", item)
	}
	return lo, hi, nil
}

func seedRange(lo, hi uint64) []uint64 {
	var out []uint64
	for s := lo; ; s++ {
		out = append(out, s)
		if s == hi {
			return out
		}
	}
}
