package experiment

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/electsim/electsim/sim"
)

// Spec is an experiment file as written.
type Spec struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Base is the scenario file every run starts from, relative to the
	// experiment file.
	Base string `yaml:"base"`
	// Seeds are single seeds and ranges: "1-20", "1,2,7", "1-5,9".
	Seeds          string       `yaml:"seeds"`
	Configurations []ConfigSpec `yaml:"configurations"`
	Axes           []AxisSpec   `yaml:"axes,omitempty"`
	// Paired takes the axes value by value (each as long) instead of
	// crossing them.
	Paired bool `yaml:"paired,omitempty"`
}

// ConfigSpec is one configuration: a name, the protocol with its
// parameters, and scenario fields it sets by path.
type ConfigSpec struct {
	Name     string           `yaml:"name"`
	Protocol sim.ProtocolSpec `yaml:"protocol"`
	Set      map[string]any   `yaml:"set,omitempty"`
}

// AxisSpec is one axis: a scenario field by its path and the values it
// takes, listed or as a range.
type AxisSpec struct {
	Path string `yaml:"path"`
	// Name heads the axis's column and labels its plots; the path if
	// empty.
	Name   string     `yaml:"name,omitempty"`
	Values []any      `yaml:"values,omitempty"`
	Range  *RangeSpec `yaml:"range,omitempty"`
	// Labels name the values in tables, rows and plots, one each, where
	// the values themselves are long (a whole fault); the values' own
	// text if empty.
	Labels []string `yaml:"labels,omitempty"`
}

// RangeSpec is from, from+step, ... up to to (included when a step lands on
// it): numbers, or durations such as 500ms.
type RangeSpec struct {
	From string `yaml:"from"`
	To   string `yaml:"to"`
	Step string `yaml:"step"`
}

// Limits on an experiment, so that a mistyped range fails at once.
const (
	MaxRuns      = 1_000_000
	MaxAxisSize  = 1000
	MaxConfigs   = 100
	maxAxes      = 4
	maxNameBytes = 100
)

// Load reads an experiment file and builds the experiment: every
// configuration at every point, checked. Errors name the file, the line
// and the field. The file is read as a scenario is (see sim.ReadFile):
// a regular file of at most sim.MaxScenarioBytes, within the same limits
// on tokens and depth, with no anchors or aliases.
func Load(path string) (*Experiment, error) {
	data, err := sim.ReadFile(path, "experiment")
	if err != nil {
		return nil, err
	}
	doc, err := sim.ParseDocument(path, data, "experiment")
	if err != nil {
		return nil, err
	}
	var spec Spec
	if err := doc.Decode(&spec); err != nil {
		return nil, err
	}
	if err := spec.check(doc); err != nil {
		return nil, err
	}
	basePath := spec.Base
	if !filepath.IsAbs(basePath) {
		basePath = filepath.Join(filepath.Dir(path), basePath)
	}
	base, err := sim.Load(basePath)
	if err != nil {
		return nil, doc.Errorf("base", "%v", err)
	}
	return build(&spec, base, basePath, docOrigin{doc: doc, file: path, spec: &spec})
}

// IsExperimentFile reports whether a YAML file is an experiment rather than
// a scenario: it has a base, configurations or axes.
func IsExperimentFile(data []byte) bool {
	for line := range strings.SplitSeq(string(data), "\n") {
		for _, key := range []string{"base:", "configurations:", "axes:"} {
			if strings.HasPrefix(line, key) {
				return true
			}
		}
	}
	return false
}

// check finds what decoding cannot: missing fields, names twice, an axis
// with both or neither of values and range.
func (s *Spec) check(doc *sim.Document) error {
	var errs sim.ScenarioErrors
	add := func(e *sim.ScenarioError) { errs = append(errs, e) }
	if s.Name == "" || len(s.Name) > maxNameBytes || strings.ContainsAny(s.Name, "\n\t") {
		add(doc.Errorf("name", "want a name of 1 to %d bytes on one line", maxNameBytes))
	}
	if s.Base == "" {
		add(doc.Errorf("base", "missing: the scenario file every run starts from"))
	}
	if s.Seeds == "" {
		add(doc.Errorf("seeds", "missing: which seeds each configuration runs, such as 1-20"))
	}
	if len(s.Configurations) == 0 || len(s.Configurations) > MaxConfigs {
		add(doc.Errorf("configurations", "want 1 to %d configurations, got %d", MaxConfigs, len(s.Configurations)))
	}
	var names []string
	for i, c := range s.Configurations {
		field := fmt.Sprintf("configurations[%d]", i)
		switch {
		case c.Name == "" || len(c.Name) > maxNameBytes || strings.ContainsAny(c.Name, "\n\t"):
			add(doc.Errorf(field+".name", "want a name of 1 to %d bytes on one line", maxNameBytes))
		case slices.Contains(names, c.Name):
			add(doc.Errorf(field+".name", "%q names two configurations", c.Name))
		}
		names = append(names, c.Name)
		if c.Protocol.Name == "" {
			add(doc.Errorf(field+".protocol", "missing: which protocol, {name: raft, ...}"))
		}
		for _, path := range slices.Sorted(maps.Keys(c.Set)) {
			if strings.HasPrefix(path, "protocol") {
				add(doc.Errorf(field+".set", "%s: set protocol parameters under protocol", path))
			} else if err := CheckPath(path); err != nil {
				add(doc.Errorf(field+".set", "%s: %v", path, err))
			}
		}
	}
	if len(s.Axes) > maxAxes {
		add(doc.Errorf("axes", "at most %d axes, got %d", maxAxes, len(s.Axes)))
	}
	var paths []string
	for i, a := range s.Axes {
		field := fmt.Sprintf("axes[%d]", i)
		switch {
		case a.Path == "":
			add(doc.Errorf(field+".path", "missing: the scenario field the axis varies, such as network.loss"))
		case slices.Contains(paths, a.Path):
			add(doc.Errorf(field+".path", "%s is varied by two axes", a.Path))
		}
		paths = append(paths, a.Path)
		if len(a.Labels) > 0 && len(a.Labels) != len(a.Values) {
			add(doc.Errorf(field+".labels", "%d labels for %d values: one each", len(a.Labels), len(a.Values)))
		}
		if (len(a.Values) == 0) == (a.Range == nil) {
			add(doc.Errorf(field, "give values or a range, not %s", map[bool]string{true: "both", false: "neither"}[a.Range != nil]))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
