package plots

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// heatmapChart draws, per configuration, the mean availability over the
// first two axes, on one colour scale for all.
func (c *Comparison) heatmapChart() compareChart {
	a0, a1 := c.axes[0], c.axes[1]
	cells := make([][][]float64, len(c.configs))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range c.configs {
		cells[i] = heatCells(c.runs[i], a0, a1)
		for _, col := range cells[i] {
			for _, v := range col {
				if !math.IsNaN(v) {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
		}
	}
	lo, hi = heatRange(lo, hi)
	cmap := availabilityColors()
	cmap.SetMin(lo)
	cmap.SetMax(hi)
	pal := cmap.Palette(256)
	cols := min(len(c.configs), 3)
	rows := (len(c.configs) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for r := range grid {
		grid[r] = make([]*plot.Plot, cols)
	}
	for i, name := range c.configs {
		p := newComparePlot(name, a0.label(), a1.label())
		p.Title.Padding = 9 // room for the colour strip
		heat := plotter.NewHeatMap(heatGrid(cells[i]), pal)
		heat.Min, heat.Max, heat.NaN = lo, hi, noRunShade
		p.Add(heat, cellLabels{cells: cells[i], cmap: cmap}, topStrip{configColor(i)})
		p.X.Tick.Marker, p.Y.Tick.Marker = indexTicks(a0), indexTicks(a1)
		p.X.Padding, p.Y.Padding = 0, 0
		p.X.Min, p.X.Max = -0.5, float64(len(a0.values))-0.5
		p.Y.Min, p.Y.Max = -0.5, float64(len(a1.values))-0.5
		grid[i/cols][i%cols] = p
	}
	bar := newComparePlot("", "", "mean availability (%)")
	bar.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true, Colors: 128})
	bar.HideX()
	bar.Y.Min, bar.Y.Max, bar.Y.Padding = lo, hi, 0
	bar.Y.Tick.Marker = percentTicks{suffix: "%"}
	title := fmt.Sprintf("%s: mean availability (%%) by %s and %s", c.title, a0.label(), a1.label())
	subtitle := "runs pooled over seeds"
	if len(c.axes) > 2 {
		subtitle = "runs pooled over seeds and every value of the other axes"
	}
	width := vg.Length(cols)*3.4*vg.Inch + 1.6*vg.Inch
	height := vg.Length(rows)*3.3*vg.Inch + 0.6*vg.Inch
	return compareChart{name: "heatmap", width: width, height: height, paint: func(dc draw.Canvas) {
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		top := drawTitle(dc, title, subtitle)
		area := draw.Crop(dc, 6, -1.3*vg.Inch, 6, -top)
		tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: 0.3 * vg.Inch, PadY: 0.2 * vg.Inch}
		canvases := plot.Align(grid, tiles, area)
		for r := range grid {
			for k, p := range grid[r] {
				if p != nil {
					p.Draw(canvases[r][k])
				}
			}
		}
		strip := dc
		strip.Min.X, strip.Max.X = dc.Max.X-1.2*vg.Inch, dc.Max.X-0.55*vg.Inch
		// As tall as the first row's data area.
		first := grid[0][0].DataCanvas(canvases[0][0])
		strip.Min.Y, strip.Max.Y = first.Min.Y, first.Max.Y
		bar.Draw(strip)
		drawNoRunKey(dc, strip, cells)
	}}
}

// noRunShade fills a heat map cell where no run was measured.
var noRunShade = color.RGBA{0xee, 0xee, 0xee, 0xff}

// drawNoRunKey says what a grey cell is, under the colour bar, when there
// is one.
func drawNoRunKey(dc, strip draw.Canvas, cells [][][]float64) {
	for _, panel := range cells {
		for _, col := range panel {
			if slices.ContainsFunc(col, math.IsNaN) {
				at := vg.Point{X: strip.Min.X, Y: strip.Min.Y - 14}
				swatch(noRunShade)(&dc, at)
				sty := textStyle(8, ink)
				sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
				dc.FillText(sty, vg.Point{X: at.X + 9, Y: at.Y}, "no run")
				return
			}
		}
	}
}

