package plots

import (
	"bytes"
	"cmp"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/properties"
)

// Comparison is the rows of an experiment arranged for its charts: the
// configurations in order of first appearance (each keeps one colour in
// every chart), and the varied axes by name, their values placed by
// number, by duration or, for anything else, evenly in order of first
// appearance.
type Comparison struct {
	title   string
	configs []string
	axes    []compareAxis
	runs    [][]*experiment.Row // by configuration, in point then seed order
}

// NewComparison arranges rows, the runs of one experiment, for their
// charts; title heads each chart. It copies the rows.
func NewComparison(rows []experiment.Row, title string) (*Comparison, error) {
	configs, axes, kept, err := arrange(slices.Clone(rows))
	if err != nil {
		return nil, err
	}
	c := &Comparison{title: title, configs: configs, axes: axes, runs: make([][]*experiment.Row, len(configs))}
	for _, r := range kept {
		i := slices.Index(configs, r.Config)
		c.runs[i] = append(c.runs[i], r)
	}
	// Rows come in the order runs finished: sort them, so that sums and
	// pictures do not depend on it.
	for _, runs := range c.runs {
		slices.SortFunc(runs, func(a, b *experiment.Row) int {
			if d := strings.Compare(a.Key().Point, b.Key().Point); d != 0 {
				return d
			}
			return cmp.Compare(a.Seed, b.Seed)
		})
	}
	return c, nil
}

// compareChart is one picture of a comparison: its file's name (without
// the extension), its size, and how to draw it.
type compareChart struct {
	name          string
	width, height vg.Length
	paint         func(draw.Canvas)
}

// charts lists the charts that apply, in the order WriteCharts writes
// them.
func (c *Comparison) charts() []compareChart {
	out := []compareChart{c.availabilityChart(), c.safetyChart()}
	for _, cdf := range []cdfKind{
		// A fault no new leader followed is often one the leader rode
		// out: "no new leader", not a failure.
		{"new-leader-cdf", "time to a new leader after each fault", "time to a new leader (ms)", "no new leader", func(r properties.Recovery) int64 { return r.NewLeaderNS }},
		{"recovery-cdf", "time to recovery (an accepted act) after each fault", "time to the first accepted act issued after the fault (ms)", "no recovery", func(r properties.Recovery) int64 { return r.RecoveryNS }},
	} {
		if ch, ok := c.cdfChart(cdf); ok {
			out = append(out, ch)
		}
	}
	if len(c.axes) >= 2 {
		out = append(out, c.heatmapChart())
	}
	if ch, ok := c.pairedChart(); ok {
		out = append(out, ch)
	}
	out = append(out, c.dataCharts()...) // with a replicated store only
	return out
}

