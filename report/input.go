package report

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// Input is everything the page shows. Strings are shown as text (escaped);
// TimelineSVG alone is inlined as markup.
type Input struct {
	Scenario  string
	Seed      uint64
	Protocol  string
	TraceHash string
	// Violation is the one the page explains, or nil when every property
	// held. Error says why a run stopped early.
	Violation *Violation
	Error     string
	OK        bool // every expected property held
	// Properties are every property's verdict, in the order shown.
	Properties []Property
	// TimelineSVG is the run's timeline as plots.Timeline renders it to
	// SVG. It is markup written by this program, not by a file or a
	// protocol, and is inlined as it is, without its XML prolog.
	TimelineSVG []byte
	// Window is the message diagram's events; nil draws none.
	Window *Window
	// Story is the causal story of the violation, in order; nil for none.
	Story   []StoryStep
	Metrics []Metric
	Summary string // the run's summary, as electsim run prints it
	// ScenarioYAML is the scenario that ran, as electsim run -save writes it.
	ScenarioYAML string
}

// Violation is the property that failed and where.
type Violation struct {
	Property string
	Detail   string
	Nodes    []sim.NodeID // the nodes involved: their lanes are highlighted
	Index    int64        // the event that broke the property
	// Events are the events the violation is made of, Index among them.
	Events []int64
}

// Property is one property's verdict.
type Property struct {
	Name     string
	OK       bool
	Expected bool // the scenario expects it to hold
	Detail   string
}

// StoryStep is one step of the causal story: an event and what it means
// for people. It is plain data, so that this package needs no story
// teller of its own.
type StoryStep struct {
	Index int64
	At    sim.Time
	Node  string
	Text  string
}

// Metric is one line of the metrics table, its value written for people.
type Metric struct {
	Name, Value string
}

// FromReport fills the page's header, verdict, properties, metrics and
// summary from a run's report; the caller adds the rest.
func FromReport(rep *properties.Report) *Input {
	var summary bytes.Buffer
	rep.WriteSummary(&summary)
	in := &Input{
		Scenario: rep.Scenario, Seed: rep.Seed, Protocol: rep.Protocol, TraceHash: rep.TraceHash,
		Error: rep.Error, OK: rep.OK,
		Properties: propertiesOf(rep),
		Metrics:    MetricsOf(rep),
		Summary:    summary.String(),
	}
	if v := properties.ExplainedViolation(rep); v != nil {
		in.Violation = &Violation{Property: v.Property, Detail: v.Detail, Nodes: v.Nodes, Index: v.Index, Events: v.Events}
	}
	return in
}

// propertiesOf lists the verdicts: the built-in properties in their
// order, then the others (bounds, outcomes, the caller's own) by name.
func propertiesOf(rep *properties.Report) []Property {
	names := slices.Clone(properties.Names)
	for _, name := range slices.Sorted(maps.Keys(rep.Properties)) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	var out []Property
	for _, name := range names {
		p, ok := rep.Properties[name]
		if !ok {
			continue
		}
		out = append(out, Property{Name: name, OK: p.OK, Expected: slices.Contains(rep.Expected, name), Detail: p.Detail})
	}
	return out
}

// MetricsOf lists a report's metrics under their JSON names, in the
// order Metrics declares them, then the caller's own by name. It reads
// the struct's fields, so that a metric added to properties shows here
// without a change.
func MetricsOf(rep *properties.Report) []Metric {
	var out []Metric
	v := reflect.ValueOf(rep.Metrics)
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out = append(out, Metric{Name: name, Value: metricValue(name, v.Field(i))})
	}
	for _, name := range slices.Sorted(maps.Keys(rep.UserMetrics)) {
		out = append(out, Metric{Name: name, Value: strconv.FormatFloat(rep.UserMetrics[name], 'g', 6, 64)})
	}
	return out
}

// metricValue writes a value for people: durations (names ending _ns) as
// durations, a share as a percentage, counts as they are.
func metricValue(name string, v reflect.Value) string {
	switch {
	case v.CanInt() && strings.HasSuffix(name, "_ns"):
		if v.Int() < 0 {
			return "none"
		}
		return sim.Human(time.Duration(v.Int()))
	case v.CanInt():
		return strconv.FormatInt(v.Int(), 10)
	case v.CanFloat() && name == "availability":
		return fmt.Sprintf("%.1f%%", 100*v.Float())
	case v.CanFloat():
		return strconv.FormatFloat(v.Float(), 'g', 6, 64)
	}
	return fmt.Sprint(v.Interface())
}
