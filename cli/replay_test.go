package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// saveRun runs a scenario as a property test would and saves what it ran,
// with its seed and trace hash, as a failing test saves its counterexample.
func saveRun(t interface{ Fatal(...any) }, scn *sim.Scenario, path string) *properties.Outcome {
	p, _, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	out, err := properties.Run(scn, p, scn.Seed)
	if err != nil {
		t.Fatal(err)
	}
	data, err := out.Scenario.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReplayRoundTrip: for drawn scenarios, run, save and replay give the
// same trace hash and the same violation.
func TestReplayRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(t *rapid.T) {
		base := &sim.Scenario{
			Name: "round-trip", Nodes: 5, Duration: 10 * time.Second,
			Protocol: sim.ProtocolSpec{Name: rapid.SampledFrom([]string{"example/beacon", "raft", "lease", "generation"}).Draw(t, "protocol")},
			Network:  sim.NetworkSpec{Latency: network.Uniform(time.Millisecond, 5*time.Millisecond), Loss: 0.01},
			Nemesis: &sim.Nemesis{Interval: time.Second, Kinds: []string{sim.NemesisPartition, sim.NemesisPause, sim.NemesisCrash}, Quiet: time.Second,
				Targets: []string{sim.RoleLeader, sim.RoleFollower, "n1", "n2"}},
			Boot:   map[string]sim.Span{"n5": sim.Between(0, 3*time.Second)},
			Expect: sim.Expect{Properties: []string{properties.SingleBelief, properties.FencedResource}},
		}
		// Roles, resolved as the run goes, are saved as the nodes they became.
		space := properties.FaultSpace{Targets: []string{sim.RoleLeader, sim.RoleAny, "n3"}}
		scn := properties.Scenarios(base, space).Draw(t, "scenario")
		path := filepath.Join(dir, "saved.yaml")
		out := saveRun(t, scn, path)

		code, stdout, stderr := electsim("replay", path)
		if !strings.Contains(stdout, "trace hash "+out.Report.TraceHash+" matches the file") {
			t.Fatalf("the replay is not the saved run (exit %d):\n%s%s", code, stdout, stderr)
		}
		if wantCode := map[bool]int{true: 0, false: 1}[out.Report.OK]; code != wantCode {
			t.Fatalf("replay exit %d, the run's report says ok=%v", code, out.Report.OK)
		}
		if v := properties.ExplainedViolation(out.Report); v != nil && (!strings.Contains(stdout, v.Property+" violated") || !strings.Contains(stdout, v.Detail)) {
			t.Fatalf("the replay does not show the run's violation %q:\n%s", v.Detail, stdout)
		}
	})
}

// TestReplayOfAnEditedFileSaysTheHashChanged: moving one fault makes a new
// scenario; the replay runs it and says it is not the saved run.
func TestReplayOfAnEditedFileSaysTheHashChanged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "saved.yaml")
	code, _, stderr := electsim("run", "../scenarios/lease-gc-pause.yaml", "-save", path)
	if code != 1 {
		t.Fatalf("saving lease-gc-pause: exit %d, %s", code, stderr)
	}
	if code, stdout, _ := electsim("replay", path); code != 1 || !strings.Contains(stdout, "matches the file") {
		t.Fatalf("replaying the saved file: exit %d\n%s", code, stdout)
	}
	data, _ := os.ReadFile(path)
	edited := strings.Replace(string(data), "at: 20.5s", "at: 21.5s", 1)
	if edited == string(data) {
		t.Fatal("the saved file has no fault at 20.5s to move")
	}
	os.WriteFile(path, []byte(edited), 0o644)
	code, stdout, stderr := electsim("replay", path)
	if code != 1 || !strings.Contains(stderr, "trace hash changed") || !strings.Contains(stderr, "the code or the scenario changed") {
		t.Fatalf("replaying the edited file: exit %d, stderr %q\n%s", code, stderr, stdout)
	}
	if !strings.Contains(stdout, "fenced-resource violated") {
		t.Fatalf("the edited run was not shown:\n%s", stdout)
	}
}

