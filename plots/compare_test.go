package plots

import (
	"bytes"
	"context"
	"flag"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/plot"
	"pgregory.net/rapid"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/properties"
	_ "github.com/electsim/electsim/protocols/all"
)

var (
	chartsDir      = flag.String("charts", "", "keep the comparison tests' charts in this directory, to look at")
	experimentFile = flag.String("experiment", "../experiment/testdata/loss.yaml", "the experiment TestChartsOfARealExperiment runs")
)

// chartDir is where a test writes charts: under -charts when given, to
// look at, else a temporary directory.
func chartDir(t *testing.T, name string) string {
	if *chartsDir == "" {
		return t.TempDir()
	}
	return filepath.Join(*chartsDir, name)
}

// row is a measured run of config at point with seed.
func row(config string, point map[string]string, seed uint64, availability float64) experiment.Row {
	if point == nil {
		point = map[string]string{}
	}
	return experiment.Row{Experiment: "e1", Config: config, Point: point, Seed: seed, OK: true,
		Metrics: &properties.Metrics{Availability: availability, FirstLeaderNS: 1}}
}

// failed is a run of config that stopped early, with no metrics.
func failed(config string, point map[string]string, seed uint64) experiment.Row {
	r := row(config, point, seed, 0)
	r.OK, r.Error, r.Metrics = false, "event limit reached", nil
	return r
}

func pointers(rows []experiment.Row) []*experiment.Row {
	var out []*experiment.Row
	for i := range rows {
		out = append(out, &rows[i])
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// TestPercentileInterpolatesBetweenRanks: the 5th, 50th and 95th
// percentiles of known data, as numpy's default computes them.
func TestPercentileInterpolatesBetweenRanks(t *testing.T) {
	for _, tc := range []struct {
		values         []float64
		low, med, high float64
	}{
		{[]float64{1, 2, 3, 4, 5}, 1.2, 3, 4.8},
		{[]float64{5, 1, 4, 2, 3}, 1.2, 3, 4.8}, // bandOf sorts
		{[]float64{0.7}, 0.7, 0.7, 0.7},
		{[]float64{0, 1}, 0.05, 0.5, 0.95},
		{[]float64{0.9, 0.9, 0.9, 0.1}, 0.1 + 0.15*0.8, 0.9, 0.9},
	} {
		b, ok := bandOf(tc.values)
		if !ok || !near(b.low, tc.low) || !near(b.median, tc.med) || !near(b.high, tc.high) || b.n != len(tc.values) {
			t.Errorf("band of %v = %+v, want 5th %v, median %v, 95th %v", tc.values, b, tc.low, tc.med, tc.high)
		}
	}
	if _, ok := bandOf(nil); ok {
		t.Error("no values have a band")
	}
}

// TestBandIsOrderedAndWithinTheData: for any values, the 5th percentile
// is at most the median, the median at most the 95th, and all three lie
// within the values; with an odd count the median is the middle value.
func TestBandIsOrderedAndWithinTheData(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		values := rapid.SliceOfN(rapid.Float64Range(0, 1), 1, 50).Draw(t, "values")
		b, _ := bandOf(values)
		lo, hi := slices.Min(values), slices.Max(values)
		if !(lo <= b.low && b.low <= b.median && b.median <= b.high && b.high <= hi) {
			t.Fatalf("band %+v of values from %v to %v", b, lo, hi)
		}
		if len(values)%2 == 1 {
			sorted := slices.Sorted(slices.Values(values))
			if b.median != sorted[len(sorted)/2] {
				t.Fatalf("median %v, middle value %v", b.median, sorted[len(sorted)/2])
			}
		}
	})
}

