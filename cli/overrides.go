package cli

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// setHelp is -set's line in run's usage.
const setHelp = "set a protocol parameter (prevote=true) or a scenario field by its path (store.w=5, faults[0].pause.for=5s), key=value (repeatable; protocol.X is parameter X)"

// overrides change a scenario from the command line, to compare variants
// of one story without editing its file: its protocol, the protocol's
// parameters, and any field of the scenario by its path.
type overrides struct {
	protocol     string
	protocolFlag string // the flag that gave protocol; -protocol if empty
	sets         []setting
	// base is the scenario as ordered YAML before the fields were set,
	// when some were (byPath): what tells a field the file wrote from one
	// a -set made.
	base   yaml.MapSlice
	byPath bool
}

// setting is one -set key=value.
type setting struct {
	setKey
	flag string // key=value as given, for errors
	text string // the value as given
	err  error  // what is wrong with the key, reported by check
}

func (o *overrides) register(fs *flag.FlagSet) {
	fs.StringVar(&o.protocol, "protocol", "", "run this protocol instead of the scenario's (the parameters it has too stay)")
	fs.Func("set", setHelp, func(kv string) error {
		key, text, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("want key=value, got %s", sim.QuoteInput(kv))
		}
		k, err := parseSetKey(key, "-protocol")
		o.sets = append(o.sets, setting{setKey: k, flag: kv, text: text, err: err})
		return nil
	})
}

// check reports a -set whose key names nothing, once the flags are read:
// a mistyped path is the flag's mistake, not the usage's.
func (o *overrides) check() error {
	for _, s := range o.sets {
		if s.err != nil {
			return usageError("-set %s: %v", sim.ShortInput(s.flag), s.err)
		}
	}
	return nil
}

// build applies the overrides to a scenario loaded from path, checks the
// result against the protocol registry and the properties, and builds the
// run. Errors name the flag that caused them.
func (o *overrides) build(scn *sim.Scenario, path string, seed seedFlag) (*prepared, []string, error) {
	orig := scn
	scn, err := o.apply(scn.Clone(), path)
	if err != nil {
		return nil, nil, o.blame(err, orig)
	}
	proto, warnings, err := protocols.ForScenario(scn)
	if err != nil {
		return nil, nil, o.blame(err, orig)
	}
	if err := properties.CheckExpect(scn); err != nil {
		return nil, nil, o.blame(err, orig)
	}
	if !seed.set {
		seed.value = scn.Seed
	}
	loaded := scn.Clone()
	s, err := sim.New(scn, proto, seed.value)
	if err != nil {
		return nil, nil, o.blame(err, orig)
	}
	return &prepared{sim: s, scn: loaded, proto: proto}, warnings, nil
}

// apply writes the overrides into the scenario. A value reads as YAML does
// (true, 2s, 1.05, 3, {dist: constant, value: 5ms}), within the limits of
// a scenario file (see sim.ParseValue): an alias bomb in a flag is refused
// as in a file. Protocol parameters alone go straight into the protocol;
// with a scenario field the scenario is written out, each -set written
// into it in turn by its path as an experiment does, and read back as its
// file would be.
func (o *overrides) apply(scn *sim.Scenario, path string) (*sim.Scenario, error) {
	if o.protocol != "" {
		scn.Protocol = protocols.Carry(scn.Protocol, o.protocol)
	}
	values := make([]any, len(o.sets))
	for i, s := range o.sets {
		v, err := sim.ParseValue(s.text)
		if err != nil {
			return nil, fmt.Errorf("-set %s: %s is not a value: %v", sim.ShortInput(s.key), sim.QuoteInput(s.text), err)
		}
		values[i] = v
		o.byPath = o.byPath || s.param == ""
	}
	if !o.byPath {
		for i, s := range o.sets {
			if scn.Protocol.Params == nil {
				scn.Protocol.Params = map[string]any{}
			}
			scn.Protocol.Params[s.param] = values[i]
		}
		return scn, nil
	}
	data, err := scn.Marshal()
	if err != nil {
		return nil, err
	}
	if err := yaml.UnmarshalWithOptions(data, &o.base, yaml.UseOrderedMap()); err != nil {
		return nil, err
	}
	doc := o.base
	for i, s := range o.sets {
		if doc, err = experiment.SetPath(doc, s.path, values[i]); err != nil {
			return nil, fmt.Errorf("-set %s: %v", sim.ShortInput(s.flag), err)
		}
	}
	if data, err = yaml.Marshal(doc); err != nil {
		return nil, err
	}
	return sim.Parse(path, data)
}

