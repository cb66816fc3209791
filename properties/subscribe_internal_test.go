package properties

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/all"
	"github.com/electsim/electsim/sim"
)

// TestRoutingByKindChangesNoReport: the suite hands each event only to the
// observers that want its kind; every ready scenario (faults, roles,
// expect sections with leader_by and the other outcomes) reports exactly
// what it reports when every observer sees every event.
func TestRoutingByKindChangesNoReport(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "scenarios", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, path := range paths {
		scn, err := sim.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := protocols.ForScenario(scn)
		if err != nil {
			t.Fatal(err)
		}
		var reports [2][]byte
		for i, routed := range []bool{true, false} {
			s, err := sim.New(scn, p, scn.Seed)
			if err != nil {
				t.Fatal(err)
			}
			suite := Attach(s)
			if !routed {
				suite.byKind = nil // every observer sees every event
			}
			if reports[i], err = json.Marshal(suite.Report(s.Run())); err != nil {
				t.Fatal(err)
			}
		}
		if string(reports[0]) != string(reports[1]) {
			t.Errorf("%s: routed by kind, the report differs:\n%s\nevery event to every observer:\n%s", filepath.Base(path), reports[0], reports[1])
		}
	}
}
