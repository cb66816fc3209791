package experiment_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/electsim/electsim/experiment"
)

// TestBadExperimentFiles: each mistake is an error that names the file,
// the line and the field, before any run.
func TestBadExperimentFiles(t *testing.T) {
	const head = "name: t\nbase: ../../scenarios/raft-leader-crash.yaml\nseeds: 1-2\n"
	const raft = "configurations:\n  - name: raft\n    protocol: {name: raft}\n"
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"unknown field", head + raft + "colour: red\n", `t.yaml:7:1: colour: unknown field "colour"`},
		{"no configurations", head, "t.yaml:1:1: configurations: want 1 to 100 configurations, got 0"},
		{"no base", "name: t\nseeds: 1\n" + raft, "base: missing"},
		{"missing base file", strings.Replace(head, "raft-leader-crash", "nope", 1) + raft, "t.yaml:2:1: base: open"},
		{"bad seeds", strings.Replace(head, "1-2", "2-1", 1) + raft, "t.yaml:3:1: seeds: the range 2-1 runs backwards"},
		{"two configurations of one name", head + raft + "  - name: raft\n    protocol: {name: raft}\n", `t.yaml:7:5: configurations[1].name: "raft" names two configurations`},
		{"unknown protocol", head + "configurations:\n  - name: x\n    protocol: {name: paxos}\n", `configurations[0].protocol: protocol.name: unknown protocol "paxos"`},
		{"bad protocol parameter", head + "configurations:\n  - name: x\n    protocol: {name: raft, prevote: maybe}\n", `t.yaml:6:5: configurations[0].protocol: protocol.prevote: want true or false, got "maybe"`},
		{"axis value out of range", head + raft + "axes:\n  - path: network.loss\n    values: [0, 2]\n", "t.yaml:9:17: axes[0].values[1]: loss=2: network.loss: probability 2 is outside [0, 1]"},
		{"axis on a fault that is not there", head + raft + "axes:\n  - path: faults[3].for\n    values: [1s]\n", "t.yaml:9:14: axes[0].values[0]: faults has no item [3] in the base scenario"},
		{"axis with an unknown field", head + raft + "axes:\n  - path: network.lossy\n    values: [0.1]\n", `t.yaml:8:5: axes[0].path: network has no field "lossy" (did you mean network.loss?`},
		{"configuration setting an unknown field", head + "configurations:\n  - name: a\n    protocol: {name: raft}\n    set: {clockz.x: 3}\n", `configurations[0].set: clockz.x: a scenario has no field "clockz" (did you mean clocks?`},
		{"range backwards", head + raft + "axes:\n  - path: network.loss\n    range: {from: 0.5, to: 0.1, step: 0.1}\n", "t.yaml:9:5: axes[0].range: the range runs backwards"},
		{"range too long", head + raft + "axes:\n  - path: workload.act_every\n    range: {from: 1ms, to: 1h, step: 1ms}\n", "axes[0].range: more than 1000 values"},
		{"range of mixed units", head + raft + "axes:\n  - path: workload.act_every\n    range: {from: 1ms, to: 2, step: 1ms}\n", "from, to and step are numbers or durations"},
		{"values and range", head + raft + "axes:\n  - path: network.loss\n    values: [0]\n    range: {from: 0, to: 1, step: 1}\n", "axes[0]: give values or a range, not both"},
		{"labels not one each", head + raft + "axes:\n  - path: network.loss\n    values: [0, 0.1]\n    labels: [none]\n", "axes[0].labels: 1 labels for 2 values"},
		{"paired axes of different lengths", head + raft + "paired: true\naxes:\n  - path: network.loss\n    values: [0, 0.1]\n  - path: nodes\n    values: [3, 5, 7]\n", "axes: paired: loss has 2 values and nodes 3"},
		{"set a protocol parameter by path", head + "configurations:\n  - name: x\n    protocol: {name: raft}\n    set: {protocol.prevote: true}\n", "configurations[0].set: protocol.prevote: set protocol parameters under protocol"},
		{"alias bomb", head + raft + "axes:\n  - path: network.loss\n    values: &a [0, *a]\n", "t.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "d", "e")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "t.yaml")
			text := strings.ReplaceAll(tc.yaml, "../../scenarios/", mustAbs(t, "../scenarios")+"/")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := experiment.Load(path)
			if err == nil {
				t.Fatalf("no error for\n%s", text)
			}
			got := strings.ReplaceAll(err.Error(), path, "t.yaml")
			if !strings.Contains(got, tc.want) {
				t.Errorf("error %q\nwant one containing %q", got, tc.want)
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
