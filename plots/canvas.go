package plots

import (
	"fmt"
	"io"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// render draws a picture of the given size on an SVG or PNG canvas (at dpi,
// or defaultDPI when it is 0) and writes it to w.
func render(w io.Writer, format string, width, height vg.Length, dpi int, paint func(draw.Canvas)) error {
	var c vg.CanvasWriterTo
	switch format {
	case "svg":
		c = vgsvg.New(width, height)
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