// TestAFailedRunIsNotAZero: a run that failed has no availability; it is
// counted as failed and left out of the median and percentiles, where a
// zero would drag them down.
func TestAFailedRunIsNotAZero(t *testing.T) {
	rows := []experiment.Row{row("raft", nil, 1, 0.9), row("raft", nil, 2, 0.8), failed("raft", nil, 3)}
	got := pointsAlong(pointers(rows), nil, 0)
	if len(got) != 1 {
		t.Fatalf("%d points with no axis, want 1", len(got))
	}
	pt := got[0]
	if pt.runs != 3 || pt.failed != 1 || pt.availability.n != 2 || !near(pt.availability.median, 0.85) || !near(pt.availability.low, 0.805) {
		t.Errorf("point %+v: want 3 runs, 1 failed, median 0.85 of 2, 5th percentile 0.805", pt)
	}
	// A configuration whose every run failed has no value, not 0.
	if pt := pointsAlong(pointers([]experiment.Row{failed("raft", nil, 1)}), nil, 0)[0]; pt.measured {
		t.Errorf("every run failed, yet availability %+v", pt.availability)
	}
	// A heat map cell with only failed runs is empty (NaN), not 0.
	a := newCompareAxis("a", []string{"1"})
	b := newCompareAxis("b", []string{"x"})
	r := failed("raft", map[string]string{"a": "1", "b": "x"}, 1)
	if cells := heatCells([]*experiment.Row{&r}, a, b); !math.IsNaN(cells[0][0]) {
		t.Errorf("a cell of failed runs holds %v, want NaN", cells[0][0])
	}
}

// TestAxisValuesArePlacedByNumberDurationOrAppearance: numbers go in
// numeric order at themselves, durations in order at their seconds (the
// label says so), anything else evenly in the order first seen.
func TestAxisValuesArePlacedByNumberDurationOrAppearance(t *testing.T) {
	for _, tc := range []struct {
		name, seen string
		kind       axisKind
		values     string
		at         []float64
		label      string
		ticks      string
	}{
		{"loss", "0.1 0.05 0 1e-3", numeric, "0 1e-3 0.05 0.1", []float64{0, 0.001, 0.05, 0.1}, "loss", "0 1e-3 0.05 0.1"},
		{"pause", "10s 500ms 1m", duration, "500ms 10s 1m", []float64{0.5, 10, 60}, "pause (s)", "0.5 10 60"},
		// "0" is a number and a duration; with 5s all are durations.
		{"pause", "5s 0", duration, "0 5s", []float64{0, 5}, "pause (s)", "0 5"},
		{"shape", "isolate halves bridge", categorical, "isolate halves bridge", []float64{0, 1, 2}, "shape", "isolate halves bridge"},
		{"mixed", "0.05 5s x", categorical, "0.05 5s x", []float64{0, 1, 2}, "mixed", "0.05 5s x"},
		{"nan", "NaN 1", categorical, "NaN 1", []float64{0, 1}, "nan", "NaN 1"},
	} {
		a := newCompareAxis(tc.name, strings.Fields(tc.seen))
		var ticks []string
		for i := range a.values {
			ticks = append(ticks, a.tickLabel(i))
		}
		if a.kind != tc.kind || strings.Join(a.values, " ") != tc.values || !cmp.Equal(a.at, tc.at) || a.label() != tc.label || strings.Join(ticks, " ") != tc.ticks {
			t.Errorf("axis of %q: kind %d, values %v at %v, label %q, ticks %v; want kind %d, %q at %v, %q, %q",
				tc.seen, a.kind, a.values, a.at, a.label(), ticks, tc.kind, tc.values, tc.at, tc.label, tc.ticks)
		}
	}
}

