package plots

import (
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// availabilityChart draws availability against the first axis: per
// configuration, a line through the median of its runs at each value and
// a band from the 5th to the 95th percentile. With no axis, the
// configurations go across, each a median mark on a 5-95 whisker.
func (c *Comparison) availabilityChart() compareChart {
	xs := c.xScale()
	p := newComparePlot("", xs.label, "availability (% of act slots with an accepted act)")
	xs.apply(p)
	lo, hi := math.Inf(1), math.Inf(-1)
	var shades, lines []plot.Plotter // every band under every line
	for i := range c.configs {
		points := pointsAlong(c.runs[i], c.axes, float64(i))
		clr := configColor(i)
		line := configLine{clr: clr, dodge: xs.dodge(i, len(c.configs))}
		shade := &bandShape{clr: clr, dodge: line.dodge}
		for _, pt := range points {
			y := math.NaN()
			if pt.measured {
				y = pt.availability.median
				lo, hi = math.Min(lo, pt.availability.low), math.Max(hi, pt.availability.high)
			}
			shade.add(pt.x, pt.availability, pt.measured)
			line.xs, line.ys = append(line.xs, pt.x), append(line.ys, y)
		}
		if xs.byConfig {
			if pt := points[0]; pt.measured {
				p.Add(whisker{x: pt.x, b: pt.availability, clr: clr, width: 1.5, half: 0.3})
			}
			continue
		}
		shades, lines = append(shades, shade), append(lines, line)
	}
	p.Add(shades...)
	p.Add(lines...)
	p.Y.Min, p.Y.Max = shareRange(lo, hi)
	p.Y.Tick.Marker = percentTicks{suffix: "%"}
	title := c.title + ": availability (%), median of runs and 5th-95th percentile"
	entries := c.configEntries(lineThumb)
	if xs.byConfig {
		entries = c.configEntries(whiskerThumb)
	} else {
		entries = append(entries, legendEntry{"5th-95th percentile", swatch(translucent(faintInk, 0x50))})
	}
	return compareChart{name: "availability", width: 8 * vg.Inch, height: 5 * vg.Inch, paint: func(dc draw.Canvas) {
		paintPicture(dc, title, c.pooledNote(), []*plot.Plot{p}, entries)
	}}
}

// shareRange fits a share axis (0..1) to the values from lo to hi: a
// little padding, never past 0 or 1, and at least a percent tall.
func shareRange(lo, hi float64) (float64, float64) {
	if lo > hi { // no value at all
		return 0, 1
	}
	pad := math.Max((hi-lo)*0.08, 0.004)
	lo, hi = math.Max(lo-pad, 0), math.Min(hi+pad, 1)
	if hi-lo < 0.01 {
		if hi == 1 {
			lo = 0.99
		} else {
			hi = math.Min(lo+0.01, 1)
		}
	}
	return lo, hi
}

// configLine draws one configuration's values along x: a line through
// them and a mark at each, nudged sideways by dodge so that equal values
// at one x stay apart. A NaN is no value there: the line breaks. With
// barHalf, each value is a bar from 0 instead, barHalf wide each side in
// x units, topped by a line that shows even at 0. With alarm, a value
// above 0 is ringed in red, or its bar filled red.
type configLine struct {
	xs, ys  []float64
	clr     color.RGBA
	dodge   vg.Length
	barHalf float64
	alarm   bool
}

func (l configLine) Plot(c draw.Canvas, p *plot.Plot) {
	if l.barHalf > 0 {
		l.bars(c, p)
		return
	}
	trX, trY := p.Transforms(&c)
	sty := draw.LineStyle{Color: l.clr, Width: 1.5}
	var run []vg.Point // the points since the last gap
	for i := 0; i <= len(l.ys); i++ {
		if i < len(l.ys) && !math.IsNaN(l.ys[i]) {
			run = append(run, vg.Point{X: trX(l.xs[i]) + l.dodge, Y: trY(l.ys[i])})
			continue
		}
		if len(run) > 1 {
			c.StrokeLines(sty, c.ClipLinesXY(run)...)
		}
		run = nil
	}
	for i, y := range l.ys {
		if math.IsNaN(y) {
			continue
		}
		pt := vg.Point{X: trX(l.xs[i]) + l.dodge, Y: trY(y)}
		c.DrawGlyph(markStyle(l.clr), pt)
		if l.alarm && y > 0 {
			c.DrawGlyph(alarmStyle, pt)
		}
	}
}

func (l configLine) bars(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, y := range l.ys {
		if math.IsNaN(y) {
			continue
		}
		x0, x1 := trX(l.xs[i]-l.barHalf), trX(l.xs[i]+l.barHalf)
		fill := translucent(l.clr, 0x60)
		if l.alarm {
			fill = translucent(red, 0x90)
		}
		c.FillPolygon(fill, box(c, x0, x1, trY(0), trY(y)))
		c.StrokeLine2(draw.LineStyle{Color: l.clr, Width: 2.5}, x0, trY(y), x1, trY(y))
	}
}

// barThumb is a configuration's bar, as the safety chart draws it with no
// axis.
func barThumb(clr color.RGBA) func(*draw.Canvas, vg.Point) {
	return func(c *draw.Canvas, at vg.Point) {
		c.FillPolygon(translucent(clr, 0x60), []vg.Point{
			{X: at.X - 5, Y: at.Y - 4}, {X: at.X + 5, Y: at.Y - 4}, {X: at.X + 5, Y: at.Y + 3}, {X: at.X - 5, Y: at.Y + 3},
		})
		c.StrokeLine2(draw.LineStyle{Color: clr, Width: 2.5}, at.X-5, at.Y+3, at.X+5, at.Y+3)
	}
}

// bandShape shades one configuration's band from the 5th to the 95th
// percentile along x, translucent so that bands that overlap both show;
// a lone value with no neighbour is a short bar.
type bandShape struct {
	xs          []float64
	lows, highs []float64 // NaN: no value at that x
	clr         color.RGBA
	dodge       vg.Length
}

// add puts the band at x, or a gap when there is no value.
func (s *bandShape) add(x float64, b band, ok bool) {
	low, high := b.low, b.high
	if !ok {
		low, high = math.NaN(), math.NaN()
	}
	s.xs, s.lows, s.highs = append(s.xs, x), append(s.lows, low), append(s.highs, high)
}

func (s bandShape) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	fill := translucent(s.clr, 0x38)
	start := 0
	for i := 0; i <= len(s.xs); i++ {
		if i < len(s.xs) && !math.IsNaN(s.lows[i]) {
			continue
		}
		if n := i - start; n == 1 {
			x := trX(s.xs[start]) + s.dodge
			c.StrokeLine2(draw.LineStyle{Color: fill, Width: 6}, x, trY(s.lows[start]), x, trY(s.highs[start]))
		} else if n > 1 {
			var poly []vg.Point
			for k := start; k < i; k++ {
				poly = append(poly, vg.Point{X: trX(s.xs[k]) + s.dodge, Y: trY(s.highs[k])})
			}
			for k := i - 1; k >= start; k-- {
				poly = append(poly, vg.Point{X: trX(s.xs[k]) + s.dodge, Y: trY(s.lows[k])})
			}
			c.FillPolygon(fill, c.ClipPolygonXY(poly))
		}
		start = i + 1
	}
}

