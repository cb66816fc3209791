package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/electsim/electsim/plots"
)

// sweepReport is a finished sweep, as -json prints it. The JSON names are a
// public contract: scripts parse them.
type sweepReport struct {
	Scenario       string         `json:"scenario"`
	Configurations []sweepResults `json:"configurations"`
}

// sweepResults are one configuration's runs, in seed order, and their
// summary.
type sweepResults struct {
	Protocol string         `json:"protocol"`
	Params   map[string]any `json:"params"` // every -set, as the scenario holds it
	Runs     []sweepRun     `json:"runs"`
	Summary  sweepSummary   `json:"summary"`

	label       string   // "raft prevote=false"
	variedLabel string   // "prevote=false"
	varied      []string // the varied parameters' values
}

// sweepSummary sums a configuration's runs up. The metrics are over the
// measured runs, those that reached their end (a violation does not stop a
// run); they are zero when none did.
type sweepSummary struct {
	Runs     int `json:"runs"`
	Failed   int `json:"failed"`
	Violated int `json:"violated"` // runs that broke an expected property
	// ViolatedProperties counts the runs that broke each property.
	ViolatedProperties map[string]int `json:"violated_properties"`
	Measured           int            `json:"measured"`
	AvailabilityMean   float64        `json:"availability_mean"`
	AvailabilityMin    float64        `json:"availability_min"`
	SplitBrainMeanNS   int64          `json:"split_brain_mean_ns"`
	SplitBrainMaxNS    int64          `json:"split_brain_max_ns"`
	StaleActsMean      float64        `json:"stale_acts_mean"`
	LeaderChangesMean  float64        `json:"leader_changes_mean"`
	// FirstLeaderMeanNS is over the measured runs that elected a leader,
	// -1 when none did; NoLeaderRuns counts those that did not.
	FirstLeaderMeanNS int64 `json:"first_leader_mean_ns"`
	NoLeaderRuns      int   `json:"no_leader_runs"`
	// LeaderlessMeanNS is the mean time without a leader once the first
	// was elected (leaderless_ns), over the runs that elected one; -1 when
	// none did. A run that never elected has no such time: the wait for
	// the first leader is FirstLeaderMeanNS's.
	LeaderlessMeanNS int64 `json:"leaderless_mean_ns"`
	// NewLeader sums up the time to a new leader over every fault of the
	// measured runs that was followed by one (NewLeaderFaults of them);
	// NoNewLeaderFaults counts those that were not. -1 when none was.
	NewLeaderFaults   int `json:"new_leader_faults"`
	NoNewLeaderFaults int `json:"no_new_leader_faults"`
	// SkippedFaults counts the faults skipped for a role nobody held (a
	// crash of the leader when there was none): no trial at all.
	SkippedFaults     int   `json:"skipped_faults"`
	NewLeaderMedianNS int64 `json:"new_leader_median_ns"`
	NewLeaderMeanNS   int64 `json:"new_leader_mean_ns"`
	NewLeaderMaxNS    int64 `json:"new_leader_max_ns"`
}

// report groups the results by configuration and sums each up.
func (pl *sweepPlan) report(results []sweepRun) *sweepReport {
	rep := &sweepReport{Scenario: pl.base.Name}
	n := len(pl.seeds)
	for i, c := range pl.configs {
		runs := results[i*n : (i+1)*n]
		rep.Configurations = append(rep.Configurations, sweepResults{
			Protocol: c.protocol, Params: c.params(), Runs: runs, Summary: summarize(runs),
			label: c.label(pl.axes), variedLabel: c.variedLabel(pl.axes), varied: c.varied,
		})
	}
	return rep
}

func summarize(runs []sweepRun) sweepSummary {
	s := sweepSummary{Runs: len(runs), ViolatedProperties: map[string]int{}, FirstLeaderMeanNS: -1}
	var availability, staleActs, changes float64
	var splitBrainNS, firstLeaderNS, elected, leaderlessNS int64
	var newLeader []int64
	for _, r := range runs {
		if len(r.Violated) > 0 {
			s.Violated++
		}
		for _, name := range r.Violated {
			s.ViolatedProperties[name]++
		}
		if r.failed() || r.Metrics == nil {
			s.Failed++
			continue
		}
		m := r.Metrics
		if s.Measured == 0 || m.Availability < s.AvailabilityMin {
			s.AvailabilityMin = m.Availability
		}
		s.Measured++
		availability += m.Availability
		splitBrainNS += m.SplitBrainNS
		s.SplitBrainMaxNS = max(s.SplitBrainMaxNS, m.SplitBrainNS)
		staleActs += float64(m.StaleActs)
		changes += float64(m.LeaderChanges)
		for _, rec := range r.Recoveries {
			if rec.NewLeaderNS < 0 {
				s.NoNewLeaderFaults++
			} else {
				newLeader = append(newLeader, rec.NewLeaderNS)
			}
		}
		s.SkippedFaults += len(r.Skipped)
		if m.FirstLeaderNS < 0 {
			s.NoLeaderRuns++
		} else {
			firstLeaderNS += m.FirstLeaderNS
			leaderlessNS += m.LeaderlessNS
			elected++
		}
	}
	if s.Measured > 0 {
		n := float64(s.Measured)
		s.AvailabilityMean, s.StaleActsMean, s.LeaderChangesMean = availability/n, staleActs/n, changes/n
		s.SplitBrainMeanNS = splitBrainNS / int64(s.Measured)
	}
	s.LeaderlessMeanNS = -1
	if elected > 0 {
		s.FirstLeaderMeanNS = firstLeaderNS / elected
		s.LeaderlessMeanNS = leaderlessNS / elected
	}
	s.summarizeNewLeader(newLeader)
	return s
}

