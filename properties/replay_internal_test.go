package properties

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/sim"
)

// TestReplayExplainsWhyTheRunFailed: the violation a replay explains is
// the earliest of a property the scenario expects, even when one it does
// not expect broke earlier (persist: false breaks single-belief a few
// events before single-leader); with none of those, the earliest of any.
func TestReplayExplainsWhyTheRunFailed(t *testing.T) {
	belief := &Violation{Property: SingleBelief, Index: 65}
	leader := &Violation{Property: SingleLeader, Index: 69}
	fenced := &Violation{Property: FencedResource, Index: 80}
	for _, tc := range []struct {
		expected []string
		want     *Violation
	}{
		{[]string{SingleLeader}, leader},
		{[]string{FencedResource, SingleLeader}, leader},
		{[]string{FencedResource}, fenced},
		{nil, belief},
		{[]string{Liveness}, belief},
	} {
		rep := &Report{Expected: tc.expected, violations: []*Violation{belief, leader, fenced}}
		if got := ExplainedViolation(rep); got != tc.want {
			t.Errorf("expecting %v: explains %s, want %s", tc.expected, got.Property, tc.want.Property)
		}
	}
	if ExplainedViolation(&Report{}) != nil {
		t.Error("a violation explained where there was none")
	}
}

// twoLeaders is a protocol in which every node leads generation 1: it
// breaks single-leader-per-generation at once.
type twoLeaders struct{}

func (twoLeaders) Start(env sim.Env)               { env.Lead(1) }
func (twoLeaders) Deliver(sim.NodeID, sim.Message) {}
func (twoLeaders) Fire(sim.Timer)                  {}

// recordTB is a test that records what it logs and whether it failed.
type recordTB struct {
	testing.TB
	name   string
	log    strings.Builder
	failed bool
}

func (r *recordTB) Name() string                      { return r.name }
func (r *recordTB) Helper()                           {}
func (r *recordTB) Log(args ...any)                   { fmt.Fprintln(&r.log, args...) }
func (r *recordTB) Logf(format string, args ...any)   { fmt.Fprintf(&r.log, format+"\n", args...) }
func (r *recordTB) Fail()                             { r.failed = true }
func (r *recordTB) Failed() bool                      { return r.failed }
func (r *recordTB) Fatal(args ...any)                 { r.failed = true; r.Log(args...) }
func (r *recordTB) Fatalf(format string, args ...any) { r.failed = true; r.Logf(format, args...) }

