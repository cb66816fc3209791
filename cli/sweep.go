package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/sim"
)

// Limits on a sweep's flags.
const (
	maxParallel     = 1024
	maxProblemLines = 20 // failed or violating runs the table lists; -json has them all
)

const sweepSynopsis = "sweep FILE [-protocols raft,routing] [-seeds 1-20] [-set key=v1,v2,...]... [-paired] [-parallel N]\n" +
	"                    [-out results.jsonl [-resume]] [-shard i/n] [-json] [-csv table.csv] [-plot DIR] [-cdf out.svg|png]"

// sweepOptions are the sweep's flags and file.
type sweepOptions struct {
	file      string
	protocols []string // empty: the scenario's
	seeds     string   // empty: the experiment file's, or 1-10
	sets      []experiment.Set
	paired    bool // the varied -set axes go together, value by value
	parallel  int
	asJSON    bool
	out       string // the results file, a row per run as it finishes
	resume    bool
	shard     string // "i/n", or "/n" for i from JOB_COMPLETION_INDEX
	csv       string
	plotDir   string
	cdf       string
}

func sweepCommand(args []string, stdout, stderr io.Writer) error {
	opts, err := parseSweep(args, stderr)
	if err != nil {
		return err
	}
	exp, err := loadExperiment(opts)
	if err != nil {
		return err
	}
	for _, w := range exp.Warnings {
		fmt.Fprintf(stderr, "electsim: warning: %s\n", w)
	}
	shard, shards, err := parseShard(opts.shard, os.Getenv("JOB_COMPLETION_INDEX"))
	if err != nil {
		return err
	}
	if err := checkOutputs(opts); err != nil {
		return err
	}
	report, err := reportTo(map[string]string{"-out": opts.out, "-csv": opts.csv, "-cdf": opts.cdf}, opts.asJSON, stdout, stderr)
	if err != nil {
		return err
	}
	results, err := openResults(opts.out, opts.resume, exp, stdout)
	if err != nil {
		return err
	}
	defer results.close()
	// Ctrl-C stops the workers: the runs under way finish and are kept,
	// and the sweep reports what it has.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	runOpts := experiment.Options{Parallel: opts.parallel, Shard: shard, Shards: shards, Done: results.done}
	jobs := exp.Jobs(runOpts)
	defer lessGC()()
	defer memoryBackstop()()
	bar := newProgress(stderr, len(jobs))
	var writeErr error
	runErr := exp.Run(ctx, jobs, runOpts, func(r *experiment.Row) {
		writeErr = cmpOrErr(writeErr, results.add(r))
		bar.tick()
	})
	bar.wait()
	stop()
	if writeErr != nil {
		return fmt.Errorf("writing %s: %w", opts.out, writeErr)
	}
	sw := &sweepResult{exp: exp, opts: opts, groups: exp.Groups(results.rows), selected: len(jobs) + results.resumed, shard: opts.shard}
	if err := sw.write(report, stdout); err != nil {
		return err
	}
	if errors.Is(runErr, context.Canceled) {
		fmt.Fprintf(report, "\ninterrupted: %d of %d runs finished%s\n", len(results.rows), sw.selected, resumeHint(opts))
		return &exitError{code: 130, err: errQuiet}
	}
	if !sw.ok() {
		return &exitError{code: 1, err: errQuiet}
	}
	return nil
}

func cmpOrErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func resumeHint(opts *sweepOptions) string {
	if opts.out == "" {
		return " (with -out results.jsonl a sweep can -resume)"
	}
	return "; the same command with -resume goes on"
}