// TestComparisonArrangesConfigurationsAndAxes: configurations in order of
// first appearance, axes sorted by name, each point's runs pooled at the
// first axis's value, and a row seen twice counted once.
func TestComparisonArrangesConfigurationsAndAxes(t *testing.T) {
	p := func(loss, shape string) map[string]string { return map[string]string{"shape": shape, "loss": loss} }
	rows := []experiment.Row{
		row("routing", p("0.1", "halves"), 1, 0.5),
		row("raft", p("0", "halves"), 1, 1),
		row("raft", p("0.1", "bridge"), 1, 0.7),
		row("raft", p("0.1", "halves"), 1, 0.9),
		row("raft", p("0.1", "halves"), 1, 0.9), // merged twice
		row("routing", p("0", "bridge"), 1, 0.6),
	}
	c, err := NewComparison(rows, "t")
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(c.configs, []string{"routing", "raft"}) || c.axes[0].name != "loss" || c.axes[1].name != "shape" {
		t.Fatalf("configurations %v, axes %q and %q: want routing then raft, loss then shape", c.configs, c.axes[0].name, c.axes[1].name)
	}
	if got := strings.Join(c.axes[1].values, " "); got != "halves bridge" {
		t.Errorf("shape values %q, want halves bridge (first seen)", got)
	}
	raft := pointsAlong(c.runs[1], c.axes, 0)
	if len(raft) != 2 || raft[0].x != 0 || raft[0].runs != 1 || raft[1].x != 0.1 || raft[1].runs != 2 || !near(raft[1].availability.median, 0.8) {
		t.Errorf("raft along loss: %+v; want 1 run at 0, 2 at 0.1 (bridge and halves) with median 0.8", raft)
	}
	// The second routing row has no loss 0.1: its point is empty.
	routing := pointsAlong(c.runs[0], c.axes, 0)
	if routing[0].runs != 1 || routing[1].runs != 1 {
		t.Errorf("routing along loss: %+v", routing)
	}
}