// whisker draws a band as a vertical line from the 5th to the 95th
// percentile, capped, with the median as a bar across, half wide in
// column units.
type whisker struct {
	x, half float64
	b       band
	clr     color.Color
	width   vg.Length
}

func (w whisker) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	x := trX(w.x)
	line := draw.LineStyle{Color: w.clr, Width: w.width}
	c.StrokeLine2(line, x, trY(w.b.low), x, trY(w.b.high))
	for _, y := range []float64{w.b.low, w.b.high} {
		c.StrokeLine2(line, x-5, trY(y), x+5, trY(y))
	}
	c.StrokeLine2(draw.LineStyle{Color: w.clr, Width: 3}, trX(w.x-w.half), trY(w.b.median), trX(w.x+w.half), trY(w.b.median))
}

func whiskerThumb(clr color.RGBA) func(*draw.Canvas, vg.Point) {
	return func(c *draw.Canvas, at vg.Point) {
		line := draw.LineStyle{Color: clr, Width: 1.2}
		c.StrokeLine2(line, at.X, at.Y-5, at.X, at.Y+5)
		c.StrokeLine2(draw.LineStyle{Color: clr, Width: 3}, at.X-5, at.Y, at.X+5, at.Y)
	}
}

// panelNote writes a line of text at the top of a panel's data area: what
// a flat line at 0 means.
type panelNote struct{ text string }

func (n panelNote) Plot(c draw.Canvas, p *plot.Plot) {
	sty := textStyle(9, faintInk)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - 6}, n.text)
}

// percentTicks marks a share (0..1) in percent at a round step, about six
// labels up the side; signed puts a plus on values above 0, as a
// difference has. Ticks are counted in whole millionths so that labels
// never show rounding noise.
type percentTicks struct {
	suffix string
	signed bool
}

func (t percentTicks) Ticks(lo, hi float64) []plot.Tick {
	const unit = 1e-6 // of a share: a ten-thousandth of a percent
	step := tickStep(2 * int64(math.Ceil((hi-lo)/unit)))
	var ticks []plot.Tick
	for n := int64(math.Ceil(lo/unit/float64(step)-1e-9)) * step; float64(n) <= hi/unit+1e-6; n += step {
		label := strconv.FormatFloat(float64(n)/1e4, 'f', -1, 64) + t.suffix
		if t.signed && n > 0 {
			label = "+" + label
		}
		ticks = append(ticks, plot.Tick{Value: float64(n) * unit, Label: label})
	}
	return ticks
}
