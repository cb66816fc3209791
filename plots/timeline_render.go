package plots

import (
	"fmt"
	"image/color"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/electsim/electsim/sim"
)

// The picture's geometry, in row units (a row is 1 high) and points.
const (
	barHalf      = 0.2  // a leadership bar's half height
	actRise      = 0.33 // acts sit in a lane above the bar
	defaultDPI   = 144
	legendHeight = 0.28 * vg.Inch
)

// generationColors is the palette a bar's generation indexes: one
// generation has one colour everywhere. Red and grey are left out; they
// mean rejected acts and faults.
var generationColors = []color.RGBA{
	{0x4e, 0x79, 0xa7, 0xff}, // blue
	{0xf2, 0x8e, 0x2b, 0xff}, // orange
	{0x59, 0xa1, 0x4f, 0xff}, // green
	{0xb0, 0x7a, 0xa1, 0xff}, // purple
	{0x76, 0xb7, 0xb2, 0xff}, // teal
	{0xed, 0xc9, 0x48, 0xff}, // yellow
	{0x9c, 0x75, 0x5f, 0xff}, // brown
	{0xff, 0x9d, 0xa7, 0xff}, // pink
}

// GenerationColor is the colour of generation gen's bars: generation 1
// takes the palette's first colour.
func GenerationColor(gen sim.Generation) color.RGBA {
	n := uint64(len(generationColors))
	return generationColors[(uint64(gen)%n+n-1)%n]
}

var (
	sans       = font.Font{Typeface: "Liberation", Variant: "Sans"}
	ink        = color.RGBA{0x22, 0x22, 0x22, 0xff}
	faintInk   = color.RGBA{0x55, 0x55, 0x55, 0xff}
	red        = color.RGBA{0xd6, 0x27, 0x28, 0xff}
	pauseShade = color.NRGBA{0x70, 0x70, 0x70, 0x50}
	crashShade = color.NRGBA{0x20, 0x20, 0x20, 0x70}
	// outOfServiceShade is a node that took itself out of service: up,
	// but doing nothing, lighter than a crash.
	outOfServiceShade = color.NRGBA{0x80, 0x60, 0x30, 0x40}
	netShade          = color.NRGBA{0xd6, 0x27, 0x28, 0x40}
	netShadeLight     = color.NRGBA{0xd6, 0x27, 0x28, 0x14}
	serviceLine       = color.RGBA{0x99, 0x99, 0x99, 0xff}
	clockColor        = color.RGBA{0x6a, 0x3d, 0x9a, 0xff}
	rowLine           = color.RGBA{0xdd, 0xdd, 0xdd, 0xff}
	labelBackdrop     = color.NRGBA{0xff, 0xff, 0xff, 0xd0}
)

func textStyle(size vg.Length, c color.Color) text.Style {
	return text.Style{Color: c, Font: font.From(sans, size), Handler: plot.DefaultTextHandler}
}

// size returns the picture's size, defaults filled in.
func (t *Timeline) size() (w, h vg.Length) {
	w, h = t.Width, t.Height
	if w == 0 {
		w = 10 * vg.Inch
	}
	if h == 0 {
		h = vg.Inch + 0.4*vg.Inch*vg.Length(t.rows())
	}
	return w, h
}

// Render draws the timeline up to end (the run's end, Result.End) as
// format "svg" or "png", with violation marked when it is not nil.
func (t *Timeline) Render(w io.Writer, format string, end sim.Time, violation *TimelineMark) error {
	width, height := t.size()
	return render(w, format, width, height, t.DPI, func(c draw.Canvas) { t.draw(c, end, violation) })
}

// draw lays the plot out above a one-line legend.
func (t *Timeline) draw(c draw.Canvas, end sim.Time, violation *TimelineMark) {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	p := t.plot(end, violation)
	area := plotArea(c)
	p.Draw(area)
	legend := c
	legend.Max.Y = legend.Min.Y + legendHeight
	legend.Min.X = p.DataCanvas(area).Min.X
	drawLegend(legend, t.legend(violation))
}

