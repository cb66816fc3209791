package report

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"strings"
)

// svgWriter writes SVG elements. Coordinates are whole pixels, so that the
// bytes never depend on float formatting; every text and attribute value
// that is not a number or a class name of this package goes through
// html.EscapeString, which writes what XML and HTML both read.
type svgWriter struct {
	b bytes.Buffer
}

// attrs are an element's extra attributes, written in the order given.
type attrs []string

func (a attrs) String() string {
	var b strings.Builder
	for i := 0; i+1 < len(a); i += 2 {
		fmt.Fprintf(&b, ` %s="%s"`, a[i], html.EscapeString(a[i+1]))
	}
	return b.String()
}

func (w *svgWriter) open(tag string, a attrs) { fmt.Fprintf(&w.b, "<%s%s>", tag, a) }

func (w *svgWriter) close(tag string) { fmt.Fprintf(&w.b, "</%s>\n", tag) }

// title is a tooltip: the browser shows it over its parent element.
func (w *svgWriter) title(s string) { fmt.Fprintf(&w.b, "<title>%s</title>", html.EscapeString(s)) }

func (w *svgWriter) line(class string, x1, y1, x2, y2 int, a attrs) {
	fmt.Fprintf(&w.b, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d"%s/>`+"\n", class, x1, y1, x2, y2, a)
}

func (w *svgWriter) rect(class string, x, y, width, height int, a attrs) {
	fmt.Fprintf(&w.b, `<rect class="%s" x="%d" y="%d" width="%d" height="%d"%s/>`+"\n", class, x, y, width, height, a)
}

func (w *svgWriter) circle(class string, x, y, r int, a attrs) {
	fmt.Fprintf(&w.b, `<circle class="%s" cx="%d" cy="%d" r="%d"%s/>`+"\n", class, x, y, r, a)
}

func (w *svgWriter) path(class, d string, a attrs) {
	fmt.Fprintf(&w.b, `<path class="%s" d="%s"%s/>`+"\n", class, d, a)
}

func (w *svgWriter) text(class string, x, y int, s string, a attrs) {
	fmt.Fprintf(&w.b, `<text class="%s" x="%d" y="%d"%s>%s</text>`+"\n", class, x, y, a, html.EscapeString(s))
}

// hex writes a colour as CSS reads it.
func hex(c color.RGBA) string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }
