package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

const (
	howard = "../scenarios/howard-scenario-1.yaml"
	ring   = "../scenarios/majorities-ring.yaml"
)

// panicky is a test-only protocol: n1 leads generation 1 at once, and in
// about half the runs (as n1's own random stream draws) panics a second in.
const panicky = "test/panicky"

func init() {
	protocols.Register(protocols.Spec{
		Name: panicky,
		Doc:  "n1 leads; in some runs it panics after 1s (a test of sweeps)",
		Build: func(*protocols.Values) sim.Protocol {
			return sim.Protocol{New: func(sim.NodeID, string) sim.Node { return &panickyNode{} }}
		},
	})
}

type panickyNode struct{}

func (panickyNode) Start(env sim.Env) {
	if env.ID() != 1 {
		return
	}
	env.Lead(1)
	if env.Rand().Float64() < 0.5 {
		env.SetTimer(time.Second, "boom")
	}
}

func (panickyNode) Deliver(sim.NodeID, sim.Message) {}

func (panickyNode) Fire(sim.Timer) { panic("panicky drew below the threshold") }

// sweepOut is the part of sweep -json the tests read.
type sweepOut struct {
	Experiment     string `json:"experiment"`
	Configurations []struct {
		Config   string         `json:"config"`
		Protocol string         `json:"protocol"`
		Params   map[string]any `json:"params"`
		Runs     []struct {
			Seed      uint64         `json:"seed"`
			TraceHash string         `json:"trace_hash"`
			OK        bool           `json:"ok"`
			Error     string         `json:"error"`
			Violated  []string       `json:"violated"`
			Metrics   map[string]any `json:"metrics"`
		} `json:"runs"`
		Summary struct {
			Runs              int     `json:"runs"`
			Failed            int     `json:"failed"`
			Measured          int     `json:"measured"`
			LeaderChangesMean float64 `json:"leader_changes_mean"`
			AvailabilityMean  float64 `json:"availability_mean"`
		} `json:"summary"`
	} `json:"configurations"`
}

