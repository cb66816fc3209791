package sim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols/example"
	"github.com/electsim/electsim/sim"
)

// traceEvent is one Chrome trace event as the tests read it: ts stays the
// number as written, so that no float rounding hides a formatting bug.
type traceEvent struct {
	Ph   string         `json:"ph"`
	Ts   *json.Number   `json:"ts"`
	Pid  *int           `json:"pid"`
	Tid  *int           `json:"tid"`
	Name *string        `json:"name"`
	S    string         `json:"s"`
	Args map[string]any `json:"args"`
}

type traceFile struct {
	TraceEvents     []traceEvent `json:"traceEvents"`
	DisplayTimeUnit string       `json:"displayTimeUnit"`
}

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

// perfettoOf runs a scenario with the Perfetto export and returns its bytes.
func perfettoOf(t *testing.T, scn *sim.Scenario, p sim.Protocol, seed uint64) ([]byte, *sim.Roster) {
	t.Helper()
	s, err := sim.New(scn, p, seed)
	if err != nil {
		t.Fatalf("building the run: %v", err)
	}
	var out bytes.Buffer
	pt := sim.WritePerfetto(s, &out)
	res := s.Run()
	if res.Err != nil {
		t.Fatalf("run: %v", res.Err)
	}
	if err := pt.Flush(res.End); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return out.Bytes(), s.Roster()
}

func parseTrace(t *testing.T, data []byte) traceFile {
	t.Helper()
	var f traceFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("the trace is not the JSON expected: %v", err)
	}
	if dec.More() {
		t.Fatalf("data after the trace object")
	}
	if f.TraceEvents == nil {
		t.Fatalf("no traceEvents array")
	}
	if f.DisplayTimeUnit != "ms" {
		t.Errorf("displayTimeUnit = %q, want ms", f.DisplayTimeUnit)
	}
	return f
}

var tsFormat = regexp.MustCompile(`^[0-9]+\.[0-9]{3}$`)

// nanos reads a ts written as microseconds with three decimals.
func nanos(t *testing.T, ts json.Number) int64 {
	t.Helper()
	if !tsFormat.MatchString(string(ts)) {
		t.Fatalf("ts %s is not microseconds with 3 decimals", ts)
	}
	ns, err := strconv.ParseInt(strings.Replace(string(ts), ".", "", 1), 10, 64)
	if err != nil {
		t.Fatalf("ts %s: %v", ts, err)
	}
	return ns
}

func TestPerfettoEventsHaveTheFieldsTheFormatRequires(t *testing.T) {
	data, _ := perfettoOf(t, beaconStory(), beacon, 1)
	f := parseTrace(t, data)
	kinds := map[string]int{}
	for i, e := range f.TraceEvents {
		if e.Ts == nil || e.Pid == nil || e.Tid == nil || e.Name == nil || *e.Name == "" {
			t.Fatalf("event %d lacks ts, pid, tid or name: %+v", i, e)
		}
		nanos(t, *e.Ts)
		switch e.Ph {
		case "M", "B", "E":
		case "i":
			if e.S != "t" {
				t.Errorf("instant %d (%s) has scope %q, want t", i, *e.Name, e.S)
			}
		default:
			t.Errorf("event %d has ph %q", i, e.Ph)
		}
		kinds[e.Ph+" "+*e.Name]++
	}
	for _, want := range []string{"B lead gen 1", "i act", "i act accepted", "i crash", "i restart", "i pause", "i resume", "i partition", "i heal"} {
		if kinds[want] == 0 {
			t.Errorf("no %q event in the trace; saw %v", want, kinds)
		}
	}
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
	data, _ := perfettoOf(t, beaconStory(), beacon, 1)
	f := parseTrace(t, data)
	open := map[int]string{}
	last := map[int]int64{}
	slices := 0
	for i, e := range f.TraceEvents {
		tid, ts := *e.Tid, nanos(t, *e.Ts)
		if ts < last[tid] {
			t.Errorf("event %d on tid %d goes back in time: %d ns after %d ns", i, tid, ts, last[tid])
		}
		last[tid] = ts
		switch e.Ph {
		case "B":
			if name, ok := open[tid]; ok {
				t.Errorf("event %d begins %q on tid %d inside %q", i, *e.Name, tid, name)
			}
			open[tid] = *e.Name
			slices++
		case "E":
			if name, ok := open[tid]; !ok || name != *e.Name {
				t.Errorf("event %d ends %q on tid %d, but the open slice is %q", i, *e.Name, tid, name)
			}
			delete(open, tid)
		}
	}
	if len(open) > 0 {
		t.Errorf("slices still open at the end: %v", open)
	}
	if slices < 3 {
		t.Errorf("only %d leadership slices: the story should have leaders come and go", slices)
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
	data, _ := perfettoOf(t, scn, p, 1)
	var got []string
	for _, e := range parseTrace(t, data).TraceEvents {
		if *e.Tid == 1 && e.Ph != "M" {
			got = append(got, fmt.Sprintf("%s %s %s", *e.Ts, e.Ph, *e.Name))
		}
	}
	want := []string{
		"1000000.000 B lead gen 1",
		"1000000.000 i act",
		"2000000.000 E lead gen 1",
		"2000000.000 B lead gen 2",
		"3000000.000 E lead gen 2",
		"3000000.000 i crash",
		"4000000.000 i restart",
		"5000000.000 B lead gen 3",
		"5000000.000 i act",
		"10000000.000 E lead gen 3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("n1's track:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
