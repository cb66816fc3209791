package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/electsim/electsim/plots"
	"github.com/electsim/electsim/properties"
	htmlreport "github.com/electsim/electsim/report"
	"github.com/electsim/electsim/sim"
)

// writeReport writes the HTML page that explains a finished run (-report)
// to path, "-" for stdout. The first run's report has the verdict; a second
// run of the same scenario and seed, identical by determinism, draws the
// timeline and collects the events the message diagram shows, and
// properties.Story runs it once more for the causal story.
func writeReport(path string, run *prepared, rep *properties.Report, stdout io.Writer) error {
	in, err := reportInput(run, rep)
	if err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	w, closeFile, err := createOutput(path, stdout)
	if err != nil {
		return err
	}
	err = htmlreport.Write(w, in)
	return errors.Join(err, closeFile())
}

// reportInput gathers what the page shows.
func reportInput(run *prepared, rep *properties.Report) (*htmlreport.Input, error) {
	in := htmlreport.FromReport(rep)
	yaml, err := savedScenario(run.sim, rep)
	if err != nil {
		return nil, err
	}
	in.ScenarioYAML = yaml
	v := properties.ExplainedViolation(rep)
	if v != nil {
		if in.Story, err = reportStory(run, rep.Seed, v); err != nil {
			return nil, err
		}
	}
	in.TimelineSVG, in.Window, err = rerunForReport(run, rep, in)
	return in, err
}

// savedScenario is the scenario that ran, as -save writes it: faults
// expanded, roles resolved, seed and trace hash recorded.
func savedScenario(s *sim.Sim, rep *properties.Report) (string, error) {
	scn := s.Scenario().Clone()
	scn.Seed, scn.TraceHash = rep.Seed, rep.TraceHash
	data, err := scn.Marshal()
	return string(data), err
}

// rerunForReport runs the scenario again with its seed, drawing the
// timeline and, when a property broke, collecting the diagram's events.
func rerunForReport(run *prepared, rep *properties.Report, in *htmlreport.Input) ([]byte, *htmlreport.Window, error) {
	s, err := sim.New(run.scn.Clone(), run.proto, rep.Seed)
	if err != nil {
		return nil, nil, err
	}
	timeline := plots.NewTimeline(s.Roster())
	timeline.Title = fmt.Sprintf("%s, seed %d", rep.Scenario, rep.Seed)
	timeline.Scenario = s.Scenario()
	s.Observe(timeline)
	v := properties.ExplainedViolation(rep)
	var collector *htmlreport.Collector
	if v != nil {
		collector = htmlreport.NewCollector(s.Roster(), v.Index)
		s.Observe(collector)
	}
	s.Run()
	var svg bytes.Buffer
	if err := timeline.Render(&svg, "svg", sim.Time(rep.DurationNS), plots.ViolationMark(v)); err != nil {
		return nil, nil, fmt.Errorf("drawing the timeline: %w", err)
	}
	if collector == nil {
		return svg.Bytes(), nil, nil
	}
	return svg.Bytes(), htmlreport.Select(collector, in.Violation, in.Story, htmlreport.DefaultLimits), nil
}

// reportStory tells the violation's causal story, one step per event.
func reportStory(run *prepared, seed uint64, v *properties.Violation) ([]htmlreport.StoryStep, error) {
	story, err := properties.Story(run.scn, run.proto, seed, v)
	if err != nil || story == nil {
		return nil, err
	}
	var steps []htmlreport.StoryStep
	for _, st := range story.Steps {
		e := st.Event
		node := "network"
		if e.Node != sim.NoNode {
			node = run.sim.Roster().Name(e.Node)
		}
		steps = append(steps, htmlreport.StoryStep{Index: e.Index, At: e.At, Node: node, Text: st.Text})
	}
	return steps, nil
}
