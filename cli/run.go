package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// seedFlag is a -seed that remembers whether it was given.
type seedFlag struct {
	value uint64
	set   bool
}

func (f *seedFlag) String() string { return strconv.FormatUint(f.value, 10) }

func (f *seedFlag) Set(s string) error {
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		return fmt.Errorf("want a whole number from 0 to 2^64-1")
	}
	f.value, f.set = v, true
	return nil
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	// The synopsis alone: -h adds the flags (parseInterspersed), a usage
	// error points at -h, as the go command does.
	fs.Usage = func() { fmt.Fprintf(stderr, "usage: electsim %s\n", synopsis) }
	return fs
}

func runCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", "run FILE [-seed N] [-protocol NAME] [-set key=value]... [-json] [-save saved.yaml] [-trace out.jsonl] [-perfetto out.json] [-timeline out.svg|png] [-report out.html]", stderr)
	var seed seedFlag
	fs.Var(&seed, "seed", "run with this seed instead of the scenario's")
	var over overrides
	over.register(fs)
	out := replayOutputs{stdout: stdout}
	out.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object instead of the summary")
	savePath := fs.String("save", "", "save the run as a plain scenario (faults expanded, seed and trace hash recorded) for electsim replay")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: 2}
	}
	if len(files) != 1 {
		fs.Usage()
		return usageError("run takes one scenario file, got %d", len(files))
	}
	if err := over.check(); err != nil {
		return err
	}
	if err := out.check(); err != nil {
		return err
	}
	outputs := out.paths()
	outputs["-save"] = *savePath
	if err := checkOutputPaths(outputs); err != nil {
		return err
	}
	report, err := reportTo(outputs, *asJSON, stdout, stderr)
	if err != nil {
		return err
	}
	defer memoryBackstop()() // as a sweep does: a run near limits.max_memory stays within the machine
	run, err := prepare(files[0], seed, &over, stderr)
	if err != nil {
		return err
	}
	rep, err := run.executeWith(out)
	if err != nil {
		return err
	}
	if out.report != "" {
		if err := writeReport(out.report, run, rep, stdout); err != nil {
			return err
		}
	}
	if *savePath != "" {
		if err := save(*savePath, run.sim, rep, stdout); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(report)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.WriteSummary(report)
	}
	if !rep.OK {
		return &exitError{code: 1, err: errQuiet}
	}
	return nil
}

// save writes the expanded scenario of a finished run, with its seed and
// trace hash, so that electsim replay can rerun it and check it is the same.
func save(path string, s *sim.Sim, rep *properties.Report, stdout io.Writer) error {
	scn := s.Scenario().Clone()
	scn.Seed, scn.TraceHash = rep.Seed, rep.TraceHash
	data, err := scn.Marshal()
	if err != nil {
		return err
	}
	if path == "-" {
		_, err = stdout.Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// prepared is a run built from a file and ready to go.
type prepared struct {
	sim   *sim.Sim
	scn   *sim.Scenario // as loaded, to run again
	proto sim.Protocol
}

// prepare loads a scenario, checks it against the protocol registry and the
// properties, and builds the run. Every failure is bad input.
func prepare(path string, seed seedFlag, over *overrides, stderr io.Writer) (*prepared, error) {
	scn, err := sim.Load(path)
	if err != nil {
		return nil, badInput(err)
	}
	run, warnings, err := over.build(scn, path, seed)
	if err != nil {
		return nil, badInput(err)
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "electsim: warning: %s\n", w)
	}
	return run, nil
}

// execute runs with the checkers attached and, if asked, a trace written.
func (p *prepared) execute(tracePath string, stdout io.Writer) (*properties.Report, error) {
	suite := properties.Attach(p.sim)
	var trace *sim.JSONTrace
	if tracePath != "" {
		w, closeFile, err := createOutput(tracePath, stdout)
		if err != nil {
			return nil, err
		}
		defer closeFile()
		trace = sim.WriteTrace(p.sim, w)
	}
	res := p.sim.Run()
	if trace != nil {
		if err := trace.Flush(); err != nil {
			return nil, fmt.Errorf("writing the trace: %w", err)
		}
	}
	return suite.Report(res), nil
}
