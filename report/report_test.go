package report_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/report"
	"github.com/electsim/electsim/sim"
)

// Node IDs in the roster of the hand-made run: three participants, the
// resource and a coordinator.
const (
	n1       sim.NodeID = 1
	n2       sim.NodeID = 2
	n3       sim.NodeID = 3
	resource sim.NodeID = 4
	coord    sim.NodeID = 5
)

// hostile is a message whose text is markup: the page must show it, not
// run it.
type hostile struct{}

func (hostile) String() string {
	return `<script>alert("x")</script><img src="http://evil.example/x.png">`
}

// leaseStory is seed 000's run in miniature: n1 leads gen 1, pauses, n2
// leads gen 2 through coord and acts (once lost, once accepted), n1
// resumes and acts in gen 1, which the resource accepts: event 18 breaks
// fenced-resource. Indexes are set by feed.
func leaseStory() []sim.Event {
	act := func(gen sim.Generation, by sim.NodeID) sim.Act { return sim.Act{Gen: gen, By: by} }
	return []sim.Event{
		{Kind: sim.KindLead, Node: n1, Gen: 1},
		{Kind: sim.KindActIssued, Node: n1, Gen: 1, Value: 1},
		{Kind: sim.KindSend, Node: n1, Peer: resource, Msg: act(1, n1)},
		{Kind: sim.KindDeliver, Node: resource, Peer: n1, Msg: act(1, n1), SendIndex: 2},
		{Kind: sim.KindActApplied, Node: resource, Peer: n1, Gen: 1, Accepted: true},
		{Kind: sim.KindPause, Node: n1, Value: int64(15 * time.Second)},
		{Kind: sim.KindPartition, Tag: "isolate n3"},
		{Kind: sim.KindSend, Node: coord, Peer: n2, Msg: hostile{}},
		{Kind: sim.KindDeliver, Node: n2, Peer: coord, Msg: hostile{}, SendIndex: 7},
		{Kind: sim.KindLead, Node: n2, Gen: 2},
		{Kind: sim.KindSend, Node: n2, Peer: resource, Msg: act(2, n2)},
		{Kind: sim.KindDrop, Node: n2, Peer: resource, Msg: act(2, n2), Tag: sim.DropLoss, SendIndex: 10},
		{Kind: sim.KindSend, Node: n2, Peer: resource, Msg: act(2, n2)},
		{Kind: sim.KindDeliver, Node: resource, Peer: n2, Msg: act(2, n2), SendIndex: 12},
		{Kind: sim.KindActApplied, Node: resource, Peer: n2, Gen: 2, Accepted: true},
		{Kind: sim.KindResume, Node: n1},
		{Kind: sim.KindSend, Node: n1, Peer: resource, Msg: act(1, n1)},
		{Kind: sim.KindDeliver, Node: resource, Peer: n1, Msg: act(1, n1), SendIndex: 16},
		{Kind: sim.KindActApplied, Node: resource, Peer: n1, Gen: 1, Accepted: true},
		{Kind: sim.KindStepDown, Node: n1, Gen: 1}, // after the violation: not collected
	}
}

// feed passes events to an observer as the kernel does: through one Event
// that it overwrites, numbered and 10 ms apart.
func feed(o sim.Observer, events []sim.Event) {
	var e sim.Event
	for i, ev := range events {
		e = ev
		e.Index, e.At = int64(i), sim.Time(i)*sim.Time(10*time.Millisecond)
		o.Observe(&e)
	}
	e = sim.Event{Kind: sim.KindHeal, Tag: "overwritten"} // what a kept event must not see
}

func roster(t *testing.T) *sim.Roster {
	t.Helper()
	r, err := sim.NewRoster(3, []string{"coord"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var violation = &report.Violation{
	Property: "fenced-resource",
	Detail:   `the resource accepted n1's act in generation 1 <after> accepting generation 2 from n2 & "more"`,
	Nodes:    []sim.NodeID{n2, n1},
	Index:    18,
	Events:   []int64{14, 18},
}

var story = []report.StoryStep{
	{Index: 5, At: 50 * sim.Time(time.Millisecond), Node: "n1", Text: "n1 is paused for 15s"},
	{Index: 9, At: 90 * sim.Time(time.Millisecond), Node: "n2", Text: "n2 believes it leads generation 2"},
	{Index: 15, At: 150 * sim.Time(time.Millisecond), Node: "n1", Text: "n1 resumes <on stale state>"},
	{Index: 18, At: 180 * sim.Time(time.Millisecond), Node: "resource", Text: "the resource accepts n1's act in generation 1"},
}

// input is a page's data for the hand-made run.
func input(t *testing.T) *report.Input {
	t.Helper()
	r := roster(t)
	c := report.NewCollector(r, violation.Index)
	feed(c, leaseStory())
	return &report.Input{
		Scenario: "lease-gc-pause", Seed: 1, Protocol: "lease", TraceHash: "8cebcfe7ef879cd3",
		Violation: violation,
		Properties: []report.Property{
			{Name: "single-leader-per-generation", OK: true, Expected: true, Detail: "holds"},
			{Name: "fenced-resource", Expected: true, Detail: violation.Detail},
		},
		TimelineSVG:  []byte(`<?xml version="1.0"?>` + "\n<!-- made by a test -->\n" + `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M0,0L10,10"/></svg>`),
		Window:       report.Select(c, violation, story, report.DefaultLimits),
		Story:        story,
		Metrics:      []report.Metric{{Name: "split_brain_ns", Value: "5.47s"}, {Name: "stale_acts", Value: "1"}},
		Summary:      "scenario    lease-gc-pause (protocol lease, seed 1)\n",
		ScenarioYAML: "name: lease-gc-pause\ndescription: <img src=\"http://evil.example/y.png\">\n",
	}
}

func write(t *testing.T, in *report.Input) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.Write(&b, in); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// element is one start tag of the page, as an XML parser reads it.
type element struct {
	name  string
	attrs map[string]string
}

func (e element) hasClass(class string) bool {
	return slices.Contains(strings.Fields(e.attrs["class"]), class)
}

// parse reads the page as XML, which it is written to be: a page an XML
// parser reads whole has every element closed and every text escaped.
// It returns the elements and the text.
func parse(t *testing.T, page string) ([]element, string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = true
	var elems []element
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the page is not well-formed: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			elems = append(elems, e)
		case xml.CharData:
			text.Write(tok)
		}
	}
	return elems, text.String()
}

// TestPageIsSelfContained: the page parses, loads nothing from anywhere
// (no script, stylesheet, image or link off the page) and shows markup
// from a protocol or a file as text.
func TestPageIsSelfContained(t *testing.T) {
	page := write(t, input(t))
	elems, text := parse(t, page)
	for _, e := range elems {
		for _, attr := range []string{"src", "href"} {
			if v, ok := e.attrs[attr]; ok && !strings.HasPrefix(v, "#") {
				t.Errorf("<%s %s=%q> points off the page", e.name, attr, v)
			}
		}
		if e.name == "script" || e.name == "link" || e.name == "img" || e.name == "iframe" {
			t.Errorf("the page has a <%s> element", e.name)
		}
	}
	for _, want := range []string{`<script>alert("x")</script>`, `<img src="http://evil.example/y.png">`} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q as text", want)
		}
	}
	if strings.Contains(page, "<?xml") || strings.Contains(page, "made by a test") {
		t.Error("the timeline's XML prolog was inlined")
	}
}

