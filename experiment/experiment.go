package experiment

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// Experiment is a checked experiment, ready to run: configurations x
// points x seeds.
type Experiment struct {
	Name     string
	File     string // the experiment file, or the scenario file of a sweep by flags
	BaseFile string
	Base     *sim.Scenario
	Configs  []Config
	Axes     []Axis
	Paired   bool
	Points   []Point
	Seeds    Seeds
	// Hash identifies the experiment in its rows: everything but the
	// seeds, so that more seeds extend a results file.
	Hash string
	// Warnings are the protocols' warnings on the configurations, each
	// once.
	Warnings []string

	cells [][]cell // by configuration, then point
}

// Config is one configuration: a protocol with its parameters, and the
// scenario fields it sets.
type Config struct {
	Name     string
	Protocol sim.ProtocolSpec
	Set      map[string]any
}

// Axis is a scenario field and the values it takes.
type Axis struct {
	Path   string
	Name   string
	Values []Value
}

// Varied reports whether the axis takes more than one value: one that
// does not only sets its field for every run.
func (a Axis) Varied() bool { return len(a.Values) > 1 }

// Point is one value of each axis, by index into the axis's values.
type Point []int

// cell is one configuration at one point: its scenario and protocol,
// built once for all its seeds.
type cell struct {
	scn   *sim.Scenario
	proto sim.Protocol
}

// Job is one run: a configuration at a point with a seed. Index orders the
// runs: configurations, then points, then seeds, the seed fastest.
type Job struct {
	Index  int
	Config int
	Point  int
	Seed   uint64
}

// Runs is how many runs the experiment has.
func (e *Experiment) Runs() int { return len(e.Configs) * len(e.Points) * len(e.Seeds.List) }

// Job returns the i-th run.
func (e *Experiment) Job(i int) Job {
	n := len(e.Seeds.List)
	return Job{Index: i, Config: i / n / len(e.Points), Point: i / n % len(e.Points), Seed: e.Seeds.List[i%n]}
}

// PointValues names a point's values by axis, as rows and tables do.
func (e *Experiment) PointValues(p int) map[string]string {
	out := map[string]string{}
	for k, a := range e.Axes {
		if a.Varied() {
			out[a.Name] = a.Values[e.Points[p][k]].Text
		}
	}
	return out
}

// Scenario returns the scenario a configuration runs at a point.
func (e *Experiment) Scenario(config, point int) *sim.Scenario {
	return e.cells[config][point].scn
}

// origin tells where each part of an experiment was written, to place an
// error on it: a line of the experiment file, or a flag.
type origin interface {
	errorf(field, format string, args ...any) error
	axis(k, j int) string // where axis k's value j is written
	config(c int) string  // where configuration c is written
	// configGiven says whether the configurations' protocols were given
	// (in the experiment file, or by -protocols), not taken from the base.
	configGiven() bool
	// valueNamed says whether axis(k, j) names the value itself (a flag,
	// -set store.w=9), so that an error need not say it again.
	valueNamed() bool
}

