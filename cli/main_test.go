package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// electsim runs the command in-process and returns its exit status and
// output.
func electsim(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runMain(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestRunReadyScenarioExitsZero(t *testing.T) {
	code, out, errOut := electsim("run", "../scenarios/beacon-partition.yaml")
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"beacon-partition", "split brain", "ok   * single-leader-per-generation"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

// TestRunJSONContract holds the names scripts parse to what the README
// promises.
func TestRunJSONContract(t *testing.T) {
	code, out, errOut := electsim("run", "../scenarios/beacon-partition.yaml", "-json", "-seed", "3")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("-json printed no JSON object: %v\n%s", err, out)
	}
	for _, key := range []string{"scenario", "seed", "protocol", "events", "trace_hash", "duration_ns", "metrics", "properties"} {
		if _, ok := got[key]; !ok {
			t.Errorf("no %q in %s", key, out)
		}
	}
	if got["seed"] != 3.0 {
		t.Errorf("seed %v, want the 3 given with -seed", got["seed"])
	}
	metrics, _ := got["metrics"].(map[string]any)
	for _, key := range []string{"availability", "split_brain_ns", "stale_acts", "first_leader_ns", "leader_changes",
		"acts_issued", "acts_accepted", "acts_rejected", "messages_sent", "messages_dropped"} {
		if _, ok := metrics[key]; !ok {
			t.Errorf("no metrics.%s in %s", key, out)
		}
	}
	// The README lists every metric a script can read.
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for key := range metrics {
		if !strings.Contains(string(readme), "`"+key+"`") {
			t.Errorf("README.md does not list metrics.%s", key)
		}
	}
	props, _ := got["properties"].(map[string]any)
	p, _ := props["single-leader-per-generation"].(map[string]any)
	if _, ok := p["ok"].(bool); !ok {
		t.Errorf("properties.single-leader-per-generation has no boolean ok: %v", props)
	}
	if _, ok := p["detail"].(string); !ok {
		t.Errorf("properties.single-leader-per-generation has no detail: %v", props)
	}
}

func TestRunIsReproducible(t *testing.T) {
	_, first, _ := electsim("run", "../scenarios/beacon-partition.yaml", "-json")
	_, second, _ := electsim("run", "-json", "../scenarios/beacon-partition.yaml")
	if first != second {
		t.Fatalf("two runs of one scenario and seed differ:\n%s\n%s", first, second)
	}
}

func TestRunWritesTheTrace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.jsonl")
	_, out, _ := electsim("run", "../scenarios/beacon-partition.yaml", "-json", "-trace", path)
	var report struct{ Events int }
	if err := json.Unmarshal([]byte(out), &report); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	events := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var rec struct{ Kind string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("trace line %q: %v", sc.Text(), err)
		}
		if rec.Kind != "log" {
			events++
		}
	}
	if events != report.Events {
		t.Fatalf("the trace has %d events, the report counts %d", events, report.Events)
	}
}

func TestExitStatus(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string // a substring
	}{
		{[]string{"run", "testdata/fenced-expected.yaml"}, 1, ""},
		{[]string{"run", "testdata/bad-node.yaml"}, 2, `testdata/bad-node.yaml:7:5: faults[0].crash: unknown node "n9"`},
		{[]string{"run", "testdata/bad-param.yaml"}, 2, "testdata/bad-param.yaml:6:3: protocol.interval: want a duration"},
		{[]string{"run", "testdata/missing.yaml"}, 2, "no such file"},
		{[]string{"run"}, 2, "run takes one scenario file"},
		{[]string{"run", "a.yaml", "b.yaml"}, 2, "run takes one scenario file"},
		{[]string{"run", "-seed", "x", "a.yaml"}, 2, "invalid value"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{}, 2, "usage"},
	} {
		code, out, errOut := electsim(tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("electsim %s: exit %d, stderr %q; want exit %d and %q\n%s", strings.Join(tc.args, " "), code, errOut, tc.code, tc.stderr, out)
		}
	}
}

func TestViolationIsExplained(t *testing.T) {
	_, out, _ := electsim("run", "testdata/fenced-expected.yaml")
	if !strings.Contains(out, "FAIL * fenced-resource: the resource accepted") {
		t.Fatalf("the summary does not explain the violated property:\n%s", out)
	}
}

func TestProtocolsListsParameters(t *testing.T) {
	code, out, _ := electsim("protocols")
	if code != 0 || !strings.Contains(out, "example/beacon") || !strings.Contains(out, "timeout_min") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestOverridesChangeTheProtocol(t *testing.T) {
	_, plain, _ := electsim("run", "../scenarios/lease-gc-pause.yaml", "-json")
	code, fenced, errOut := electsim("run", "../scenarios/lease-gc-pause.yaml", "-json", "-set", "fenced=true")
	if code != 0 {
		t.Fatalf("lease-gc-pause with -set fenced=true: exit %d, want 0 (fenced-resource holds)\n%s", code, errOut)
	}
	var a, b struct {
		Metrics struct {
			StaleActs    int `json:"stale_acts"`
			ActsRejected int `json:"acts_rejected"`
		}
	}
	if json.Unmarshal([]byte(plain), &a) != nil || json.Unmarshal([]byte(fenced), &b) != nil {
		t.Fatal("no JSON")
	}
	if a.Metrics.StaleActs == 0 || b.Metrics.StaleActs != 0 || b.Metrics.ActsRejected == 0 {
		t.Fatalf("unfenced %+v, fenced %+v: want stale acts only without fencing, and rejections with it", a, b)
	}
	code, out, _ := electsim("run", "../scenarios/bridge.yaml", "-protocol", "routing")
	if code != 0 || !strings.Contains(out, "protocol routing") {
		t.Fatalf("-protocol routing: exit %d\n%s", code, out)
	}
	if code, _, errOut := electsim("run", "../scenarios/bridge.yaml", "-set", "prevote"); code != 2 || !strings.Contains(errOut, "key=value") {
		t.Fatalf("-set without a value: exit %d, %s", code, errOut)
	}
}
