package sbr_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/protocols/sbr"
	"github.com/electsim/electsim/sim"
)

// ---- whole runs ----

func cluster(nodes int, duration time.Duration, params map[string]any, faults ...sim.Fault) *sim.Scenario {
	return &sim.Scenario{
		Name: "sbr-test", Nodes: nodes, Duration: duration,
		Protocol: sim.ProtocolSpec{Name: "sbr", Params: params},
		Network:  sim.NetworkSpec{Latency: network.Uniform(time.Millisecond, 5*time.Millisecond)},
		Faults:   faults,
	}
}

// belief is a copy of a Lead or StepDown event.
type belief struct {
	at   sim.Time
	node sim.NodeID
	gen  sim.Generation
	lead bool // false: a step-down
}

// outcome is what a test reads from a run besides the report: beliefs in
// order, when each node downed itself, and each node's last send.
type outcome struct {
	rep      *properties.Report
	beliefs  []belief
	downedAt map[sim.NodeID]sim.Time
	lastSend map[sim.NodeID]sim.Time
	logs     []string // "12s n3 keeps ...", for failure messages
}

func (o *outcome) leads() []belief {
	return slices.DeleteFunc(slices.Clone(o.beliefs), func(b belief) bool { return !b.lead })
}

// run runs a scenario with every checker attached.
func run(t *testing.T, scn *sim.Scenario, seed uint64) *outcome {
	t.Helper()
	s, err := sim.New(scn, protocoltest.Build(t, scn), seed)
	if err != nil {
		t.Fatalf("building the run: %v", err)
	}
	o := &outcome{downedAt: map[sim.NodeID]sim.Time{}, lastSend: map[sim.NodeID]sim.Time{}}
	s.OnLog(func(at sim.Time, node sim.NodeID, line string) {
		o.logs = append(o.logs, at.String()+" n"+strconv.Itoa(int(node))+" "+line)
	})
	s.Observe(sim.ObserverFunc(func(e *sim.Event) {
		switch e.Kind {
		case sim.KindLead, sim.KindStepDown:
			o.beliefs = append(o.beliefs, belief{e.At, e.Node, e.Gen, e.Kind == sim.KindLead})
		case sim.KindSend:
			o.lastSend[e.Node] = e.At
		case sim.KindOutOfService: // a node downing itself, as the trace records it
			o.downedAt[e.Node] = e.At
		}
	}))
	o.rep = properties.Attach(s).Report(s.Run())
	if o.rep.Error != "" {
		t.Fatalf("seed %d: run stopped: %s", seed, o.rep.Error)
	}
	return o
}

func allHold(t *testing.T, o *outcome) {
	t.Helper()
	for _, name := range []string{properties.SingleLeader, properties.SingleBelief} {
		if p := o.rep.Properties[name]; !p.OK {
			t.Errorf("seed %d: %s: %s\n%s", o.rep.Seed, name, p.Detail, strings.Join(o.logs, "\n"))
		}
	}
}

// ---- parameters ----

func parse(t *testing.T, nodes int, protocol string) *sim.Scenario {
	t.Helper()
	scn, err := sim.Parse("t.yaml", []byte("name: t\nnodes: "+strconv.Itoa(nodes)+"\nduration: 10s\nprotocol:\n  name: sbr\n"+protocol))
	if err != nil {
		t.Fatal(err)
	}
	return scn
}

func TestParameterDefaults(t *testing.T) {
	spec, ok := protocols.Lookup("sbr")
	if !ok {
		t.Fatal("sbr is not registered")
	}
	v, err := spec.Values(parse(t, 5, ""))
	if err != nil {
		t.Fatal(err)
	}
	d := sbr.Defaults
	if v.String("strategy") != string(d.Strategy) || v.Duration("heartbeat") != d.Heartbeat || v.Duration("unreachable_after") != d.UnreachableAfter ||
		v.Duration("stable_after") != d.StableAfter || v.Duration("down_all_when_unstable") != d.DownAllWhenUnstable ||
		v.Int("quorum_size") != int64(d.QuorumSize) || v.Bool("down_if_alone") != d.DownIfAlone || v.String("referee") != "n1" ||
		v.Int("down_all_if_less_than") != int64(d.DownAllIfLessThan) || len(v.Warnings()) != 0 {
		t.Errorf("defaults differ from sbr.Defaults, or warn: %v", v.Warnings())
	}
}

func TestCheckRejectsNonsense(t *testing.T) {
	for _, tc := range []struct{ params, want string }{
		{"  quorum_size: 0\n", "t.yaml:6:3: protocol.quorum_size: 0 is outside [1, 64]"},
		{"  heartbeat: 3s\n", "t.yaml:6:3: protocol.heartbeat: 3s is not below unreachable_after 3s"},
		{"  heartbeat: 2s\n  unreachable_after: 1s\n", "protocol.heartbeat: 2s is not below unreachable_after 1s"},
		{"  strategy: keep-referee\n  referee: n6\n", "t.yaml:7:3: protocol.referee: unknown referee n6: the cluster is n1..n5"},
		{"  referee: n65\n", "protocol.referee: want one of"},
		{"  strategy: keep-newest\n", "protocol.strategy: want one of static-quorum, keep-majority, keep-oldest, keep-referee, down-all"},
		{"  stable_after: 7\n", "want a duration with its unit"},
	} {
		_, _, err := protocols.ForScenario(parse(t, 5, tc.params))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.params, err, tc.want)
		}
	}
}

func TestCheckWarnsOfTheKnownBugs(t *testing.T) {
	for _, tc := range []struct {
		nodes  int
		params string
		want   []string
	}{
		{5, "  strategy: static-quorum\n  quorum_size: 3\n", nil},
		{3, "  strategy: static-quorum\n  quorum_size: 2\n", nil},
		{5, "  strategy: static-quorum\n  quorum_size: 2\n", []string{"protocol.quorum_size: 5 nodes is more than 2*quorum_size-1 = 3: both sides of a partition can have a quorum"}},
		{6, "  strategy: static-quorum\n  quorum_size: 3\n", []string{"6 nodes is more than 2*quorum_size-1 = 5"}},
		{3, "  strategy: static-quorum\n  quorum_size: 4\n", []string{"4 is more than the 3 nodes: no side is ever kept"}},
		{5, "  quorum_size: 2\n", nil}, // only static-quorum counts a quorum
		{5, "  stable_after: 2s\n", []string{"protocol.stable_after: 2s is below unreachable_after 3s"}},
		{5, "  strategy: keep-oldest\n  down_if_alone: false\n", []string{"protocol.down_if_alone: false: an oldest member cut off alone keeps itself"}},
		{5, "  strategy: keep-referee\n  down_all_if_less_than: 6\n", []string{"6 is more than the 5 nodes"}},
	} {
		_, warnings, err := protocols.ForScenario(parse(t, tc.nodes, tc.params))
		if err != nil {
			t.Errorf("%q: %v", tc.params, err)
			continue
		}
		ok := len(warnings) == len(tc.want)
		for i := range tc.want {
			ok = ok && strings.Contains(warnings[i], tc.want[i])
		}
		if !ok {
			t.Errorf("%d nodes, %q: warnings %q, want %q", tc.nodes, tc.params, warnings, tc.want)
		}
	}
}