func TestReplayShowsTheEventsBeforeTheViolation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "saved.yaml")
	electsim("run", "../scenarios/lease-gc-pause.yaml", "-save", path)
	_, stdout, _ := electsim("replay", path, "-before", "5")
	lines := strings.Split(stdout, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "the events before it") {
			window := lines[i+1 : i+7]
			if !strings.Contains(window[5], "act-applied") || !strings.Contains(window[5], "n1's act in gen 1 accepted") {
				t.Fatalf("the last line is not the violating act:\n%s", strings.Join(window, "\n"))
			}
			return
		}
	}
	t.Fatalf("no lead-up in:\n%s", stdout)
}

func TestReplayWritesItsPictures(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "saved.yaml")
	electsim("run", "../scenarios/lease-gc-pause.yaml", "-save", path)
	svg, perfetto := filepath.Join(dir, "t.svg"), filepath.Join(dir, "p.json")
	if code, _, stderr := electsim("replay", path, "-timeline", svg, "-perfetto", perfetto); code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{svg, perfetto} {
		if info, err := os.Stat(f); err != nil || info.Size() == 0 {
			t.Fatalf("%s not written: %v", f, err)
		}
	}
	if code, _, stderr := electsim("replay", path, "-timeline", filepath.Join(dir, "t.gif")); code != 2 || !strings.Contains(stderr, ".svg or .png") {
		t.Fatalf("a .gif timeline: exit %d, %s", code, stderr)
	}
}

// TestReplayTellsTheCausalStory: the ready persist: false failure's replay
// tells the restart that lost the vote and the second vote it allowed, in
// text and in -json.
func TestReplayTellsTheCausalStory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "saved.yaml")
	if code, _, stderr := electsim("run", "../scenarios/raft-no-persist-restart.yaml", "-save", path); code != 1 {
		t.Fatalf("the scenario should fail: exit %d, %s", code, stderr)
	}
	_, stdout, _ := electsim("replay", path)
	story := stdout[strings.Index(stdout, "the causal story"):strings.Index(stdout, "the events before it")]
	for _, want := range []string{"restarts from its storage alone", "had promised generation 1 to", ") lost that", "<- the violation"} {
		if !strings.Contains(story, want) {
			t.Fatalf("the story lacks %q:\n%s", want, story)
		}
	}
	_, out, _ := electsim("replay", path, "-json")
	var got struct {
		Story []storyStepJSON `json:"story"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	restarts := 0
	for _, step := range got.Story {
		if step.Kind == "restart" {
			restarts++
		}
	}
	if len(got.Story) == 0 || restarts == 0 {
		t.Fatalf("replay -json has no story with the restart: %+v", got.Story)
	}
}

// TestPerfettoMarksTheViolationOnItsNodes: replay -perfetto puts the
// violation on the track of each node it involves.
func TestPerfettoMarksTheViolationOnItsNodes(t *testing.T) {
	dir := t.TempDir()
	saved, trace := filepath.Join(dir, "saved.yaml"), filepath.Join(dir, "trace.json")
	electsim("run", "../scenarios/raft-no-persist-restart.yaml", "-save", saved)
	if code, _, stderr := electsim("replay", saved, "-perfetto", trace); code != 1 {
		t.Fatalf("replay: exit %d, %s", code, stderr)
	}
	data, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		TraceEvents []struct {
			Name  string `json:"name"`
			Phase string `json:"ph"`
			TID   int    `json:"tid"`
			Scope string `json:"s"`
		} `json:"traceEvents"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	marked := map[int]bool{}
	for _, e := range file.TraceEvents {
		if e.Name == "VIOLATION single-belief-per-generation" && e.Phase == "i" && e.Scope == "t" {
			marked[e.TID] = true
		}
	}
	if !marked[1] || !marked[2] || len(marked) != 2 {
		t.Fatalf("the violation of n1 and n2 is marked on tracks %v", marked)
	}
}
