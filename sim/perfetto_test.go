package sim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols/example"
	"github.com/electsim/electsim/sim"
)

// beaconStory is five beacon nodes through a partition, a heal, a crash of
// whoever leads n1's side, a restart and a pause: leaders come and go.
func beaconStory() *sim.Scenario {
	scn := baseScenario(5, 30*time.Second)
	scn.Name = "beacon-story"
	scn.Workload.ActEvery = 100 * time.Millisecond
	scn.Faults = []sim.Fault{
		{At: sim.Fixed(5 * time.Second), Crash: "n1"},
		{At: sim.Fixed(6 * time.Second), Restart: "n1"},
		{At: sim.Fixed(10 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeHalves}},
		{At: sim.Fixed(20 * time.Second), Heal: true},
		{At: sim.Fixed(22 * time.Second), Pause: &sim.Pause{Node: "n2", For: sim.Fixed(2 * time.Second)}},
		{At: sim.Fixed(25 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeIsolate, Node: "n3"}},
	}
	return scn
}

var beacon = example.Beacon(example.BeaconConfig{
	Interval: 100 * time.Millisecond, TimeoutMin: 300 * time.Millisecond, TimeoutMax: 600 * time.Millisecond,
})

// perfettoOf runs a scenario with the Perfetto export, every message in,
// and returns its bytes.
func perfettoOf(t *testing.T, scn *sim.Scenario, p sim.Protocol, seed uint64) ([]byte, *sim.Roster) {
	t.Helper()
	run := runPerfetto(t, scn, p, seed, sim.PerfettoOptions{}, nil)
	return run.data, run.roster
}

// transcript is the events of one track, a line each: ts, ph, name.
func transcript(f traceFile, tid int) string {
	var lines []string
	for _, e := range f.TraceEvents {
		if *e.Tid == tid && e.Ph != "M" {
			lines = append(lines, fmt.Sprintf("%s %s %s", *e.Ts, e.Ph, *e.Name))
		}
	}
	return strings.Join(lines, "\n")
}

func TestPerfettoEventsHaveTheFieldsTheFormatRequires(t *testing.T) {
	run := runPerfetto(t, beaconStory(), beacon, 1, sim.PerfettoOptions{}, nil)
	f, _ := checkPerfetto(t, run)
	kinds := map[string]int{}
	for _, e := range f.TraceEvents {
		kinds[e.Ph+" "+*e.Name]++
	}
	for _, want := range []string{
		"B lead gen 1", "i act", "i act accepted", "B crashed", "i restart", "B paused", "i resume",
		"B partition halves", "B partition isolate n3", "i heal", "B -> n2 ", "B <- n1 ", "s ", "f ",
	} {
		if !hasPrefix(kinds, want) {
			t.Errorf("no %q event in the trace; saw %v", want, kinds)
		}
	}
}

