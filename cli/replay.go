package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/electsim/electsim/causal"

	"github.com/electsim/electsim/plots"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// replayOutputs are the files a run or a replay can write besides its
// report; "-" is stdout.
type replayOutputs struct {
	trace, perfetto, timeline string
	report                    string // the HTML page that explains the run
	stdout                    io.Writer
}

func replayCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("replay", "replay FILE [-before 30] [-json] [-trace out.jsonl] [-perfetto out.json] [-timeline out.svg|png] [-report out.html]", stderr)
	before := fs.Int("before", 30, "how many events before the violation to print")
	asJSON := fs.Bool("json", false, "print one JSON object: the report, the explained violation and the events before it")
	out := replayOutputs{stdout: stdout}
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
	report, err := reportTo(out.paths(), *asJSON, stdout, stderr)
	if err != nil {
		return err
	}
	defer memoryBackstop()()
	return replay(files[0], *before, *asJSON, out, report, stderr)
}

// paths are the outputs by flag.
func (o replayOutputs) paths() map[string]string {
	return map[string]string{"-trace": o.trace, "-perfetto": o.perfetto, "-timeline": o.timeline, "-report": o.report}
}

// replayJSON is what replay -json prints. The JSON names are a public
// contract; report is electsim run -json's object.
type replayJSON struct {
	Report    *properties.Report    `json:"report"`
	Violation *properties.Violation `json:"violation"` // the explained one, or null
	LeadUp    []string              `json:"lead_up"`   // the events before it and itself, as the text shows them
	// Story is the violation's causal story (properties.Story), step by step.
	Story []storyStepJSON `json:"story"`
	// Recorded is the trace hash the file records ("" for none); SameRun
	// says whether this run has it.
	Recorded string `json:"recorded_trace_hash"`
	SameRun  bool   `json:"same_run"`
}

// storyStepJSON is one step of the causal story in replay -json.
type storyStepJSON struct {
	Index     int64    `json:"index"`
	At        sim.Time `json:"t_ns"`
	Node      string   `json:"node"` // "" for the network
	Kind      string   `json:"kind"`
	Text      string   `json:"text"`
	Violation bool     `json:"violation,omitempty"` // one of the violation's own events
}

func (o *replayOutputs) register(fs *flag.FlagSet) {
	fs.StringVar(&o.trace, "trace", "", "write every event to this file as JSON lines")
	fs.StringVar(&o.perfetto, "perfetto", "", "write a Chrome trace-event JSON file that ui.perfetto.dev opens")
	fs.StringVar(&o.timeline, "timeline", "", "draw the run's timeline to this .svg or .png file")
	fs.StringVar(&o.report, "report", "", "write an HTML page that explains the run (verdict, timeline, messages, causal story) to this file")
}

// check fails on an output that cannot be written, before the run rather
// than after it.
func (o replayOutputs) check() error {
	if ext := filepath.Ext(o.timeline); o.timeline != "" && o.timeline != "-" && ext != ".svg" && ext != ".png" {
		return usageError("-timeline writes .svg or .png, not %q", ext)
	}
	return checkOutputPaths(o.paths())
}

// reportTo is where a command prints its report: stdout, unless an output
// flag took stdout (-), in which case the report goes to stderr and the
// output alone to stdout, to pipe. Two outputs on stdout are refused.
// With -json (asJSON), the JSON is the output on stdout: no output flag
// may take it too.
func reportTo(paths map[string]string, asJSON bool, stdout, stderr io.Writer) (io.Writer, error) {
	var dashes []string
	if asJSON {
		dashes = append(dashes, "-json")
	}
	for _, flag := range slices.Sorted(maps.Keys(paths)) {
		if paths[flag] == "-" {
			dashes = append(dashes, flag)
		}
	}
	switch {
	case len(dashes) == 0 || (asJSON && len(dashes) == 1):
		return stdout, nil
	case len(dashes) == 1:
		return stderr, nil
	case len(dashes) == 2:
		return nil, usageError("%s and %s both write to standard output (-): one at a time", dashes[0], dashes[1])
	}
	return nil, usageError("%s all write to standard output (-): one at a time", strings.Join(dashes, ", "))
}

// checkOutputPaths fails, naming the flag, on a path whose directory
// cannot take a file, a path that is a directory, or one path given to two
// flags (the second file would replace the first).
func checkOutputPaths(paths map[string]string) error {
	taken := map[string]string{} // cleaned path: the flag that has it
	for _, flag := range slices.Sorted(maps.Keys(paths)) {
		path := paths[flag]
		if path == "" || path == "-" {
			continue
		}
		if info, err := os.Stat(path); err == nil && info.IsDir() {
			return usageError("%s %s: is a directory; give a file name", flag, path)
		}
		if err := checkWritable(filepath.Dir(path)); err != nil {
			return usageError("%s %s: %v", flag, path, err)
		}
		if other, ok := taken[filepath.Clean(path)]; ok {
			return usageError("%s and %s both write %s: give each its own file", other, flag, path)
		}
		taken[filepath.Clean(path)] = flag
	}
	return nil
}

