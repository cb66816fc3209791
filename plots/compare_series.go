package plots

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/properties"
)

// This file is the comparison's arithmetic, apart from the drawing: which
// runs count, and the medians, percentiles, means, shares and paired
// differences the charts draw.

// axisKind says how an axis's values are placed along a chart's x.
type axisKind int

const (
	categorical axisKind = iota // evenly spaced, in order of first appearance
	numeric                     // at the number
	duration                    // at the duration, in seconds
)

// compareAxis is one varied axis of an experiment, as the charts place it.
type compareAxis struct {
	name   string
	kind   axisKind
	values []string  // in order along x
	at     []float64 // the x of each value
}

// newCompareAxis places an axis's values, given in order of first
// appearance: numbers at themselves, durations at their seconds, both in
// increasing order; anything else evenly, in the order given.
func newCompareAxis(name string, seen []string) compareAxis {
	a := compareAxis{name: name, values: slices.Clone(seen)}
	for _, kind := range []axisKind{numeric, duration} {
		if at, ok := placeAll(seen, kind); ok {
			a.kind = kind
			order := make([]int, len(seen))
			for i := range order {
				order[i] = i
			}
			slices.SortStableFunc(order, func(i, j int) int { return cmp.Compare(at[i], at[j]) })
			a.values, a.at = nil, nil
			for _, i := range order {
				a.values, a.at = append(a.values, seen[i]), append(a.at, at[i])
			}
			return a
		}
	}
	for i := range seen {
		a.at = append(a.at, float64(i))
	}
	return a
}

// placeAll returns each value's x as a number or a duration in seconds,
// or false when one of them is not one.
func placeAll(values []string, kind axisKind) ([]float64, bool) {
	var at []float64
	for _, v := range values {
		x, ok := place(v, kind)
		if !ok {
			return nil, false
		}
		at = append(at, x)
	}
	return at, true
}

func place(v string, kind axisKind) (float64, bool) {
	switch kind {
	case numeric:
		x, err := strconv.ParseFloat(v, 64)
		return x, err == nil && !math.IsInf(x, 0) && !math.IsNaN(x)
	case duration:
		d, err := time.ParseDuration(v)
		return d.Seconds(), err == nil
	}
	return 0, false
}

// label is the axis's name under a chart, with its unit.
func (a compareAxis) label() string {
	if a.kind == duration {
		return a.name + " (s)"
	}
	return a.name
}

// tickLabel is the text of the i-th value under the axis: a duration in
// the seconds the axis is in, anything else as written.
func (a compareAxis) tickLabel(i int) string {
	if a.kind == duration {
		return strconv.FormatFloat(a.at[i], 'f', -1, 64)
	}
	return a.values[i]
}

// index is the position of a value among the axis's, -1 if it has none.
func (a compareAxis) index(v string) int { return slices.Index(a.values, v) }

// arrange checks that rows are the runs of one experiment with the same
// axes, and returns the configurations and the axes in the experiment's
// order (the rows say it: ConfigIndex, PointIndex, Axes), whatever order
// the rows come in. Rows with the key of an earlier row are dropped: a
// results file merged twice plots once.
func arrange(rows []experiment.Row) (configs []string, axes []compareAxis, kept []*experiment.Row, err error) {
	if len(rows) == 0 {
		return nil, nil, nil, fmt.Errorf("plots: no rows to compare")
	}
	sorted := slices.Clone(rows)
	experiment.SortRows(sorted)
	names := sorted[0].Axes
	if len(names) != len(sorted[0].Point) {
		names = slices.Sorted(maps.Keys(sorted[0].Point))
	}
	seen := make([][]string, len(names))
	keys := map[experiment.Key]bool{}
	for i := range sorted {
		r := &sorted[i]
		if r.Experiment != sorted[0].Experiment {
			return nil, nil, nil, fmt.Errorf("plots: rows of two experiments (%s and %s): compare one at a time", sorted[0].Experiment, r.Experiment)
		}
		if got, want := slices.Sorted(maps.Keys(r.Point)), slices.Sorted(slices.Values(names)); !slices.Equal(got, want) {
			return nil, nil, nil, fmt.Errorf("plots: a row of %s varies %v, the first row %v", r.Config, got, want)
		}
		if keys[r.Key()] {
			continue
		}
		keys[r.Key()] = true
		kept = append(kept, r)
		if !slices.Contains(configs, r.Config) {
			configs = append(configs, r.Config)
		}
		for k, name := range names {
			if v := r.Point[name]; !slices.Contains(seen[k], v) {
				seen[k] = append(seen[k], v)
			}
		}
	}
	for k, name := range names {
		axes = append(axes, newCompareAxis(name, seen[k]))
	}
	return configs, axes, kept, nil
}

