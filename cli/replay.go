package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
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
	if v := first(rep.Violations(), rep.Expected); v != nil {
		note := ""
		if !slices.Contains(rep.Expected, v.Property) {
			note = " (the scenario does not expect it, and nothing it expects broke)"
		}
		fmt.Fprintf(stdout, "\n%s violated%s: %s\n", v.Property, note, v.Detail)
		if err := printLeadUp(stdout, path, v.Index, before); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout)
	rep.WriteSummary(stdout)
	switch {
	case recorded != "" && recorded != rep.TraceHash:
		return fmt.Errorf("trace hash changed: %s records %s, this run gives %s: the code or the scenario changed since it was saved, so this is a new run, not the saved one", path, recorded, rep.TraceHash)
	case recorded != "":
		fmt.Fprintf(stdout, "trace hash %s matches the file: this is the saved run, event for event\n", recorded)
	}
	if !rep.OK {
		return &exitError{code: 1, err: errQuiet}
	}
	return nil
}

// first returns the violation to explain: the earliest of a property the
// scenario expects, which is why the run failed; or, when none of those
// broke, the earliest of any.
func first(vs []*properties.Violation, expected []string) *properties.Violation {
	var out *properties.Violation
	better := func(v *properties.Violation) bool {
		if out == nil {
			return true
		}
		vExp, outExp := slices.Contains(expected, v.Property), slices.Contains(expected, out.Property)
		if vExp != outExp {
			return vExp
		}
		return v.Index < out.Index
	}
	for _, v := range vs {
		if better(v) {
			out = v
		}
	}
	return out
}

// printLeadUp runs the scenario again and prints the events up to and
// including the violating one, one line each.
func printLeadUp(w io.Writer, path string, index int64, before int) error {
	run, err := prepare(path, seedFlag{}, &overrides{}, io.Discard)
	if err != nil {
		return err
	}
	window := &eventWindow{from: index - int64(before), to: index}
	run.sim.Observe(window)
	run.sim.Run()
	fmt.Fprintf(w, "the %d events before it, and the event itself:\n", len(window.events)-1)
	for i := range window.events {
		fmt.Fprintln(w, sim.FormatEvent(run.sim.Roster(), &window.events[i]))
	}
	return nil
}

// eventWindow keeps the events whose index lies in [from, to].
type eventWindow struct {
	from, to int64
	events   []sim.Event
}

func (w *eventWindow) Observe(e *sim.Event) {
	if e.Index >= w.from && e.Index <= w.to {
		w.events = append(w.events, *e)
	}
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
	if v := first(rep.Violations(), rep.Expected); v != nil {
		mark = plots.ViolationMark(v)
	}
	err = t.Render(f, strings.TrimPrefix(filepath.Ext(path), "."), sim.Time(rep.DurationNS), mark)
	return errors.Join(err, f.Close())
}