// summarizeNewLeader takes the median, mean and maximum of the times to a
// new leader.
func (s *sweepSummary) summarizeNewLeader(times []int64) {
	s.NewLeaderFaults = len(times)
	s.NewLeaderMedianNS, s.NewLeaderMeanNS, s.NewLeaderMaxNS = -1, -1, -1
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	var sum int64
	for _, t := range times {
		sum += t
	}
	mid := len(times) / 2
	s.NewLeaderMedianNS = times[mid]
	if len(times)%2 == 0 {
		s.NewLeaderMedianNS = (times[mid-1] + times[mid]) / 2
	}
	s.NewLeaderMeanNS, s.NewLeaderMaxNS = sum/int64(len(times)), times[len(times)-1]
}

// ok says every run reached its end and kept every expected property.
func (r *sweepReport) ok() bool {
	for _, c := range r.Configurations {
		for _, run := range c.Runs {
			if !run.OK {
				return false
			}
		}
	}
	return true
}

func printSweep(w io.Writer, opts *sweepOptions, pl *sweepPlan, rep *sweepReport) error {
	if opts.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(w, "scenario    %s: %s x %s (%s), %s\n", rep.Scenario, plural(len(pl.configs), "configuration", "configurations"),
		plural(len(pl.seeds), "seed", "seeds"), opts.seeds.text, plural(pl.runs(), "run", "runs"))
	if fixed := fixedSets(pl.axes); fixed != "" {
		fmt.Fprintf(w, "set         %s\n", fixed)
	}
	if expected := pl.configs[0].scn.Expect.Properties; len(expected) > 0 {
		fmt.Fprintf(w, "expected    %s\n", strings.Join(expected, ", "))
	}
	fmt.Fprintln(w)
	printTable(w, pl.axes, rep)
	printProblems(w, pl, rep)
	return nil
}

// fixedSets lists the -set flags with one value, which every
// configuration shares.
func fixedSets(axes []setAxis) string {
	var out []string
	for _, a := range axes {
		if !a.varied() {
			out = append(out, a.key+"="+a.values[0])
		}
	}
	return strings.Join(out, " ")
}

