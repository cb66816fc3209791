package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/electsim/electsim/experiment"
)

// What a -set key names. The rule, as the manual and README give it:
//
//   - protocol.X is the protocol parameter X;
//   - a key with a dot or an index (store.w, faults[0].pause.for), or a
//     top-level field of a scenario (nodes, duration, store), is a field
//     of the scenario by its path, as an experiment's set and axes write
//     it;
//   - any other key (prevote, election_timeout_max) is a protocol
//     parameter.
//
// No protocol has a parameter named as a top-level scenario field
// (TestSetKeysDoNotCollide), so a parameter never needs protocol. to be
// reached; protocol.X reaches one all the same.

// setKey is what one -set key names.
type setKey struct {
	key   string // as typed
	path  string // the scenario field: protocol.X for a parameter
	param string // the protocol parameter, or "" for a scenario field
}

// scenarioFields are the top-level fields of a scenario, by their YAML
// names.
var scenarioFields = experiment.ScenarioFields()

// parseSetKey reads a -set key by the rule above. protocolFlag is the flag
// that chooses the protocol instead (-protocol, -protocols).
func parseSetKey(key, protocolFlag string) (setKey, error) {
	switch {
	case key == "":
		return setKey{}, fmt.Errorf("no key before =")
	case key == "protocol" || key == "protocol.name":
		return setKey{}, fmt.Errorf("choose the protocol with %s", protocolFlag)
	case key == "seed":
		return setKey{}, fmt.Errorf("give the seed with %s", map[string]string{"-protocol": "-seed", "-protocols": "-seeds"}[protocolFlag])
	case key == "trace_hash":
		return setKey{}, fmt.Errorf("a run records its own trace hash")
	}
	if param, ok := strings.CutPrefix(key, "protocol."); ok && !strings.ContainsAny(param, ".[") {
		return setKey{key: key, path: key, param: param}, nil
	}
	if strings.ContainsAny(key, ".[") || slices.Contains(scenarioFields, key) {
		if err := experiment.CheckPath(key); err != nil {
			return setKey{}, err
		}
		return setKey{key: key, path: key}, nil
	}
	return setKey{key: key, path: "protocol." + key, param: key}, nil
}
