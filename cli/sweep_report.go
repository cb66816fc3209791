package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/plots"
	"github.com/electsim/electsim/sim"
)

// sweepResult is a finished (or interrupted) sweep: its experiment, its flags
// and its rows by configuration and point.
type sweepResult struct {
	exp      *experiment.Experiment
	opts     *sweepOptions
	groups   []experiment.Group
	selected int    // the runs this sweep (or shard) was to run
	shard    string // -shard, if any
}

// ok says every run reached its end and broke no expected property.
func (sw *sweepResult) ok() bool {
	for _, g := range sw.groups {
		if g.Summary.Failed > 0 || g.Summary.Violated > 0 {
			return false
		}
	}
	return true
}

// write prints the table or the JSON to w, and writes the pictures and
// the CSV the flags ask for, each whole or not at all (to stdout for -).
func (sw *sweepResult) write(w, stdout io.Writer) error {
	if err := sw.drawings(stdout); err != nil {
		return err
	}
	if sw.opts.asJSON {
		return sw.writeJSON(w)
	}
	sw.writeHeader(w)
	sw.writeTable(w)
	sw.writeSkips(w)
	sw.writeIgnored(w)
	sw.writeProblems(w)
	return nil
}

// writeIgnored warns of runs with faults that could not take effect (a
// restart of a node that was up), as electsim run does for one run: most
// likely not the experiment its author meant.
func (sw *sweepResult) writeIgnored(w io.Writer) {
	runs, first := 0, ""
	for _, g := range sw.groups {
		for _, r := range g.Rows {
			if len(r.Ignored) == 0 {
				continue
			}
			if runs++; first == "" {
				first = fmt.Sprintf("%s seed %d: %s at %s", r.Config, r.Seed, r.Ignored[0].Fault, sim.Human(time.Duration(r.Ignored[0].AtNS)))
			}
		}
	}
	if runs > 0 {
		fmt.Fprintf(w, "\nwarning: %s had a fault that changed nothing (the first: %s); -json lists them as ignored_faults\n",
			plural(runs, "run", "runs"), first)
	}
}

// writeSkips warns of configurations whose runs skipped a fault for want
// of the role it named (a crash of the leader before any): those runs did
// not meet the faults the seed drew, so their numbers are not the others'.
func (sw *sweepResult) writeSkips(w io.Writer) {
	for c, cfg := range sw.exp.Configs {
		runs, skipping := 0, 0
		for _, g := range sw.groups {
			if g.Config != c {
				continue
			}
			for _, r := range g.Rows {
				runs++
				if len(r.Skipped) > 0 {
					skipping++
				}
			}
		}
		if skipping > 0 {
			fmt.Fprintf(w, "\nnote: %s skipped a fault in %d of %d runs (nobody held the role it named then, such as no leader yet):\n"+
				"      those runs did not meet the faults their seeds drew, and compare with no other configuration's\n", cfg.Name, skipping, runs)
		}
	}
}

func (sw *sweepResult) drawings(stdout io.Writer) error {
	if sw.opts.csv != "" {
		if err := writeAtomic(sw.opts.csv, stdout, sw.writeCSV); err != nil {
			return fmt.Errorf("writing %s: %w", sw.opts.csv, err)
		}
	}
	if sw.opts.cdf != "" {
		format := strings.TrimPrefix(filepath.Ext(sw.opts.cdf), ".")
		if sw.opts.cdf == "-" {
			format = "svg"
		}
		if err := writeAtomic(sw.opts.cdf, stdout, func(w io.Writer) error { return sw.drawNewLeaderCDF(w, format) }); err != nil {
			return fmt.Errorf("drawing the CDF: %w", err)
		}
	}
	if sw.opts.plotDir != "" {
		if _, err := drawComparison(sw.rows(), sw.title(), sw.opts.plotDir); err != nil {
			return fmt.Errorf("drawing the charts: %w", err)
		}
	}
	return nil
}

func (sw *sweepResult) rows() []experiment.Row {
	var rows []experiment.Row
	for _, g := range sw.groups {
		rows = append(rows, g.Rows...)
	}
	return rows
}

func (sw *sweepResult) title() string {
	return fmt.Sprintf("%s, seeds %s", sw.exp.Name, sw.exp.Seeds.Text)
}

