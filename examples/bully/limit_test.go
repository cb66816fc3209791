package bully_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// TestClusterLimit: generations are round*64 + ID, unique only for IDs up
// to 64; a larger scenario is refused when the protocol is built, naming
// nodes, and one of 64 builds.
func TestClusterLimit(t *testing.T) {
	scn := &sim.Scenario{Name: "big", Nodes: 65, Duration: time.Second, Protocol: sim.ProtocolSpec{Name: "bully"}}
	want := "nodes: bully supports at most 64 nodes, got 65"
	if _, _, err := protocols.ForScenario(scn); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("65 nodes: error %v, want %q", err, want)
	}
	scn.Nodes = 64
	if _, _, err := protocols.ForScenario(scn); err != nil {
		t.Errorf("64 nodes: %v", err)
	}
}