// TestPageShowsTheViolationAndTheStory: the verdict has the property and
// its detail; every step of the story is listed with its event and ringed
// in the diagram; the violation's events are ringed red.
func TestPageShowsTheViolationAndTheStory(t *testing.T) {
	elems, text := parse(t, write(t, input(t)))
	for _, want := range []string{"fenced-resource", violation.Detail, "lease-gc-pause", "8cebcfe7ef879cd3", "split brain", "5.47s"} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	rings := map[string]map[string]bool{"story-ring": {}, "violation-ring": {}}
	for _, e := range elems {
		for class := range rings {
			if e.hasClass(class) {
				rings[class][e.attrs["data-index"]] = true
			}
		}
	}
	for _, s := range story {
		index := itoa(s.Index)
		if !strings.Contains(text, "#"+index+" at ") || !strings.Contains(text, s.Text) {
			t.Errorf("the story does not list step #%s %q", index, s.Text)
		}
		if !rings["story-ring"][index] {
			t.Errorf("the diagram does not ring story event %s", index)
		}
	}
	for _, index := range violation.Events {
		if !rings["violation-ring"][itoa(index)] {
			t.Errorf("the diagram does not ring the violation's event %d", index)
		}
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// TestDiagramDrawsEveryMessage: one arrow per delivery or drop in the
// window and an x per drop; a lane per node with events, the violation's
// nodes' lanes, and only theirs, highlighted.
func TestDiagramDrawsEveryMessage(t *testing.T) {
	in := input(t)
	elems, _ := parse(t, write(t, in))
	var receipts, drops int
	for _, e := range in.Window.Events {
		receipts += boolInt(e.Kind == sim.KindDeliver || e.Kind == sim.KindDrop)
		drops += boolInt(e.Kind == sim.KindDrop)
	}
	if receipts != 5 || drops != 1 {
		t.Fatalf("the window has %d receipts and %d drops; the hand-made run has 5 and 1", receipts, drops)
	}
	count := func(name, class string) (n int) {
		for _, e := range elems {
			n += boolInt(e.name == name && e.hasClass(class))
		}
		return n
	}
	if got := count("line", "msg"); got != receipts {
		t.Errorf("%d message arrows, want %d", got, receipts)
	}
	if got := count("path", "drop-x"); got != drops {
		t.Errorf("%d x marks, want %d", got, drops)
	}
	focus := map[string]bool{}
	for _, e := range elems {
		if e.name == "g" && e.hasClass("lane") {
			focus[e.attrs["data-node"]] = e.hasClass("focus")
		}
	}
	want := map[string]bool{"n1": true, "n2": true, "resource": true, "coord": false}
	for node, hi := range want {
		if got, ok := focus[node]; !ok || got != hi {
			t.Errorf("lane %s: present %v, highlighted %v; want highlighted %v", node, ok, got, hi)
		}
	}
	if _, ok := focus["n3"]; ok {
		t.Error("n3, which has no event in the window, has a lane")
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestSameInputSameBytes: the page depends on its input alone.
func TestSameInputSameBytes(t *testing.T) {
	a, b := write(t, input(t)), write(t, input(t))
	if a != b {
		t.Error("two pages of the same input differ")
	}
}

// TestPageWithoutViolation: a run where every property held has its
// verdict and no diagram.
func TestPageWithoutViolation(t *testing.T) {
	in := input(t)
	in.Violation, in.Window, in.Story, in.OK = nil, nil, nil, true
	elems, text := parse(t, write(t, in))
	if !strings.Contains(text, "Every expected property holds.") {
		t.Error("no verdict")
	}
	for _, e := range elems {
		if e.hasClass("lamport") {
			t.Error("a diagram without a violation")
		}
	}
}
