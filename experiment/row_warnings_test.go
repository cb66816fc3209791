package experiment_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/electsim/electsim/experiment"
)

// TestRowsCarryWarningsAndPeakMemory: a row says what electsim run -json
// says of its run: the faults that could not take effect (a restart of a
// node that is up) and the most memory the run accounted for.
func TestRowsCarryWarningsAndPeakMemory(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	write("base.yaml", "name: base\nnodes: 3\nduration: 5s\nprotocol: {name: raft}\nfaults:\n  - {at: 2s, restart: n1}\n")
	e := load(t, write("exp.yaml", "name: warn\nbase: base.yaml\nseeds: 1-2\nconfigurations:\n  - name: raft\n    protocol: {name: raft}\n"))
	for _, r := range runAll(t, e, experiment.Options{Parallel: 1}) {
		if len(r.Ignored) != 1 || !strings.Contains(r.Ignored[0].Fault, "restart n1") {
			t.Errorf("seed %d: ignored faults %+v, want the restart of n1, which was up", r.Seed, r.Ignored)
		}
		if r.PeakMemoryBytes <= 0 {
			t.Errorf("seed %d: peak memory %d, want the run's", r.Seed, r.PeakMemoryBytes)
		}
	}
}