// loadExperiment reads an experiment file, or builds one from a scenario
// and the flags. Either way every configuration is checked before a run.
func loadExperiment(opts *sweepOptions) (*experiment.Experiment, error) {
	data, err := sim.ReadFile(opts.file, "scenario or experiment")
	if err != nil {
		return nil, badInput(err)
	}
	if !experiment.IsExperimentFile(data) {
		if err := checkSets(opts); err != nil {
			return nil, err
		}
		if err := checkFirstPoint(opts); err != nil {
			return nil, err
		}
		exp, err := experiment.FromFlags(experiment.Flags{
			Scenario: opts.file, Protocols: opts.protocols, Sets: opts.sets, Paired: opts.paired, Seeds: cmpOr(opts.seeds, "1-10"),
		})
		if err != nil {
			return nil, badInput(err)
		}
		return exp, nil
	}
	if len(opts.protocols) > 0 || len(opts.sets) > 0 || opts.paired {
		return nil, usageError("%s is an experiment file: its configurations and axes say what -protocols, -set and -paired would", opts.file)
	}
	exp, err := experiment.Load(opts.file)
	if err != nil {
		return nil, badInput(err)
	}
	if opts.seeds != "" {
		if exp.Seeds, err = experiment.ParseSeeds(opts.seeds); err != nil {
			return nil, usageError("-seeds: %v", err)
		}
	}
	return exp, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parseShard reads -shard i/n; "/n" takes i from a Kubernetes Indexed
// Job's JOB_COMPLETION_INDEX.
func parseShard(flag, index string) (shard, shards int, err error) {
	if flag == "" {
		return 0, 1, nil
	}
	iText, nText, ok := strings.Cut(flag, "/")
	if iText == "" {
		iText = index
	}
	i, errI := strconv.Atoi(iText)
	n, errN := strconv.Atoi(nText)
	switch {
	case !ok || errN != nil || n < 1 || n > experiment.MaxRuns:
		return 0, 0, usageError("-shard: want i/n such as 0/4, got %q", flag)
	case iText == "":
		return 0, 0, usageError("-shard %s: no shard index (JOB_COMPLETION_INDEX is not set)", flag)
	case errI != nil || i < 0 || i >= n:
		return 0, 0, usageError("-shard %s: the index %q is not in 0..%d", flag, iText, n-1)
	}
	return i, n, nil
}

// checkOutputs fails on a picture or table path that cannot be written,
// before the runs rather than after them.
func checkOutputs(opts *sweepOptions) error {
	if err := checkOutputPaths(map[string]string{"-csv": opts.csv, "-cdf": opts.cdf, "-out": opts.out}); err != nil {
		return err
	}
	if opts.plotDir != "" {
		if err := os.MkdirAll(opts.plotDir, 0o755); err != nil {
			return badInput(err)
		}
	}
	return nil
}

func checkWritable(dir string) error {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return fmt.Errorf("no directory %s to write in", dir)
	}
	f, err := os.CreateTemp(dir, ".electsim-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s: %w", dir, errors.Unwrap(err))
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
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
	opts := &sweepOptions{}
	fs.Func("protocols", "run each of these protocols, comma-separated (default: the scenario's)", func(s string) error {
		list, err := splitList(s)
		opts.protocols = list
		return err
	})
	fs.Func("seeds", "run each configuration with these seeds: 1-20, 1,2,7 or 1-5,9 (default: the experiment's, or 1-10)", func(s string) error {
		_, err := experiment.ParseSeeds(s)
		opts.seeds = s
		return err
	})
	var keyErr error // a -set key that names nothing, reported after the flags
	fs.Func("set", "set a protocol parameter or a scenario field by its path, key=value, or sweep it, key=v1,v2,... (repeatable; the keys as run's -set)", func(kv string) error {
		a, err := parseSetAxis(kv)
		var ke *setKeyError
		if errors.As(err, &ke) {
			keyErr = cmpOrErr(keyErr, usageError("-set %s: %v", sim.ShortInput(kv), ke.err))
			return nil
		}
		if err == nil && slices.ContainsFunc(opts.sets, func(b experiment.Set) bool { return setPathOf(b) == setPathOf(a) }) {
			err = fmt.Errorf("%s is set twice; list its values in one -set: %s=v1,v2", a.Key, a.Key)
		}
		opts.sets = append(opts.sets, a)
		return err
	})
	fs.IntVar(&opts.parallel, "parallel", min(runtime.GOMAXPROCS(0), maxParallel), "run this many runs at once")
	fs.BoolVar(&opts.asJSON, "json", false, "print one JSON object with every run instead of the table")
	fs.BoolVar(&opts.paired, "paired", false, "pair the -set lists value by value instead of crossing them (each list as long)")
	fs.StringVar(&opts.out, "out", "", "write each run as a JSON line to this file as it finishes")
	fs.BoolVar(&opts.resume, "resume", false, "go on with the -out file: skip the runs it holds, append the rest")
	fs.StringVar(&opts.shard, "shard", "", "run every n-th run from the i-th, i/n; /n takes i from JOB_COMPLETION_INDEX")
	fs.StringVar(&opts.csv, "csv", "", "write the summary table to this CSV file")
	fs.StringVar(&opts.plotDir, "plot", "", "draw the comparison charts into this directory (as electsim plot does)")
	fs.StringVar(&opts.cdf, "cdf", "", "draw the CDF of the time to a new leader after each fault, a curve per configuration, to this .svg or .png file")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, &exitError{code: 2}
	}
	if len(files) != 1 {
		fs.Usage()
		return nil, usageError("sweep takes one scenario or experiment file, got %d", len(files))
	}
	opts.file = files[0]
	if keyErr != nil {
		return nil, keyErr
	}
	return opts, checkSweepFlags(opts)
}

