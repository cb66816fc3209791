package bully_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/cli"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"

	"example.com/electsim-examples/bully"
)

func TestMain(m *testing.M) {
	protocols.Register(bully.Spec) // scenario files name it
	m.Run()
}

var cfg = bully.Config{Heartbeat: 100 * time.Millisecond, Timeout: 500 * time.Millisecond, UniqueGenerations: true, Persist: true}

// TestTranscriptStandsThenStepsDown drives n3 of five by hand: with no
// higher node heard for the timeout it stands in round 1 (generation
// 1*64+3) and announces itself; a coordinator from n5 sends it back.
func TestTranscriptStandsThenStepsDown(t *testing.T) {
	env := protocoltest.NewEnv(3, 5)
	n := bully.New(cfg).New(3, "n3")
	n.Start(env)
	env.Advance(n, 400*time.Millisecond)
	if env.Leading {
		t.Fatal("leads before the timeout")
	}
	env.Advance(n, 100*time.Millisecond)
	if !env.Leading || env.Gen != 67 {
		t.Fatalf("leading %v in %d at 500ms; want generation 67 (round 1 of n3)", env.Leading, env.Gen)
	}
	if got := env.Describe(env.Take()); !strings.Contains(got, "n1 <- Coordinator gen=67") || !strings.Contains(got, "n5 <- Coordinator gen=67") {
		t.Fatalf("announced\n%s", got)
	}
	n.Deliver(5, bully.Coordinator{Gen: 69})
	if env.Leading {
		t.Fatal("still leads after n5's coordinator")
	}
}

func cluster(params map[string]any) *sim.Scenario {
	return &sim.Scenario{Name: "bully", Nodes: 5, Duration: 20 * time.Second,
		Protocol: sim.ProtocolSpec{Name: "bully", Params: params},
		Expect:   sim.Expect{Properties: []string{properties.SingleLeader, properties.SingleBelief}}}
}

var faults = properties.FaultSpace{
	Kinds:        []string{properties.FaultPartition, properties.FaultHeal, properties.FaultCrash, properties.FaultPause},
	RestartAfter: 2 * time.Second,
}

var own = properties.Options{
	Checkers: []func(*sim.Roster) properties.Checker{bully.NewMonotonicGenerations},
	Metrics:  []func(*sim.Roster) properties.Metric{bully.NewElections},
}

// TestBullyKeepsGenerationsApart: no two nodes lead one generation and no
// node's generation goes down, under partitions, crashes with restarts and
// pauses.
func TestBullyKeepsGenerationsApart(t *testing.T) {
	base := cluster(nil)
	opts := own
	opts.Space, opts.Checks = faults, 200
	properties.Check(t, base, protocoltest.Build(t, base), opts)
}

// TestSharedGenerationsAreCaught: without the node's ID in the generation,
// the two sides of a partition lead the same round, and the built-in
// property catches it in one fault.
func TestSharedGenerationsAreCaught(t *testing.T) {
	base := cluster(map[string]any{"unique_generations": false})
	opts := own
	opts.Space, opts.Checks = faults, 2000
	found := properties.Hunt(t, base, protocoltest.Build(t, base), opts)
	protocoltest.RequireShrunk(t, found, "two leaders of one round", 3)
}

// TestVolatileRoundIsCaught: without persist a restarted node leads a
// generation below one it led; only this package's own checker sees it.
func TestVolatileRoundIsCaught(t *testing.T) {
	base := cluster(map[string]any{"persist": false})
	opts := own
	opts.Space, opts.Checks = faults, 2000
	found := properties.Hunt(t, base, protocoltest.Build(t, base), opts)
	if found == nil || found.Violated[0] != "monotonic-generations" {
		t.Fatalf("the search found %+v; want monotonic-generations broken", found)
	}
	protocoltest.RequireShrunk(t, found, "a generation that goes down after a restart", 3)
	protocoltest.RequireCause(t, found, "the restart that lost the round", sim.KindRestart)
}

// TestTheCommandRunsBully: a command built with cli.Main(bully.Spec) runs
// the protocol's scenario files, as electsim does its own.
func TestTheCommandRunsBully(t *testing.T) {
	var out, errOut strings.Builder
	code := cli.Run([]string{"run", "testdata/partition.yaml"}, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "ok   * single-leader-per-generation") || !strings.Contains(out.String(), "ok   * fenced-resource") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
}

// TestElectionsAreCounted: the package's own metric is in the report. At
// 500ms no node has heard a higher one, so all five stand, and the four
// lower step down within milliseconds; in the partition n1, n2 and n3
// stand, and n3 stays; after the heal n5 outbids n3's newer generation:
// nine in all. (The bully algorithm proper asks the higher nodes first;
// this one stands and lets the higher ones win.)
func TestElectionsAreCounted(t *testing.T) {
	scn, err := sim.Load("testdata/partition.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	out, err := properties.RunWith(scn, p, scn.Seed, own)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Report.UserMetrics["elections"]; got != 9 || !out.Report.OK {
		t.Fatalf("%v elections, ok %v; want 9 and every property held\n%v", got, out.Report.OK, out.Report.Violated())
	}
}