// createOutput opens an output flag's file, or stdout for "-", which is
// not closed.
func createOutput(path string, stdout io.Writer) (io.Writer, func() error, error) {
	if path == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, badInput(err)
	}
	return f, f.Close, nil
}

// replay runs a saved scenario with its seed, checks that the run is the
// one that was saved (its trace hash), and explains its violation with the
// events that led to it. A second run, identical by determinism, collects
// those events once the first has found where the violation is.
func replay(path string, before int, asJSON bool, out replayOutputs, stdout, stderr io.Writer) error {
	run, err := prepare(path, seedFlag{}, &overrides{}, stderr)
	if err != nil {
		return err
	}
	recorded := run.sim.Scenario().TraceHash
	rep, err := run.executeWith(out)
	if err != nil {
		return err
	}
	if out.report != "" {
		if err := writeReport(out.report, run, rep, out.stdout); err != nil {
			return err
		}
	}
	if asJSON {
		return replayAsJSON(run, rep, recorded, before, stdout)
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
	var closers []func(*properties.Report) error
	if out.perfetto != "" {
		w, closeFile, err := createOutput(out.perfetto, out.stdout)
		if err != nil {
			return nil, err
		}
		trace := sim.WritePerfetto(p.sim, w)
		closers = append(closers, func(rep *properties.Report) error {
			markViolation(trace, rep)
			return errors.Join(trace.Flush(sim.Time(rep.DurationNS)), closeFile())
		})
	}
	var timeline *plots.Timeline
	if out.timeline != "" {
		timeline = plots.NewTimeline(p.sim.Roster())
		timeline.Title = fmt.Sprintf("%s, seed %d", p.sim.Scenario().Name, p.sim.Seed())
		timeline.Scenario = p.sim.Scenario()
		p.sim.Observe(timeline)
	}
	rep, err := p.execute(out.trace, out.stdout)
	if err != nil {
		return nil, err
	}
	for _, close := range closers {
		if err := close(rep); err != nil {
			return nil, fmt.Errorf("writing the Perfetto trace: %w", err)
		}
	}
	if timeline != nil {
		if err := drawTimeline(timeline, out.timeline, out.stdout, rep); err != nil {
			return nil, fmt.Errorf("drawing the timeline: %w", err)
		}
	}
	return rep, nil
}

// markViolation marks the run's explained violation on the Perfetto trace,
// on the track of every node it involves, at the event that broke it.
func markViolation(trace *sim.PerfettoTrace, rep *properties.Report) {
	v := properties.ExplainedViolation(rep)
	if v == nil {
		return
	}
	at := sim.Time(rep.DurationNS)
	if len(v.Times) > 0 {
		at = v.Times[len(v.Times)-1]
	}
	trace.Mark(at, v.Nodes, "VIOLATION "+v.Property, v.Detail)
}

func drawTimeline(t *plots.Timeline, path string, stdout io.Writer, rep *properties.Report) error {
	w, closeFile, err := createOutput(path, stdout)
	if err != nil {
		return err
	}
	var mark *plots.TimelineMark
	if v := properties.ExplainedViolation(rep); v != nil {
		mark = plots.ViolationMark(v)
	}
	format := strings.TrimPrefix(filepath.Ext(path), ".")
	if path == "-" {
		format = "svg"
	}
	err = t.Render(w, format, sim.Time(rep.DurationNS), mark)
	return errors.Join(err, closeFile())
}

func replayAsJSON(run *prepared, rep *properties.Report, recorded string, before int, stdout io.Writer) error {
	out := replayJSON{Report: rep, Recorded: recorded, LeadUp: []string{}, Story: []storyStepJSON{}}
	_, out.SameRun = properties.HashCheck("", recorded, rep.TraceHash)
	if v := properties.ExplainedViolation(rep); v != nil {
		out.Violation = v
		lines, err := properties.LeadUp(run.scn, run.proto, rep.Seed, v.Index, before)
		if err != nil {
			return err
		}
		out.LeadUp = lines
		story, err := properties.Story(run.scn, run.proto, rep.Seed, v)
		if err != nil {
			return err
		}
		out.Story = storyJSON(run.sim.Roster(), story)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	if !out.SameRun || !rep.OK {
		return &exitError{code: 1, err: errQuiet}
	}
	return nil
}

func storyJSON(r *sim.Roster, story *causal.Story) []storyStepJSON {
	out := []storyStepJSON{}
	for _, step := range story.Steps {
		e := step.Event
		node := ""
		if e.Node != sim.NoNode {
			node = r.Name(e.Node)
		}
		out = append(out, storyStepJSON{Index: e.Index, At: e.At, Node: node, Kind: e.Kind.String(), Text: step.Text, Violation: step.Violation})
	}
	return out
}
