package sim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/sim"
)

// The structure every Perfetto trace must have, checked against the events
// of the run that wrote it: the fields the format needs, slices that nest
// per track as Perfetto's importer reads them, one flow start per message
// that left and one end per copy that arrived or was lost on arrival, drops
// marked, crash and pause slices as long as the faults, partitions and cuts
// as long as they lasted.

// traceEvent is one Chrome trace event as the tests read it: ts stays the
// number as written, so that no float rounding hides a formatting bug.
type traceEvent struct {
	Ph   string         `json:"ph"`
	Ts   *json.Number   `json:"ts"`
	Pid  *int           `json:"pid"`
	Tid  *int           `json:"tid"`
	Name *string        `json:"name"`
	S    string         `json:"s"`
	Cat  string         `json:"cat"`
	ID   *json.Number   `json:"id"`
	Bp   string         `json:"bp"`
	Args map[string]any `json:"args"`
}

type traceFile struct {
	TraceEvents     []traceEvent `json:"traceEvents"`
	DisplayTimeUnit string       `json:"displayTimeUnit"`
}

// reporter is what both *testing.T and *rapid.T offer.
type reporter interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// perfettoRun is a run written as a Perfetto trace, with its events.
type perfettoRun struct {
	data   []byte
	roster *sim.Roster
	events []sim.Event
	end    sim.Time
	opts   sim.PerfettoOptions
}

// runPerfetto runs a scenario with the Perfetto export; mark, if not nil,
// is called between the run and Flush.
func runPerfetto(t reporter, scn *sim.Scenario, p sim.Protocol, seed uint64, opts sim.PerfettoOptions, mark func(*sim.PerfettoTrace)) perfettoRun {
	t.Helper()
	s, err := sim.New(scn, p, seed)
	if err != nil {
		t.Fatalf("building the run: %v", err)
	}
	rec := &recorder{}
	s.Observe(rec)
	var out bytes.Buffer
	pt := sim.WritePerfettoWith(s, &out, opts)
	res := s.Run()
	if mark != nil {
		mark(pt)
	}
	if err := pt.Flush(res.End); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return perfettoRun{data: out.Bytes(), roster: s.Roster(), events: rec.events, end: res.End, opts: opts}
}