func hasPrefix(kinds map[string]int, prefix string) bool {
	for k := range kinds {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

func TestPerfettoHasOneNamedTrackPerNodeAndTheNetwork(t *testing.T) {
	data, roster := perfettoOf(t, beaconStory(), beacon, 1)
	f := parseTrace(t, data)
	var names []string
	sortIndex := map[int]float64{}
	for _, e := range f.TraceEvents {
		switch {
		case e.Ph == "M" && *e.Name == "thread_name":
			if *e.Tid != len(names) {
				t.Errorf("thread_name for tid %d comes at position %d: tracks are not in ID order", *e.Tid, len(names))
			}
			names = append(names, fmt.Sprint(e.Args["name"]))
		case e.Ph == "M" && *e.Name == "thread_sort_index":
			n, _ := e.Args["sort_index"].(json.Number).Int64()
			sortIndex[*e.Tid] = float64(n)
		}
	}
	want := append([]string{"network"}, roster.Names()...)
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("tracks %v, want %v", names, want)
	}
	for tid := range want {
		if sortIndex[tid] != float64(tid) {
			t.Errorf("tid %d has sort index %v, want %d", tid, sortIndex[tid], tid)
		}
	}
}

func TestPerfettoSlicesNestAndTimeNeverGoesBack(t *testing.T) {
	run := runPerfetto(t, beaconStory(), beacon, 1, sim.PerfettoOptions{}, nil)
	_, slices := checkPerfetto(t, run)
	leads := 0
	for _, s := range slices {
		if strings.HasPrefix(s.name, "lead gen ") {
			leads++
		}
	}
	if leads < 3 {
		t.Errorf("only %d leadership slices: the story should have leaders come and go", leads)
	}
}

func TestPerfettoIsByteIdenticalForOneSeed(t *testing.T) {
	a, _ := perfettoOf(t, beaconStory(), beacon, 7)
	b, _ := perfettoOf(t, beaconStory(), beacon, 7)
	if !bytes.Equal(a, b) {
		t.Errorf("two runs of one scenario and seed wrote different traces (%d and %d bytes)", len(a), len(b))
	}
	c, _ := perfettoOf(t, beaconStory(), beacon, 8)
	if bytes.Equal(a, c) {
		t.Errorf("seeds 7 and 8 wrote the same trace")
	}
}

// TestPerfettoLeavesMessagesOutWhenAsked: without messages the trace has
// the same slices and no message, flow or drop.
func TestPerfettoLeavesMessagesOutWhenAsked(t *testing.T) {
	with := runPerfetto(t, beaconStory(), beacon, 1, sim.PerfettoOptions{}, nil)
	without := runPerfetto(t, beaconStory(), beacon, 1, sim.PerfettoOptions{NoMessages: true}, nil)
	f := parseTrace(t, without.data)
	checkFields(t, f, without.roster.Len()+1)
	for _, e := range f.TraceEvents {
		if e.Ph == "s" || e.Ph == "f" || strings.HasPrefix(*e.Name, "->") || strings.HasPrefix(*e.Name, "<-") || strings.HasPrefix(*e.Name, "dropped") {
			t.Fatalf("a message event in a trace without messages: %s %s", e.Ph, *e.Name)
		}
	}
	if a, b := fmt.Sprint(withoutMessages(checkNesting(t, parseTrace(t, with.data)))), fmt.Sprint(checkNesting(t, f)); a != b {
		t.Errorf("leaving messages out changed the slices:\n%s\n%s", a, b)
	}
	if len(without.data)*3 > len(with.data) {
		t.Errorf("without messages %d bytes, with them %d: messages should be most of a beacon trace", len(without.data), len(with.data))
	}
}

// TestPerfettoLeadershipTranscript: n1 leads generation 1, moves to
// generation 2 while leading, crashes, restarts and leads generation 3 to
// the end of the run. Its track reads as that story.
func TestPerfettoLeadershipTranscript(t *testing.T) {
	p := protocolOf(func(id sim.NodeID) *funcNode {
		if id != 1 {
			return &funcNode{}
		}
		return &funcNode{
			start: func(env sim.Env) { env.SetTimer(time.Second, "lead") },
			fire: func(env sim.Env, _ sim.Timer) {
				gen := env.Storage().Uint64("gen") + 1
				env.Storage().PutUint64("gen", gen)
				env.Lead(sim.Generation(gen))
				if gen == 1 {
					env.SetTimer(time.Second, "lead")
				}
			},
		}
	})
	scn := baseScenario(2, 10*time.Second)
	scn.Workload.ActEvery = time.Hour // one act, at each Lead
	scn.Faults = []sim.Fault{{At: sim.Fixed(3 * time.Second), Crash: "n1"}, {At: sim.Fixed(4 * time.Second), Restart: "n1"}}
	run := runPerfetto(t, scn, p, 1, sim.PerfettoOptions{NoMessages: true}, nil)
	want := strings.Join([]string{
		"1000000.000 B lead gen 1",
		"1000000.000 i act",
		"2000000.000 E lead gen 1",
		"2000000.000 B lead gen 2",
		"3000000.000 E lead gen 2",
		"3000000.000 B crashed",
		"4000000.000 E crashed",
		"4000000.000 i restart",
		"5000000.000 B lead gen 3",
		"5000000.000 i act",
		"10000000.000 E lead gen 3",
	}, "\n")
	if got := transcript(parseTrace(t, run.data), 1); got != want {
		t.Errorf("n1's track:\n%s\nwant:\n%s", got, want)
	}
}

// TestPerfettoPausesAndCrashesAreSlices: n1 leads from 0.5 s; a 300 ms
// pause at 1 s is a 300 ms slice inside its belief; a 2 s pause at 2 s is
// cut short by a crash at 3 s, which ends the pause and then the belief; the
// restart at 3.5 s ends the crash.
func TestPerfettoPausesAndCrashesAreSlices(t *testing.T) {
	p := protocolOf(func(id sim.NodeID) *funcNode {
		if id != 1 {
			return &funcNode{}
		}
		return &funcNode{
			start: func(env sim.Env) { env.SetTimer(500*time.Millisecond, "lead") },
			fire:  func(env sim.Env, _ sim.Timer) { env.Lead(1) },
		}
	})
	scn := baseScenario(2, 5*time.Second)
	scn.Workload.ActEvery = time.Hour
	scn.Faults = []sim.Fault{
		{At: sim.Fixed(time.Second), Pause: &sim.Pause{Node: "n1", For: sim.Fixed(300 * time.Millisecond)}},
		{At: sim.Fixed(2 * time.Second), Pause: &sim.Pause{Node: "n1", For: sim.Fixed(2 * time.Second)}},
		{At: sim.Fixed(3 * time.Second), Crash: "n1"},
		{At: sim.Fixed(3500 * time.Millisecond), Restart: "n1"},
	}
	run := runPerfetto(t, scn, p, 1, sim.PerfettoOptions{NoMessages: true}, nil)
	f, slices := checkPerfetto(t, run)
	want := strings.Join([]string{
		"500000.000 B lead gen 1",
		"500000.000 i act",
		"1000000.000 B paused",
		"1300000.000 E paused",
		"1300000.000 i resume",
		"2000000.000 B paused",
		"3000000.000 E paused",
		"3000000.000 E lead gen 1",
		"3000000.000 B crashed",
		"3500000.000 E crashed",
		"3500000.000 i restart",
		"4000000.000 B lead gen 1",
		"4000000.000 i act",
		"5000000.000 E lead gen 1",
	}, "\n")
	if got := transcript(f, 1); got != want {
		t.Errorf("n1's track:\n%s\nwant:\n%s", got, want)
	}
	for _, s := range slices {
		if s.name == "paused" && s.begin == int64(time.Second) {
			if got := time.Duration(s.end - s.begin); got != 300*time.Millisecond {
				t.Errorf("the 300ms pause is a slice of %v", got)
			}
			if n, _ := s.args["for_ns"].(json.Number).Int64(); n != int64(300*time.Millisecond) {
				t.Errorf("the pause's args say for_ns %v", s.args["for_ns"])
			}
		}
	}
}

// TestPerfettoNetworkFaultsAreSlices: a partition lasts until the heal or
// the next partition, which also end the cuts made meanwhile; what is open
// at the end of the run ends there.
func TestPerfettoNetworkFaultsAreSlices(t *testing.T) {
	scn := baseScenario(4, 7*time.Second)
	scn.Faults = []sim.Fault{
		{At: sim.Fixed(1 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeHalves}},
		{At: sim.Fixed(2 * time.Second), Cut: &sim.Cut{From: []string{"n1"}, To: []string{"n3"}}},
		{At: sim.Fixed(3 * time.Second), Heal: true},
		{At: sim.Fixed(4 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeIsolate, Node: "n3"}},
		{At: sim.Fixed(5 * time.Second), Cut: &sim.Cut{From: []string{"n2"}, To: []string{"n4"}}},
		{At: sim.Fixed(6 * time.Second), Partition: &sim.Partition{Groups: [][]string{{"n1", "n2", "n3"}, {"n4"}}}},
	}
	run := runPerfetto(t, scn, protocolOf(func(sim.NodeID) *funcNode { return &funcNode{} }), 1, sim.PerfettoOptions{}, nil)
	f, _ := checkPerfetto(t, run)
	want := strings.Join([]string{
		"1000000.000 B partition halves [n1 n2] [n3 n4]",
		"2000000.000 B cut n1 -/-> n3",
		"3000000.000 E cut n1 -/-> n3",
		"3000000.000 E partition halves [n1 n2] [n3 n4]",
		"3000000.000 i heal",
		"4000000.000 B partition isolate n3",
		"5000000.000 B cut n2 -/-> n4",
		"6000000.000 E cut n2 -/-> n4",
		"6000000.000 E partition isolate n3",
		"6000000.000 B partition groups [n1 n2 n3] [n4]",
		"7000000.000 E partition groups [n1 n2 n3] [n4]",
	}, "\n")
	if got := transcript(f, 0); got != want {
		t.Errorf("the network's track:\n%s\nwant:\n%s", got, want)
	}
}

// ping and pong are the messages of TestPerfettoMessagesTranscript.
type ping struct{ N int }
type pong struct{ N int }

func (m ping) String() string { return fmt.Sprintf("ping %d", m.N) }
func (m pong) String() string { return fmt.Sprintf("pong %d", m.N) }

// TestPerfettoMessagesTranscript: n1 pings n2 every second, n2 answers,
// over 1 ms links. Ping 1 goes and its pong comes back; ping 2 is lost as
// it leaves (the link loses everything); ping 3 reaches n2 crashed; ping 4
// finds no path as it leaves; ping 5 meets a cut made while it flew.
func TestPerfettoMessagesTranscript(t *testing.T) {
	p := protocolOf(func(id sim.NodeID) *funcNode {
		if id == 2 {
			return &funcNode{deliver: func(env sim.Env, from sim.NodeID, m sim.Message) {
				env.Send(from, pong(m.(ping)))
			}}
		}
		n := 0
		return &funcNode{
			start: func(env sim.Env) { env.SetTimer(time.Second, "ping") },
			fire: func(env sim.Env, _ sim.Timer) {
				n++
				env.Send(2, ping{n})
				env.SetTimer(time.Second, "ping")
			},
		}
	})
	all, none := 1.0, 0.0
	ms := func(n int) sim.Span { return sim.Fixed(time.Duration(n) * time.Millisecond) }
	scn := baseScenario(2, 5500*time.Millisecond)
	scn.Faults = []sim.Fault{
		{At: ms(1500), Link: &sim.LinkOverride{From: "n1", To: "n2", Loss: &all}},
		{At: ms(2500), Link: &sim.LinkOverride{From: "n1", To: "n2", Loss: &none}},
		{At: sim.Fixed(3000*time.Millisecond + 500*time.Microsecond), Crash: "n2"},
		{At: ms(3500), Restart: "n2"},
		{At: ms(3900), Partition: &sim.Partition{Shape: sim.ShapeIsolate, Node: "n2"}},
		{At: ms(4500), Heal: true},
		{At: sim.Fixed(5000*time.Millisecond + 500*time.Microsecond), Cut: &sim.Cut{From: []string{"n1"}, To: []string{"n2"}}},
	}
	run := runPerfetto(t, scn, p, 1, sim.PerfettoOptions{}, nil)
	f, _ := checkPerfetto(t, run)
	n1 := strings.Join([]string{
		"1000000.000 B -> n2 ping 1",
		"1000000.000 s ping 1",
		"1000000.000 E -> n2 ping 1",
		"1002000.000 B <- n2 pong 1",
		"1002000.000 f pong 1",
		"1002000.000 E <- n2 pong 1",
		"2000000.000 i dropped: loss",
		"3000000.000 B -> n2 ping 3",
		"3000000.000 s ping 3",
		"3000000.000 E -> n2 ping 3",
		"4000000.000 i dropped: partition",
		"5000000.000 B -> n2 ping 5",
		"5000000.000 s ping 5",
		"5000000.000 E -> n2 ping 5",
	}, "\n")
	if got := transcript(f, 1); got != n1 {
		t.Errorf("n1's track:\n%s\nwant:\n%s", got, n1)
	}
	n2 := strings.Join([]string{
		"1001000.000 B <- n1 ping 1",
		"1001000.000 f ping 1",
		"1001000.000 E <- n1 ping 1",
		"1001000.000 B -> n1 pong 1",
		"1001000.000 s pong 1",
		"1001000.000 E -> n1 pong 1",
		"3000500.000 B crashed",
		"3001000.000 B dropped: down",
		"3001000.000 f ping 3",
		"3001000.000 E dropped: down",
		"3500000.000 E crashed",
		"3500000.000 i restart",
		"5001000.000 B dropped: partition",
		"5001000.000 f ping 5",
		"5001000.000 E dropped: partition",
	}, "\n")
	if got := transcript(f, 2); got != n2 {
		t.Errorf("n2's track:\n%s\nwant:\n%s", got, n2)
	}
}

// TestPerfettoDuplicatesEndOneFlowEach: with every message duplicated,
// each send's flow has two ends, one per copy.
func TestPerfettoDuplicatesEndOneFlowEach(t *testing.T) {
	scn := baseScenario(3, 2*time.Second)
	scn.Network.Duplicate = 1
	run := runPerfetto(t, scn, beacon, 3, sim.PerfettoOptions{}, nil)
	f, _ := checkPerfetto(t, run) // which counts one end per arrival
	starts, ends := 0, 0
	for _, e := range f.TraceEvents {
		switch e.Ph {
		case "s":
			starts++
		case "f":
			ends++
		}
	}
	if starts == 0 || ends < 2*starts-starts/10 {
		t.Errorf("%d flow starts and %d ends: every message is duplicated", starts, ends)
	}
}

// TestPerfettoMarkLandsOnEveryNodeListed: a violation marked after the run
// is an instant on each listed node's track and one on the global track.
func TestPerfettoMarkLandsOnEveryNodeListed(t *testing.T) {
	const name = "VIOLATION single-leader-per-generation"
	detail := `n1 and n3 acted in gen 2 ("split brain")`
	at := sim.Time(12 * time.Second)
	run := runPerfetto(t, beaconStory(), beacon, 1, sim.PerfettoOptions{}, func(pt *sim.PerfettoTrace) {
		pt.Mark(at, []sim.NodeID{1, 3}, name, detail)
	})
	f := parseTrace(t, run.data)
	checkFields(t, f, run.roster.Len()+1)
	checkNesting(t, f)
	checkFlows(t, f, run)
	var got []string
	for _, e := range f.TraceEvents {
		if *e.Name != name {
			continue
		}
		if e.Ph != "i" || nanos(t, *e.Ts) != int64(at) || e.Args["detail"] != detail {
			t.Errorf("mark %+v: want an instant at %d ns with the detail", e, at)
		}
		got = append(got, fmt.Sprintf("%s tid %d %v", e.S, *e.Tid, e.Args["nodes"]))
	}
	want := "t tid 1 <nil>, t tid 3 <nil>, g tid 0 n1 n3"
	if strings.Join(got, ", ") != want {
		t.Errorf("marks: %s, want %s", strings.Join(got, ", "), want)
	}
}

func TestPerfettoMarkAfterFlushPanics(t *testing.T) {
	s, err := sim.New(baseScenario(2, time.Second), beacon, 1)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	pt := sim.WritePerfetto(s, &out)
	res := s.Run()
	if err := pt.Flush(res.End); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Mark after Flush did not panic")
		}
	}()
	pt.Mark(0, []sim.NodeID{1}, "VIOLATION late", "")
}