// drawComparison draws every comparison chart of rows into dir.
func drawComparison(rows []experiment.Row, title, dir string) ([]string, error) {
	c, err := plots.NewComparison(rows, title)
	if err != nil {
		return nil, err
	}
	return c.WriteCharts(dir, []string{"svg", "png"})
}

// writeAtomic writes a file through a temporary one renamed into place, so
// that no reader, and no interrupted sweep, sees half of it.
func writeAtomic(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if err := errors.Join(write(f), f.Close()); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}

// sweepJSON is what -json prints. The JSON names are a public contract.
type sweepJSON struct {
	Experiment     string      `json:"experiment"`
	Hash           string      `json:"hash"`
	Seeds          string      `json:"seeds"`
	Configurations []groupJSON `json:"configurations"`
	Incomplete     *incomplete `json:"incomplete,omitempty"`
	Warnings       []string    `json:"warnings"`
}

// groupJSON is one configuration at one point.
type groupJSON struct {
	Config   string             `json:"config"`
	Protocol string             `json:"protocol"`
	Params   map[string]any     `json:"params"` // the protocol's, at this point
	Point    map[string]string  `json:"point"`  // the varied axes' values
	Runs     []experiment.Row   `json:"runs"`
	Summary  experiment.Summary `json:"summary"`
}

// incomplete says how many runs a sweep did not finish (interrupted).
type incomplete struct {
	Finished int `json:"finished"`
	Selected int `json:"selected"`
}