// TestNewComparisonRefusesMixedRows: no rows, rows of two experiments, or
// rows that vary different axes cannot be drawn together.
func TestNewComparisonRefusesMixedRows(t *testing.T) {
	other := row("raft", nil, 2, 1)
	other.Experiment = "e2"
	for name, rows := range map[string][]experiment.Row{
		"no rows":         nil,
		"two experiments": {row("raft", nil, 1, 1), other},
		"two axis sets":   {row("raft", map[string]string{"a": "1"}, 1, 1), row("raft", map[string]string{"b": "1"}, 1, 1)},
	} {
		if _, err := NewComparison(rows, "t"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestPairingUsesOnlyRunsPresentInBoth: a difference is taken only for a
// point and seed both configurations ran and measured; other points' and
// seeds' runs, and failed ones, are not paired.
func TestPairingUsesOnlyRunsPresentInBoth(t *testing.T) {
	a := map[string]string{"loss": "0"}
	b := map[string]string{"loss": "0.1"}
	baseline := []experiment.Row{row("raft", a, 1, 0.9), row("raft", a, 2, 0.8), failed("raft", a, 3), row("raft", b, 5, 0.5)}
	other := []experiment.Row{
		row("cq", a, 2, 0.95), // pairs with raft's seed 2
		row("cq", a, 1, 0.7),  // pairs with seed 1
		row("cq", a, 3, 0.9),  // raft's seed 3 failed
		row("cq", a, 4, 0.9),  // raft has no seed 4
		row("cq", b, 1, 0.9),  // raft has no seed 1 at this point
		failed("cq", b, 5),
	}
	diffs, unpaired := pairedDifferences(pointers(baseline), pointers(other))
	want := []pairedDiff{{"loss=0", 1, 0.7 - 0.9}, {"loss=0", 2, 0.95 - 0.8}}
	if !cmp.Equal(diffs, want, cmp.AllowUnexported(pairedDiff{}), cmp.Comparer(near)) || unpaired != 4 {
		t.Errorf("diffs %+v, %d unpaired; want %+v, 4 unpaired", diffs, unpaired, want)
	}
}

// TestSafetyCountsPerRun: means of stale acts and split-brain seconds over
// the measured runs; the violated share over the runs that can be judged:
// those measured, and failed ones that broke a property before failing.
func TestSafetyCountsPerRun(t *testing.T) {
	rows := []experiment.Row{row("lease", nil, 1, 1), row("lease", nil, 2, 1), row("lease", nil, 3, 1), failed("lease", nil, 4)}
	rows[0].Metrics.StaleActs, rows[0].Metrics.SplitBrainNS, rows[0].Violated = 3, 1.5e9, []string{"fenced-resource"}
	rows[1].Metrics.StaleActs = 1
	s := safetyOf(pointers(rows))
	if !near(s.staleActsMean, 4.0/3) || !near(s.splitBrainMeanSec, 0.5) || !near(s.violatedShare, 1.0/3) || s.measured != 3 || s.judged != 3 {
		t.Errorf("safety %+v: want 4/3 stale acts, 0.5s split brain, 1/3 violated, over 3 runs", s)
	}
	// A failed run that broke a property before it failed counts.
	rows[3].Violated = []string{"single-leader-per-generation"}
	if s := safetyOf(pointers(rows)); !near(s.violatedShare, 0.5) || s.judged != 4 {
		t.Errorf("with a failed run that broke a property: %+v, want 2 of 4", s)
	}
	if s := safetyOf(nil); s.violatedShare != 0 || s.judged != 0 {
		t.Errorf("no runs: %+v", s)
	}
}

// TestRecoveryCDFCountsFaultsThatNeverEnded: a -1 is a fault whose time
// never ended (it keeps the curve below 1), a skipped fault never began,
// and failed runs are left out.
func TestRecoveryCDFCountsFaultsThatNeverEnded(t *testing.T) {
	rows := []experiment.Row{row("raft", nil, 1, 1), row("raft", nil, 2, 1), failed("raft", nil, 3)}
	rows[0].Recoveries = []properties.Recovery{{NewLeaderNS: 2e9, RecoveryNS: 3e9}, {NewLeaderNS: -1, RecoveryNS: 4e9}}
	rows[1].Skipped = []properties.SkippedFault{{Fault: "crash leader: no leader"}}
	rows[2].Recoveries = []properties.Recovery{{NewLeaderNS: 1, RecoveryNS: 1}}
	s := recoveryCDF(pointers(rows), "raft", func(r properties.Recovery) int64 { return r.NewLeaderNS })
	if len(s.Times) != 1 || s.Times[0] != 2e9 || s.Missing != 1 || s.Skipped != 1 || s.Label != "raft" {
		t.Errorf("series %+v: want one time of 2s, 1 missing, 1 skipped", s)
	}
}

// TestHeatCellsAreMeansOverTheFirstTwoAxes: each cell is the mean of its
// runs, pooled over seeds; a cell with no run is NaN.
func TestHeatCellsAreMeansOverTheFirstTwoAxes(t *testing.T) {
	p := func(a, b string) map[string]string { return map[string]string{"a": a, "b": b} }
	rows := []experiment.Row{row("raft", p("1", "x"), 1, 0.5), row("raft", p("1", "x"), 2, 1), row("raft", p("2", "y"), 1, 0.25)}
	a, b := newCompareAxis("a", []string{"1", "2"}), newCompareAxis("b", []string{"x", "y"})
	cells := heatCells(pointers(rows), a, b)
	if !near(cells[0][0], 0.75) || !near(cells[1][1], 0.25) || !math.IsNaN(cells[0][1]) || !math.IsNaN(cells[1][0]) {
		t.Errorf("cells %v: want [[0.75 NaN] [NaN 0.25]]", cells)
	}
}

// TestAvailabilityAxisIsFittedToTheData: the axis covers the values with
// a little room, stays within 0..1, and is never fixed at 0..1.
func TestAvailabilityAxisIsFittedToTheData(t *testing.T) {
	for _, tc := range []struct{ lo, hi, wantLo, wantHi float64 }{
		{0.9, 0.98, 0.9 - 0.0064, 0.98 + 0.0064},
		{0.999, 1, 0.99, 1}, // at the top: a percent tall at least
		{0, 0.001, 0, 0.01}, // at the bottom
		{0.2, 0.9, 0.144, 0.956},
	} {
		lo, hi := shareRange(tc.lo, tc.hi)
		if !near(lo, tc.wantLo) || !near(hi, tc.wantHi) {
			t.Errorf("values %v..%v: axis %v..%v, want %v..%v", tc.lo, tc.hi, lo, hi, tc.wantLo, tc.wantHi)
		}
	}
}

// TestPercentTicksAreRound: percentage labels at a round step, with no
// rounding noise, signed for a difference.
func TestPercentTicksAreRound(t *testing.T) {
	labels := func(ticks []plot.Tick) string {
		var out []string
		for _, tk := range ticks {
			out = append(out, tk.Label)
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		t      percentTicks
		lo, hi float64
		want   string
	}{
		{percentTicks{suffix: "%"}, 0.9, 1, "90% 92% 94% 96% 98% 100%"},
		{percentTicks{suffix: "%"}, 0.99, 1, "99% 99.2% 99.4% 99.6% 99.8% 100%"},
		{percentTicks{suffix: "%"}, 0.143, 0.956, "20% 40% 60% 80%"},
		{percentTicks{suffix: " pp", signed: true}, -0.05, 0.03, "-4 pp -2 pp 0 pp +2 pp"},
	} {
		if got := labels(tc.t.Ticks(tc.lo, tc.hi)); got != tc.want {
			t.Errorf("%v..%v: %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

// comparisonRows builds an experiment's rows: configurations x the
// values of each axis (crossed) x seeds, every run with recoveries; the
// second configuration's second seed fails.
func comparisonRows(configs []string, axes map[string][]string, seeds int) []experiment.Row {
	points := []map[string]string{{}}
	for _, name := range slices.Sorted(maps.Keys(axes)) {
		var next []map[string]string
		for _, p := range points {
			for _, v := range axes[name] {
				q := maps.Clone(p)
				q[name] = v
				next = append(next, q)
			}
		}
		points = next
	}
	var rows []experiment.Row
	for c, cfg := range configs {
		for k, p := range points {
			for s := 1; s <= seeds; s++ {
				if c == 1 && s == 2 {
					rows = append(rows, failed(cfg, p, uint64(s)))
					continue
				}
				r := row(cfg, p, uint64(s), 0.9+0.01*float64((c+k+s)%7))
				r.Metrics.StaleActs = int64(c * s % 3)
				r.Recoveries = []properties.Recovery{{NewLeaderNS: int64(s) * 3e8, RecoveryNS: int64(s) * 4e8}, {NewLeaderNS: -1, RecoveryNS: -1}}
				if c == 2 && s == 1 {
					r.Violated = []string{"single-leader-per-generation"}
				}
				rows = append(rows, r)
			}
		}
	}
	return rows
}

// files lists a directory's file names.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestWriteChartsWritesTheChartsThatApply: with no axis, one axis or two,
// the charts that apply, each in each format, in a fixed order, and
// nothing else in the directory (no temporary file left); SVGs carry
// their fonts.
func TestWriteChartsWritesTheChartsThatApply(t *testing.T) {
	configs := []string{"raft", "raft+prevote", "lease"}
	always := []string{"availability", "safety", "new-leader-cdf", "recovery-cdf"}
	for _, tc := range []struct {
		name   string
		axes   map[string][]string
		charts []string
	}{
		{"no axis", nil, append(slices.Clone(always), "paired")},
		{"one numeric axis", map[string][]string{"loss": {"0.05", "0", "0.1"}}, append(slices.Clone(always), "paired")},
		{"two axes", map[string][]string{"loss": {"0", "0.1"}, "pause": {"5s", "10s", "15s"}}, append(slices.Clone(always), "heatmap", "paired")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewComparison(comparisonRows(configs, tc.axes, 3), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			dir := chartDir(t, strings.ReplaceAll(tc.name, " ", "-"))
			os.RemoveAll(dir)
			paths, err := c.WriteCharts(dir, []string{"svg", "png"})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, name := range tc.charts {
				want = append(want, filepath.Join(dir, name+".svg"), filepath.Join(dir, name+".png"))
			}
			if diff := cmp.Diff(want, paths); diff != "" {
				t.Fatalf("paths (-want +got):\n%s", diff)
			}
			var names []string
			for _, p := range paths {
				names = append(names, filepath.Base(p))
			}
			if diff := cmp.Diff(slices.Sorted(slices.Values(names)), files(t, dir)); diff != "" {
				t.Errorf("the directory holds more or less than the charts (-charts +directory):\n%s", diff)
			}
			svg, err := os.ReadFile(filepath.Join(dir, "availability.svg"))
			if err != nil || !bytes.Contains(svg, []byte("@font-face")) {
				t.Errorf("availability.svg does not embed its font (%v)", err)
			}
		})
	}
	// One configuration has no baseline to pair with; runs with no fault
	// have no recovery to draw.
	rows := []experiment.Row{row("raft", nil, 1, 1), row("raft", nil, 2, 0.9)}
	c, err := NewComparison(rows, "one")
	if err != nil {
		t.Fatal(err)
	}
	paths, err := c.WriteCharts(t.TempDir(), []string{"svg"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	if want := []string{"availability.svg", "safety.svg"}; !cmp.Equal(names, want) {
		t.Errorf("one configuration with no faults: %v, want %v", names, want)
	}
}

// TestWriteChartsIsDeterministic: the same rows, in any order, make the
// same SVG bytes.
func TestWriteChartsIsDeterministic(t *testing.T) {
	rows := comparisonRows([]string{"raft", "cq"}, map[string][]string{"loss": {"0", "0.1"}, "pause": {"5s", "10s"}}, 4)
	var dirs []string
	for i := range 2 {
		if i == 1 {
			slices.Reverse(rows[1:]) // another finishing order; the first row keeps the configurations' order
		}
		c, err := NewComparison(rows, "same")
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := c.WriteCharts(dir, []string{"svg"}); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	for _, name := range files(t, dirs[0]) {
		a, _ := os.ReadFile(filepath.Join(dirs[0], name))
		b, err := os.ReadFile(filepath.Join(dirs[1], name))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two writes (%v)", name, err)
		}
	}
}

// TestWriteChartsWritesNothingPartial: an unknown format is refused
// before anything is written; a chart that cannot be put in place leaves
// no temporary file, and the charts written before it are whole.
func TestWriteChartsWritesNothingPartial(t *testing.T) {
	c, err := NewComparison(comparisonRows([]string{"raft", "cq"}, map[string][]string{"loss": {"0", "0.1"}}, 2), "partial")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := c.WriteCharts(dir, []string{"svg", "gif"}); err == nil || len(files(t, dir)) != 0 {
		t.Fatalf("gif: error %v, files %v; want an error and no file", err, files(t, dir))
	}
	// A directory where the safety chart goes: the rename fails.
	if err := os.Mkdir(filepath.Join(dir, "safety.svg"), 0o755); err != nil {
		t.Fatal(err)
	}
	paths, err := c.WriteCharts(dir, []string{"svg"})
	if err == nil {
		t.Fatal("no error when the chart could not be put in place")
	}
	if want := []string{filepath.Join(dir, "availability.svg")}; !cmp.Equal(paths, want) {
		t.Errorf("written %v, want %v", paths, want)
	}
	if got, want := files(t, dir), []string{"availability.svg", "safety.svg"}; !cmp.Equal(got, want) {
		t.Errorf("the directory holds %v, want %v (no temporary file)", got, want)
	}
	svg, _ := os.ReadFile(paths[0])
	if !bytes.HasSuffix(svg, []byte("</svg>\n")) {
		t.Error("availability.svg is not whole")
	}
}

// TestChartsOfARealExperiment runs experiment/testdata/loss.yaml (three
// configurations, loss x act_every, three seeds), or the -experiment
// given, and writes its charts: each one applies to loss.yaml. With
// -charts DIR they are kept there, to look at.
func TestChartsOfARealExperiment(t *testing.T) {
	if testing.Short() {
		t.Skip("runs an experiment")
	}
	e, err := experiment.Load(*experimentFile)
	if err != nil {
		t.Fatal(err)
	}
	opts := experiment.Options{Parallel: 4}
	var rows []experiment.Row
	if err := e.Run(context.Background(), e.Jobs(opts), opts, func(r *experiment.Row) { rows = append(rows, *r) }); err != nil {
		t.Fatal(err)
	}
	c, err := NewComparison(rows, e.Name)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := c.WriteCharts(chartDir(t, e.Name), []string{"svg", "png"})
	if err != nil {
		t.Fatal(err)
	}
	if *experimentFile == flag.Lookup("experiment").DefValue && len(paths) != 12 {
		t.Errorf("%d charts written, want 6 charts in 2 formats: %v", len(paths), paths)
	}
}

// TestPairingLeavesOutRunsThatSkippedAFault: a run that skipped a fault
// for want of its role (no leader yet) did not meet the faults its partner
// met; the pair is no pair, and it is counted as left out.
func TestPairingLeavesOutRunsThatSkippedAFault(t *testing.T) {
	p := map[string]string{"loss": "0"}
	baseline := []experiment.Row{row("raft", p, 1, 0.9), row("raft", p, 2, 0.9)}
	other := []experiment.Row{row("sbr", p, 1, 0.8), row("sbr", p, 2, 0.8)}
	other[1].Skipped = []properties.SkippedFault{{Fault: "crash leader: no participant believes it leads"}}
	diffs, unpaired := pairedDifferences(pointers(baseline), pointers(other))
	if len(diffs) != 1 || diffs[0].seed != 1 || unpaired != 1 {
		t.Errorf("diffs %+v, %d left out; want seed 1 only, 1 left out", diffs, unpaired)
	}
	c, err := NewComparison(append(baseline, other...), "t")
	if err != nil {
		t.Fatal(err)
	}
	if entries := c.configEntries(lineThumb); !strings.Contains(entries[1].text, "1 skipped a fault") {
		t.Errorf("the legend does not say sbr's run skipped a fault: %q", entries[1].text)
	}
}

// TestExperimentOrderWhateverTheRowOrder: configurations, axes and the
// baseline follow the experiment's order (the rows' indexes and axes), not
// the order rows come in, which a merge or a race changes.
func TestExperimentOrderWhateverTheRowOrder(t *testing.T) {
	mk := func(config string, ci int, loss string, pi int, seed uint64) experiment.Row {
		r := row(config, map[string]string{"loss": loss, "act_every": "100ms"}, seed, 0.9)
		r.ConfigIndex, r.PointIndex, r.Axes = ci, pi, []string{"loss", "act_every"}
		return r
	}
	rows := []experiment.Row{mk("sbr", 0, "0.1", 1, 1), mk("raft", 1, "0.1", 1, 1), mk("sbr", 0, "0", 0, 1), mk("raft", 1, "0", 0, 1)}
	for range 2 {
		c, err := NewComparison(rows, "t")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.configs, []string{"sbr", "raft"}) || c.axes[0].name != "loss" || c.axes[1].name != "act_every" {
			t.Errorf("configs %v, axes %s, %s; want sbr first (the baseline) and loss, then act_every", c.configs, c.axes[0].name, c.axes[1].name)
		}
		slices.Reverse(rows)
	}
}
