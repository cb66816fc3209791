package plots

import (
	"fmt"

	"github.com/electsim/electsim/properties"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// cdfKind is one recovery time the comparison draws the CDF of: the
// chart's file name, what it shows, its axis, what a fault it never ended
// after is called, and how to read the time from a Recovery.
type cdfKind struct {
	name, what, xlabel, missingAs string
	pick                          func(properties.Recovery) int64
}

// cdfChart draws the CDF of one recovery time per configuration; false
// when no configuration has a single trial.
func (c *Comparison) cdfChart(k cdfKind) (compareChart, bool) {
	name, what, xlabel := k.name, k.what, k.xlabel
	var series []CDFSeries
	trials := 0
	for i, cfg := range c.configs {
		s := recoveryCDF(c.runs[i], cfg, k.pick)
		s.MissingAs = k.missingAs
		trials += len(s.Times) + s.Missing
		series = append(series, s) // one per configuration, empty or not: its colour is its index
	}
	if trials == 0 {
		return compareChart{}, false
	}
	chart := CDF(series, fmt.Sprintf("%s: %s", c.title, what), xlabel)
	width, height := 8*vg.Inch, 5*vg.Inch
	return compareChart{name: name, width: width, height: height, paint: func(dc draw.Canvas) {
		chart.paint(dc, width)
	}}, true
}