// TestCheckReplaysASavedFailure: with -electsim.replay, Check replays the
// failure its test saved, with the protocol the test passes, in any
// module: it logs what electsim replay prints and fails as the run does.
// The command it prints selects the test exactly.
func TestCheckReplaysASavedFailure(t *testing.T) {
	p := sim.Protocol{Name: "test/two-leaders", New: func(sim.NodeID, string) sim.Node { return twoLeaders{} }}
	scn := &sim.Scenario{Name: "two", Nodes: 2, Duration: time.Second, Protocol: sim.ProtocolSpec{Name: p.Name}, Seed: 3,
		Expect: sim.Expect{Properties: []string{SingleLeader}}}
	out, err := Run(scn, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	data, err := out.Scenario.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "TestMine_case_1.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	old := *replayFlag
	*replayFlag = path
	defer func() { *replayFlag = old }()
	rec := &recordTB{TB: t, name: "TestMine/case 1"}
	Check(rec, scn, p, Options{})
	for _, want := range []string{"single-leader-per-generation violated", "the events before it, the nodes' log lines between them, and the event itself", "matches the file: this is the saved run"} {
		if !strings.Contains(rec.log.String(), want) {
			t.Errorf("the replay's log lacks %q:\n%s", want, rec.log.String())
		}
	}
	if !rec.failed {
		t.Error("the replayed failure did not fail the test")
	}
	if got, want := runPattern("TestMine/case 1"), `^TestMine$/^case 1$`; got != want {
		t.Errorf("-run %q, want %q", got, want)
	}
}

// TestMisnamedInputsStopASearchBeforeItRuns: each misspelt word is named
// with the known ones, before any case runs.
func TestMisnamedInputsStopASearchBeforeItRuns(t *testing.T) {
	p := sim.Protocol{Name: "test/two-leaders", New: func(sim.NodeID, string) sim.Node { return twoLeaders{} }}
	base := func() *sim.Scenario {
		return &sim.Scenario{Name: "two", Nodes: 2, Duration: time.Second, Protocol: sim.ProtocolSpec{Name: p.Name}}
	}
	for _, tc := range []struct {
		name string
		edit func(*sim.Scenario, *Options, *sim.Protocol)
		want string
	}{
		{"a property in the options", func(_ *sim.Scenario, o *Options, _ *sim.Protocol) {
			o.Properties = []string{"single-leader-per-generaton"}
		},
			`Options.Properties: unknown property "single-leader-per-generaton" (known: single-leader-per-generation,`},
		{"a property the base expects", func(s *sim.Scenario, _ *Options, _ *sim.Protocol) { s.Expect.Properties = []string{"liveliness"} },
			`expect.properties: unknown property "liveliness"`},
		{"a fault kind", func(_ *sim.Scenario, o *Options, _ *sim.Protocol) { o.Space.Kinds = []string{"crash", "partiton"} },
			`FaultSpace.Kinds: unknown fault kind "partiton" (known: partition,`},
		{"a shape", func(_ *sim.Scenario, o *Options, _ *sim.Protocol) { o.Space.Shapes = []string{"ring"} },
			`FaultSpace.Shapes: unknown shape "ring" (known: groups,`},
		{"another protocol", func(_ *sim.Scenario, _ *Options, p *sim.Protocol) { p.Name = "raft" },
			`the base scenario names protocol "test/two-leaders", and the search was given "raft"`},
	} {
		scn, opts, proto := base(), Options{Checks: 1}, p
		tc.edit(scn, &opts, &proto)
		for _, search := range []func(testing.TB){
			func(tb testing.TB) { Check(tb, scn, proto, opts) },
			func(tb testing.TB) { Hunt(tb, scn, proto, opts) },
		} {
			rec := &recordTB{TB: t, name: "TestX"}
			search(rec)
			if !rec.failed || !strings.Contains(rec.log.String(), tc.want) {
				t.Errorf("%s: failed %v, log %q; want a failure saying %q", tc.name, rec.failed, rec.log.String(), tc.want)
			}
		}
	}
}

// noSecondLead is a checker of the caller's own: no node leads twice.
type noSecondLead struct {
	led       map[sim.NodeID]bool
	violation *Violation
}

func (c *noSecondLead) Name() string          { return "no-second-lead" }
func (c *noSecondLead) Violation() *Violation { return c.violation }
func (c *noSecondLead) Observe(e *sim.Event) {
	if e.Kind != sim.KindLead || c.violation != nil {
		return
	}
	if c.led[e.Node] {
		c.violation = &Violation{Property: c.Name(), Index: e.Index, Detail: fmt.Sprintf("n%d led a second time", e.Node)}
	}
	c.led[e.Node] = true
}

// leadCount is a metric of the caller's own.
type leadCount struct{ n int }

func (m *leadCount) Name() string   { return "leads" }
func (m *leadCount) Value() float64 { return float64(m.n) }
func (m *leadCount) Observe(e *sim.Event) {
	if e.Kind == sim.KindLead {
		m.n++
	}
}

// reLeader leads generation 1 at once, steps down at 100ms and leads
// generation 2 at 200ms: it breaks no built-in property, and leads twice.
type reLeader struct{ env sim.Env }

func (r *reLeader) Start(env sim.Env) {
	r.env = env
	if env.ID() == 1 {
		env.Lead(1)
		env.SetTimer(100*time.Millisecond, "down")
	}
}
func (r *reLeader) Deliver(sim.NodeID, sim.Message) {}
func (r *reLeader) Fire(t sim.Timer) {
	if t.Tag == "down" {
		r.env.StepDown()
		r.env.SetTimer(100*time.Millisecond, "up")
		return
	}
	r.env.Lead(2)
}

// TestACheckerOfYourOwnIsJudgedLikeTheBuiltInOnes: a checker in Options
// is expected, breaks the run, is shrunk and reported; a metric in
// Options is in the report.
func TestACheckerOfYourOwnIsJudgedLikeTheBuiltInOnes(t *testing.T) {
	p := sim.Protocol{Name: "test/re-leader", New: func(sim.NodeID, string) sim.Node { return &reLeader{} }}
	base := &sim.Scenario{Name: "re", Nodes: 3, Duration: time.Second, Protocol: sim.ProtocolSpec{Name: p.Name}}
	opts := Options{
		Checkers: []func(*sim.Roster) Checker{func(*sim.Roster) Checker { return &noSecondLead{led: map[sim.NodeID]bool{}} }},
		Metrics:  []func(*sim.Roster) Metric{func(*sim.Roster) Metric { return &leadCount{} }},
		Space:    FaultSpace{Kinds: []string{FaultPause}},
		Checks:   20,
	}
	out, err := RunWith(base, p, 1, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep := out.Report
	if rep.OK || !slices.Contains(rep.Violated(), "no-second-lead") || rep.UserMetrics["leads"] != 2 {
		t.Fatalf("ok %v, violated %v, user metrics %v; want no-second-lead broken and 2 leads", rep.OK, rep.Violated(), rep.UserMetrics)
	}
	found := Hunt(t, base, p, opts)
	if found == nil || !slices.Contains(found.Violated, "no-second-lead") || len(found.Scenario.Faults) != 0 {
		t.Fatalf("the search found %+v; want no-second-lead, shrunk to no fault", found)
	}
}

// TestYourCheckerReplaysThroughCheck: a violation of a checker of your
// own, shrunk and saved, replays with -electsim.replay in the test that
// passes the checker, and fails it again.
func TestYourCheckerReplaysThroughCheck(t *testing.T) {
	p := sim.Protocol{Name: "test/re-leader", New: func(sim.NodeID, string) sim.Node { return &reLeader{} }}
	base := &sim.Scenario{Name: "re", Nodes: 3, Duration: time.Second, Protocol: sim.ProtocolSpec{Name: p.Name}}
	opts := Options{
		Checkers: []func(*sim.Roster) Checker{func(*sim.Roster) Checker { return &noSecondLead{led: map[sim.NodeID]bool{}} }},
		Space:    FaultSpace{Kinds: []string{FaultPause}},
		Checks:   20,
	}
	found := Hunt(t, base, p, opts)
	if found == nil {
		t.Fatal("no counterexample")
	}
	data, err := found.Scenario.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "TestOwn.yaml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	old := *replayFlag
	*replayFlag = path
	defer func() { *replayFlag = old }()
	rec := &recordTB{TB: t, name: "TestOwn"}
	Check(rec, base, p, opts)
	if !rec.failed || !strings.Contains(rec.log.String(), "no-second-lead violated: n1 led a second time") {
		t.Errorf("failed %v; log:\n%s", rec.failed, rec.log.String())
	}
}