// plotArea is the part of the picture the plot takes: all but the legend
// below it, with room for the longest name and the last tick's label.
func plotArea(c draw.Canvas) draw.Canvas { return draw.Crop(c, 6, -12, legendHeight, 0) }

func (t *Timeline) plot(end sim.Time, violation *TimelineMark) *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil // draw filled the background
	p.Title.Text = t.Title
	p.Title.TextStyle = textStyle(12, ink)
	p.Title.TextStyle.XAlign = draw.XCenter
	p.Title.TextStyle.YAlign = draw.YTop
	p.Title.Padding = 4
	p.X.Min, p.X.Max = 0, seconds(end)
	p.X.Label.Text = "true time (s)"
	p.X.Label.TextStyle = textStyle(10, ink)
	p.X.Tick.Label = textStyle(9, ink)
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XCenter, draw.YTop
	p.X.Tick.Marker = secondTicks{}
	p.X.Padding, p.Y.Padding = 0, 0
	p.Y.Min, p.Y.Max = -0.5, float64(t.rows())-0.5
	p.Y.Tick.Label = textStyle(10, ink)
	p.Y.Tick.Label.XAlign, p.Y.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.Y.Tick.Marker = t.rowTicks()
	grid := plotter.NewGrid()
	grid.Horizontal.Color = nil
	grid.Vertical.Color = rowLine
	p.Add(grid, rowLines{t}, faultShades{t, end}, leadBars{t, end})
	if violation != nil {
		p.Add(markLine{*violation}) // behind the acts, so that it hides none
	}
	p.Add(t.actScatters()...)
	if violation != nil {
		p.Add(markLabel{t, *violation})
	}
	return p
}

func seconds(at sim.Time) float64 { return float64(at) / 1e9 }

// secondTicks marks true time at a round step (1, 2 or 5 times a power of
// ten nanoseconds), with about ten labels across. Ticks are counted in
// whole nanoseconds so that labels never show rounding noise.
type secondTicks struct{}

func (secondTicks) Ticks(lo, hi float64) []plot.Tick {
	step := tickStep(int64((hi - lo) * 1e9))
	var ticks []plot.Tick
	for ns := (int64(lo*1e9) + step - 1) / step * step; float64(ns) <= hi*1e9; ns += step {
		ticks = append(ticks, plot.Tick{Value: float64(ns) / 1e9, Label: strconv.FormatFloat(float64(ns)/1e9, 'f', -1, 64)})
	}
	return ticks
}

// tickStep is the smallest 1, 2 or 5 times a power of ten that cuts span
// into at most 12 steps.
func tickStep(span int64) int64 {
	for decade := int64(1); ; decade *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if span/(decade*m) <= 12 {
				return decade * m
			}
		}
	}
}

// row is a node's y: n1 at the top, then down in ID order.
func (t *Timeline) row(id sim.NodeID) float64 { return float64(t.roster.Len() - int(id)) }

// networkRow is the y of the network's row, which is drawn above n1 when
// the run has network faults.
func (t *Timeline) networkRow() float64 { return float64(t.roster.Len()) }

func (t *Timeline) hasNetworkRow() bool {
	return t.hasFault(func(f FaultPeriod) bool { return f.Node == sim.NoNode })
}

// rows counts the picture's rows.
func (t *Timeline) rows() int {
	if t.hasNetworkRow() {
		return t.roster.Len() + 1
	}
	return t.roster.Len()
}

func (t *Timeline) rowTicks() plot.ConstantTicks {
	var ticks plot.ConstantTicks
	if t.hasNetworkRow() {
		ticks = append(ticks, plot.Tick{Value: t.networkRow(), Label: "network"})
	}
	for id := sim.NodeID(1); int(id) <= t.roster.Len(); id++ {
		ticks = append(ticks, plot.Tick{Value: t.row(id), Label: t.roster.Name(id)})
	}
	return ticks
}

// rowLines separates the rows, and more firmly the participants from the
// services and the network.
type rowLines struct{ t *Timeline }

