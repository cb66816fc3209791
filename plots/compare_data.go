package plots

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/properties"
)

// dataCharts is the data chart when the runs have a replicated store
// (properties.StoreMetrics), none otherwise.
func (c *Comparison) dataCharts() []compareChart {
	for _, runs := range c.runs {
		for _, r := range runs {
			if storeOf(r) != nil {
				return []compareChart{c.dataChart()}
			}
		}
	}
	return nil
}

// storeOf is a run's store metrics: nil when the run failed (it counts as
// failed, never as zeros) or had no store.
func storeOf(r *experiment.Row) *properties.StoreMetrics {
	if !measured(r) {
		return nil
	}
	return r.Metrics.Store
}

// storePoint is one configuration at one x of the data chart: its runs
// with a store there, pooled over the other axes' values and the seeds.
// A run's writes lost, and lost to clock skew, are shares of the writes it
// acknowledged; a run that acknowledged none has no share, and counts in
// the conflicts only.
type storePoint struct {
	x               float64
	lost, skew      band // shares of the acknowledged writes, 0..1
	conflicts       band // per run
	shares, stores  int  // runs with a share, runs with store metrics
	vectors         int  // of those, runs under the vector merge
	runs, failed    int
	noStore, noAcks int // measured runs without a store; with one that acknowledged nothing
}

func storePointOf(rows []*experiment.Row, x float64) storePoint {
	pt := storePoint{x: x, runs: len(rows)}
	var lost, skew, conflicts []float64
	for _, r := range rows {
		s := storeOf(r)
		switch {
		case !measured(r):
			pt.failed++
			continue
		case s == nil:
			pt.noStore++
			continue
		}
		if s.Merge != "lww" { // last-write-wins keeps no siblings: no count, not 0
			conflicts = append(conflicts, float64(s.Conflicts))
		}
		pt.stores++
		if s.WritesAcked == 0 {
			pt.noAcks++
			continue
		}
		acked := float64(s.WritesAcked)
		lost = append(lost, float64(s.WritesLost)/acked)
		skew = append(skew, float64(s.WritesLostToSkew)/acked)
	}
	pt.lost, _ = bandOf(lost)
	pt.skew, _ = bandOf(skew)
	pt.conflicts, _ = bandOf(conflicts)
	pt.shares, pt.vectors = len(lost), len(conflicts)
	return pt
}

// storePointsAlong returns a configuration's points along the first axis,
// one per value, at the x the data chart places it (at); with no axis,
// its one point at x.
func storePointsAlong(rows []*experiment.Row, axes []compareAxis, at []float64, x float64) []storePoint {
	if len(axes) == 0 {
		return []storePoint{storePointOf(rows, x)}
	}
	groups := make([][]*experiment.Row, len(axes[0].values))
	for _, r := range rows {
		i := axes[0].index(r.Point[axes[0].name])
		groups[i] = append(groups[i], r)
	}
	var out []storePoint
	for i, g := range groups {
		out = append(out, storePointOf(g, at[i]))
	}
	return out
}

// dataX is the data chart's x: the availability and safety charts' one,
// except for an axis of numbers or durations too close together to label
// at scale, as a sweep by decades is (0s, 1ms, 10ms, 100ms, 1s): at scale
// all but the last would pile up at 0, so its values go evenly in order,
// labelled as written, and the label says it is not to scale. It returns
// the x of each of the first axis's values, nil with no axis.
func (c *Comparison) dataX() (xScale, []float64) {
	xs := c.xScale()
	if len(c.axes) == 0 {
		return xs, nil
	}
	a := c.axes[0]
	if a.kind == categorical || len(a.values) > 12 || valueTicksFit(a.at) {
		return xs, a.at
	}
	xs = xScale{label: a.name + " (evenly spaced, not to scale)", min: -0.5, max: float64(len(a.values)) - 0.5}
	var at []float64
	for i, v := range a.values {
		at = append(at, float64(i))
		xs.ticks = append(xs.ticks, plot.Tick{Value: float64(i), Label: v})
	}
	return xs, at
}

// dataMeasure is one panel of the data chart: what it draws of a point.
type dataMeasure struct {
	title, ylabel, none string
	share               bool // a share of the acknowledged writes, else a count per run
	pick                func(storePoint) (band, bool)
}

var dataMeasures = []dataMeasure{
	{"writes lost", "writes lost (% of acknowledged writes)", "no acknowledged write lost in any run", true,
		func(pt storePoint) (band, bool) { return pt.lost, pt.shares > 0 }},
	{"writes lost to clock skew", "lost to clock skew (% of acknowledged writes)", "no write lost to clock skew in any run", true,
		func(pt storePoint) (band, bool) { return pt.skew, pt.shares > 0 }},
	// Only the vector merge keeps siblings to resolve: last-write-wins
	// drops the loser, and what that costs is the writes lost.
	{"conflicts: siblings resolved (vector merge only)", "conflicts resolved (per run)", "no conflict in any run", false,
		func(pt storePoint) (band, bool) { return pt.conflicts, pt.vectors > 0 }},
}

// dataSeries is one configuration's values in one panel: the medians
// along x (NaN where no run has a value: a gap, not a 0) and the bands.
type dataSeries struct {
	xs, medians []float64
	bands       []band
	has         []bool
}

