package routing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/protocols/routing"
	"github.com/electsim/electsim/sim"
)

// TestClusterLimit: a Status holds node sets in one word; a scenario with
// more nodes is refused when the protocol is built, naming nodes and the
// limit, and one at the limit builds.
func TestClusterLimit(t *testing.T) {
	scn := &sim.Scenario{Name: "big", Nodes: routing.MaxNodes + 1, Duration: time.Second, Protocol: sim.ProtocolSpec{Name: "routing"}}
	want := "nodes: routing supports at most 64 nodes, got 65"
	if _, _, err := protocols.ForScenario(scn); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%d nodes: error %v, want %q", scn.Nodes, err, want)
	}
	scn.Nodes = routing.MaxNodes
	if _, _, err := protocols.ForScenario(scn); err != nil {
		t.Errorf("%d nodes: %v", scn.Nodes, err)
	}
}
