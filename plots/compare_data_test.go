package plots

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/properties"
)

// storeRow is a measured run of config at point with seed, whose store
// acknowledged acked writes and lost lost of them, skew of those to clock
// skew, and resolved conflicts conflicts.
func storeRow(config string, point map[string]string, seed uint64, acked, lost, skew, conflicts int64) experiment.Row {
	r := row(config, point, seed, 1)
	r.Metrics.Store = &properties.StoreMetrics{WritesIssued: acked, WritesAcked: acked, WritesLost: lost, WritesLostToSkew: skew, Conflicts: conflicts}
	return r
}

// chartNames are the names of the charts that apply to rows.
func chartNames(t *testing.T, rows []experiment.Row) []string {
	t.Helper()
	c, err := NewComparison(rows, "t")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ch := range c.charts() {
		names = append(names, ch.name)
	}
	return names
}

// TestDataChartDrawsMediansOfSharesNotMeans: each run's writes lost is a
// share of the writes it acknowledged, and the line goes through the
// median of those shares, the band from their 5th to 95th percentile;
// neither the mean of the shares nor the share of the sums. Conflicts are
// counts per run, by median too. The two panels of shares share their
// top.
func TestDataChartDrawsMediansOfSharesNotMeans(t *testing.T) {
	p := func(offset string) map[string]string { return map[string]string{"clock offset": offset} }
	rows := []experiment.Row{
		// At 0s: shares 0.1, 0.2 and 0.9 (mean 0.4, share of the sums
		// 930/1200 = 0.775); to skew 0, 0.05, 0.5; conflicts 1, 2, 30.
		storeRow("lww", p("0s"), 1, 100, 10, 0, 1),
		storeRow("lww", p("0s"), 2, 100, 20, 5, 2),
		storeRow("lww", p("0s"), 3, 1000, 900, 500, 30),
		// At 1s: one run.
		storeRow("lww", p("1s"), 1, 200, 50, 20, 0),
		storeRow("vector", p("0s"), 1, 100, 0, 0, 4),
		storeRow("vector", p("1s"), 1, 100, 0, 0, 6),
	}
	c, err := NewComparison(rows, "t")
	if err != nil {
		t.Fatal(err)
	}
	_, at := c.dataX()
	series, top := c.dataPanels(at)
	lww := [3]dataSeries{series[0][0], series[1][0], series[2][0]}
	for _, tc := range []struct {
		name              string
		got               band
		median, low, high float64
	}{
		{"writes lost at 0s", lww[0].bands[0], 0.2, 0.1 + 0.1*0.1, 0.2 + 0.9*0.7},
		{"lost to skew at 0s", lww[1].bands[0], 0.05, 0.005, 0.05 + 0.9*0.45},
		{"conflicts at 0s", lww[2].bands[0], 2, 1.1, 2 + 0.9*28},
		{"writes lost at 1s", lww[0].bands[1], 0.25, 0.25, 0.25},
	} {
		if !near(tc.got.median, tc.median) || !near(tc.got.low, tc.low) || !near(tc.got.high, tc.high) {
			t.Errorf("%s: band %+v, want median %v, 5th %v, 95th %v", tc.name, tc.got, tc.median, tc.low, tc.high)
		}
	}
	if !near(lww[0].medians[0], 0.2) || !near(lww[2].medians[0], 2) {
		t.Errorf("the lines go through %v and %v at 0s, want the medians 0.2 and 2 (not the means 0.4 and 11)", lww[0].medians[0], lww[2].medians[0])
	}
	if !cmp.Equal(lww[0].xs, []float64{0, 1}) {
		t.Errorf("lww's x %v, want 0s and 1s at 0 and 1", lww[0].xs)
	}
	if v := series[0][1]; !near(v.medians[0], 0) || !v.has[0] {
		t.Errorf("vector lost nothing: median %v (has %v), want a 0 drawn", v.medians[0], v.has[0])
	}
	if wantShares, wantConflicts := 0.2+0.9*0.7, 2+0.9*28; !near(top[0], wantShares) || !near(top[1], wantShares) || !near(top[2], wantConflicts) {
		t.Errorf("tops %v, want the share panels' at %v together, the conflicts' at %v", top, wantShares, wantConflicts)
	}
}