func sweep(t *testing.T, wantCode int, args ...string) (out string, parsed sweepOut) {
	t.Helper()
	code, out, errOut := electsim(append([]string{"sweep"}, args...)...)
	if code != wantCode {
		t.Fatalf("electsim sweep %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, out, errOut)
	}
	if errOut != "" {
		t.Errorf("electsim sweep %s wrote to a non-terminal stderr: %q", strings.Join(args, " "), errOut)
	}
	if slices := strings.Contains(strings.Join(args, " "), "-json"); slices {
		if err := json.Unmarshal([]byte(out), &parsed); err != nil {
			t.Fatalf("-json printed no JSON object: %v\n%s", err, out)
		}
	}
	return out, parsed
}

func TestSweepShowsPrevoteEndsTheChurn(t *testing.T) {
	_, got := sweep(t, 0, howard, "-set", "prevote=false,true", "-seeds", "1-4", "-json")
	if len(got.Configurations) != 2 {
		t.Fatalf("%d configurations, want 2 (prevote false, true)", len(got.Configurations))
	}
	without, with := got.Configurations[0], got.Configurations[1]
	if without.Params["prevote"] != false || with.Params["prevote"] != true {
		t.Fatalf("params %v then %v, want prevote false then true", without.Params, with.Params)
	}
	for _, c := range got.Configurations {
		if c.Summary.Runs != 4 || len(c.Runs) != 4 || c.Summary.Measured != 4 {
			t.Errorf("prevote=%v: summary %+v with %d runs, want 4 runs all measured", c.Params["prevote"], c.Summary, len(c.Runs))
		}
	}
	if without.Summary.LeaderChangesMean <= with.Summary.LeaderChangesMean {
		t.Errorf("leader changes: %.2f without prevote, %.2f with it; want more without (Howard & Abraham's churn)",
			without.Summary.LeaderChangesMean, with.Summary.LeaderChangesMean)
	}
	table, _ := sweep(t, 0, howard, "-set", "prevote=false,true", "-seeds", "1-4")
	for _, want := range []string{"config  prevote  runs", "raft    false", "raft    true", "changes"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
}

func TestSweepDoesNotDependOnParallelism(t *testing.T) {
	args := []string{howard, "-set", "prevote=false,true", "-set", "check_quorum=true", "-seeds", "1-3,7", "-json"}
	one, _ := sweep(t, 0, append(args, "-parallel", "1")...)
	four, _ := sweep(t, 0, append(args, "-parallel", "4")...)
	if one != four {
		t.Fatalf("-parallel 1 and -parallel 4 differ:\n%s\n%s", one, four)
	}
}

// TestSweepRunsAreElectsimRuns holds each run of a sweep to the run
// electsim run gives for its seed and parameters.
func TestSweepRunsAreElectsimRuns(t *testing.T) {
	_, got := sweep(t, 0, howard, "-set", "prevote=false,true", "-seeds", "1-4", "-json")
	for _, c := range got.Configurations {
		for _, r := range c.Runs {
			set := fmt.Sprintf("prevote=%v", c.Params["prevote"])
			_, out, errOut := electsim("run", howard, "-seed", fmt.Sprint(r.Seed), "-set", set, "-json")
			var single struct {
				TraceHash string         `json:"trace_hash"`
				OK        bool           `json:"ok"`
				Metrics   map[string]any `json:"metrics"`
			}
			if err := json.Unmarshal([]byte(out), &single); err != nil {
				t.Fatalf("run -seed %d -set %s: %v\n%s", r.Seed, set, err, errOut)
			}
			if r.TraceHash != single.TraceHash || r.OK != single.OK || !reflect.DeepEqual(r.Metrics, single.Metrics) {
				t.Errorf("seed %d %s: the sweep gives trace %s ok=%v %v, electsim run gives %s ok=%v %v",
					r.Seed, set, r.TraceHash, r.OK, r.Metrics, single.TraceHash, single.OK, single.Metrics)
			}
		}
	}
}

func TestSweepReportsAPanickingProtocolAndKeepsTheOtherRuns(t *testing.T) {
	out, got := sweep(t, 1, ring, "-protocols", "raft,"+panicky, "-seeds", "1-8", "-json")
	_, raftOnly := sweep(t, 0, ring, "-seeds", "1-8", "-json")
	if !reflect.DeepEqual(got.Configurations[0], raftOnly.Configurations[0]) {
		t.Errorf("raft's runs next to a panicking protocol differ from raft's runs alone")
	}
	c := got.Configurations[1]
	if len(c.Runs) != 8 {
		t.Fatalf("%d runs of %s, want all 8:\n%s", len(c.Runs), panicky, out)
	}
	failed := 0
	for i, r := range c.Runs {
		if r.Seed != uint64(i+1) {
			t.Errorf("run %d has seed %d, want %d: runs in seed order", i, r.Seed, i+1)
		}
		if r.Error == "" {
			if !r.OK || r.TraceHash == "" || r.Metrics == nil {
				t.Errorf("seed %d did not panic but has no result: %+v", r.Seed, r)
			}
			continue
		}
		failed++
		if !strings.Contains(r.Error, "panicky drew below the threshold") || !strings.Contains(r.Error, fmt.Sprintf("seed %d", r.Seed)) ||
			!strings.Contains(r.Error, "goroutine") {
			t.Errorf("seed %d: error %q lacks the panic, its seed or its stack", r.Seed, r.Error)
		}
	}
	if failed == 0 || failed == 8 || c.Summary.Failed != failed {
		t.Fatalf("%d of 8 runs panicked, summary says %d; the test wants some of each", failed, c.Summary.Failed)
	}
	table, _ := sweep(t, 1, ring, "-protocols", "raft,"+panicky, "-seeds", "1-8")
	if !strings.Contains(table, "failed: panic at t=1.") || !strings.Contains(table, "-protocol "+panicky) {
		t.Errorf("the table does not list the failed runs with their error and how to rerun one:\n%s", table)
	}
}

func TestSweepBadInputExitsTwo(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string // a substring
	}{
		{[]string{ring, "-protocols", "raft,nosuch"}, `-protocols nosuch: protocol.name: unknown protocol "nosuch"`},
		{[]string{howard, "-protocols", "raft,routing,raft"}, "lists raft twice"},
		{[]string{howard, "-set", "nosuch=1,2"}, `raft has no parameter "nosuch"`},
		{[]string{howard, "-set", "prevote=true,maybe"}, "protocol.prevote: want true or false"},
		{[]string{howard, "-set", "prevote=true", "-set", "prevote=false"}, "prevote is set twice"},
		{[]string{howard, "-set", "prevote=true,"}, "empty item"},
		{[]string{howard, "-set", "prevote"}, "want key=value"},
		{[]string{howard, "-seeds", "5-1"}, "the range 5-1 runs backwards"},
		{[]string{howard, "-seeds", "1-x"}, "want seeds such as 1-20 or 1,2,7"},
		{[]string{howard, "-seeds", "1,2,1"}, "seed 1 is given twice"},
		{[]string{howard, "-seeds", "1-1000000000"}, "more than 1000000 seeds"},
		{[]string{howard, "-protocols", "raft,routing", "-seeds", "1-600000"}, "-seeds: more than 1000000 runs (2 configurations x 1 points x 600000 seeds)"},
		{[]string{howard, "-parallel", "0"}, "-parallel must be 1..1024, got 0"},
		{[]string{howard, "-plot", "out.svg"}, `-plot takes a directory for the charts, not "out.svg"`},
		{[]string{howard, "-resume"}, "-resume goes on with the -out file; give -out"},
		{[]string{howard, "-shard", "4/4"}, `-shard 4/4: the index "4" is not in 0..3`},
		{[]string{howard, "-shard", "1-4"}, `-shard: want i/n such as 0/4, got "1-4"`},
		{[]string{howard, "-shard", "/4"}, "-shard /4: no shard index (JOB_COMPLETION_INDEX is not set)"},
		{[]string{"../scenarios/experiments/loss.yaml", "-set", "prevote=true"}, "is an experiment file: its configurations and axes say what -protocols, -set and -paired would"},
		{[]string{"../scenarios/experiments/loss.yaml", "-seeds", "3-1"}, "the range 3-1 runs backwards"},
		{[]string{"../scenarios/experiments/loss.yaml", "-paired"}, "is an experiment file: its configurations and axes say what"},
		{[]string{howard, "-cdf", "out.jpg"}, `-cdf writes .svg or .png, not ".jpg"`},
		{[]string{howard, "-paired", "-set", "prevote=true,false", "-set", "election_timeout_max=1s,2s,3s"}, "-paired: -set prevote has 2 values and -set election_timeout_max 3"},
		{[]string{howard, "-paired", "-set", "prevote=true"}, "-paired needs -set lists of several values"},
		{[]string{"testdata/missing.yaml"}, "no such file"},
		{[]string{}, "sweep takes one scenario or experiment file"},
	} {
		code, out, errOut := electsim(append([]string{"sweep"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.stderr) || out != "" {
			t.Errorf("electsim sweep %s: exit %d, stderr %q, stdout %q; want exit 2, %q and no output",
				strings.Join(tc.args, " "), code, errOut, out, tc.stderr)
		}
	}
}

// TestSweepDrawsNoBarOffATerminal gives the sweep a file for stderr, as a
// shell redirection does: the bar must stay out of it.
func TestSweepDrawsNoBarOffATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	if code := runMain([]string{"sweep", ring, "-seeds", "1-3"}, &out, f); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	if info, err := f.Stat(); err != nil || info.Size() != 0 {
		t.Fatalf("stderr got %d bytes (%v), want none", info.Size(), err)
	}
}

// TestSweepPlots: -plot DIR draws the comparison charts, in SVG and PNG,
// failed runs included as failed.
func TestSweepPlots(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "charts")
	sweep(t, 1, ring, "-protocols", "raft,routing,"+panicky, "-seeds", "1-4", "-plot", dir)
	for _, name := range []string{"availability", "safety", "new-leader-cdf", "paired"} {
		svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("routing")) {
			t.Errorf("%s.svg is no chart of raft and routing", name)
		}
		f, err := os.Open(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s.png: %v", name, err)
		}
		f.Close()
	}
}