func (r rowLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	thin := draw.LineStyle{Color: rowLine, Width: 0.5}
	firm := draw.LineStyle{Color: serviceLine, Width: 0.8}
	services := r.t.row(r.t.roster.Resource()) + 0.5
	for y := 0.5; y < p.Y.Max; y++ {
		sty := thin
		if y == services || y == r.t.networkRow()-0.5 {
			sty = firm
		}
		c.StrokeLine2(sty, trX(p.X.Min), trY(y), trX(p.X.Max), trY(y))
	}
}

// box is a rectangle in canvas coordinates, clipped to the canvas.
func box(c draw.Canvas, x0, x1, y0, y1 vg.Length) []vg.Point {
	return c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
}

// minVisibleWidth is the least width a period or a bar is drawn, in
// points (4 pixels at the default 144 dpi): a 1 ms crash in a minute's run
// would otherwise be narrower than a pixel, and the legend would list what
// the picture does not show.
const minVisibleWidth vg.Length = 2

// visibleSpan widens the span x0..x1 of canvas c to minVisibleWidth:
// rightwards from its start, or leftwards from the canvas's right edge
// where there is no room.
func visibleSpan(c draw.Canvas, x0, x1 vg.Length) (vg.Length, vg.Length) {
	if x1-x0 >= minVisibleWidth {
		return x0, x1
	}
	x1 = x0 + minVisibleWidth
	if x1 > c.Max.X {
		x0, x1 = c.Max.X-minVisibleWidth, c.Max.X
	}
	return x0, x1
}

// faultShades draws fault periods behind everything: a node's on its row,
// a network fault on the network row and lightly across every node's.
type faultShades struct {
	t   *Timeline
	end sim.Time
}

// faultBox is where a fault is drawn, in canvas x and row y: a period's
// shade from x0 to x1 (across, when not nil, shades every node's row
// too), or a clock fault's tick at x0 == x1.
type faultBox struct {
	period FaultPeriod
	row    float64
	x0, x1 vg.Length
	shade  color.Color
	across color.Color
}

func (b faultBox) instant() bool {
	return b.period.Kind == sim.KindClockStep || b.period.Kind == sim.KindDrift
}

// boxes lays out the faults that begin before the end, in order: every
// period at least minVisibleWidth wide.
func (f faultShades) boxes(c draw.Canvas, p *plot.Plot) []faultBox {
	trX, _ := p.Transforms(&c)
	var out []faultBox
	for _, fp := range f.t.faults {
		if fp.Start >= f.end {
			continue
		}
		b := faultBox{period: fp, row: f.t.row(fp.Node), shade: pauseShade}
		switch {
		case b.instant():
			b.x0 = trX(seconds(fp.Start))
			b.x1 = b.x0
			out = append(out, b)
			continue
		case fp.Node == sim.NoNode:
			b.row, b.shade, b.across = f.t.networkRow(), netShade, netShadeLight
		case fp.Kind == sim.KindCrash, fp.Kind == sim.KindBoot:
			b.shade = crashShade
		case fp.Kind == sim.KindOutOfService:
			b.shade = outOfServiceShade
		}
		b.x0, b.x1 = visibleSpan(c, trX(seconds(fp.Start)), trX(seconds(min(fp.End, f.end))))
		out = append(out, b)
	}
	return out
}

func (f faultShades) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	labels := labeller{}
	for _, b := range f.boxes(c, p) {
		if b.instant() {
			f.instant(c, b, trY, labels)
			continue
		}
		c.FillPolygon(b.shade, box(c, b.x0, b.x1, trY(b.row-0.5), trY(b.row+0.5)))
		if b.across != nil {
			c.FillPolygon(b.across, box(c, b.x0, b.x1, trY(p.Y.Min), trY(f.t.networkRow()-0.5)))
		}
		// In full if that fits in the period, else with the fault's kind.
		labels.place(c, textStyle(7, faintInk), b.row, b.x0, b.x1, trY(b.row-0.5), b.period.Label, b.period.Kind.String())
	}
}

// instant draws a clock fault as a tick across its row, labelled beside it.
func (f faultShades) instant(c draw.Canvas, b faultBox, trY func(float64) vg.Length, labels labeller) {
	c.StrokeLine2(draw.LineStyle{Color: clockColor, Width: 1.5}, b.x0, trY(b.row-0.45), b.x0, trY(b.row+0.45))
	labels.place(c, textStyle(7, clockColor), b.row, b.x0, c.Max.X, trY(b.row-0.5), b.period.Label)
}

// labeller writes labels at the bottom left of boxes, below the bars
// and away from the acts' lane. It writes the first of a label's versions
// that fits in its box and does not run into the previous label on its
// row, or none.
type labeller map[float64]vg.Length // by row: where the last label ended

func (l labeller) place(c draw.Canvas, sty text.Style, row float64, x0, x1, bottom vg.Length, versions ...string) {
	const pad = 2
	if x0 < l[row] {
		return
	}
	for _, txt := range versions {
		if w := sty.Width(txt); w+2*pad <= x1-x0 {
			sty.XAlign, sty.YAlign = draw.XLeft, draw.YBottom
			c.FillText(sty, vg.Point{X: x0 + pad, Y: bottom + pad}, txt)
			l[row] = x0 + w + 3*pad
			return
		}
	}
}

// leadBars draws each leadership belief as a bar in its generation's
// colour, labelled with the generation when the bar is wide enough.
type leadBars struct {
	t   *Timeline
	end sim.Time
}

func (b leadBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, l := range b.t.leads {
		if l.Start >= b.end {
			continue
		}
		x0, x1 := visibleSpan(c, trX(seconds(l.Start)), trX(seconds(min(l.End, b.end))))
		y := b.t.row(l.Node)
		clr := GenerationColor(l.Gen)
		c.FillPolygon(clr, box(c, x0, x1, trY(y-barHalf), trY(y+barHalf)))
		label := fmt.Sprintf("gen %d", l.Gen)
		sty := textStyle(8, textOn(clr))
		if sty.Width(label)+4 <= x1-x0 {
			centreText(c, sty, vg.Point{X: (x0 + x1) / 2, Y: trY(y)}, label)
		}
	}
}

// centreText writes one line of text with its capitals centred on pt:
// gonum's YCenter centres the whole line box, descent and line gap
// included, which sets text visibly low in a thin bar.
func centreText(c draw.Canvas, sty text.Style, pt vg.Point, txt string) {
	const capHeight = 0.72 // of the font size, for Liberation Sans
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
	// With YBottom the baseline falls at pt.Y + Size - Ascent.
	pt.Y += sty.FontExtents().Ascent - sty.Font.Size*(1+capHeight/2)
	c.FillText(sty, pt, txt)
}

// textOn picks black or white text for a background colour.
func textOn(bg color.RGBA) color.Color {
	if 299*int(bg.R)+587*int(bg.G)+114*int(bg.B) > 150_000 {
		return ink
	}
	return color.White
}

// actStyles are the marks of each kind of act, in a lane above the bars so
// that many of them never hide a bar: accepted acts a comb of ticks, with
// gaps where none were accepted, stale and rejected ones in red.
var actStyles = map[ActKind]draw.GlyphStyle{
	ActAccepted: {Color: ink, Radius: 2.5, Shape: tickGlyph{}},
	ActWithheld: {Color: faintInk, Radius: 2.5, Shape: draw.RingGlyph{}},
	ActRejected: {Color: red, Radius: 3, Shape: boldCross{}},
	ActStale:    {Color: red, Radius: 4, Shape: downTriangle{}},
	ActLost:     {Color: red, Radius: 3, Shape: draw.RingGlyph{}},
}

// actOrder draws the common marks first, so that the rare ones lie on top.
var actOrder = []ActKind{ActAccepted, ActWithheld, ActRejected, ActLost, ActStale}

