package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/sim"
)

// storyEnds is how each ready scenario ends, as README.md's table tells:
// exit 0 when its story keeps every expected property and outcome, 1 when
// the story is a known bug that breaks one.
var storyEnds = map[string]int{
	"beacon-partition.yaml":              0,
	"bridge.yaml":                        0,
	"cloudflare-2020.yaml":               0,
	"generation-restart-no-persist.yaml": 1,
	"howard-scenario-1.yaml":             0,
	"lease-clock-drift.yaml":             1,
	"lease-gc-pause-fenced.yaml":         0,
	"lease-gc-pause.yaml":                1,
	"majorities-ring.yaml":               0,
	"raft-election-time.yaml":            0,
	"raft-figure16.yaml":                 0,
	"raft-leader-crash.yaml":             0,
	"raft-lease-drift.yaml":              1,
	"raft-no-persist-restart.yaml":       1,
	"sbr-keep-majority-restart.yaml":     1,
	"sbr-keep-majority.yaml":             0,
	"sbr-lease-majority.yaml":            0,
	"sbr-static-quorum-oversized.yaml":   1,
	"store-lease-gc-pause.yaml":          1,
	"store-lww-clock-step.yaml":          1,
	"store-lww-halves.yaml":              1,
	"store-vector-clock-step.yaml":       0,
	"store-vector-halves.yaml":           0,
}

// TestEveryScenarioEndsAsItsStorySays runs every ready scenario: each must
// end as the README says, and a new scenario must say how it ends here.
func TestEveryScenarioEndsAsItsStorySays(t *testing.T) {
	paths, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, path := range paths {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			want, ok := storyEnds[name]
			if !ok {
				t.Fatalf("%s is not in storyEnds: say how its story ends", name)
			}
			if code, out, errOut := electsim("run", path); code != want {
				t.Fatalf("exit %d, want %d\n%s%s", code, want, out, errOut)
			}
		})
	}
}

// TestREADMEScenarioSnippetsValidate: every YAML block in README.md is a
// part of a scenario that, under a minimal header, decodes and validates,
// or an experiment of scenarios/experiments/ that loads.
func TestREADMEScenarioSnippetsValidate(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	if len(blocks) == 0 {
		t.Fatal("README.md has no yaml block")
	}
	const header = "name: readme\nnodes: 5\nduration: 60s\nprotocol: {name: raft}\n"
	for i, b := range blocks {
		text := b[1]
		if experiment.IsExperimentFile([]byte(text)) {
			if err := loadREADMEExperiment(t, text); err != nil {
				t.Errorf("README yaml block %d: %v\n%s", i, err, text)
			}
			continue
		}
		if !strings.HasPrefix(text, "name:") {
			text = header + text
		}
		scn, err := sim.Parse("README.md", []byte(text))
		if err == nil {
			err = scn.Validate(nil)
		}
		if err != nil {
			t.Errorf("README yaml block %d: %v\n%s", i, err, text)
		}
	}
}

// loadREADMEExperiment loads an experiment the README shows as if it were
// in scenarios/experiments/, where its base is.
func loadREADMEExperiment(t *testing.T, text string) error {
	dir, err := filepath.Abs("../scenarios/experiments")
	if err != nil {
		return err
	}
	text = regexp.MustCompile(`(?m)^base: (\S+)`).ReplaceAllString(text, "base: "+dir+"/$1")
	path := filepath.Join(t.TempDir(), "readme.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	_, err = experiment.Load(path)
	return err
}