func checkSweepFlags(opts *sweepOptions) error {
	switch {
	case opts.parallel < 1 || opts.parallel > maxParallel:
		return usageError("-parallel must be 1..%d, got %d", maxParallel, opts.parallel)
	case opts.resume && opts.out == "":
		return usageError("-resume goes on with the -out file; give -out")
	case opts.resume && opts.out == "-":
		return usageError("-resume goes on with the -out file, and - is standard output")
	case opts.plotDir != "" && (filepath.Ext(opts.plotDir) == ".svg" || filepath.Ext(opts.plotDir) == ".png"):
		return usageError("-plot takes a directory for the charts, not %q", opts.plotDir)
	}
	if ext := filepath.Ext(opts.cdf); opts.cdf != "" && ext != ".svg" && ext != ".png" {
		return usageError("-cdf writes .svg or .png, not %q", ext)
	}
	return nil
}

// checkSets checks the -set lists of a sweep by flags.
func checkSets(opts *sweepOptions) error {
	if opts.paired {
		return checkPaired(opts.sets)
	}
	return checkCrossed(opts.sets)
}

// checkPaired: paired lists go value by value, so they are as long.
func checkPaired(axes []experiment.Set) error {
	n, first := 0, ""
	for _, a := range axes {
		switch {
		case len(a.Values) < 2:
		case n == 0:
			n, first = len(a.Values), a.Key
		case len(a.Values) != n:
			return usageError("-paired: -set %s has %d values and -set %s %d; paired lists are as long", first, n, a.Key, len(a.Values))
		}
	}
	if n == 0 {
		return usageError("-paired needs -set lists of several values to pair")
	}
	return nil
}

// checkCrossed: a value repeated in a crossed list only repeats
// configurations. (Paired lists may repeat one: a heartbeat shared by two
// ranges.)
func checkCrossed(axes []experiment.Set) error {
	for _, a := range axes {
		if _, err := splitList(strings.Join(a.Values, ",")); err != nil {
			return usageError("-set %s: %v", a.Key, err)
		}
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

// parseSetAxis reads a sweep's -set: its key by run's rule (see
// parseSetKey), named by the parameter or the path as given.
func parseSetAxis(kv string) (experiment.Set, error) {
	key, values, ok := strings.Cut(kv, "=")
	if !ok || key == "" {
		return experiment.Set{}, fmt.Errorf("want key=value or key=v1,v2,..., got %q", kv)
	}
	k, err := parseSetKey(key, "-protocols")
	if err != nil {
		return experiment.Set{}, &setKeyError{err}
	}
	list := splitOutsideBrackets(values)
	for i := range list {
		if list[i] = strings.TrimSpace(list[i]); list[i] == "" {
			return experiment.Set{}, fmt.Errorf("%s: %q has an empty item", key, values)
		}
	}
	if k.param != "" {
		return experiment.Set{Key: k.param, Values: list}, nil
	}
	return experiment.Set{Key: key, Values: list, Path: k.path}, nil
}

// setKeyError is a -set key that names nothing.
type setKeyError struct{ err error }

func (e *setKeyError) Error() string { return e.err.Error() }

// setPathOf is the scenario field a sweep's -set writes.
func setPathOf(s experiment.Set) string {
	if s.Path == "" {
		return "protocol." + s.Key
	}
	return s.Path
}

// checkFirstPoint builds the sweep's first run as electsim run would, the
// first protocol with each -set at its first value, when a -set writes a
// scenario field: a problem there is named by its -set and value, as run
// names it, rather than placed on a line of the scenario that never wrote
// it.
func checkFirstPoint(opts *sweepOptions) error {
	if !slices.ContainsFunc(opts.sets, func(s experiment.Set) bool { return s.Path != "" }) {
		return nil
	}
	seeds, err := experiment.ParseSeeds(cmpOr(opts.seeds, "1-10"))
	if err != nil {
		return usageError("-seeds: %v", err)
	}
	scn, err := sim.Load(opts.file)
	if err != nil {
		return badInput(err)
	}
	over := &overrides{protocolFlag: "-protocols"}
	if len(opts.protocols) > 0 {
		over.protocol = opts.protocols[0]
	}
	for _, s := range opts.sets {
		k := setKey{key: s.Key, path: setPathOf(s)}
		if s.Path == "" {
			k.param = s.Key
		}
		over.sets = append(over.sets, setting{setKey: k, flag: s.Key + "=" + s.Values[0], text: s.Values[0]})
	}
	if _, _, err := over.build(scn, opts.file, seedFlag{value: seeds.List[0], set: true}); err != nil {
		return badInput(err)
	}
	return nil
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
