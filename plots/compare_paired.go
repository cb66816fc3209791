package plots

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// pairedChart draws, for each configuration but the first (the
// baseline), its availability minus the baseline's on the same point and
// seed; false when there is no other configuration.
func (c *Comparison) pairedChart() (compareChart, bool) {
	if len(c.configs) < 2 {
		return compareChart{}, false
	}
	others := c.configs[1:]
	baseline := c.configs[0]
	p := newComparePlot("", "", fmt.Sprintf("availability minus %s's (percentage points)", baseline))
	p.X.Min, p.X.Max, p.X.Padding = -0.5, float64(len(others))-0.5, 0
	p.X.Tick.Length = 0
	lo, hi := 0.0, 0.0
	var ticks plot.ConstantTicks
	for k := range others {
		i := k + 1
		diffs, unpaired := pairedDifferences(c.runs[0], c.runs[i])
		lines := []string{c.configs[i], plural(len(diffs), "pair")}
		if unpaired > 0 {
			lines = append(lines, fmt.Sprintf("%d left out (failed, unpaired, or a fault skipped)", unpaired))
		}
		if b, ok := bandOf(diffValues(diffs)); ok {
			lines = append(lines, "median "+formatPoints(b.median))
			p.Add(pairedRuns{x: float64(k) + pairsAt, diffs: diffs, clr: configColor(i)}, whisker{x: float64(k) + summaryAt, b: b, clr: ink, width: 1.2, half: 0.1})
		}
		for _, d := range diffs {
			lo, hi = math.Min(lo, d.diff), math.Max(hi, d.diff)
		}
		ticks = append(ticks, plot.Tick{Value: float64(k), Label: strings.Join(lines, "\n")})
	}
	p.X.Tick.Marker = ticks
	pad := math.Max((hi-lo)*0.08, 0.002)
	p.Y.Min, p.Y.Max = lo-pad, hi+pad
	p.Y.Tick.Marker = percentTicks{suffix: " pp", signed: true}
	p.Add(zeroLine{})
	var entries []legendEntry
	for k := range others {
		entries = append(entries, legendEntry{"one pair (point, seed) of " + others[k], func(dc *draw.Canvas, at vg.Point) {
			dc.DrawGlyph(pairStyle(configColor(k+1)), at)
		}})
	}
	entries = append(entries,
		legendEntry{"median, 5th-95th percentile", whiskerThumb(ink)},
		legendEntry{"no difference", func(dc *draw.Canvas, at vg.Point) { dc.StrokeLine2(zeroStyle, at.X-6, at.Y, at.X+6, at.Y) }})
	title := fmt.Sprintf("%s: availability minus %s's, run by run", c.title, baseline)
	subtitle := "each pair: the same point and seed, so the same faults; median and 5th-95th percentile beside"
	width := max(6*vg.Inch, 2*vg.Inch+1.6*vg.Inch*vg.Length(len(others)))
	return compareChart{name: "paired", width: width, height: 5 * vg.Inch, paint: func(dc draw.Canvas) {
		paintPicture(dc, title, subtitle, []*plot.Plot{p}, entries)
	}}, true
}

// formatPoints writes a difference of shares in signed percentage points.
func formatPoints(diff float64) string {
	s := strconv.FormatFloat(diff*100, 'f', 2, 64)
	if diff >= 0 {
		s = "+" + s
	}
	return s + " pp"
}

// pairedRuns draws one point per pair, spread across the column by a hash
// of its point and seed: the same pair lands at the same place every
// time, and pairs with equal differences stay apart.
type pairedRuns struct {
	x     float64
	diffs []pairedDiff
	clr   color.RGBA
}

func (r pairedRuns) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := pairStyle(r.clr)
	for _, d := range r.diffs {
		c.DrawGlyph(sty, vg.Point{X: trX(r.x + jitter(d.point, d.seed)), Y: trY(d.diff)})
	}
}

func pairStyle(clr color.RGBA) draw.GlyphStyle {
	return draw.GlyphStyle{Color: translucent(clr, 0xa0), Radius: 3, Shape: draw.CircleGlyph{}}
}

// jitter is a pair's offset across its column, in ±jitterSpread.
func jitter(point string, seed uint64) float64 {
	h := fnv.New64a()
	h.Write([]byte(point))
	h.Write(binary.LittleEndian.AppendUint64(nil, seed))
	u := float64(h.Sum64()>>11) / (1 << 53) // 0..1
	return jitterSpread * (2*u - 1)
}

// zeroStyle is the line of no difference.
var zeroStyle = draw.LineStyle{Color: ink, Width: 1, Dashes: []vg.Length{4, 3}}

// zeroLine draws y = 0 across the plot.
type zeroLine struct{}

func (zeroLine) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	c.StrokeLine2(zeroStyle, c.Min.X, trY(0), c.Max.X, trY(0))
}
