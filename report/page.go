package report

import (
	"bytes"
	_ "embed"
	"html/template"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/electsim/electsim/sim"
)

//go:embed page.html
var pageText string

// page is parsed once; html/template escapes every value by its context.
var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"at":    sim.HumanTime,
	"plus1": func(i int) int { return i + 1 },
	"label": metricLabel,
}).Parse(pageText))

// pageData is the template's view of an Input: the two pictures as markup
// this package made or was given as markup, the rest as it is.
type pageData struct {
	*Input
	Timeline template.HTML
	Diagram  template.HTML
	Shown    int  // the diagram's events
	Expected bool // the scenario expects the violated property to hold
	// MetricRows are the metrics three to a row, to keep the table short.
	MetricRows [][]Metric
}

// Write writes the page for in to w.
func Write(w io.Writer, in *Input) error {
	data := pageData{Input: in, Timeline: inlineSVG(in.TimelineSVG), MetricRows: rows(in.Metrics, 3)}
	if v := in.Violation; v != nil {
		data.Expected = slices.ContainsFunc(in.Properties, func(p Property) bool { return p.Name == v.Property && p.Expected })
	}
	if in.Window != nil && len(in.Window.Events) > 0 {
		data.Diagram = template.HTML(drawDiagram(in.Window))
		data.Shown = len(in.Window.Events)
	}
	var b bytes.Buffer // whole or nothing: no half page after an error
	if err := page.Execute(&b, data); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// metricLabel is a metric's JSON name for people: "split_brain_ns" reads
// "split brain".
func metricLabel(name string) string {
	return strings.ReplaceAll(strings.TrimSuffix(name, "_ns"), "_", " ")
}

// rows cuts a list into rows of n.
func rows[T any](list []T, n int) [][]T {
	var out [][]T
	for len(list) > n {
		out, list = append(out, list[:n]), list[n:]
	}
	if len(list) > 0 {
		out = append(out, list)
	}
	return out
}

// prolog is what comes before an SVG file's root element: the XML
// declaration, a doctype, comments. Inside an HTML page they are noise.
var prolog = regexp.MustCompile(`^(?s:\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>))*\s*`)

// inlineSVG makes an SVG file an element to inline.
func inlineSVG(svg []byte) template.HTML {
	return template.HTML(prolog.ReplaceAll(svg, nil))
}