// actScatters makes one scatter per kind of act.
func (t *Timeline) actScatters() []plot.Plotter {
	byKind := map[ActKind]plotter.XYs{}
	for _, a := range t.acts {
		byKind[a.Kind] = append(byKind[a.Kind], plotter.XY{X: seconds(a.At), Y: t.row(a.Node) + actRise})
	}
	var out []plot.Plotter
	for _, k := range actOrder {
		if len(byKind[k]) == 0 {
			continue
		}
		s, _ := plotter.NewScatter(byKind[k]) // finite by construction
		s.GlyphStyle = actStyles[k]
		out = append(out, s)
	}
	return out
}

// tickGlyph is a short vertical line: many acts side by side read as a
// comb, with gaps where none were accepted.
type tickGlyph struct{}

func (tickGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.StrokeLine2(draw.LineStyle{Color: sty.Color, Width: 0.6}, pt.X, pt.Y-sty.Radius, pt.X, pt.Y+sty.Radius)
}

// downTriangle points down at the bar of the belief the act was made on.
type downTriangle struct{}

func (downTriangle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	r := sty.Radius
	c.FillPolygon(sty.Color, []vg.Point{{X: pt.X - r, Y: pt.Y + r}, {X: pt.X + r, Y: pt.Y + r}, {X: pt.X, Y: pt.Y - r}})
}

// boldCross is an x thick enough to see among the ticks.
type boldCross struct{}

func (boldCross) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	l := draw.LineStyle{Color: sty.Color, Width: 1.6}
	r := sty.Radius
	c.StrokeLine2(l, pt.X-r, pt.Y-r, pt.X+r, pt.Y+r)
	c.StrokeLine2(l, pt.X-r, pt.Y+r, pt.X+r, pt.Y-r)
}

// markLine draws a violation's line across every row.
type markLine struct{ m TimelineMark }

func (m markLine) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(seconds(m.m.At))
	if !c.ContainsX(x) {
		return // after the end drawn
	}
	c.StrokeLine2(draw.LineStyle{Color: red, Width: 1.2, Dashes: []vg.Length{4, 2}}, x, c.Min.Y, x, c.Max.Y)
}

// markLabel rings a violation's nodes and writes its label at the bottom,
// away from the network's row, on the side of the line that has room.
type markLabel struct {
	t *Timeline
	m TimelineMark
}

// ringStyle is the ring around a node's part in a violation.
var ringStyle = draw.GlyphStyle{Color: red, Radius: 7, Shape: draw.RingGlyph{}}

// ringPoints is where the mark's rings go on canvas c: one per ring whose
// time is drawn, on its node's row.
func (m markLabel) ringPoints(c draw.Canvas, p *plot.Plot) []vg.Point {
	trX, trY := p.Transforms(&c)
	var out []vg.Point
	for _, r := range m.m.Rings {
		x := trX(seconds(r.At))
		if r.Node != sim.NoNode && c.ContainsX(x) {
			out = append(out, vg.Point{X: x, Y: trY(m.t.row(r.Node))})
		}
	}
	return out
}

