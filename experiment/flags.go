package experiment

import (
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// Flags are a sweep by flags, the shorthand of an experiment file: a
// scenario, the protocols to compare (each a configuration, with the
// scenario's parameters), protocol parameters set or varied, and seeds.
type Flags struct {
	Scenario  string
	Protocols []string // empty: the scenario's
	Sets      []Set
	Paired    bool
	Seeds     string
}

// Set is one -set: a protocol parameter, or a scenario field by its path,
// and its values, as written. With one value it sets the field; with
// several it is an axis. Key names the axis in tables and errors.
type Set struct {
	Key    string
	Values []string
	// Path is the scenario field (store.w, faults[0].pause.for); empty,
	// the protocol parameter Key (protocol.Key).
	Path string
}

// FromFlags builds the experiment a sweep's flags describe. Errors name the
// flag.
func FromFlags(f Flags) (*Experiment, error) {
	base, err := sim.Load(f.Scenario)
	if err != nil {
		return nil, err
	}
	names := f.Protocols
	if len(names) == 0 {
		names = []string{base.Protocol.Name}
	}
	spec := &Spec{Name: base.Name, Seeds: f.Seeds, Paired: f.Paired}
	at := flagOrigin{file: f.Scenario, protocols: names, given: len(f.Protocols) > 0}
	for _, name := range names {
		// -protocols swaps the protocol; the scenario's parameters it has
		// too stay, as electsim run -protocol does.
		spec.Configurations = append(spec.Configurations, ConfigSpec{Name: name, Protocol: protocols.Carry(base.Protocol, name)})
	}
	for _, s := range f.Sets {
		path := s.Path
		if path == "" {
			path = "protocol." + s.Key
		}
		axis := AxisSpec{Path: path, Name: s.Key}
		for _, text := range s.Values {
			v, err := ValueOf(text)
			if err != nil {
				return nil, at.errorf("-set "+s.Key, "%v", err)
			}
			axis.Values = append(axis.Values, v.YAML)
		}
		spec.Axes = append(spec.Axes, axis)
		at.axes = append(at.axes, s.Key)
		at.values = append(at.values, s.Values)
	}
	e, err := build(spec, base, f.Scenario, at)
	if err != nil {
		return nil, err
	}
	e.File = f.Scenario
	return e, nil
}