// skippedAFault says whether a run skipped a fault for want of the role it
// named (no leader yet): that run did not meet the faults its seed drew.
func skippedAFault(r *experiment.Row) bool { return len(r.Skipped) > 0 }

// measured says whether a run reached its end with metrics: a failed run
// has none, and counts as failed, never as zeros.
func measured(r *experiment.Row) bool { return r.Error == "" && r.Metrics != nil }

// availabilities returns the availability of each measured run, and how
// many runs failed.
func availabilities(rows []*experiment.Row) (values []float64, failed int) {
	for _, r := range rows {
		if !measured(r) {
			failed++
			continue
		}
		values = append(values, r.Metrics.Availability)
	}
	return values, failed
}

// percentile returns the p-th quantile (0..1) of sorted values,
// interpolating linearly between the two closest ranks (Hyndman and Fan's
// type 7, numpy's default): the 5th percentile of 1..5 is 1.2.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		panic("plots: the percentile of no values")
	}
	h := float64(len(sorted)-1) * p
	lo := int(math.Floor(h))
	if lo+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// band is how a set of values spreads: its median and its 5th and 95th
// percentiles, over n values.
type band struct {
	median, low, high float64
	n                 int
}

// bandOf returns the band of values, or false when there are none.
func bandOf(values []float64) (band, bool) {
	if len(values) == 0 {
		return band{}, false
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return band{median: percentile(sorted, 0.5), low: percentile(sorted, 0.05), high: percentile(sorted, 0.95), n: len(sorted)}, true
}

// safety is what a set of runs cost in safety: the stale acts and the
// split-brain time per measured run, and the share of runs that broke an
// expected property.
type safety struct {
	staleActsMean     float64
	splitBrainMeanSec float64
	// violatedShare is over the judged runs: those that reached their end,
	// and failed ones that broke a property before they failed. A failed
	// run that broke none is not known to be safe: it counts in neither.
	violatedShare    float64
	measured, judged int
}

func safetyOf(rows []*experiment.Row) safety {
	var s safety
	var stale, splitBrainNS float64
	violated := 0
	for _, r := range rows {
		if len(r.Violated) > 0 {
			violated++
		}
		if measured(r) {
			s.measured++
			stale += float64(r.Metrics.StaleActs)
			splitBrainNS += float64(r.Metrics.SplitBrainNS)
		}
		if measured(r) || len(r.Violated) > 0 {
			s.judged++
		}
	}
	if s.measured > 0 {
		s.staleActsMean = stale / float64(s.measured)
		s.splitBrainMeanSec = splitBrainNS / float64(s.measured) / 1e9
	}
	if s.judged > 0 {
		s.violatedShare = float64(violated) / float64(s.judged)
	}
	return s
}

// meanAvailability is the mean availability of the measured runs, false
// when none was.
func meanAvailability(rows []*experiment.Row) (float64, bool) {
	values, _ := availabilities(rows)
	return mean(values)
}

// pairedDiff is one run's availability minus the baseline's on the same
// point and seed.
type pairedDiff struct {
	point string
	seed  uint64
	diff  float64
}

// pairedDifferences pairs a configuration's runs with the baseline's by
// point and seed, in that order. The pairing is what makes the difference
// the configuration's doing rather than the luck of the draw: a point
// fixes the scenario's fields and a seed its faults, drawn from a stream
// of their own that no protocol's draws touch (sim's doc), so both runs of
// a pair met the same fault schedule (a fault aimed at a role hits
// whichever node holds it in each) — unless one of them skipped a fault
// the other met, for want of the role it named (no leader yet): such a
// pair is no pair. Pairs where either run failed or skipped a fault the
// other did not are left out and counted in unpaired, as are runs with no
// partner.
func pairedDifferences(baseline, other []*experiment.Row) (diffs []pairedDiff, unpaired int) {
	type at struct {
		point string
		seed  uint64
	}
	base := map[at]*experiment.Row{}
	for _, r := range baseline {
		base[at{r.Key().Point, r.Seed}] = r
	}
	for _, r := range other {
		b, ok := base[at{r.Key().Point, r.Seed}]
		if !ok || !measured(b) || !measured(r) || !sameSkips(b, r) {
			unpaired++
			continue
		}
		diffs = append(diffs, pairedDiff{point: r.Key().Point, seed: r.Seed, diff: r.Metrics.Availability - b.Metrics.Availability})
	}
	slices.SortFunc(diffs, func(a, b pairedDiff) int {
		if c := strings.Compare(a.point, b.point); c != 0 {
			return c
		}
		return cmp.Compare(a.seed, b.seed)
	})
	return diffs, unpaired
}

// diffValues is the differences alone, for their band.
func diffValues(diffs []pairedDiff) []float64 {
	var out []float64
	for _, d := range diffs {
		out = append(out, d.diff)
	}
	return out
}

// recoveryCDF is the CDF series of one recovery time (picked from each
// fault's Recovery) over the measured runs: a -1 is a fault after which
// the time never ended, a skipped fault a trial that never began.
func recoveryCDF(rows []*experiment.Row, label string, pick func(properties.Recovery) int64) CDFSeries {
	s := CDFSeries{Label: label}
	for _, r := range rows {
		if !measured(r) {
			continue
		}
		for _, rec := range r.Recoveries {
			if ns := pick(rec); ns < 0 {
				s.Missing++
			} else {
				s.Times = append(s.Times, time.Duration(ns))
			}
		}
		s.Skipped += len(r.Skipped)
	}
	return s
}

// xPoint is one configuration at one x of the availability and safety
// charts: its runs there, pooled over the other axes' values and the
// seeds.
type xPoint struct {
	x            float64
	availability band
	measured     bool // availability has a value
	safety       safety
	runs, failed int
}

// pointsAlong returns a configuration's points along the first axis, one
// per value, or, with no axis, its one point at x.
func pointsAlong(rows []*experiment.Row, axes []compareAxis, x float64) []xPoint {
	if len(axes) == 0 {
		return []xPoint{pointOf(rows, x)}
	}
	groups := make([][]*experiment.Row, len(axes[0].values))
	for _, r := range rows {
		i := axes[0].index(r.Point[axes[0].name])
		groups[i] = append(groups[i], r)
	}
	var out []xPoint
	for i, g := range groups {
		out = append(out, pointOf(g, axes[0].at[i]))
	}
	return out
}

func pointOf(rows []*experiment.Row, x float64) xPoint {
	values, failed := availabilities(rows)
	b, ok := bandOf(values)
	return xPoint{x: x, availability: b, measured: ok, safety: safetyOf(rows), runs: len(rows), failed: failed}
}

// heatCells returns a configuration's mean availability over the first two
// axes, by value of the first then of the second; NaN where no run was
// measured.
func heatCells(rows []*experiment.Row, a0, a1 compareAxis) [][]float64 {
	groups := make([][][]*experiment.Row, len(a0.values))
	for i := range groups {
		groups[i] = make([][]*experiment.Row, len(a1.values))
	}
	for _, r := range rows {
		i, j := a0.index(r.Point[a0.name]), a1.index(r.Point[a1.name])
		groups[i][j] = append(groups[i][j], r)
	}
	cells := make([][]float64, len(a0.values))
	for i := range groups {
		for _, g := range groups[i] {
			m, ok := meanAvailability(g)
			if !ok {
				m = math.NaN()
			}
			cells[i] = append(cells[i], m)
		}
	}
	return cells
}

// mean is the mean of xs, false when there is none.
func mean(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs)), true
}

// sameSkips says whether two runs skipped the same faults (usually none).
func sameSkips(a, b *experiment.Row) bool {
	if len(a.Skipped) != len(b.Skipped) {
		return false
	}
	for i := range a.Skipped {
		if a.Skipped[i].Fault != b.Skipped[i].Fault {
			return false
		}
	}
	return true
}
