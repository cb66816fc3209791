package sbr_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/protocols/sbr"
	"github.com/electsim/electsim/sim"
)

// TestClusterLimit: sbr keeps its node sets in one word; a scenario with
// more members is refused when the protocol is built, naming nodes and the
// limit, and one at the limit builds.
func TestClusterLimit(t *testing.T) {
	scn := &sim.Scenario{Name: "big", Nodes: sbr.MaxMembers + 1, Duration: time.Second, Protocol: sim.ProtocolSpec{Name: "sbr"}}
	want := "nodes: sbr supports at most 64 members, got 65"
	if _, _, err := protocols.ForScenario(scn); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%d nodes: error %v, want %q", scn.Nodes, err, want)
	}
	scn.Nodes = sbr.MaxMembers
	if _, _, err := protocols.ForScenario(scn); err != nil {
		t.Errorf("%d nodes: %v", scn.Nodes, err)
	}
}