// heatRange is the colour scale's range: the values', widened to half a
// percent when they are all alike.
func heatRange(lo, hi float64) (float64, float64) {
	if lo > hi { // no value at all
		return 0, 1
	}
	if hi-lo < 0.005 {
		mid := (lo + hi) / 2
		lo, hi = mid-0.0025, mid+0.0025
		if hi > 1 {
			lo, hi = 0.995, 1
		}
		if lo < 0 {
			lo, hi = 0, 0.005
		}
	}
	return lo, hi
}

// availabilityColors is a perceptually even scale from dark (low
// availability) to light (high), through viridis's colours.
func availabilityColors() palette.ColorMap {
	cmap, err := moreland.NewLuminance([]color.Color{
		color.RGBA{0x44, 0x01, 0x54, 0xff},
		color.RGBA{0x3b, 0x52, 0x8b, 0xff},
		color.RGBA{0x21, 0x91, 0x8c, 0xff},
		color.RGBA{0x5e, 0xc9, 0x62, 0xff},
		color.RGBA{0xfd, 0xe7, 0x25, 0xff},
	})
	if err != nil {
		panic(err) // the controls rise in luminance
	}
	return cmap
}

// heatGrid is a panel's cells for plotter.HeatMap, each value at its
// index: cells are all the same size, whatever the values.
type heatGrid [][]float64 // by column (first axis), then row

func (g heatGrid) Dims() (c, r int)   { return len(g), len(g[0]) }
func (g heatGrid) Z(c, r int) float64 { return g[c][r] }
func (g heatGrid) X(c int) float64    { return float64(c) }
func (g heatGrid) Y(r int) float64    { return float64(r) }

// indexTicks labels each value of an axis at its index.
func indexTicks(a compareAxis) plot.ConstantTicks {
	var ticks plot.ConstantTicks
	for i := range a.values {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: a.tickLabel(i)})
	}
	return ticks
}

// cellLabels writes each cell's value in it, when it fits.
type cellLabels struct {
	cells [][]float64
	cmap  palette.ColorMap
}

func (l cellLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := textStyle(9, ink)
	for i, col := range l.cells {
		for j, v := range col {
			label := "no run"
			sty.Color = faintInk
			if !math.IsNaN(v) {
				label = formatPercent(v, 1)
				if clr, err := l.cmap.At(math.Min(math.Max(v, l.cmap.Min()), l.cmap.Max())); err == nil {
					sty.Color = textOn(color.RGBAModel.Convert(clr).(color.RGBA))
				}
			}
			w, h := trX(float64(i)+0.5)-trX(float64(i)-0.5), trY(float64(j)+0.5)-trY(float64(j)-0.5)
			if sty.Width(label)+4 <= w && sty.Height(label)+2 <= h {
				centreText(c, sty, vg.Point{X: trX(float64(i)), Y: trY(float64(j))}, label)
			}
		}
	}
}

// formatPercent writes a share as a percentage with the given decimals.
func formatPercent(share float64, decimals int) string {
	return strconv.FormatFloat(share*100, 'f', decimals, 64) + "%"
}

// topStrip is a band in a configuration's colour across the top of its
// panel, tying it to the other charts' legends.
type topStrip struct{ clr color.RGBA }

func (s topStrip) Plot(c draw.Canvas, p *plot.Plot) {
	c.FillPolygon(s.clr, []vg.Point{
		{X: c.Min.X, Y: c.Max.Y + 1}, {X: c.Max.X, Y: c.Max.Y + 1},
		{X: c.Max.X, Y: c.Max.Y + 5}, {X: c.Min.X, Y: c.Max.Y + 5},
	})
}