// dataPanels computes each panel's series, by panel then configuration,
// and the top of each panel's values (the 95th percentiles'); the two
// panels of shares share their top, so that the writes lost to skew read
// as the part of the writes lost they are.
func (c *Comparison) dataPanels(at []float64) (series [][]dataSeries, top []float64) {
	points := make([][]storePoint, len(c.configs))
	for i := range c.configs {
		points[i] = storePointsAlong(c.runs[i], c.axes, at, float64(i))
	}
	top = make([]float64, len(dataMeasures))
	for k, m := range dataMeasures {
		series = append(series, make([]dataSeries, len(c.configs)))
		for i := range c.configs {
			s := &series[k][i]
			for _, pt := range points[i] {
				b, ok := m.pick(pt)
				y := math.NaN()
				if ok {
					y, top[k] = b.median, math.Max(top[k], b.high)
				}
				s.xs, s.medians, s.bands, s.has = append(s.xs, pt.x), append(s.medians, y), append(s.bands, b), append(s.has, ok)
			}
		}
	}
	var shareTop float64
	for k, m := range dataMeasures {
		if m.share {
			shareTop = math.Max(shareTop, top[k])
		}
	}
	for k, m := range dataMeasures {
		if m.share {
			top[k] = shareTop
		}
	}
	return series, top
}

// dataChart draws what the configurations lost in data against the first
// axis, in three panels: the writes lost and the writes lost to clock
// skew, each run's as a share of the writes it acknowledged, and the
// conflicts resolved per run. Per configuration, a line through the median
// of its runs and a band from the 5th to the 95th percentile; with no
// axis, the configurations go across, each a median on a 5-95 whisker.
func (c *Comparison) dataChart() compareChart {
	xs, at := c.dataX()
	series, top := c.dataPanels(at)
	var panels []*plot.Plot
	for k, m := range dataMeasures {
		p := newComparePlot(m.title, xs.label, m.ylabel)
		xs.apply(p)
		var shades, lines []plot.Plotter // every band under every line
		values := 0
		for i := range c.configs {
			s := series[k][i]
			clr := configColor(i)
			if xs.byConfig {
				if s.has[0] {
					p.Add(whisker{x: s.xs[0], b: s.bands[0], clr: clr, width: 1.5, half: 0.3})
					values++
				}
				continue
			}
			line := configLine{xs: s.xs, ys: s.medians, clr: clr, dodge: xs.dodge(i, len(c.configs))}
			shade := &bandShape{clr: clr, dodge: line.dodge}
			for j, x := range s.xs {
				shade.add(x, s.bands[j], s.has[j])
				if s.has[j] {
					values++
				}
			}
			shades, lines = append(shades, shade), append(lines, line)
		}
		p.Add(shades...)
		p.Add(lines...)
		hi := top[k]
		if hi == 0 {
			hi = 1
			if values == 0 {
				p.Add(panelNote{"no run with a store has a value here"})
			} else {
				p.Add(panelNote{m.none})
			}
		}
		hi *= 1.08
		if m.share {
			hi = math.Min(hi, 1.04)
			p.Y.Tick.Marker = percentTicks{suffix: "%"}
		}
		// Below 0 a little, so that a line at 0 stays off the axis.
		p.Y.Min, p.Y.Max = -hi*0.04, hi
		panels = append(panels, p)
	}
	entries := c.dataEntries(lineThumb)
	if xs.byConfig {
		entries = c.dataEntries(whiskerThumb)
	} else {
		entries = append(entries, legendEntry{"5th-95th percentile", swatch(translucent(faintInk, 0x50))})
	}
	title := c.title + ": data lost (% of acknowledged writes) and conflicts (per run), median of runs and 5th-95th percentile"
	subtitle := c.pooledNote() + "; lost to clock skew: later in true time than the write that beat it"
	return compareChart{name: "data", width: 13 * vg.Inch, height: 4.6 * vg.Inch, paint: func(dc draw.Canvas) {
		paintPicture(dc, title, subtitle, panels, entries)
	}}
}

// dataEntries are the data chart's legend entries for the configurations:
// each one's colour, how many runs it had, and which of them the chart
// leaves out, and why.
func (c *Comparison) dataEntries(thumb func(clr color.RGBA) func(*draw.Canvas, vg.Point)) []legendEntry {
	var out []legendEntry
	for i, name := range c.configs {
		pt := storePointOf(c.runs[i], 0)
		notes := []string{plural(pt.runs, "run")}
		if pt.failed > 0 {
			notes = append(notes, fmt.Sprintf("%d failed, left out", pt.failed))
		}
		if pt.noStore > 0 {
			notes = append(notes, fmt.Sprintf("%d without a store, left out", pt.noStore))
		}
		if pt.noAcks > 0 {
			notes = append(notes, fmt.Sprintf("%d acknowledged no write, not in the shares", pt.noAcks))
		}
		if n := countSkipping(c.runs[i]); n > 0 {
			notes = append(notes, fmt.Sprintf("%d skipped a fault", n))
		}
		out = append(out, legendEntry{fmt.Sprintf("%s (%s)", name, strings.Join(notes, ", ")), thumb(configColor(i))})
	}
	return out
}
