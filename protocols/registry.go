// Package protocols is the registry of election protocols: each has a name,
// a one-line description and typed parameters with defaults and units, and
// builds a sim.Protocol from the parameters a scenario gives it.
//
// Protocol packages register themselves from init, as database/sql drivers
// do; import them for their side effect (the command imports every built-in
// one). A user's protocol in another module registers the same way, or
// skips the registry and hands its sim.Protocol to sim.New directly.
package protocols

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/electsim/electsim/sim"
)

// Spec describes a protocol to the registry.
type Spec struct {
	Name   string // "raft", "lease", "example/beacon"
	Doc    string // one line
	Params []Param
	// Check, if set, checks parameters against each other once each is
	// valid on its own (a keepalive longer than the TTL). It reports
	// through Values.Errorf.
	Check func(v *Values) error
	// Build makes the protocol from checked parameters.
	Build func(v *Values) sim.Protocol
}

var (
	mu       sync.Mutex
	registry = map[string]*Spec{}
)

// Register adds a protocol. It panics on a duplicate name or a malformed
// spec: both are programming errors found at init.
func Register(s Spec) {
	mu.Lock()
	defer mu.Unlock()
	if s.Name == "" || s.Build == nil {
		panic("protocols: Register needs a name and a Build function")
	}
	if _, dup := registry[s.Name]; dup {
		panic("protocols: " + s.Name + " registered twice")
	}
	for _, p := range s.Params {
		if err := p.checkDefault(); err != nil {
			panic(fmt.Sprintf("protocols: %s: %v", s.Name, err))
		}
	}
	registry[s.Name] = &s
}

// Lookup finds a registered protocol.
func Lookup(name string) (*Spec, bool) {
	mu.Lock()
	defer mu.Unlock()
	s, ok := registry[name]
	return s, ok
}

// All returns every registered protocol, by name.
func All() []*Spec {
	mu.Lock()
	defer mu.Unlock()
	out := make([]*Spec, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered names, sorted.
func Names() []string {
	var names []string
	for _, s := range All() {
		names = append(names, s.Name)
	}
	return names
}

// ForScenario checks the scenario's protocol block against the registry and
// builds the protocol. Errors point at the scenario's lines; warnings name
// settings that run but are likely mistakes.
func ForScenario(scn *sim.Scenario) (p sim.Protocol, warnings []string, err error) {
	spec, ok := Lookup(scn.Protocol.Name)
	if !ok {
		return p, nil, scn.Errorf("protocol.name", "unknown protocol %q (known: %s; a protocol is known once its package is imported, as %s does for the built-in ones)",
			scn.Protocol.Name, strings.Join(Names(), ", "), `_ "github.com/electsim/electsim/protocols/all"`)
	}
	v, err := spec.Values(scn)
	if err != nil {
		return p, nil, err
	}
	p = spec.Build(v)
	p.Name = spec.Name
	return p, v.Warnings(), nil
}

// Values checks a scenario's parameters for this protocol and returns them
// with defaults filled in.
func (s *Spec) Values(scn *sim.Scenario) (*Values, error) {
	v := &Values{scn: scn, values: map[string]any{}}
	var errs sim.ScenarioErrors
	given := scn.Protocol.Params
	for _, name := range slices.Sorted(maps.Keys(given)) {
		if !slices.ContainsFunc(s.Params, func(p Param) bool { return p.Name == name }) {
			hint := ""
			if near := sim.Nearest(name, s.paramList()); near != "" {
				hint = fmt.Sprintf("did you mean %s? ", near)
			}
			errs = append(errs, scn.Errorf("protocol."+name, "%s has no parameter %s (%sit has: %s; electsim protocols %s describes them)", s.Name, sim.QuoteInput(name), hint, s.paramNames(), s.Name))
		}
	}
	for _, p := range s.Params {
		raw, ok := given[p.Name]
		if !ok {
			v.values[p.Name] = p.Default
			continue
		}
		val, err := p.parse(raw)
		if err != nil {
			errs = append(errs, scn.Errorf("protocol."+p.Name, "%v", err))
			continue
		}
		v.values[p.Name] = val
	}
	if len(errs) == 0 && s.Check != nil {
		if err := s.Check(v); err != nil {
			return nil, err
		}
	}
	switch len(errs) {
	case 0:
		return v, nil
	case 1:
		return nil, errs[0]
	}
	return nil, errs
}

func (s *Spec) paramNames() string {
	if len(s.Params) == 0 {
		return "none"
	}
	return strings.Join(s.paramList(), ", ")
}

// paramList is the parameters' names, in the order the spec lists them.
func (s *Spec) paramList() []string {
	var names []string
	for _, p := range s.Params {
		names = append(names, p.Name)
	}
	return names
}

// Carry is the protocol spec of another protocol run in a scenario written
// for from: from's parameters that the other protocol also has (Raft's
// timings for the routing-aware election, which takes them), none of the
// rest (Raft's prevote means nothing to SBR). Of the same protocol, all of
// them.
func Carry(from sim.ProtocolSpec, to string) sim.ProtocolSpec {
	out := sim.ProtocolSpec{Name: to, Params: map[string]any{}}
	spec, ok := Lookup(to)
	for k, v := range from.Params {
		if to == from.Name || ok && slices.ContainsFunc(spec.Params, func(p Param) bool { return p.Name == k }) {
			out.Params[k] = v
		}
	}
	return out
}