// build checks every configuration at every point and builds it.
func build(spec *Spec, base *sim.Scenario, basePath string, at origin) (*Experiment, error) {
	seeds, err := ParseSeeds(spec.Seeds)
	if err != nil {
		return nil, at.errorf("seeds", "%v", err)
	}
	e := &Experiment{Name: spec.Name, BaseFile: basePath, Base: base, Paired: spec.Paired, Seeds: seeds}
	if d, ok := at.(docOrigin); ok {
		e.File = d.file
	}
	if err := properties.CheckExpect(base); err != nil {
		return nil, at.errorf("base", "%v", err)
	}
	for _, c := range spec.Configurations {
		e.Configs = append(e.Configs, Config{Name: c.Name, Protocol: onBase(base.Protocol, c.Protocol), Set: c.Set})
	}
	for k, a := range spec.Axes {
		axis := Axis{Path: a.Path, Name: cmpOr(a.Name, shortName(a.Path, spec.Axes))}
		if err := CheckPath(a.Path); err != nil {
			return nil, at.errorf(fmt.Sprintf("axes[%d].path", k), "%v", err)
		}
		if a.Range != nil {
			if axis.Values, err = expandRange(a.Range); err != nil {
				return nil, at.errorf(fmt.Sprintf("axes[%d].range", k), "%v", err)
			}
		}
		for j, v := range a.Values {
			val, err := newValue(v)
			if err != nil {
				return nil, at.errorf(fmt.Sprintf("axes[%d].values[%d]", k, j), "%v", err)
			}
			if len(a.Labels) > 0 {
				val.Text = a.Labels[j]
			}
			axis.Values = append(axis.Values, val)
		}
		if len(axis.Values) > MaxAxisSize {
			return nil, at.errorf(fmt.Sprintf("axes[%d]", k), "more than %d values", MaxAxisSize)
		}
		e.Axes = append(e.Axes, axis)
	}
	if e.Points, err = points(e.Axes, e.Paired); err != nil {
		return nil, at.errorf("axes", "%v", err)
	}
	if runs := len(e.Configs) * len(e.Points) * len(e.Seeds.List); runs > MaxRuns || runs < 0 {
		return nil, at.errorf("seeds", "more than %d runs (%d configurations x %d points x %d seeds)", MaxRuns, len(e.Configs), len(e.Points), len(e.Seeds.List))
	}
	if err := e.buildCells(at); err != nil {
		return nil, err
	}
	e.Hash, err = e.hash()
	return e, err
}

// onBase is a configuration's protocol: the base scenario's parameters
// that it has too (all of them for the base's own protocol; Raft's timings
// for the routing-aware election), with the configuration's over them
// ({name: raft, prevote: true} is the base's Raft with PreVote).
func onBase(base, p sim.ProtocolSpec) sim.ProtocolSpec {
	out := protocols.Carry(base, p.Name)
	maps.Copy(out.Params, p.Params)
	return out
}