// WriteCharts writes every chart that applies to dir (made if need be),
// each as every format given ("svg", "png"), and returns the paths
// written, chart by chart in a fixed order: availability, safety,
// new-leader-cdf, recovery-cdf, heatmap, paired, data. Each file is written
// whole to a temporary file in dir and renamed into place, so that an
// interrupted command never leaves half a chart.
func (c *Comparison) WriteCharts(dir string, formats []string) ([]string, error) {
	for _, f := range formats {
		if f != "svg" && f != "png" {
			return nil, fmt.Errorf("plots: unknown format %q (want svg or png)", f)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, ch := range c.charts() {
		for _, f := range formats {
			var buf bytes.Buffer
			if err := renderEmbedded(&buf, f, ch.width, ch.height, 0, ch.paint); err != nil {
				return paths, fmt.Errorf("plots: the %s chart: %w", ch.name, err)
			}
			path := filepath.Join(dir, ch.name+"."+f)
			if err := writeAtomic(path, buf.Bytes()); err != nil {
				return paths, err
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// writeAtomic writes data to a temporary file beside path and renames it
// to path: a reader sees the old file or the new one, never a part.
func writeAtomic(path string, data []byte) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// configColor is the i-th configuration's colour in every chart.
func configColor(i int) color.RGBA { return generationColors[i%len(generationColors)] }

// The comparison charts' geometry.
const (
	markRadius = 2.5 * vg.Length(1)
	dodgeStep  = 3 * vg.Length(1) // configurations' marks at one x, this far apart
	// A paired chart's column: the pairs spread across ±jitterSpread
	// around pairsAt, the median and percentiles beside them at summaryAt.
	jitterSpread = 0.17
	pairsAt      = -0.08
	summaryAt    = 0.3
)

// newComparePlot is a plot in the package's fonts, with a light grid.
func newComparePlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil // the picture filled the background
	p.Title.Text, p.Title.Padding = title, 6
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	styleText(p, 11)
	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = rowLine, rowLine
	p.Add(grid)
	return p
}

// paintPicture fills the background, writes the title and subtitle
// across the top, draws the panels side by side with their data areas
// aligned, and the legend under them, in as many rows as it takes.
func paintPicture(dc draw.Canvas, title, subtitle string, panels []*plot.Plot, entries []legendEntry) {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	rows := legendRows(entries, dc.Max.X-dc.Min.X-legendInset-12)
	legendH := vg.Length(len(rows)) * cdfLegendRow
	top := drawTitle(dc, title, subtitle)
	area := draw.Crop(dc, 6, -12, legendH+4, -top)
	// The panels' titles go above their aligned data areas, level with
	// each other, whatever room each one's tick labels take.
	tiles := draw.Tiles{Rows: 1, Cols: len(panels), PadX: 0.25 * vg.Inch}
	titles := make([]string, len(panels))
	for i, p := range panels {
		titles[i], p.Title.Text = p.Title.Text, ""
		if titles[i] != "" {
			tiles.PadTop = max(tiles.PadTop, p.Title.TextStyle.Height(titles[i])+p.Title.Padding)
		}
	}
	for i, canvas := range plot.Align([][]*plot.Plot{panels}, tiles, area)[0] {
		p := panels[i]
		p.Draw(canvas)
		data := p.DataCanvas(canvas)
		sty := p.Title.TextStyle
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
		if titles[i] != "" {
			dc.FillText(sty, vg.Point{X: (data.Min.X + data.Max.X) / 2, Y: data.Max.Y + p.Title.Padding}, titles[i])
		}
		p.Title.Text = titles[i] // for the next format
	}
	drawLegendRows(dc, rows, legendH)
}

// drawTitle writes a picture's title centred at the top, and under it a
// subtitle, if any, in smaller grey type; it returns the height they took.
func drawTitle(dc draw.Canvas, title, subtitle string) vg.Length {
	sty := textStyle(12, ink)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	centre := (dc.Min.X + dc.Max.X) / 2
	dc.FillText(sty, vg.Point{X: centre, Y: dc.Max.Y - 6}, title)
	height := 6 + sty.Height(title) + 6
	if subtitle != "" {
		sub := textStyle(9, faintInk)
		sub.XAlign, sub.YAlign = draw.XCenter, draw.YTop
		dc.FillText(sub, vg.Point{X: centre, Y: dc.Max.Y - height + 3}, subtitle)
		height += sub.Height(subtitle) + 4
	}
	return height
}

// legendInset keeps a legend's first thumbnail off the picture's left
// edge.
const legendInset = 8 * vg.Length(1)

// drawLegendRows draws legend rows laid out by legendRows at the bottom of
// the picture, first row on top.
func drawLegendRows(dc draw.Canvas, rows [][]legendEntry, legendH vg.Length) {
	for i, row := range rows {
		strip := dc
		strip.Min.X += legendInset
		strip.Min.Y = dc.Min.Y + legendH - vg.Length(i+1)*cdfLegendRow
		strip.Max.Y = strip.Min.Y + cdfLegendRow
		drawLegend(strip, row)
	}
}

// configEntries are the legend's entries for the configurations: each
// one's colour, and how many runs it had.
func (c *Comparison) configEntries(thumb func(clr color.RGBA) func(*draw.Canvas, vg.Point)) []legendEntry {
	var out []legendEntry
	for i, name := range c.configs {
		_, failed := availabilities(c.runs[i])
		notes := []string{plural(len(c.runs[i]), "run")}
		if failed > 0 {
			notes = append(notes, fmt.Sprintf("%d failed, left out", failed))
		}
		if n := countSkipping(c.runs[i]); n > 0 {
			// Not the faults the others met: its numbers are not theirs.
			notes = append(notes, fmt.Sprintf("%d skipped a fault", n))
		}
		out = append(out, legendEntry{fmt.Sprintf("%s (%s)", name, strings.Join(notes, ", ")), thumb(configColor(i))})
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// lineThumb is a configuration's line and mark, as the line charts draw
// them.
func lineThumb(clr color.RGBA) func(*draw.Canvas, vg.Point) {
	return func(c *draw.Canvas, at vg.Point) {
		c.StrokeLine2(draw.LineStyle{Color: clr, Width: 1.5}, at.X-6, at.Y, at.X+6, at.Y)
		c.DrawGlyph(markStyle(clr), at)
	}
}

func markStyle(clr color.Color) draw.GlyphStyle {
	return draw.GlyphStyle{Color: clr, Radius: markRadius, Shape: draw.CircleGlyph{}}
}

// translucent is clr at the given opacity (0..255).
func translucent(clr color.RGBA, alpha uint8) color.NRGBA {
	return color.NRGBA{clr.R, clr.G, clr.B, alpha}
}

// xScale is the x the availability and safety charts share: the first
// axis's values, or the configurations when no axis varies.
type xScale struct {
	label    string
	ticks    plot.ConstantTicks // nil: gonum's own
	min, max float64
	byConfig bool // x is the configuration
}

func (c *Comparison) xScale() xScale {
	if len(c.axes) == 0 {
		s := xScale{min: -0.5, max: float64(len(c.configs)) - 0.5, byConfig: true}
		for i, name := range c.configs {
			s.ticks = append(s.ticks, plot.Tick{Value: float64(i), Label: name})
		}
		return s
	}
	a := c.axes[0]
	s := xScale{label: a.label()}
	if a.kind == categorical {
		s.min, s.max = -0.5, float64(len(a.values))-0.5
	} else {
		lo, hi := a.at[0], a.at[len(a.at)-1]
		pad := (hi - lo) * 0.06
		if pad == 0 {
			pad = math.Max(math.Abs(lo)*0.1, 0.5)
		}
		s.min, s.max = lo-pad, hi+pad
	}
	if a.kind == categorical || valueTicksFit(a.at) {
		for i := range a.values {
			s.ticks = append(s.ticks, plot.Tick{Value: a.at[i], Label: a.tickLabel(i)})
		}
	}
	return s
}

// valueTicksFit says whether a tick at each of the values would leave
// room for their labels: a dozen at most, none closer than a fifteenth of
// the span.
func valueTicksFit(at []float64) bool {
	if len(at) > 12 {
		return false
	}
	span := at[len(at)-1] - at[0]
	for i := 1; i < len(at); i++ {
		if at[i]-at[i-1] < span/15 {
			return false
		}
	}
	return true
}

func (s xScale) apply(p *plot.Plot) {
	p.X.Min, p.X.Max, p.X.Padding = s.min, s.max, 0
	if s.ticks != nil {
		p.X.Tick.Marker = s.ticks
	}
}

// dodge is the i-th of n configurations' sideways nudge, so that equal
// values at one x stay apart; none when x is the configuration.
func (s xScale) dodge(i, n int) vg.Length {
	if s.byConfig {
		return 0
	}
	return (vg.Length(i) - vg.Length(n-1)/2) * dodgeStep
}

// pooledNote says over what the runs at one x of the availability and
// safety charts are pooled.
func (c *Comparison) pooledNote() string {
	if len(c.axes) < 2 {
		return "runs pooled over seeds"
	}
	var names []string
	for _, a := range c.axes[1:] {
		names = append(names, a.name)
	}
	return "runs pooled over seeds and every value of " + strings.Join(names, ", ")
}

// countSkipping counts the runs that skipped a fault.
func countSkipping(rows []*experiment.Row) int {
	n := 0
	for _, r := range rows {
		if skippedAFault(r) {
			n++
		}
	}
	return n
}