// blame puts a problem on the -set that caused it, not on a line of the
// file that never wrote it: the last -set of the field, of a field it is
// under, or of a field a -set made (store.merge, missing where -set
// store.w=3 made the store). A problem with the file's own field, once
// fields were set, is placed on the file's line and names the -set flags
// that ran with it.
func (o *overrides) blame(err error, orig *sim.Scenario) error {
	if len(o.sets) == 0 && o.protocol == "" {
		return err
	}
	var list sim.ScenarioErrors
	if errors.As(err, &list) {
		lines := make([]string, len(list))
		for i, se := range list {
			lines[i] = o.blameOne(se, orig).Error()
		}
		return errors.New(strings.Join(lines, "\n"))
	}
	var se *sim.ScenarioError
	if errors.As(err, &se) {
		return o.blameOne(se, orig)
	}
	return err
}

func (o *overrides) blameOne(se *sim.ScenarioError, orig *sim.Scenario) error {
	for i := len(o.sets) - 1; i >= 0; i-- {
		s := o.sets[i]
		switch {
		case s.param != "" && se.Field == s.path:
			return fmt.Errorf("-set %s: %s%s", sim.ShortInput(s.flag), sim.Printable(se.Msg), fieldHint(s, se))
		case o.reaches(s.path, se.Field):
			return fmt.Errorf("-set %s: %s: %s", sim.ShortInput(s.flag), sim.ShortInput(se.Field), sim.Printable(se.Msg))
		}
	}
	if o.protocol != "" && se.Field == "protocol.name" {
		return fmt.Errorf("%s %s: %s", cmpOr(o.protocolFlag, "-protocol"), sim.ShortInput(o.protocol), sim.Printable(se.Msg))
	}
	if !o.byPath {
		return se
	}
	// Read back, the scenario's positions are those of the text written
	// out: the field's line is the file's.
	var flags []string
	for _, s := range o.sets {
		flags = append(flags, "-set "+sim.ShortInput(s.flag))
	}
	return fmt.Errorf("%v (with %s)", orig.Errorf(se.Field, "%s", se.Msg), strings.Join(flags, " "))
}

// reaches reports whether a problem with field is the doing of a -set of
// path: the field is path or under it, or under a field that the set made
// (one the scenario did not have before).
func (o *overrides) reaches(path, field string) bool {
	p, errP := experiment.ParsePath(path)
	f, errF := experiment.ParsePath(field)
	if errP != nil || errF != nil {
		return field == path || strings.HasPrefix(field, path+".") || strings.HasPrefix(field, path+"[")
	}
	n := 0
	for n < len(p) && n < len(f) && p[n] == f[n] {
		n++
	}
	if n == len(p) {
		return true
	}
	return n > 0 && o.base != nil && !experiment.HasPath(o.base, p[:n])
}

// fieldHint, on a parameter the protocol does not have, points at the
// scenario fields of that name: act_every is workload.act_every.
func fieldHint(s setting, se *sim.ScenarioError) string {
	if !strings.Contains(se.Msg, "no parameter") || strings.HasPrefix(s.key, "protocol.") {
		return ""
	}
	paths := experiment.FieldsNamed(s.param)
	if len(paths) == 0 {
		return ""
	}
	return fmt.Sprintf("; the scenario field is set by its path: -set %s=%s", paths[0], sim.ShortInput(s.text))
}