// shortName names an axis by its field (act_every for workload.act_every),
// or by its whole path when another axis has the same field or the field
// is an index.
func shortName(path string, axes []AxisSpec) string {
	last := func(p string) string {
		i := strings.LastIndexByte(p, '.')
		return p[i+1:]
	}
	name := last(path)
	if strings.ContainsAny(name, "[]") {
		return path
	}
	for _, a := range axes {
		if a.Path != path && a.Name == "" && last(a.Path) == name {
			return path
		}
	}
	return name
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// points lists the axes' combinations, the last axis fastest; paired, the
// first value of every varied axis together, then the second, ...
func points(axes []Axis, paired bool) ([]Point, error) {
	if !paired {
		out := []Point{{}}
		for _, a := range axes {
			var next []Point
			for _, p := range out {
				for j := range a.Values {
					next = append(next, append(slices.Clone(p), j))
				}
			}
			if out = next; len(out) > MaxRuns {
				return nil, fmt.Errorf("more than %d points", MaxRuns)
			}
		}
		return out, nil
	}
	n, first := 0, ""
	for _, a := range axes {
		switch {
		case !a.Varied():
		case n == 0:
			n, first = len(a.Values), a.Name
		case len(a.Values) != n:
			return nil, fmt.Errorf("paired: %s has %d values and %s %d; paired axes are as long", first, n, a.Name, len(a.Values))
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("paired needs axes of several values to pair")
	}
	out := make([]Point, n)
	for i := range out {
		for _, a := range axes {
			out[i] = append(out[i], min(i, len(a.Values)-1))
		}
	}
	return out, nil
}

// buildCells writes each configuration and point into the base scenario,
// reads the result as a scenario file would be read, and builds its
// protocol; a trial sim.New with the first seed checks it whole.
func (e *Experiment) buildCells(at origin) error {
	canonical, err := e.Base.Marshal()
	if err != nil {
		return err
	}
	var tree yaml.MapSlice
	if err := yaml.UnmarshalWithOptions(canonical, &tree, yaml.UseOrderedMap()); err != nil {
		return err
	}
	warned := map[string]bool{}
	e.cells = make([][]cell, len(e.Configs))
	for c := range e.Configs {
		for p := range e.Points {
			cl, warnings, err := e.buildCell(tree, c, p, at)
			if err != nil {
				return err
			}
			e.cells[c] = append(e.cells[c], cl)
			for _, w := range warnings {
				if w = e.Configs[c].Name + ": " + w; !warned[w] {
					warned[w] = true
					e.Warnings = append(e.Warnings, w)
				}
			}
		}
	}
	return nil
}

func (e *Experiment) buildCell(tree yaml.MapSlice, c, p int, at origin) (cell, []string, error) {
	cfg := e.Configs[c]
	protocol, _ := cfg.Protocol.MarshalYAML()
	doc, err := setPath(tree, "protocol", protocol)
	if err != nil {
		return cell{}, nil, err
	}
	for _, path := range slices.Sorted(maps.Keys(cfg.Set)) {
		if doc, err = setPath(doc, path, cfg.Set[path]); err != nil {
			return cell{}, nil, at.errorf(at.config(c)+".set", "%v", err)
		}
	}
	for k, a := range e.Axes {
		if doc, err = setPath(doc, a.Path, a.Values[e.Points[p][k]].YAML); err != nil {
			return cell{}, nil, at.errorf(at.axis(k, e.Points[p][k]), "%v", err)
		}
	}
	data, err := yaml.Marshal(doc)
	if err != nil {
		return cell{}, nil, err
	}
	scn, err := sim.Parse(e.BaseFile, data)
	if err == nil {
		var proto sim.Protocol
		var warnings []string
		if proto, warnings, err = protocols.ForScenario(scn); err == nil {
			if _, err = sim.New(scn, proto, e.Seeds.List[0]); err == nil {
				return cell{scn: scn, proto: proto}, warnings, nil
			}
		}
	}
	return cell{}, nil, e.blame(err, c, p, at)
}

// blame places a problem with a built scenario where it was written: the
// axis whose value the field is under, the configuration's protocol or
// set, or else the base scenario.
func (e *Experiment) blame(err error, c, p int, at origin) error {
	var se *sim.ScenarioError
	if !errors.As(err, &se) {
		return at.errorf(at.config(c), "%v", err)
	}
	msg := se.Msg
	if se.Field != "" {
		msg = se.Field + ": " + msg
	}
	under := func(path string) bool {
		return se.Field == path || strings.HasPrefix(se.Field, path+".") || strings.HasPrefix(se.Field, path+"[")
	}
	for k, a := range e.Axes {
		if under(a.Path) {
			if at.valueNamed() {
				return at.errorf(at.axis(k, e.Points[p][k]), "%s", msg)
			}
			return at.errorf(at.axis(k, e.Points[p][k]), "%s=%s: %s", a.Name, a.Values[e.Points[p][k]].Text, msg)
		}
	}
	for path := range e.Configs[c].Set {
		if under(path) {
			return at.errorf(at.config(c)+".set", "%s", msg)
		}
	}
	if under("protocol") && at.configGiven() {
		return at.errorf(at.config(c)+".protocol", "%s", msg)
	}
	// The base scenario's own field: placed on its line of the base file.
	return at.errorf("base", "%v", e.Base.Errorf(se.Field, "%s", se.Msg))
}

// hash is a digest of the base scenario, the configurations, the axes and
// pairing: what makes two rows of one seed comparable.
func (e *Experiment) hash() (string, error) {
	canonical, err := e.Base.Marshal()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(canonical)
	for _, c := range e.Configs {
		set, err := yaml.Marshal(c.Set)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "\x00config %q %s %#v %s", c.Name, c.Protocol.Name, c.Protocol.Params, set)
	}
	for _, a := range e.Axes {
		fmt.Fprintf(h, "\x00axis %q %q", a.Path, a.Name)
		for _, v := range a.Values {
			fmt.Fprintf(h, " %q", v.Text)
		}
	}
	fmt.Fprintf(h, "\x00paired %v", e.Paired)
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