// printTable prints a row per configuration; violated comes last, as the
// one column whose width has no bound.
func printTable(w io.Writer, axes []setAxis, rep *sweepReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := []string{"protocol"}
	for _, a := range axes {
		if a.varied() {
			header = append(header, a.key)
		}
	}
	header = append(header, "runs", "failed", "avail mean", "avail min", "split brain mean", "split brain max",
		"stale acts", "leader changes", "first leader", "leaderless mean", "new leader median/mean/max", "violated")
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, c := range rep.Configurations {
		row := append([]string{c.Protocol}, c.varied...)
		row = append(row, summaryCells(c.Summary)...)
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}

func summaryCells(s sweepSummary) []string {
	cells := []string{strconv.Itoa(s.Runs), strconv.Itoa(s.Failed)}
	if s.Measured == 0 {
		cells = append(cells, "-", "-", "-", "-", "-", "-", "-", "-", "-")
	} else {
		cells = append(cells,
			fmt.Sprintf("%.1f%%", 100*s.AvailabilityMean), fmt.Sprintf("%.1f%%", 100*s.AvailabilityMin),
			roundMS(s.SplitBrainMeanNS), roundMS(s.SplitBrainMaxNS),
			fmt.Sprintf("%.1f", s.StaleActsMean), fmt.Sprintf("%.1f", s.LeaderChangesMean), firstLeader(s),
			leaderlessCell(s), newLeaderCell(s))
	}
	return append(cells, violatedCell(s))
}

// leaderlessCell is "-" when no run elected a leader: there was no time
// after the first leader to be without one.
func leaderlessCell(s sweepSummary) string {
	if s.LeaderlessMeanNS < 0 {
		return "-"
	}
	return roundMS(s.LeaderlessMeanNS)
}

func roundMS(ns int64) string { return time.Duration(ns).Round(time.Millisecond).String() }

func firstLeader(s sweepSummary) string {
	switch {
	case s.FirstLeaderMeanNS < 0:
		return "none"
	case s.NoLeaderRuns > 0:
		return fmt.Sprintf("%s (%d none)", roundMS(s.FirstLeaderMeanNS), s.NoLeaderRuns)
	}
	return roundMS(s.FirstLeaderMeanNS)
}

// newLeaderCell is "1.2s/1.3s/2.1s", with the faults no new leader followed
// and those skipped for want of a role's holder: "1.2s/1.3s/2.1s (4 none,
// 2 skipped)"; "-" with no fault.
func newLeaderCell(s sweepSummary) string {
	cell := "-"
	if s.NewLeaderFaults > 0 {
		cell = fmt.Sprintf("%s/%s/%s", roundMS(s.NewLeaderMedianNS), roundMS(s.NewLeaderMeanNS), roundMS(s.NewLeaderMaxNS))
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

// violatedCell is "0", or the runs and which properties they broke:
// "3 (single-belief-per-generation 3, single-leader-per-generation 1)".
func violatedCell(s sweepSummary) string {
	if s.Violated == 0 {
		return "0"
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(s.ViolatedProperties)) {
		parts = append(parts, fmt.Sprintf("%s %d", name, s.ViolatedProperties[name]))
	}
	return fmt.Sprintf("%d (%s)", s.Violated, strings.Join(parts, ", "))
}

// printProblems lists the runs that failed or broke an expected property,
// each with its seed and why (an error's first line; -json has the rest,
// a panic's stack), and the command that reruns the first of them.
func printProblems(w io.Writer, pl *sweepPlan, rep *sweepReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	lines, replay := 0, ""
	for i, c := range rep.Configurations {
		for _, r := range c.Runs {
			if r.OK {
				continue
			}
			if lines == 0 {
				fmt.Fprintln(tw, "\nruns that failed or broke an expected property")
				replay = pl.replayCommand(pl.configs[i], r.Seed)
			}
			if lines < maxProblemLines {
				fmt.Fprintf(tw, "  %s\tseed %d\t%s\n", c.label, r.Seed, problem(r))
			}
			lines++
		}
	}
	if lines > maxProblemLines {
		fmt.Fprintf(tw, "  ... %d more (see -json)\n", lines-maxProblemLines)
	}
	tw.Flush()
	if replay != "" {
		fmt.Fprintf(w, "rerun the first: %s\n", replay)
	}
}

func problem(r sweepRun) string {
	if r.failed() {
		first, _, _ := strings.Cut(strings.TrimSpace(r.Error), "\n")
		return "failed: " + first
	}
	return "violated " + strings.Join(r.Violated, ", ")
}

// replayCommand is the electsim run command line that runs one seed of a
// configuration on its own.
func (pl *sweepPlan) replayCommand(c *sweepConfig, seed uint64) string {
	args := []string{"electsim", "run", pl.file, "-seed", strconv.FormatUint(seed, 10)}
	if c.protocol != pl.base.Protocol.Name {
		args = append(args, "-protocol", c.protocol)
	}
	for _, kv := range c.set {
		args = append(args, "-set", kv)
	}
	return strings.Join(args, " ")
}

// drawNewLeaderCDF draws, for each configuration, the CDF of the time to a
// new leader after each fault of its runs that reached their end: the Raft
// paper's figure 16, when the fault is the leader's crash.
func drawNewLeaderCDF(w io.Writer, format, seeds string, rep *sweepReport) error {
	oneProtocol := !slices.ContainsFunc(rep.Configurations, func(c sweepResults) bool { return c.Protocol != rep.Configurations[0].Protocol })
	var series []plots.CDFSeries
	for _, c := range rep.Configurations {
		s := plots.CDFSeries{Label: c.label}
		if oneProtocol && c.variedLabel != "" {
			s.Label = c.variedLabel // the protocol is in the title
		}
		for _, r := range c.Runs {
			if r.failed() {
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
	title := fmt.Sprintf("%s, seeds %s: time without a leader after each fault", rep.Scenario, seeds)
	if oneProtocol && len(rep.Configurations) > 0 {
		title = fmt.Sprintf("%s (%s), seeds %s: time without a leader after each fault", rep.Scenario, rep.Configurations[0].Protocol, seeds)
	}
	return plots.CDF(series, title, "time to a new leader (ms)").Render(w, format)
}

// drawSweep draws each configuration's availability, one point per
// measured run.
func drawSweep(w io.Writer, format, seeds string, rep *sweepReport) error {
	var configs []plots.SweepConfig
	for _, c := range rep.Configurations {
		sc := plots.SweepConfig{Protocol: c.Protocol, Params: c.variedLabel, Failed: c.Summary.Failed}
		for _, r := range c.Runs {
			if !r.failed() && r.Metrics != nil {
				sc.Availability = append(sc.Availability, r.Metrics.Availability)
			}
		}
		configs = append(configs, sc)
	}
	chart := plots.Availability(configs, fmt.Sprintf("%s, seeds %s: availability of each run", rep.Scenario, seeds))
	return chart.Render(w, format)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