// TestNewLeaderCell: the median and longest time to a new leader, with
// the faults no new leader followed and those skipped.
func TestNewLeaderCell(t *testing.T) {
	s := experiment.Summary{NewLeaderFaults: 3, NewLeaderMedianNS: 2e9, NewLeaderMaxNS: 3e9, NoNewLeaderFaults: 1, SkippedFaults: 2}
	if cell := newLeaderCell(s); cell != "2s/3s (1 none, 2 skipped)" {
		t.Errorf("cell %q", cell)
	}
	if cell := newLeaderCell(experiment.Summary{}); cell != "-" {
		t.Errorf("no fault: cell %q, want -", cell)
	}
}

// TestSetValuesMayBeLists: -set splits at the commas outside brackets, so
// a value may itself be a list or a map.
func TestSetValuesMayBeLists(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want []string
	}{
		{"prevote=true,false", []string{"true", "false"}},
		{"role_members=[n1,n2],[n3]", []string{"[n1,n2]", "[n3]"}},
		{"initial_logs={n1: [1, 2]}, {n2: [1]}", []string{"{n1: [1, 2]}", "{n2: [1]}"}},
		{"heartbeat=10ms", []string{"10ms"}},
	} {
		a, err := parseSetAxis(tc.arg)
		if err != nil {
			t.Errorf("%s: %v", tc.arg, err)
			continue
		}
		if diff := cmp.Diff(tc.want, a.Values); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.arg, diff)
		}
	}
}