// text is the mark's label: "fenced-resource (n2, n1) at 35.5s".
func (m markLabel) text() string {
	var names []string
	for _, r := range m.m.Rings {
		if name := m.t.roster.Name(r.Node); r.Node != sim.NoNode && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	label := m.m.Label
	if len(names) > 0 {
		label += " (" + strings.Join(names, ", ") + ")"
	}
	return label + " at " + sim.Human(time.Duration(m.m.At))
}

func (m markLabel) Plot(c draw.Canvas, p *plot.Plot) {
	for _, pt := range m.ringPoints(c, p) {
		c.DrawGlyph(ringStyle, pt)
	}
	trX, _ := p.Transforms(&c)
	x := trX(seconds(m.m.At))
	if !c.ContainsX(x) {
		return
	}
	label := m.text()
	sty := textStyle(8, red)
	sty.YAlign = draw.YBottom
	w, h := sty.Width(label), sty.Height(label)
	x0 := x + 4
	if x0+w > c.Max.X {
		x0 = x - 4 - w
	}
	c.FillPolygon(labelBackdrop, box(c, x0-1, x0+w+1, c.Min.Y+1, c.Min.Y+3+h))
	c.FillText(sty, vg.Point{X: x0, Y: c.Min.Y + 2}, label)
}

// legendEntry is one item of the legend: a thumbnail drawn in a square
// centred at a point, and its text.
type legendEntry struct {
	text  string
	thumb func(c *draw.Canvas, at vg.Point)
}

// legend lists what the picture shows, and only that.
func (t *Timeline) legend(violation *TimelineMark) []legendEntry {
	var out []legendEntry
	names := map[ActKind]string{
		ActAccepted: "accepted act", ActWithheld: "withheld act",
		ActRejected: "rejected act", ActStale: "accepted stale act", ActLost: "acknowledged write lost",
	}
	seen := map[ActKind]bool{}
	for _, a := range t.acts {
		seen[a.Kind] = true
	}
	for _, k := range actOrder {
		if seen[k] {
			sty := actStyles[k]
			out = append(out, legendEntry{names[k], func(c *draw.Canvas, at vg.Point) { c.DrawGlyph(sty, at) }})
		}
	}
	shades := []struct {
		text string
		clr  color.Color
		has  func(FaultPeriod) bool
	}{
		{"paused", pauseShade, func(f FaultPeriod) bool { return f.Kind == sim.KindPause }},
		{"crashed", crashShade, func(f FaultPeriod) bool { return f.Kind == sim.KindCrash }},
		{"not booted", crashShade, func(f FaultPeriod) bool { return f.Kind == sim.KindBoot }},
		{"out of service", outOfServiceShade, func(f FaultPeriod) bool { return f.Kind == sim.KindOutOfService }},
		{"network fault", netShade, func(f FaultPeriod) bool { return f.Node == sim.NoNode }},
	}
	for _, s := range shades {
		if t.hasFault(s.has) {
			out = append(out, legendEntry{s.text, swatch(s.clr)})
		}
	}
	if t.hasFault(func(f FaultPeriod) bool { return f.Kind == sim.KindClockStep || f.Kind == sim.KindDrift }) {
		out = append(out, legendEntry{"clock step or drift", func(c *draw.Canvas, at vg.Point) {
			c.StrokeLine2(draw.LineStyle{Color: clockColor, Width: 1.5}, at.X, at.Y-5, at.X, at.Y+5)
		}})
	}
	if violation != nil {
		out = append(out, legendEntry{"violation", func(c *draw.Canvas, at vg.Point) {
			c.StrokeLine2(draw.LineStyle{Color: red, Width: 1.2, Dashes: []vg.Length{3, 1.5}}, at.X, at.Y-5, at.X, at.Y+5)
			c.DrawGlyph(draw.GlyphStyle{Color: red, Radius: 4, Shape: draw.RingGlyph{}}, at)
		}})
	}
	return out
}

func (t *Timeline) hasFault(match func(FaultPeriod) bool) bool {
	for _, f := range t.faults {
		if match(f) {
			return true
		}
	}
	return false
}

func swatch(clr color.Color) func(c *draw.Canvas, at vg.Point) {
	return func(c *draw.Canvas, at vg.Point) {
		c.FillPolygon(clr, []vg.Point{
			{X: at.X - 5, Y: at.Y - 4}, {X: at.X + 5, Y: at.Y - 4},
			{X: at.X + 5, Y: at.Y + 4}, {X: at.X - 5, Y: at.Y + 4},
		})
	}
}

// drawLegend lays the entries out left to right on one line.
func drawLegend(c draw.Canvas, entries []legendEntry) {
	sty := textStyle(8, ink)
	sty.XAlign, sty.YAlign = draw.XLeft, draw.YCenter
	x, y := c.Min.X+6, (c.Min.Y+c.Max.Y)/2
	for _, e := range entries {
		e.thumb(&c, vg.Point{X: x, Y: y})
		c.FillText(sty, vg.Point{X: x + 9, Y: y}, e.text)
		x += 9 + sty.Width(e.text) + 14
	}
}
