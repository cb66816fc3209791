package experiment_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/electsim/electsim/experiment"
)

// TestAConfigurationOutOfMemoryCostsOnlyItsRows: in a sweep where one
// configuration exceeds limits.max_memory (Raft with a 10µs heartbeat under
// a 100KiB limit: a round of heartbeats leaves every 10µs, and hundreds are
// in flight at once), each of its runs
// is a row with the limit's error, and every other configuration's rows
// are whole, on one worker or two.
func TestAConfigurationOutOfMemoryCostsOnlyItsRows(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("base.yaml", "name: base\nnodes: 5\nduration: 20s\nprotocol: {name: raft}\n")
	write("exp.yaml", `name: memory
base: base.yaml
seeds: 1-3
configurations:
  - name: raft
    protocol: {name: raft}
  - name: flood
    protocol: {name: raft, heartbeat: 10us}
    set: {limits.max_memory: 100KiB}
  - name: routing
    protocol: {name: routing}
`)
	e, err := experiment.Load(filepath.Join(dir, "exp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, parallel := range []int{1, 2} {
		rows := runAll(t, e, experiment.Options{Parallel: parallel})
		if len(rows) != e.Runs() {
			t.Fatalf("-parallel %d: %d rows of %d runs", parallel, len(rows), e.Runs())
		}
		for _, r := range rows {
			switch {
			case r.Config == "flood" && !strings.Contains(r.Error, "limit max_memory"):
				t.Errorf("flood seed %d: error %q, want the max_memory limit", r.Seed, r.Error)
			case r.Config != "flood" && (r.Failed() || r.Metrics == nil || r.Events == 0):
				t.Errorf("%s seed %d lost to the other configuration's failure: error %q", r.Config, r.Seed, r.Error)
			}
		}
	}
}