// TestSweepPairsAndDrawsTheTimeToANewLeader: -paired goes value by value
// (two configurations, not four), and -cdf draws one curve of the time to a
// new leader per configuration, named by its values.
func TestSweepPairsAndDrawsTheTimeToANewLeader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cdf.svg")
	out, _ := sweep(t, 0, "../scenarios/raft-election-time.yaml", "-seeds", "1-5", "-json", "-paired",
		"-set", "election_timeout_min=500ms,1s", "-set", "election_timeout_max=1s,2s", "-cdf", path)
	var rep struct {
		Configurations []struct {
			Params map[string]any `json:"params"`
		} `json:"configurations"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Configurations) != 2 || rep.Configurations[1].Params["election_timeout_min"] != "1s" || rep.Configurations[1].Params["election_timeout_max"] != "2s" {
		t.Fatalf("configurations %+v, want 500ms-1s and 1s-2s", rep.Configurations)
	}
	svg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"election_timeout_min=500ms election_timeout_max=1s (5 trials)", "time to a new leader"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("the CDF lacks %q", want)
		}
	}
}

// TestSweepWarnsOfFaultsThatChangedNothing: a sweep says, as run does,
// when its runs had faults that could not take effect.
func TestSweepWarnsOfFaultsThatChangedNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ig.yaml")
	if err := os.WriteFile(path, []byte("name: ig\nnodes: 3\nduration: 5s\nprotocol: {name: raft}\nfaults:\n  - {at: 2s, restart: n1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := electsim("sweep", path, "-seeds", "1-2")
	if code != 0 || !strings.Contains(out, "warning: 2 runs had a fault that changed nothing (the first: raft seed 1: restart n1: n1 is up at 2s)") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}