func parseTrace(t reporter, data []byte) traceFile {
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
func nanos(t reporter, ts json.Number) int64 {
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

// checkFields checks that every event has what its phase needs.
func checkFields(t reporter, f traceFile, tracks int) {
	t.Helper()
	for i, e := range f.TraceEvents {
		if e.Ts == nil || e.Pid == nil || e.Tid == nil || e.Name == nil || *e.Name == "" {
			t.Fatalf("event %d lacks ts, pid, tid or name: %+v", i, e)
		}
		nanos(t, *e.Ts)
		if *e.Pid != 1 || *e.Tid < 0 || *e.Tid >= tracks {
			t.Errorf("event %d (%s) is on pid %d tid %d: no such track", i, *e.Name, *e.Pid, *e.Tid)
		}
		switch e.Ph {
		case "M", "B", "E":
		case "i":
			if e.S != "t" && e.S != "g" {
				t.Errorf("instant %d (%s) has scope %q, want t or g", i, *e.Name, e.S)
			}
		case "s", "f":
			if e.Cat != "msg" || e.ID == nil {
				t.Errorf("flow event %d (%s) has cat %q and id %v, want msg and an id", i, *e.Name, e.Cat, e.ID)
			}
			if e.Ph == "f" && e.Bp != "e" {
				t.Errorf("flow end %d (%s) binds to %q, want e (the enclosing event)", i, *e.Name, e.Bp)
			}
		default:
			t.Errorf("event %d has ph %q", i, e.Ph)
		}
	}
}

// checkTimeNeverGoesBack checks the file's order per track: the trace is
// streamed, so a reader need not sort it.
func checkTimeNeverGoesBack(t reporter, f traceFile) {
	t.Helper()
	last := map[int]int64{}
	for i, e := range f.TraceEvents {
		tid, ts := *e.Tid, nanos(t, *e.Ts)
		if ts < last[tid] {
			t.Errorf("event %d (%s) on tid %d goes back in time: %d ns after %d ns", i, *e.Name, tid, ts, last[tid])
		}
		last[tid] = ts
	}
}

// perfettoOrder is the order Perfetto's importer reads the events in: by
// time, and in the file's order at one time (the trace has no event with a
// duration, which would change that).
func perfettoOrder(t reporter, f traceFile) []traceEvent {
	t.Helper()
	events := append([]traceEvent(nil), f.TraceEvents...)
	sort.SliceStable(events, func(i, j int) bool { return nanos(t, *events[i].Ts) < nanos(t, *events[j].Ts) })
	return events
}

// checkNesting checks that each track's slices nest, read as Perfetto reads
// them: an end closes the innermost open slice, of the same name. It
// returns the slices.
func checkNesting(t reporter, f traceFile) []slice {
	t.Helper()
	type open struct {
		name  string
		begin int64
		args  map[string]any
	}
	stacks := map[int][]open{}
	var slices []slice
	for _, e := range perfettoOrder(t, f) {
		tid, ts := *e.Tid, nanos(t, *e.Ts)
		stack := stacks[tid]
		switch e.Ph {
		case "B":
			stacks[tid] = append(stack, open{*e.Name, ts, e.Args})
		case "E":
			if len(stack) == 0 || stack[len(stack)-1].name != *e.Name {
				t.Fatalf("at %d ns an end of %q on tid %d, but the innermost open slice is %v", ts, *e.Name, tid, stack)
			}
			top := stack[len(stack)-1]
			slices = append(slices, slice{tid: tid, name: top.name, begin: top.begin, end: ts, args: top.args})
			stacks[tid] = stack[:len(stack)-1]
		}
	}
	for tid, stack := range stacks {
		if len(stack) > 0 {
			t.Errorf("slices still open at the end on tid %d: %v", tid, stack)
		}
	}
	return slices
}

// slice is a B/E pair as read.
type slice struct {
	tid        int
	name       string
	begin, end int64
	args       map[string]any
}

// flowEnd identifies a flow event as Perfetto matches them.
type flowKey struct {
	id        string
	cat, name string
}

// checkFlows checks every flow event against the run: one start per
// message that left, at its send on the sender's track; one end per
// arrival (delivered or lost on arrival), at it on the receiver's track;
// each bound to the instant just before it on its track; and a "dropped"
// instant for every loss.
func checkFlows(t reporter, f traceFile, run perfettoRun) {
	t.Helper()
	flows := readFlows(t, f)
	if run.opts.NoMessages {
		if len(flows.starts)+len(flows.dropped) > 0 {
			t.Errorf("%d flows and %d drops in a trace without messages", len(flows.starts), len(flows.dropped))
		}
		return
	}
	checkFlowsMatchSends(t, flows, expectedFlows(run))
	checkDropsMarked(t, flows.dropped, run)
}

// flowsRead are a trace's flow events, matched as Perfetto matches them,
// and its "dropped" instants.
type flowsRead struct {
	starts  map[flowKey]traceEvent
	ends    map[flowKey][]traceEvent
	dropped map[string]int // "tid ts name": instants seen
}

func readFlows(t reporter, f traceFile) flowsRead {
	t.Helper()
	r := flowsRead{starts: map[flowKey]traceEvent{}, ends: map[flowKey][]traceEvent{}, dropped: map[string]int{}}
	openMsg := map[int]traceEvent{} // by tid: the message slice open, whose flow it holds
	for _, e := range f.TraceEvents {
		switch {
		case e.Ph == "s" || e.Ph == "f":
			if bound, ok := openMsg[*e.Tid]; !ok || *bound.Ts != *e.Ts {
				t.Fatalf("flow event %s %s (id %s) on tid %d at %s is inside no message slice of its own time on its track (Perfetto binds a flow to the slice open there)", e.Ph, *e.Name, e.ID, *e.Tid, *e.Ts)
			}
			k := flowKey{e.ID.String(), e.Cat, *e.Name}
			_, started := r.starts[k]
			switch {
			case e.Ph == "s" && started:
				t.Fatalf("two flow starts %v", k)
			case e.Ph == "s":
				r.starts[k] = e
			case !started:
				t.Fatalf("flow end %v on tid %d at %s has no start before it (same id, cat and name)", k, *e.Tid, *e.Ts)
			default:
				r.ends[k] = append(r.ends[k], e)
			}
		case e.Cat == "msg" && e.Ph == "B":
			openMsg[*e.Tid] = e
			if strings.HasPrefix(*e.Name, "dropped: ") {
				r.dropped[fmt.Sprintf("%d %s %s", *e.Tid, *e.Ts, *e.Name)]++
			}
		case e.Cat == "msg" && e.Ph == "E":
			delete(openMsg, *e.Tid)
		case e.Ph == "i" && strings.HasPrefix(*e.Name, "dropped: "):
			r.dropped[fmt.Sprintf("%d %s %s", *e.Tid, *e.Ts, *e.Name)]++
		}
	}
	return r
}

func checkFlowsMatchSends(t reporter, r flowsRead, want map[string]*sentMessage) {
	t.Helper()
	byID := map[string]flowKey{}
	for k, s := range r.starts {
		byID[k.id] = k
		w, ok := want[k.id]
		switch {
		case !ok:
			t.Errorf("flow %v starts, but the run has no send %s that left", k, k.id)
		case *s.Tid != int(w.from) || nanos(t, *s.Ts) != int64(w.at):
			t.Errorf("flow %v starts on tid %d at %s, want the send on tid %d at %d ns", k, *s.Tid, *s.Ts, w.from, w.at)
		}
	}
	for id, w := range want {
		k, ok := byID[id]
		if !ok {
			t.Errorf("send %s (%d ns, tid %d) left but starts no flow", id, w.at, w.from)
			continue
		}
		got := r.ends[k]
		if len(got) != len(w.arrivals) {
			t.Errorf("flow %v has %d ends, want one per arrival: %v", k, len(got), w.arrivals)
			continue
		}
		for i, a := range w.arrivals {
			e := got[i]
			if *e.Tid != int(a.to) || nanos(t, *e.Ts) != int64(a.at) || a.at < w.at {
				t.Errorf("flow %v ends on tid %d at %s, want the receiver's tid %d at %d ns, not before the send at %d", k, *e.Tid, *e.Ts, a.to, a.at, w.at)
			}
		}
	}
}

// checkDropsMarked checks that every loss has its instant: on the
// sender's track for a loss as it left, on the receiver's for one on
// arrival.
func checkDropsMarked(t reporter, dropped map[string]int, run perfettoRun) {
	t.Helper()
	for _, e := range run.events {
		if e.Kind != sim.KindDrop {
			continue
		}
		on := e.Peer
		if droppedAtSend(run.events, e) {
			on = e.Node
		}
		key := fmt.Sprintf("%d %s %s", on, micros(e.At), "dropped: "+e.Tag)
		if dropped[key] == 0 {
			t.Errorf("drop #%d (%s, send #%d) is not marked: no instant %q", e.Index, e.Tag, e.SendIndex, key)
		}
		dropped[key]--
	}
}

// sentMessage is a send that left, and where its copies arrived.
type sentMessage struct {
	from     sim.NodeID
	at       sim.Time
	arrivals []arrival
}

type arrival struct {
	to sim.NodeID
	at sim.Time
}

// expectedFlows derives the flows from the run's events, by send index.
func expectedFlows(run perfettoRun) map[string]*sentMessage {
	want := map[string]*sentMessage{}
	for _, e := range run.events {
		id := strconv.FormatInt(e.SendIndex, 10)
		switch {
		case e.Kind == sim.KindSend:
			want[strconv.FormatInt(e.Index, 10)] = &sentMessage{from: e.Node, at: e.At}
		case e.Kind == sim.KindDrop && droppedAtSend(run.events, e):
			delete(want, id)
		case e.Kind == sim.KindDrop:
			want[id].arrivals = append(want[id].arrivals, arrival{e.Peer, e.At})
		case e.Kind == sim.KindDeliver:
			want[id].arrivals = append(want[id].arrivals, arrival{e.Node, e.At})
		}
	}
	return want
}

// droppedAtSend says whether a drop happened as the message left: the
// kernel reports such a loss as the event right after the send.
func droppedAtSend(events []sim.Event, drop sim.Event) bool {
	return drop.Index == drop.SendIndex+1 && drop.Tag != sim.DropDown && events[drop.SendIndex].Kind == sim.KindSend
}

// micros writes a time as the trace does.
func micros(at sim.Time) string {
	return fmt.Sprintf("%d.%03d", int64(at)/1000, int64(at)%1000)
}

// checkFaultSlices checks that each crash and pause is one slice on its
// node's track, from the fault to what ended it: a restart (or a late
// boot) or resume, a crash (which ends a pause), or the end of the run. A pause that ran its
// course is as long as the pause.
func checkFaultSlices(t reporter, slices []slice, run perfettoRun) {
	t.Helper()
	got := map[string][]slice{}
	for _, s := range slices {
		got[fmt.Sprintf("%d %s", s.tid, s.name)] = append(got[fmt.Sprintf("%d %s", s.tid, s.name)], s)
	}
	want := map[string][]slice{}
	for i, e := range run.events {
		var name string
		switch e.Kind {
		case sim.KindCrash:
			name = "crashed"
		case sim.KindPause:
			name = "paused"
		default:
			continue
		}
		end := int64(run.end)
		for _, later := range run.events[i+1:] {
			if later.Node == e.Node && endsFault(e.Kind, later.Kind) {
				end = int64(later.At)
				break
			}
		}
		if e.Kind == sim.KindPause && end < int64(run.end) && end != int64(e.At)+e.Value && !crashedAt(run.events, e.Node, sim.Time(end)) {
			t.Errorf("the pause of n%d at %v for %d ns ended at %d ns, by no crash", e.Node, e.At, e.Value, end)
		}
		k := fmt.Sprintf("%d %s", e.Node, name)
		want[k] = append(want[k], slice{tid: int(e.Node), name: name, begin: int64(e.At), end: end})
	}
	for k, w := range want {
		g := got[k]
		if len(g) != len(w) {
			t.Errorf("%s: %d slices, want %d", k, len(g), len(w))
			continue
		}
		sort.SliceStable(g, func(i, j int) bool { return g[i].begin < g[j].begin })
		for i := range w {
			if g[i].begin != w[i].begin || g[i].end != w[i].end {
				t.Errorf("%s: slice %d is [%d, %d] ns, want [%d, %d]", k, i, g[i].begin, g[i].end, w[i].begin, w[i].end)
			}
		}
	}
	for k := range got {
		if strings.HasSuffix(k, " crashed") || strings.HasSuffix(k, " paused") {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: %d slices for faults that did not happen", k, len(got[k]))
			}
		}
	}
}

// checkNetworkSlices checks that each partition and cut is one slice on
// the network track, from the fault to the next heal or partition, which
// replace them all, or to the end of the run.
func checkNetworkSlices(t reporter, slices []slice, run perfettoRun) {
	t.Helper()
	var want, got []string
	for i, e := range run.events {
		if e.Kind != sim.KindPartition && e.Kind != sim.KindCut {
			continue
		}
		end := run.end
		for _, later := range run.events[i+1:] {
			if later.Kind == sim.KindHeal || later.Kind == sim.KindPartition {
				end = later.At
				break
			}
		}
		want = append(want, fmt.Sprintf("[%d, %d] %s %s", e.At, end, e.Kind, e.Tag))
	}
	for _, s := range slices {
		if s.tid == 0 {
			got = append(got, fmt.Sprintf("[%d, %d] %s", s.begin, s.end, s.name))
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the network's slices:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func endsFault(fault, later sim.Kind) bool {
	if fault == sim.KindCrash {
		return later == sim.KindRestart || later == sim.KindBoot // a late boot starts a crashed node too
	}
	return later == sim.KindResume || later == sim.KindCrash
}

func crashedAt(events []sim.Event, id sim.NodeID, at sim.Time) bool {
	for _, e := range events {
		if e.Kind == sim.KindCrash && e.Node == id && e.At == at {
			return true
		}
	}
	return false
}

// checkPerfetto checks everything above on one run.
func checkPerfetto(t reporter, run perfettoRun) (f traceFile, slices []slice) {
	t.Helper()
	f = parseTrace(t, run.data)
	checkFields(t, f, run.roster.Len()+1)
	checkTimeNeverGoesBack(t, f)
	slices = checkNesting(t, f)
	checkFlows(t, f, run)
	checkFaultSlices(t, slices, run)
	checkNetworkSlices(t, slices, run)
	return f, slices
}

// TestPerfettoIsWellFormedForAnyRun holds every run, of every protocol,
// under every kind of fault, to the structure above.
func TestPerfettoIsWellFormedForAnyRun(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec, p := drawProtocol(t)
		scn := drawScenario(t, spec)
		seed := rapid.Uint64().Draw(t, "seed")
		opts := sim.PerfettoOptions{NoMessages: rapid.IntRange(0, 4).Draw(t, "no messages") == 0}
		checkPerfetto(t, runPerfetto(t, scn, p, seed, opts, nil))
	})
}
