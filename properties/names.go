package properties

import (
	"fmt"
	"slices"
	"strings"

	"github.com/electsim/electsim/sim"
)

// shapes are the partition shapes a FaultSpace may draw.
var shapes = []string{ShapeGroups, sim.ShapeIsolate, sim.ShapeHalves, sim.ShapeRandomHalves, sim.ShapeMajoritiesRing, sim.ShapeBridge}

// checkNames finds the words a search would otherwise take on trust: a
// misspelt property makes a search pass vacuously, a misspelt fault kind
// fails it without saying why, and a base scenario of another protocol
// than the one passed replays as a different run. Each error names the bad
// word and the known ones.
func checkNames(base *sim.Scenario, p sim.Protocol, opts Options) error {
	var problems []string
	known := append(slices.Clone(Names), ownNames(base, p, opts)...)
	for _, name := range opts.Properties {
		if !slices.Contains(known, name) {
			problems = append(problems, fmt.Sprintf("Options.Properties: unknown property %q (known: %s)", name, strings.Join(known, ", ")))
		}
	}
	for _, name := range base.Expect.Properties {
		if !slices.Contains(Names, name) {
			problems = append(problems, fmt.Sprintf("the base scenario's expect.properties: unknown property %q (known: %s)", name, strings.Join(Names, ", ")))
		}
	}
	for _, kind := range opts.Space.Kinds {
		if !slices.Contains(FaultKinds, kind) {
			problems = append(problems, fmt.Sprintf("FaultSpace.Kinds: unknown fault kind %q (known: %s)", kind, strings.Join(FaultKinds, ", ")))
		}
	}
	for _, shape := range opts.Space.Shapes {
		if !slices.Contains(shapes, shape) {
			problems = append(problems, fmt.Sprintf("FaultSpace.Shapes: unknown shape %q (known: %s)", shape, strings.Join(shapes, ", ")))
		}
	}
	if p.Name != "" && base.Protocol.Name != "" && p.Name != base.Protocol.Name {
		problems = append(problems, fmt.Sprintf("the base scenario names protocol %q, and the search was given %q: its saved failures would replay %q", base.Protocol.Name, p.Name, base.Protocol.Name))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("properties: %s", strings.Join(problems, "\n"))
}

// ownNames are the names of the caller's own checkers, built once on the
// base scenario's roster to ask.
func ownNames(base *sim.Scenario, p sim.Protocol, opts Options) []string {
	if len(opts.Checkers) == 0 {
		return nil
	}
	s, err := sim.New(base.Clone(), p, 0)
	if err != nil {
		return nil // the search reports the base scenario's problem
	}
	var names []string
	for _, c := range opts.Checkers {
		names = append(names, c(s.Roster()).Name())
	}
	return names
}