func (sw *sweepResult) writeJSON(w io.Writer) error {
	out := sweepJSON{Experiment: sw.exp.Name, Hash: sw.exp.Hash, Seeds: sw.exp.Seeds.Text, Warnings: sw.exp.Warnings}
	if out.Warnings == nil {
		out.Warnings = []string{}
	}
	finished := 0
	for _, g := range sw.groups {
		scn := sw.exp.Scenario(g.Config, g.Point)
		out.Configurations = append(out.Configurations, groupJSON{
			Config: sw.exp.Configs[g.Config].Name, Protocol: scn.Protocol.Name, Params: scn.Protocol.Params,
			Point: sw.exp.PointValues(g.Point), Runs: g.Rows, Summary: g.Summary,
		})
		finished += len(g.Rows)
	}
	if finished < sw.selected {
		out.Incomplete = &incomplete{Finished: finished, Selected: sw.selected}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func (sw *sweepResult) writeHeader(w io.Writer) {
	e := sw.exp
	what := fmt.Sprintf("%s x %s x %s (%s), %s", plural(len(e.Configs), "configuration", "configurations"),
		plural(len(e.Points), "point", "points"), plural(len(e.Seeds.List), "seed", "seeds"), e.Seeds.Text, plural(e.Runs(), "run", "runs"))
	if len(e.Points) == 1 {
		what = fmt.Sprintf("%s x %s (%s), %s", plural(len(e.Configs), "configuration", "configurations"),
			plural(len(e.Seeds.List), "seed", "seeds"), e.Seeds.Text, plural(e.Runs(), "run", "runs"))
	}
	if sw.shard != "" {
		what += fmt.Sprintf("; shard %s: %s", sw.shard, plural(sw.selected, "run", "runs"))
	}
	fmt.Fprintf(w, "scenario    %s: %s\n", e.Name, what)
	if fixed := fixedAxes(e.Axes); fixed != "" {
		fmt.Fprintf(w, "set         %s\n", fixed)
	}
	// An axis (a -set) over the expectations replaces the base's: the
	// set line, or the table, says them then.
	setsExpect := slices.ContainsFunc(e.Axes, func(a experiment.Axis) bool { return strings.HasPrefix(a.Path, "expect") })
	if expected := e.Base.Expect.Properties; len(expected) > 0 && !setsExpect {
		fmt.Fprintf(w, "expected    %s\n", strings.Join(expected, ", "))
	}
	fmt.Fprintln(w)
}

// fixedAxes lists the axes of one value, which every run shares.
func fixedAxes(axes []experiment.Axis) string {
	var out []string
	for _, a := range axes {
		if !a.Varied() {
			out = append(out, a.Name+"="+a.Values[0].Text)
		}
	}
	return strings.Join(out, " ")
}

// tableWidth is the widest the table may print; a wider one prints a block
// per configuration instead.
const tableWidth = 100

// writeTable prints a row per configuration and point; wider than
// tableWidth, it prints a table per configuration instead, without the
// configuration's column.
func (sw *sweepResult) writeTable(w io.Writer) {
	var axes []string
	for _, a := range sw.exp.Axes {
		if a.Varied() {
			axes = append(axes, a.Name)
		}
	}
	flat := sw.table(append([]string{"config"}, axes...), sw.groups, func(g experiment.Group) []string { return sw.groupCells(g) })
	if widest(flat) <= tableWidth || len(sw.exp.Configs) == 1 {
		io.WriteString(w, flat)
		return
	}
	for c, cfg := range sw.exp.Configs {
		var groups []experiment.Group
		for _, g := range sw.groups {
			if g.Config == c {
				groups = append(groups, g)
			}
		}
		if len(groups) == 0 {
			continue
		}
		if c > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, cfg.Name)
		sub := sw.table(axes, groups, func(g experiment.Group) []string { return sw.groupCells(g)[1:] })
		for line := range strings.SplitSeq(strings.TrimSuffix(sub, "\n"), "\n") {
			fmt.Fprintln(w, "  "+line)
		}
	}
}

// table lays out groups under a header: the naming columns, then the
// summary's.
func (sw *sweepResult) table(header []string, groups []experiment.Group, names func(experiment.Group) []string) string {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	stored := slices.ContainsFunc(groups, func(g experiment.Group) bool { return g.Summary.Store != nil })
	head := append(header, summaryHeader...)
	if stored {
		head = append(head, storeHeader...)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, g := range groups {
		cells := append(names(g), summaryCells(g.Summary)...)
		if stored {
			cells = append(cells, storeCells(g.Summary.Store)...)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	tw.Flush()
	return buf.String()
}

// groupCells names a row: its configuration and the varied axes' values.
func (sw *sweepResult) groupCells(g experiment.Group) []string {
	cells := []string{sw.exp.Configs[g.Config].Name}
	for k, a := range sw.exp.Axes {
		if a.Varied() {
			cells = append(cells, a.Values[sw.exp.Points[g.Point][k]].Text)
		}
	}
	return cells
}

func widest(text string) int {
	n := 0
	for line := range strings.SplitSeq(text, "\n") {
		n = max(n, len(line))
	}
	return n
}

var summaryHeader = []string{"runs", "avail mean (min)", "split brain (max)", "stale", "changes", "new leader p50/max", "violated"}

// storeHeader names the columns a sweep with a store adds.
var storeHeader = []string{"writes lost mean (max) share", "to skew", "conflicts"}

// storeCells are a group's store summary in storeHeader's columns.
func storeCells(s *experiment.StoreSummary) []string {
	if s == nil {
		return []string{"-", "-", "-"}
	}
	return []string{fmt.Sprintf("%.1f (%d) %.1f%%", s.WritesLostMean, s.WritesLostMax, 100*s.LostShareMean),
		fmt.Sprintf("%.1f", s.LostToSkewMean), fmt.Sprintf("%.1f", s.ConflictsMean)}
}

// summaryCells are a group's summary in the table's columns.
func summaryCells(s experiment.Summary) []string {
	runs := strconv.Itoa(s.Runs)
	if s.Failed > 0 {
		runs += fmt.Sprintf(" (%d failed)", s.Failed)
	}
	if s.Measured == 0 {
		return []string{runs, "-", "-", "-", "-", "-", strconv.Itoa(s.Violated)}
	}
	return []string{runs,
		fmt.Sprintf("%.1f%% (%.1f%%)", 100*s.AvailabilityMean, 100*s.AvailabilityMin),
		fmt.Sprintf("%s (%s)", roundMS(s.SplitBrainMeanNS), roundMS(s.SplitBrainMaxNS)),
		fmt.Sprintf("%.1f", s.StaleActsMean), fmt.Sprintf("%.1f", s.LeaderChangesMean),
		newLeaderCell(s), strconv.Itoa(s.Violated)}
}

func roundMS(ns int64) string { return time.Duration(ns).Round(time.Millisecond).String() }

// newLeaderCell is "1.2s/2.1s", the median and longest time to a new
// leader, with the faults no new leader followed and those skipped for
// want of a role's holder: "1.2s/2.1s (4 none, 2 skipped)"; "-" with none.
func newLeaderCell(s experiment.Summary) string {
	cell := "-"
	if s.NewLeaderFaults > 0 {
		cell = fmt.Sprintf("%s/%s", roundMS(s.NewLeaderMedianNS), roundMS(s.NewLeaderMaxNS))
	}
	var notes []string
	if s.NoNewLeaderFaults > 0 {
		notes = append(notes, fmt.Sprintf("%d none", s.NoNewLeaderFaults))
	}
	if s.SkippedFaults > 0 {
		notes = append(notes, fmt.Sprintf("%d skipped", s.SkippedFaults))
	}
	if len(notes) > 0 {
		cell += " (" + strings.Join(notes, ", ") + ")"
	}
	return cell
}

// writeCSV writes the summary table with every summary field, a row per
// configuration and point.
func (sw *sweepResult) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	var axes []string
	for _, a := range sw.exp.Axes {
		if a.Varied() {
			axes = append(axes, a.Name)
		}
	}
	empty := experiment.Summary{}
	if slices.ContainsFunc(sw.groups, func(g experiment.Group) bool { return g.Summary.Store != nil }) {
		empty.Store = &experiment.StoreSummary{}
	}
	fields := summaryFields(empty)
	header := append(append([]string{"config"}, axes...), fields...)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, g := range sw.groups {
		values := summaryValues(g.Summary)
		record := append(sw.groupCells(g), make([]string, len(fields))...)
		for i, f := range fields {
			record[1+len(axes)+i] = values[f]
		}
		if err := cw.Write(record); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// summaryFields are the summary's JSON names, in a fixed order.
func summaryFields(s experiment.Summary) []string {
	return slices.Sorted(maps.Keys(summaryValues(s)))
}

// summaryValues reads a summary's fields by their JSON names, the
// violated properties as "name=count;...", the store's as
// "store.writes_lost_mean" and so on.
func summaryValues(s experiment.Summary) map[string]string {
	data, _ := json.Marshal(s)
	var fields map[string]any
	json.Unmarshal(data, &fields)
	out := map[string]string{}
	for k, v := range fields {
		switch v := v.(type) {
		case map[string]any:
			if k == "store" {
				for name, sub := range v {
					out[k+"."+name] = strconv.FormatFloat(sub.(float64), 'g', -1, 64)
				}
				continue
			}
			var parts []string
			for _, name := range slices.Sorted(maps.Keys(v)) {
				parts = append(parts, fmt.Sprintf("%s=%v", name, v[name]))
			}
			out[k] = strings.Join(parts, ";")
		case float64:
			out[k] = strconv.FormatFloat(v, 'g', -1, 64)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// writeProblems lists the runs that failed or broke an expected property,
// each with its seed and why (an error's first line; -json has the rest,
// a panic's stack), and the command that reruns the first of them.
func (sw *sweepResult) writeProblems(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	lines, rerun := 0, ""
	for _, g := range sw.groups {
		for _, r := range g.Rows {
			if r.OK {
				continue
			}
			if lines == 0 {
				fmt.Fprintln(tw, "\nruns that failed or broke an expected property")
				rerun = sw.rerunCommand(g, r.Seed)
			}
			if lines < maxProblemLines {
				fmt.Fprintf(tw, "  %s\tseed %d\t%s\n", strings.Join(sw.groupCells(g), " "), r.Seed, problem(r))
			}
			lines++
		}
	}
	if lines > maxProblemLines {
		fmt.Fprintf(tw, "  ... %d more (see -json)\n", lines-maxProblemLines)
	}
	tw.Flush()
	if rerun != "" {
		fmt.Fprintf(w, "rerun the first: %s\n", rerun)
	}
}

func problem(r experiment.Row) string {
	if r.Failed() {
		first, _, _ := strings.Cut(strings.TrimSpace(r.Error), "\n")
		return "failed: " + first
	}
	return "violated " + strings.Join(r.Violated, ", ")
}

// rerunCommand is the electsim run command that runs one seed of a
// configuration at a point on its own: the base scenario with the protocol
// as -protocol, and its parameters and the scenario fields the
// configuration and the point set as -set, in the order the experiment
// writes them (the configuration's fields, then the axes). A value that
// does not read back from the command line as it is (none the flags and
// files of today give) is named for the reader to set instead.
func (sw *sweepResult) rerunCommand(g experiment.Group, seed uint64) string {
	e := sw.exp
	scn := e.Scenario(g.Config, g.Point)
	args := []string{"electsim", "run", shellWord(e.BaseFile), "-seed", strconv.FormatUint(seed, 10)}
	if scn.Protocol.Name != e.Base.Protocol.Name {
		args = append(args, "-protocol", shellWord(scn.Protocol.Name))
	}
	var fields []string // in words where -set cannot say them
	set := func(key string, v any) {
		if text, ok := setValueText(v); ok {
			args = append(args, "-set", shellWord(key+"="+text))
		} else {
			fields = append(fields, fmt.Sprintf("%s=%v", key, v))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(scn.Protocol.Params)) {
		v := scn.Protocol.Params[k]
		if base, ok := e.Base.Protocol.Params[k]; !ok || fmt.Sprint(base) != fmt.Sprint(v) {
			set(k, v)
		}
	}
	cfg := e.Configs[g.Config]
	for _, path := range slices.Sorted(maps.Keys(cfg.Set)) {
		set(path, cfg.Set[path])
	}
	for k, a := range e.Axes {
		if !strings.HasPrefix(a.Path, "protocol.") {
			set(a.Path, a.Values[e.Points[g.Point][k]].YAML)
		}
	}
	cmd := strings.Join(args, " ")
	if len(fields) > 0 {
		cmd += " (with " + strings.Join(fields, ", ") + " in the scenario)"
	}
	return cmd
}

// setValueText writes a value as -set reads it: one line of YAML that
// reads back to the same value, or false.
func setValueText(v any) (string, bool) {
	out, err := yaml.MarshalWithOptions(v, yaml.Flow(true))
	if err != nil {
		return "", false
	}
	text := strings.TrimSpace(string(out))
	back, err := sim.ParseValue(text)
	if err != nil || strings.Contains(text, "\n") {
		return "", false
	}
	again, err := yaml.MarshalWithOptions(back, yaml.Flow(true))
	return text, err == nil && strings.TrimSpace(string(again)) == text
}

// shellWord quotes a word for a POSIX shell where it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+@%-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// drawNewLeaderCDF draws, for each configuration and point, the CDF of the
// time to a new leader after each fault of its runs that reached their
// end: the Raft paper's figure 16, when the fault is the leader's crash.
func (sw *sweepResult) drawNewLeaderCDF(w io.Writer, format string) error {
	e := sw.exp
	oneConfig := len(e.Configs) == 1
	var series []plots.CDFSeries
	for _, g := range sw.groups {
		label := strings.TrimSpace(e.Configs[g.Config].Name + " " + pointLabel(e, g.Point))
		if pl := pointLabel(e, g.Point); oneConfig && pl != "" {
			label = pl // the configuration is in the title
		}
		s := plots.CDFSeries{Label: label, MissingAs: "no new leader"}
		for _, r := range g.Rows {
			if r.Failed() {
				continue
			}
			for _, rec := range r.Recoveries {
				if rec.NewLeaderNS < 0 {
					s.Missing++
				} else {
					s.Times = append(s.Times, time.Duration(rec.NewLeaderNS))
				}
			}
			s.Skipped += len(r.Skipped)
		}
		series = append(series, s)
	}
	title := fmt.Sprintf("%s: time without a leader after each fault", sw.title())
	if oneConfig {
		title = fmt.Sprintf("%s (%s), seeds %s: time without a leader after each fault", e.Name, e.Configs[0].Name, e.Seeds.Text)
	}
	return plots.CDF(series, title, "time to a new leader (ms)").Render(w, format)
}

// pointLabel names a point by its varied axes: "election_timeout_max=150ms".
func pointLabel(e *experiment.Experiment, p int) string {
	var parts []string
	for k, a := range e.Axes {
		if a.Varied() {
			parts = append(parts, a.Name+"="+a.Values[e.Points[p][k]].Text)
		}
	}
	return strings.Join(parts, " ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