// TestPerfettoEscapesNames: a message whose description needs escaping
// still makes valid JSON, and keeps <, > and & as they are.
func TestPerfettoEscapesNames(t *testing.T) {
	p := protocolOf(func(id sim.NodeID) *funcNode {
		return &funcNode{start: func(env sim.Env) {
			if id == 1 {
				env.Send(2, "quote \" backslash \\ tab \t bell \a <&> \xff é")
			}
		}}
	})
	run := runPerfetto(t, baseScenario(2, time.Second), p, 1, sim.PerfettoOptions{}, nil)
	f, _ := checkPerfetto(t, run)
	if !bytes.Contains(run.data, []byte(`<&>`)) || bytes.Contains(run.data, []byte(`\u003c`)) {
		t.Errorf("<&> escaped in the trace:\n%s", run.data)
	}
	// A string has no String method: DescribeMessage shows its type first.
	want := "<- n1 string(quote \" backslash \\ tab \t bell \a <&> \uFFFD é)"
	found := false
	for _, e := range f.TraceEvents {
		found = found || *e.Name == want
	}
	if !found {
		t.Errorf("no delivery named %q in:\n%s", want, run.data)
	}
}

// withoutMessages leaves out the slices of no length that carry messages'
// flows.
func withoutMessages(slices []slice) []slice {
	var out []slice
	for _, s := range slices {
		if !strings.HasPrefix(s.name, "-> ") && !strings.HasPrefix(s.name, "<- ") && !strings.HasPrefix(s.name, "dropped: ") {
			out = append(out, s)
		}
	}
	return out
}
