package plots

import (
	"cmp"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// CDFSeries is one curve of a CDF chart: a label ("150-300ms") and the
// times it is drawn from, one per trial, plus the trials that never ended
// (a fault no new leader followed), which keep the curve below 1.
//
// Skipped counts trials that never began (the fault found no one to hit):
// the legend says so, the curve leaves them out. MissingAs names the trials
// that never ended in the legend ("no new leader"); "never ended" if empty.
type CDFSeries struct {
	Label     string
	Times     []time.Duration
	Missing   int
	Skipped   int
	MissingAs string
}

// CDFChart draws cumulative distributions of times, one curve per series,
// on a logarithmic time axis: the Raft paper's figure 16 draws the time
// without a leader after a leader's crash this way, each curve a range of
// election timeouts.
type CDFChart struct {
	// Title is drawn above the chart; XLabel under the time axis.
	Title, XLabel string
	// Width and Height are the picture's size; zero means 7in by 4.5in.
	Width, Height vg.Length
	// DPI is the PNG's resolution; zero means 144.
	DPI int

	series []CDFSeries
}

// CDF returns the chart of series, in their order (the legend's). It keeps
// the slice; do not modify it before rendering.
func CDF(series []CDFSeries, title, xlabel string) *CDFChart {
	return &CDFChart{Title: title, XLabel: xlabel, series: series}
}

// Points returns a series' curve as it is drawn: for each distinct time, in
// order, the share of all trials (missing ones included) that ended by
// then. It is what a test checks the picture against.
func (s CDFSeries) Points() plotter.XYs {
	sorted := slices.Clone(s.Times)
	slices.Sort(sorted)
	total := float64(len(sorted) + s.Missing)
	var xys plotter.XYs
	for i, t := range sorted {
		if i+1 < len(sorted) && sorted[i+1] == t {
			continue // the last of equal times carries the step
		}
		xys = append(xys, plotter.XY{X: ms(t), Y: float64(i+1) / total})
	}
	return xys
}

// ms is a time in milliseconds, at least 0.1 so that it has a logarithm.
func ms(t time.Duration) float64 { return math.Max(float64(t)/float64(time.Millisecond), 0.1) }

// Render draws the chart as "svg" or "png". The same series give the same
// bytes.
func (c *CDFChart) Render(w io.Writer, format string) error {
	width, height := c.Width, c.Height
	if width == 0 {
		width = 7 * vg.Inch
	}
	if height == 0 {
		height = 4.5 * vg.Inch
	}
	if _, _, err := c.plot(); err != nil {
		return err
	}
	return render(w, format, width, height, c.DPI, func(dc draw.Canvas) { c.paint(dc, width) })
}

// cdfLegendRow is the height of one row of the CDF chart's legend.
const cdfLegendRow = 0.22 * vg.Inch

// legendRows lays the entries out in rows no wider than width.
func legendRows(entries []legendEntry, width vg.Length) [][]legendEntry {
	sty := textStyle(8, ink)
	var rows [][]legendEntry
	x := width // start a row at once
	for _, e := range entries {
		w := 9 + sty.Width(e.text) + 14
		if x+w > width && x > 0 {
			rows, x = append(rows, nil), 0
		}
		rows[len(rows)-1] = append(rows[len(rows)-1], e)
		x += w
	}
	return rows
}

func (c *CDFChart) plot() (*plot.Plot, []legendEntry, error) {
	p := plot.New()
	p.BackgroundColor = nil
	p.Title.Text, p.Title.Padding = c.Title, 8
	p.X.Label.Text, p.Y.Label.Text = c.XLabel, "cumulative share of trials"
	p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = tenthTicks{}
	styleText(p, 12)
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = rowLine, rowLine
	p.Add(grid)
	var entries []legendEntry
	lo, hi := math.Inf(1), 0.0
	for i, s := range c.series {
		sty := draw.LineStyle{Color: generationColors[i%len(generationColors)], Width: 1.5}
		// A series with no trial that ended has no curve, but the legend
		// still says so.
		entries = append(entries, legendEntry{legendLabel(s), func(c *draw.Canvas, at vg.Point) {
			c.StrokeLine2(sty, at.X-5, at.Y, at.X+5, at.Y)
		}})
		pts := s.Points()
		if len(pts) == 0 {
			continue
		}
		lo, hi = math.Min(lo, pts[0].X), math.Max(hi, pts[len(pts)-1].X)
		line, err := plotter.NewLine(steps(pts))
		if err != nil {
			return nil, nil, fmt.Errorf("plots: the curve of %s: %w", s.Label, err)
		}
		line.LineStyle = sty
		p.Add(line)
	}
	if hi > 0 {
		p.X.Min, p.X.Max = math.Pow(10, math.Floor(math.Log10(lo))), math.Pow(10, math.Ceil(math.Log10(hi)))
	} else {
		p.X.Min, p.X.Max = 1, 10
	}
	return p, entries, nil
}

// steps turns a CDF's points into the staircase a CDF is: flat until the
// next time, then up.
func steps(pts plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, 0, 2*len(pts))
	prev := 0.0
	for _, pt := range pts {
		out = append(out, plotter.XY{X: pt.X, Y: prev}, pt)
		prev = pt.Y
	}
	return out
}