// TestDataChartOnlyWithAStore: the data chart is drawn, last, only when
// some run reached its end with store metrics: not for runs without a
// store, nor when every run with one failed.
func TestDataChartOnlyWithAStore(t *testing.T) {
	rows := comparisonRows([]string{"raft", "cq"}, map[string][]string{"loss": {"0", "0.1"}}, 2)
	without := chartNames(t, rows)
	if slices.Contains(without, "data") {
		t.Errorf("charts without a store: %v, want no data chart", without)
	}
	rows[0].Metrics.Store = &properties.StoreMetrics{WritesAcked: 10}
	if got := chartNames(t, rows); !cmp.Equal(got, append(without, "data")) {
		t.Errorf("charts with a store: %v, want %v and data last", got, without)
	}
	broken := failed("lww", nil, 1)
	broken.Metrics = &properties.Metrics{Store: &properties.StoreMetrics{WritesAcked: 10}} // its error stands
	if got := chartNames(t, []experiment.Row{broken}); slices.Contains(got, "data") {
		t.Errorf("charts of a failed run with a store: %v, want no data chart", got)
	}
}

// TestDataChartFailedRunIsNotAZero: a run that failed, even one with a
// store's metrics, is left out of the medians and counted as failed; so
// is a run without a store. A run that acknowledged no write has no share
// (not 0%) and counts in the conflicts. Where every run failed there is
// no value (a gap), not 0. The legend says what was left out.
func TestDataChartFailedRunIsNotAZero(t *testing.T) {
	p := func(offset string) map[string]string { return map[string]string{"clock offset": offset} }
	broken := failed("lww", p("0s"), 3)
	broken.Metrics = &properties.Metrics{Store: &properties.StoreMetrics{}} // zeros that must not count
	rows := []experiment.Row{
		storeRow("lww", p("0s"), 1, 100, 50, 10, 0),
		storeRow("lww", p("0s"), 2, 100, 70, 30, 0),
		broken,
		row("lww", p("0s"), 4, 1), // no store
		storeRow("lww", p("0s"), 5, 0, 0, 0, 3),
		failed("lww", p("1s"), 1),
	}
	c, err := NewComparison(rows, "t")
	if err != nil {
		t.Fatal(err)
	}
	pts := storePointsAlong(c.runs[0], c.axes, []float64{0, 1}, 0)
	pt := pts[0]
	if pt.runs != 5 || pt.failed != 1 || pt.noStore != 1 || pt.noAcks != 1 || pt.shares != 2 || pt.stores != 3 {
		t.Errorf("point %+v: want 5 runs, 1 failed, 1 without a store, 1 with no write, 2 shares, 3 with a store", pt)
	}
	if !near(pt.lost.median, 0.6) || !near(pt.lost.low, 0.51) || !near(pt.skew.median, 0.2) || !near(pt.conflicts.median, 0) || pt.conflicts.n != 3 {
		t.Errorf("point %+v: want writes lost median 0.6 (5th 0.51), skew 0.2, conflicts 0 over 3 runs", pt)
	}
	_, at := c.dataX()
	series, _ := c.dataPanels(at)
	for k, s := range series {
		if got := s[0].medians[1]; !math.IsNaN(got) || s[0].has[1] {
			t.Errorf("panel %q at 1s, where every run failed: %v, want no value (NaN)", dataMeasures[k].title, got)
		}
	}
	legend := c.dataEntries(lineThumb)[0].text
	for _, want := range []string{"6 runs", "2 failed, left out", "1 without a store, left out", "1 acknowledged no write, not in the shares"} {
		if !strings.Contains(legend, want) {
			t.Errorf("legend %q does not say %q", legend, want)
		}
	}
}

