package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/electsim/electsim/plots"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// replayOutputs are the files a run or a replay can write besides its report.
type replayOutputs struct {
	trace, perfetto, timeline string
}

func replayCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("replay", "replay FILE [-before 30] [-trace out.jsonl] [-perfetto out.json] [-timeline out.svg|png]", stderr)
	before := fs.Int("before", 30, "how many events before the violation to print")
	var out replayOutputs
	out.register(fs)
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: 2}
	}
	if len(files) != 1 {
		fs.Usage()
		return usageError("replay takes one scenario file, got %d", len(files))
	}
	if *before < 0 || *before > 100000 {
		return usageError("-before must be 0..100000, got %d", *before)
	}
	if err := out.check(); err != nil {
		return err
	}
	return replay(files[0], *before, out, stdout, stderr)
}

func (o *replayOutputs) register(fs *flag.FlagSet) {
	fs.StringVar(&o.trace, "trace", "", "write every event to this file as JSON lines")
	fs.StringVar(&o.perfetto, "perfetto", "", "write a Chrome trace-event JSON file that ui.perfetto.dev opens")
	fs.StringVar(&o.timeline, "timeline", "", "draw the run's timeline to this .svg or .png file")
}

func (o replayOutputs) check() error {
	if ext := filepath.Ext(o.timeline); o.timeline != "" && ext != ".svg" && ext != ".png" {
		return usageError("-timeline writes .svg or .png, not %q", ext)
	}
	return nil
}

// replay runs a saved scenario with its seed, checks that the run is the
// one that was saved (its trace hash), and explains its violation with the
// events that led to it. A second run, identical by determinism, collects
// those events once the first has found where the violation is.
func replay(path string, before int, out replayOutputs, stdout, stderr io.Writer) error {
	run, err := prepare(path, seedFlag{}, &overrides{}, stderr)
	if err != nil {
		return err
	}
	recorded := run.sim.Scenario().TraceHash
	rep, err := run.executeWith(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "replaying %s with seed %d\n", path, rep.Seed)
	if err := properties.Explain(stdout, run.scn, run.proto, rep.Seed, rep, before); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	rep.WriteSummary(stdout)
	msg, same := properties.HashCheck(path, recorded, rep.TraceHash)
	if !same {
		return fmt.Errorf("%s", msg)
	}
	if msg != "" {
		fmt.Fprintln(stdout, msg)
	}
	if !rep.OK {
		return &exitError{code: 1, err: errQuiet}
	}
	return nil
}

// executeWith runs with the checkers and the outputs asked for.
func (p *prepared) executeWith(out replayOutputs) (*properties.Report, error) {
	var closers []func(sim.Time) error
	if out.perfetto != "" {
		f, err := os.Create(out.perfetto)
		if err != nil {
			return nil, badInput(err)
		}
		trace := sim.WritePerfetto(p.sim, f)
		closers = append(closers, func(end sim.Time) error { return errors.Join(trace.Flush(end), f.Close()) })
	}
	var timeline *plots.Timeline
	if out.timeline != "" {
		timeline = plots.NewTimeline(p.sim.Roster())
		timeline.Title = fmt.Sprintf("%s, seed %d", p.sim.Scenario().Name, p.sim.Seed())
		p.sim.Observe(timeline)
	}
	rep, err := p.execute(out.trace)
	if err != nil {
		return nil, err
	}
	for _, close := range closers {
		if err := close(sim.Time(rep.DurationNS)); err != nil {
			return nil, fmt.Errorf("writing the Perfetto trace: %w", err)
		}
	}
	if timeline != nil {
		if err := drawTimeline(timeline, out.timeline, rep); err != nil {
			return nil, fmt.Errorf("drawing the timeline: %w", err)
		}
	}
	return rep, nil
}

func drawTimeline(t *plots.Timeline, path string, rep *properties.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	var mark *plots.TimelineMark
	if v := properties.ExplainedViolation(rep); v != nil {
		mark = plots.ViolationMark(v)
	}
	err = t.Render(f, strings.TrimPrefix(filepath.Ext(path), "."), sim.Time(rep.DurationNS), mark)
	return errors.Join(err, f.Close())
}