// legendLabel names a curve with how many trials it is drawn from.
func legendLabel(s CDFSeries) string {
	trials := fmt.Sprintf("%d trials", len(s.Times)+s.Missing)
	if len(s.Times)+s.Missing == 1 {
		trials = "1 trial"
	}
	if s.Missing > 0 {
		trials += fmt.Sprintf(", %d %s", s.Missing, cmp.Or(s.MissingAs, "never ended"))
	}
	if s.Skipped > 0 {
		trials += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	return fmt.Sprintf("%s (%s)", s.Label, trials)
}

// tenthTicks marks a share every 0.1, labelled every 0.2. Ticks are
// counted in whole tenths so that labels never show rounding noise.
type tenthTicks struct{}

func (tenthTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for tenth := 0; tenth <= 10; tenth++ {
		t := plot.Tick{Value: float64(tenth) / 10}
		if tenth%2 == 0 {
			t.Label = strconv.FormatFloat(t.Value, 'f', -1, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// paint draws the chart as Render does, on a canvas of the given width,
// with the time axis fitted to the times rather than to whole decades.
func (c *CDFChart) paint(dc draw.Canvas, width vg.Length) {
	p, entries, err := c.plot()
	if err != nil {
		panic(err) // the series' points are finite by construction
	}
	lo, hi := math.Inf(1), 0.0
	for _, s := range c.series {
		if pts := s.Points(); len(pts) > 0 {
			lo, hi = math.Min(lo, pts[0].X), math.Max(hi, pts[len(pts)-1].X)
		}
	}
	if hi > 0 {
		p.X.Min, p.X.Max = lo/1.15, hi*1.15
		p.X.Tick.Marker = fittedLogTicks{}
	}
	rows := legendRows(entries, width-legendInset-12)
	legendH := vg.Length(len(rows)) * cdfLegendRow
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	p.Draw(draw.Crop(dc, 6, -12, legendH+4, -4))
	drawLegendRows(dc, rows, legendH)
}

// fittedLogTicks marks a logarithmic time axis that spans less than a
// decade at round steps, as a linear axis would be; one that spans less
// than two at 1, 2 and 5 times each power of ten, labelled, and at the
// other digits, unlabelled; a wider one as gonum does, a label a decade.
type fittedLogTicks struct{}

func (fittedLogTicks) Ticks(lo, hi float64) []plot.Tick {
	switch {
	case hi/lo > 100:
		return plot.LogTicks{Prec: -1}.Ticks(lo, hi)
	case hi/lo < 10:
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); math.Pow10(e) <= hi; e++ {
		for d := 1; d <= 9; d++ {
			v := float64(d) * math.Pow10(e)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if d == 1 || d == 2 || d == 5 {
				t.Label = strconv.FormatFloat(v, 'f', max(-e, 0), 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
