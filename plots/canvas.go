package plots

import (
	"fmt"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// render draws a picture of the given size on an SVG or PNG canvas (at dpi,
// or defaultDPI when it is 0) and writes it to w.
func render(w io.Writer, format string, width, height vg.Length, dpi int, paint func(draw.Canvas)) error {
	return renderTo(w, format, width, height, dpi, false, paint)
}

// renderEmbedded is render with the fonts embedded in an SVG, so that it
// reads the same on a machine without Liberation Sans (at about half a
// megabyte a picture).
func renderEmbedded(w io.Writer, format string, width, height vg.Length, dpi int, paint func(draw.Canvas)) error {
	return renderTo(w, format, width, height, dpi, true, paint)
}

func renderTo(w io.Writer, format string, width, height vg.Length, dpi int, embedFonts bool, paint func(draw.Canvas)) error {
	var c vg.CanvasWriterTo
	switch format {
	case "svg":
		c = vgsvg.NewWith(vgsvg.UseWH(width, height), vgsvg.EmbedFonts(embedFonts))
	case "png":
		if dpi == 0 {
			dpi = defaultDPI
		}
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi))}
	default:
		return fmt.Errorf("plots: unknown format %q (want svg or png)", format)
	}
	paint(draw.New(c))
	_, err := c.WriteTo(w)
	return err
}

// styleText sets the font and colour of a plot's title, axis labels and
// tick labels, the title at titleSize. Only font and colour: gonum lays the
// plot out by the alignments and rotations it set.
func styleText(p *plot.Plot, titleSize vg.Length) {
	for _, t := range []struct {
		sty  *text.Style
		size vg.Length
	}{{&p.Title.TextStyle, titleSize}, {&p.X.Label.TextStyle, 10}, {&p.X.Tick.Label, 9}, {&p.Y.Label.TextStyle, 10}, {&p.Y.Tick.Label, 9}} {
		t.sty.Font, t.sty.Color = textStyle(t.size, ink).Font, ink
	}
}
