package plots

import (
	"fmt"
	"image/color"
	"io"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// SweepConfig is one configuration of a sweep, as the availability chart
// draws it.
type SweepConfig struct {
	Protocol string // "raft"
	Params   string // the varied parameters, "prevote=false check_quorum=true"; "" for none
	// Availability is one value (0..1) per run that reached its end, in
	// seed order.
	Availability []float64
	// Failed counts the runs that stopped early and have no availability.
	Failed int
}

// AvailabilityChart compares a sweep's configurations: one column each,
// a point per run, the mean as a bar across, availability from 0 to 1 up
// the side. Under each column are its mean and its worst run.
type AvailabilityChart struct {
	// Title is drawn above the chart.
	Title string
	// Width and Height are the picture's size; zero means 1.6in + 1.3in
	// per configuration wide (5in at least) and 4.5in high.
	Width, Height vg.Length
	// DPI is the PNG's resolution; zero means 144.
	DPI int

	configs []SweepConfig
	colors  []color.RGBA // by configuration: its protocol's colour
}

// The chart's geometry, in column units (a column is 1 wide).
const (
	pointSpread = 0.22 // runs spread across ±this, in seed order
	meanHalf    = 0.3  // the mean bar's half width
)

// Availability returns the chart of configs, in their order. It keeps the
// slice; do not modify it before rendering.
func Availability(configs []SweepConfig, title string) *AvailabilityChart {
	a := &AvailabilityChart{Title: title, configs: configs}
	var protocols []string // in order of first appearance: colours do not depend on names
	for _, c := range configs {
		i := slices.Index(protocols, c.Protocol)
		if i < 0 {
			i = len(protocols)
			protocols = append(protocols, c.Protocol)
		}
		a.colors = append(a.colors, generationColors[i%len(generationColors)])
	}
	return a
}

// Render draws the chart as "svg" or "png". The same configurations give
// the same bytes.
func (a *AvailabilityChart) Render(w io.Writer, format string) error {
	width, height := a.size()
	return render(w, format, width, height, a.DPI, a.draw)
}

func (a *AvailabilityChart) size() (w, h vg.Length) {
	w, h = a.Width, a.Height
	if w == 0 {
		w = max(5*vg.Inch, 1.6*vg.Inch+1.3*vg.Inch*vg.Length(len(a.configs)))
	}
	if h == 0 {
		h = 4.5 * vg.Inch
	}
	return w, h
}

// draw lays the plot out above a one-line legend.
func (a *AvailabilityChart) draw(c draw.Canvas) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	p := a.plot()
	area := draw.Crop(c, 6, -12, legendHeight, -4)
	p.Draw(area)
	legend := c
	legend.Max.Y = legend.Min.Y + legendHeight
	legend.Min.X = p.DataCanvas(area).Min.X
	drawLegend(legend, sweepLegend())
}

func (a *AvailabilityChart) plot() *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil // draw filled the background
	p.Title.Text = a.Title
	p.Title.Padding = 8
	p.X.Min, p.X.Max = -0.5, float64(len(a.configs))-0.5
	p.X.Padding = 0
	p.X.Tick.Length = 0
	p.X.Tick.Marker = a.columnTicks()
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Label.Text = "availability (share of act slots with an accepted act)"
	p.Y.Tick.Marker = tenthTicks{}
	for _, t := range []struct {
		sty  *text.Style
		size vg.Length
	}{{&p.Title.TextStyle, 12}, {&p.X.Tick.Label, 9}, {&p.Y.Label.TextStyle, 10}, {&p.Y.Tick.Label, 9}} {
		// Only font and colour: gonum lays the plot out by the
		// alignments and rotations it set.
		t.sty.Font, t.sty.Color = textStyle(t.size, ink).Font, ink
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = rowLine
	p.Add(grid, columnLines{len(a.configs)})
	for i, cfg := range a.configs {
		p.Add(column{x: float64(i), cfg: cfg, clr: a.colors[i]})
	}
	return p
}

// columnTicks labels each column under the axis: the protocol, each varied
// parameter on a line of its own, the mean and the worst run, and the
// failed runs if any.
func (a *AvailabilityChart) columnTicks() plot.ConstantTicks {
	var ticks plot.ConstantTicks
	for i, c := range a.configs {
		lines := []string{c.Protocol}
		lines = append(lines, strings.Fields(c.Params)...)
		if m, ok := mean(c.Availability); ok {
			lines = append(lines, "mean "+strconv.FormatFloat(m, 'f', 3, 64),
				"worst "+strconv.FormatFloat(slices.Min(c.Availability), 'f', 3, 64))
		}
		if c.Failed > 0 {
			lines = append(lines, fmt.Sprintf("%d failed", c.Failed))
		}
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: strings.Join(lines, "\n")})
	}
	return ticks
}

// tenthTicks marks availability every 0.1, labelled every 0.2. Ticks are
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

// columnLines separates the columns.
type columnLines struct{ n int }

func (l columnLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	sty := draw.LineStyle{Color: rowLine, Width: 0.5}
	for i := 1; i < l.n; i++ {
		x := trX(float64(i) - 0.5)
		c.StrokeLine2(sty, x, c.Min.Y, x, c.Max.Y)
	}
}

// column draws one configuration: the runs, and the mean on top.
type column struct {
	x   float64
	cfg SweepConfig
	clr color.RGBA
}

func (col column) Plot(c draw.Canvas, p *plot.Plot) {
	runs := col.cfg.Availability
	if len(runs) == 0 {
		return
	}
	trX, trY := p.Transforms(&c)
	point := runStyle(col.clr)
	for i, v := range runs {
		c.DrawGlyph(point, vg.Point{X: trX(col.x + spread(i, len(runs))), Y: trY(v)})
	}
	m, _ := mean(runs)
	c.StrokeLine2(meanStyle, trX(col.x-meanHalf), trY(m), trX(col.x+meanHalf), trY(m))
}

// spread is the i-th of n runs' offset from its column's centre: evenly
// across the column in seed order, so that runs with the same
// availability stay apart, the same way every time.
func spread(i, n int) float64 {
	if n == 1 {
		return 0
	}
	return pointSpread * (2*float64(i)/float64(n-1) - 1)
}

// meanStyle is wider than the runs' spread, so that its ends show when
// every run has the mean's value.
var meanStyle = draw.LineStyle{Color: ink, Width: 2.5}

// runStyle is a run's point: translucent, so that overlapping runs show.
func runStyle(clr color.RGBA) draw.GlyphStyle {
	return draw.GlyphStyle{Color: color.NRGBA{clr.R, clr.G, clr.B, 0xc0}, Radius: 3.5, Shape: draw.CircleGlyph{}}
}

func sweepLegend() []legendEntry {
	return []legendEntry{
		{"one run (seed)", func(c *draw.Canvas, at vg.Point) { c.DrawGlyph(runStyle(generationColors[0]), at) }},
		{"mean", func(c *draw.Canvas, at vg.Point) { c.StrokeLine2(meanStyle, at.X-6, at.Y, at.X+6, at.Y) }},
	}
}
