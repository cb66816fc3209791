package plots

import (
	"fmt"

	"github.com/electsim/electsim/properties"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// cdfChart draws the CDF of one recovery time per configuration; false
// when no configuration has a single trial.
func (c *Comparison) cdfChart(name, what, xlabel string, pick func(properties.Recovery) int64) (compareChart, bool) {
	var series []CDFSeries
	trials := 0
	for i, cfg := range c.configs {
		s := recoveryCDF(c.runs[i], cfg, pick)
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