// TestDataChartPlacesCrowdedAxesEvenly: an axis by decades (0s, 1ms,
// 10ms, 100ms, 1s) would pile up at 0 at scale: its values go evenly, as
// written, and the label says so; an axis that fits at scale keeps the
// other charts' x; with no axis the configurations go across.
func TestDataChartPlacesCrowdedAxesEvenly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string
		at     []float64
		ticks  string
		label  string
	}{
		{"decades", []string{"1s", "0s", "10ms", "1ms", "100ms"}, []float64{0, 1, 2, 3, 4}, "0s 1ms 10ms 100ms 1s", "offset (evenly spaced, not to scale)"},
		{"at scale", []string{"0", "0.05", "0.1"}, []float64{0, 0.05, 0.1}, "0 0.05 0.1", "offset"},
		{"categorical", []string{"halves", "bridge"}, []float64{0, 1}, "halves bridge", "offset"},
	} {
		var rows []experiment.Row
		for i, v := range tc.values {
			rows = append(rows, storeRow("lww", map[string]string{"offset": v}, 1, 10, int64(i), 0, 0))
		}
		c, err := NewComparison(rows, "t")
		if err != nil {
			t.Fatal(err)
		}
		xs, at := c.dataX()
		var ticks []string
		for _, tk := range xs.ticks {
			ticks = append(ticks, tk.Label)
		}
		if !cmp.Equal(at, tc.at, cmp.Comparer(near)) || strings.Join(ticks, " ") != tc.ticks || xs.label != tc.label || xs.byConfig {
			t.Errorf("%s: x at %v, ticks %v, label %q; want %v, %q, %q", tc.name, at, ticks, xs.label, tc.at, tc.ticks, tc.label)
		}
	}
	c, err := NewComparison([]experiment.Row{storeRow("lww", nil, 1, 10, 5, 1, 0), storeRow("vector", nil, 1, 10, 0, 0, 2)}, "t")
	if err != nil {
		t.Fatal(err)
	}
	xs, at := c.dataX()
	series, _ := c.dataPanels(at)
	if !xs.byConfig || at != nil || series[0][1].xs[0] != 1 || !near(series[0][0].medians[0], 0.5) {
		t.Errorf("no axis: x by configuration %v, at %v, vector at x %v, lww's median %v; want vector at 1, lww at 0.5",
			xs.byConfig, at, series[0][1].xs, series[0][0].medians)
	}
}

// skewRows are a store experiment's rows: lww loses more as clocks drift
// apart, vector loses nothing and resolves conflicts; vector's third
// seed fails, and at 100ms one lww run acknowledged nothing.
func skewRows(axis bool) []experiment.Row {
	offsets := []string{"0s", "1ms", "10ms", "100ms", "1s"}
	if !axis {
		offsets = offsets[:1]
	}
	var rows []experiment.Row
	for k, off := range offsets {
		point := map[string]string{"clock offset": off}
		if !axis {
			point = nil
		}
		for s := uint64(1); s <= 8; s++ {
			acked := int64(950 + 10*s)
			lost := acked * int64(20+15*k+int(s)%4) / 100
			rows = append(rows, storeRow("lww", point, s, acked, lost, lost*int64(k)/5, 0))
			if k == 3 && s == 8 {
				rows[len(rows)-1].Metrics.Store = &properties.StoreMetrics{}
			}
			if s == 3 {
				rows = append(rows, failed("vector", point, s))
				continue
			}
			rows = append(rows, storeRow("vector", point, s, acked, 0, 0, int64(10+s)))
		}
	}
	return rows
}

// TestDataChartIsDeterministic: the same rows, in any order, make the
// same data chart, byte for byte, with an axis and without. With -charts
// DIR the charts are kept there, to look at.
func TestDataChartIsDeterministic(t *testing.T) {
	for _, axis := range []bool{true, false} {
		name := "data-no-axis"
		if axis {
			name = "data-axis"
		}
		rows := skewRows(axis)
		var svgs [][]byte
		for i := range 2 {
			if i == 1 {
				slices.Reverse(rows[1:]) // another finishing order; the first row keeps the configurations' order
			}
			c, err := NewComparison(rows, name)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if i == 0 {
				dir = chartDir(t, name)
			}
			if _, err := c.WriteCharts(dir, []string{"svg", "png"}); err != nil {
				t.Fatal(err)
			}
			svg, err := os.ReadFile(filepath.Join(dir, "data.svg"))
			if err != nil {
				t.Fatal(err)
			}
			svgs = append(svgs, svg)
		}
		if !bytes.Equal(svgs[0], svgs[1]) {
			t.Errorf("%s: data.svg differs between two writes of the same rows", name)
		}
	}
}

// TestDataChartCountsNoConflictsForLastWriteWins: last-write-wins keeps
// no siblings, so its runs have no conflict count at all (a gap in that
// panel), not a median of 0 that reads as "no conflicts"; vector's runs
// still count.
func TestDataChartCountsNoConflictsForLastWriteWins(t *testing.T) {
	lww := storeRow("lww", nil, 1, 100, 10, 1, 0)
	lww.Metrics.Store.Merge = "lww"
	vector := storeRow("vector", nil, 1, 100, 0, 0, 7)
	vector.Metrics.Store.Merge = "vector"
	for _, tc := range []struct {
		row     experiment.Row
		vectors int
	}{{lww, 0}, {vector, 1}} {
		pt := storePointOf([]*experiment.Row{&tc.row}, 0)
		if pt.stores != 1 || pt.vectors != tc.vectors {
			t.Errorf("%s: %d runs with a store, %d counting conflicts; want 1 and %d", tc.row.Config, pt.stores, pt.vectors, tc.vectors)
		}
	}
}
