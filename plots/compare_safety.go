package plots

import (
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// safetyChart draws, beside availability and against the same x, what the
// configurations cost in safety: stale acts and split-brain time per run,
// and the share of runs that broke an expected property, in red.
func (c *Comparison) safetyChart() compareChart {
	xs := c.xScale()
	// A mean is over the measured runs, the share over the judged ones:
	// where there are none, there is no value (a gap), not a 0.
	measured := func(s safety) bool { return s.measured > 0 }
	panels := []struct {
		title, ylabel, none string
		value               func(safety) float64
		has                 func(safety) bool
		ticks               plot.Ticker
		alarm               bool
	}{
		{"stale acts, mean per run", "stale acts (acts per run)", "no stale act in any run",
			func(s safety) float64 { return s.staleActsMean }, measured, nil, false},
		{"split-brain time, mean per run", "split-brain time (s per run)", "no split brain in any run",
			func(s safety) float64 { return s.splitBrainMeanSec }, measured, nil, false},
		{"runs that broke an expected property", "runs that broke a property (% of runs)", "no run broke an expected property",
			func(s safety) float64 { return s.violatedShare }, func(s safety) bool { return s.judged > 0 }, percentTicks{suffix: "%"}, true},
	}
	var plots []*plot.Plot
	points := make([][]xPoint, len(c.configs))
	for i := range c.configs {
		points[i] = pointsAlong(c.runs[i], c.axes, float64(i))
	}
	for _, panel := range panels {
		p := newComparePlot(panel.title, xs.label, panel.ylabel)
		xs.apply(p)
		hi, values := 0.0, 0
		for i := range c.configs {
			line := configLine{clr: configColor(i), dodge: xs.dodge(i, len(c.configs)), alarm: panel.alarm}
			if xs.byConfig {
				line.barHalf = 0.3
			}
			for _, pt := range points[i] {
				y := math.NaN()
				if panel.has(pt.safety) {
					y = panel.value(pt.safety)
					hi, values = math.Max(hi, y), values+1
				}
				line.xs, line.ys = append(line.xs, pt.x), append(line.ys, y)
			}
			p.Add(line)
		}
		if hi == 0 {
			hi = 1
			if values == 0 {
				p.Add(panelNote{"no run reached its end"})
			} else {
				p.Add(panelNote{panel.none})
			}
		}
		if panel.alarm {
			hi = math.Min(hi*1.08, 1.04)
			for _, sty := range []*text.Style{&p.Title.TextStyle, &p.Y.Label.TextStyle, &p.Y.Tick.Label} {
				sty.Color = red
			}
		} else {
			hi *= 1.08
		}
		// Below 0 a little, so that a line at 0 stays off the axis.
		p.Y.Min, p.Y.Max = -hi*0.04, hi
		if panel.ticks != nil {
			p.Y.Tick.Marker = panel.ticks
		}
		plots = append(plots, p)
	}
	entries := append(c.configEntries(lineThumb), legendEntry{"red ring: runs broke a property", func(dc *draw.Canvas, at vg.Point) {
		dc.DrawGlyph(alarmStyle, at)
	}})
	if xs.byConfig {
		entries = append(c.configEntries(barThumb), legendEntry{"red: runs broke a property", swatch(translucent(red, 0x90))})
	}
	title := c.title + ": safety, per run"
	return compareChart{name: "safety", width: 13 * vg.Inch, height: 4.6 * vg.Inch, paint: func(dc draw.Canvas) {
		paintPicture(dc, title, c.pooledNote(), plots, entries)
	}}
}

// alarmStyle rings a mark whose runs broke a property.
var alarmStyle = draw.GlyphStyle{Color: red, Radius: markRadius + 2, Shape: draw.RingGlyph{}}
