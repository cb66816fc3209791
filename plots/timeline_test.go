package plots_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/plots"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/lease"
	"github.com/electsim/electsim/sim"
	"gonum.org/v1/plot/vg"
)

var timelineOut = flag.String("timeline.out", "", "also write the lease-gc-pause timeline here (.svg or .png), to look at")

// leaseGCPause runs scenarios/lease-gc-pause.yaml with a timeline and
// returns it with the run's end and its fenced-resource violation.
func leaseGCPause(t *testing.T) (*plots.Timeline, sim.Time, *plots.TimelineMark) {
	t.Helper()
	scn, err := sim.Load("../scenarios/lease-gc-pause.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(scn, p, scn.Seed)
	if err != nil {
		t.Fatal(err)
	}
	tl := plots.NewTimeline(s.Roster())
	tl.Title = fmt.Sprintf("%s, seed %d", scn.Name, scn.Seed)
	fenced := properties.NewFencedResource(s.Roster())
	s.Observe(tl, fenced)
	res := s.Run()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if fenced.Violation() == nil {
		t.Fatal("lease-gc-pause no longer violates fenced-resource: the picture has nothing to show")
	}
	return tl, res.End, plots.ViolationMark(fenced.Violation())
}

func render(t *testing.T, tl *plots.Timeline, format string, end sim.Time, m *plots.TimelineMark) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tl.Render(&b, format, end, m); err != nil {
		t.Fatalf("Render %s: %v", format, err)
	}
	if b.Len() == 0 {
		t.Fatalf("Render %s wrote nothing", format)
	}
	return b.Bytes()
}

func TestTimelineSVGIsWellFormedAndNamesEveryNode(t *testing.T) {
	tl, end, m := leaseGCPause(t)
	svg := render(t, tl, "svg", end, m)
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
	}
	for _, name := range []string{"n1", "n2", "n3", "resource", "coord", "lease-gc-pause, seed 1", "fenced-resource"} {
		if !bytes.Contains(svg, []byte(">"+name)) {
			t.Errorf("the SVG does not show %q", name)
		}
	}
	if again := render(t, tl, "svg", end, m); !bytes.Equal(svg, again) {
		t.Errorf("two renders of one run differ")
	}
	tl2, end2, m2 := leaseGCPause(t)
	if again := render(t, tl2, "svg", end2, m2); !bytes.Equal(svg, again) {
		t.Errorf("renders of two runs of one scenario and seed differ")
	}
}

func TestTimelinePNGHasTheConfiguredSize(t *testing.T) {
	tl, end, m := leaseGCPause(t)
	for _, c := range []struct {
		width, height float64 // inches
		dpi           int
		wantW, wantH  int
	}{
		{0, 0, 0, 1440, 432}, // 10in x (1in + 5 rows x 0.4in) at 144 dpi
		{6, 4, 50, 300, 200},
	} {
		tl.Width, tl.Height, tl.DPI = inches(c.width), inches(c.height), c.dpi
		img, err := png.Decode(bytes.NewReader(render(t, tl, "png", end, m)))
		if err != nil {
			t.Fatalf("the PNG does not decode: %v", err)
		}
		if b := img.Bounds(); b.Dx() != c.wantW || b.Dy() != c.wantH {
			t.Errorf("%gin x %gin at %d dpi: image is %dx%d, want %dx%d", c.width, c.height, c.dpi, b.Dx(), b.Dy(), c.wantW, c.wantH)
		}
	}
	if *timelineOut != "" {
		tl.Width, tl.Height, tl.DPI = 0, 0, 0
		format := strings.TrimPrefix(filepath.Ext(*timelineOut), ".")
		if err := os.WriteFile(*timelineOut, render(t, tl, format, end, m), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTimelineRejectsUnknownFormats(t *testing.T) {
	tl := plots.NewTimeline(roster(t, 2))
	if err := tl.Render(io.Discard, "pdf", sim.Time(time.Second), nil); err == nil {
		t.Errorf("Render accepted format pdf")
	}
}

// The collection, on hand-built events.

func roster(t *testing.T, n int) *sim.Roster {
	t.Helper()
	r, err := sim.NewRoster(n, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func at(s float64) sim.Time { return sim.Time(s * float64(time.Second)) }

func inches(in float64) vg.Length { return vg.Length(in) * vg.Inch }

// feed plays events into a fresh timeline of three participants.
func feed(t *testing.T, events ...sim.Event) *plots.Timeline {
	tl := plots.NewTimeline(roster(t, 3))
	for i := range events {
		events[i].Index = int64(i)
		tl.Observe(&events[i])
	}
	return tl
}

func wantLeads(t *testing.T, tl *plots.Timeline, want ...plots.Leadership) {
	t.Helper()
	if got := tl.Leads(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("leads\n got %+v\nwant %+v", got, want)
	}
}

func wantFaults(t *testing.T, tl *plots.Timeline, want ...plots.FaultPeriod) {
	t.Helper()
	if got := tl.Faults(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("faults\n got %+v\nwant %+v", got, want)
	}
}

func TestTimelineLeadThenStepDown(t *testing.T) {
	tl := feed(t,
		sim.Event{At: at(1), Kind: sim.KindLead, Node: 2, Gen: 4},
		sim.Event{At: at(3), Kind: sim.KindStepDown, Node: 2, Gen: 4},
	)
	wantLeads(t, tl, plots.Leadership{Node: 2, Gen: 4, Start: at(1), End: at(3)})
}

func TestTimelineLeadThenCrashThenRestart(t *testing.T) {
	tl := feed(t,
		sim.Event{At: at(1), Kind: sim.KindLead, Node: 1, Gen: 1},
		sim.Event{At: at(2), Kind: sim.KindCrash, Node: 1, Gen: 1},
		sim.Event{At: at(5), Kind: sim.KindRestart, Node: 1},
		sim.Event{At: at(6), Kind: sim.KindCrash, Node: 3},
	)
	wantLeads(t, tl, plots.Leadership{Node: 1, Gen: 1, Start: at(1), End: at(2)})
	wantFaults(t, tl,
		plots.FaultPeriod{Kind: sim.KindCrash, Node: 1, Start: at(2), End: at(5), Label: "crashed"},
		plots.FaultPeriod{Kind: sim.KindCrash, Node: 3, Start: at(6), End: plots.Open, Label: "crashed"},
	)
}

// TestTimelineShowsLateBootsAndNodesOutOfService: a node booted late is
// down from the start to its boot; one that took itself out of service is
// so, leading no more, until a crash.
func TestTimelineShowsLateBootsAndNodesOutOfService(t *testing.T) {
	tl := feed(t,
		sim.Event{At: at(1), Kind: sim.KindLead, Node: 1, Gen: 1},
		sim.Event{At: at(3), Kind: sim.KindBoot, Node: 3},
		sim.Event{At: at(4), Kind: sim.KindOutOfService, Node: 1, Tag: "downed itself"},
		sim.Event{At: at(5), Kind: sim.KindOutOfService, Node: 2, Tag: "downed itself"},
		sim.Event{At: at(6), Kind: sim.KindCrash, Node: 2},
	)
	wantLeads(t, tl, plots.Leadership{Node: 1, Gen: 1, Start: at(1), End: at(4)})
	wantFaults(t, tl,
		plots.FaultPeriod{Kind: sim.KindBoot, Node: 3, Start: 0, End: at(3), Label: "not booted"},
		plots.FaultPeriod{Kind: sim.KindOutOfService, Node: 1, Start: at(4), End: plots.Open, Label: "out of service"},
		plots.FaultPeriod{Kind: sim.KindOutOfService, Node: 2, Start: at(5), End: at(6), Label: "out of service"},
		plots.FaultPeriod{Kind: sim.KindCrash, Node: 2, Start: at(6), End: plots.Open, Label: "crashed"},
	)
}

func TestTimelineLeadOfANewGenerationWhileLeading(t *testing.T) {
	tl := feed(t,
		sim.Event{At: at(1), Kind: sim.KindLead, Node: 1, Gen: 1},
		sim.Event{At: at(2), Kind: sim.KindLead, Node: 1, Gen: 2},
	)
	wantLeads(t, tl,
		plots.Leadership{Node: 1, Gen: 1, Start: at(1), End: at(2)},
		plots.Leadership{Node: 1, Gen: 2, Start: at(2), End: plots.Open},
	)
}

func TestTimelinePauseLastsItsLengthUnlessACrashEndsIt(t *testing.T) {
	tl := feed(t,
		sim.Event{At: at(1), Kind: sim.KindPause, Node: 1, Value: int64(15 * time.Second)},
		sim.Event{At: at(1.5), Kind: sim.KindPause, Node: 3, Value: 85727387512},
		sim.Event{At: at(2), Kind: sim.KindPause, Node: 2, Value: int64(10 * time.Second)},
		sim.Event{At: at(4), Kind: sim.KindCrash, Node: 2},
	)
	wantFaults(t, tl,
		plots.FaultPeriod{Kind: sim.KindPause, Node: 1, Start: at(1), End: at(16), Label: "paused 15s"},
		plots.FaultPeriod{Kind: sim.KindPause, Node: 3, Start: at(1.5), End: at(1.5) + 85727387512, Label: "paused 1m25.7s"},
		plots.FaultPeriod{Kind: sim.KindPause, Node: 2, Start: at(2), End: at(4), Label: "paused 10s"},
		plots.FaultPeriod{Kind: sim.KindCrash, Node: 2, Start: at(4), End: plots.Open, Label: "crashed"},
	)
}

func TestTimelineNetworkFaultsLastUntilAHealOrPartition(t *testing.T) {
	tl := feed(t,
		sim.Event{At: at(1), Kind: sim.KindPartition, Tag: "halves [n1] [n2 n3]"},
		sim.Event{At: at(2), Kind: sim.KindPartition, Tag: "isolate n3"},
		sim.Event{At: at(3), Kind: sim.KindCut, Tag: "n1 -/-> n2"},
		sim.Event{At: at(4), Kind: sim.KindHeal},
	)
	wantFaults(t, tl,
		plots.FaultPeriod{Kind: sim.KindPartition, Start: at(1), End: at(2), Label: "partition halves [n1] [n2 n3]"},
		plots.FaultPeriod{Kind: sim.KindPartition, Start: at(2), End: at(4), Label: "partition isolate n3"},
		plots.FaultPeriod{Kind: sim.KindCut, Start: at(3), End: at(4), Label: "cut n1 -/-> n2"},
	)
}

// TestTimelineLinkFaultsLastUntilTheLinksAreBack: a link change is a fault
// until a change of the same pair supersedes it or puts both directions
// back as configured, which is no fault; a heal, which restores
// reachability only, leaves it. Here, with no scenario, on the tags alone.
func TestTimelineLinkFaultsLastUntilTheLinksAreBack(t *testing.T) {
	tl := feed(t,
		sim.Event{At: at(1), Kind: sim.KindLink, Tag: "n1 <-> n2 loss 0.9"},
		sim.Event{At: at(2), Kind: sim.KindHeal},
		sim.Event{At: at(3), Kind: sim.KindLink, Tag: "n2 -> n1 loss 0"}, // n1 -> n2 still loses
		sim.Event{At: at(4), Kind: sim.KindLink, Tag: "n1 -> n2 loss 0"},
		sim.Event{At: at(5), Kind: sim.KindLink, Tag: "n3 -> n1 duplicate 0.5"},
		sim.Event{At: at(6), Kind: sim.KindLink, Tag: "n1 -> n3 reorder true"},
		sim.Event{At: at(7), Kind: sim.KindLink, Tag: "n1 <-> n3 duplicate 0 reorder false"},
		// The nemesis's restore sets every field, one direction at a time.
		sim.Event{At: at(8), Kind: sim.KindLink, Tag: "n2 <-> n3 loss 0.9"},
		sim.Event{At: at(9), Kind: sim.KindLink, Tag: "n2 -> n3 loss 0 duplicate 0 latency lognormal reorder false"},
		sim.Event{At: at(9), Kind: sim.KindLink, Tag: "n3 -> n2 loss 0 duplicate 0 latency lognormal reorder false"},
		// A latency alone may be anything: on its tag it stays a fault.
		sim.Event{At: at(10), Kind: sim.KindLink, Tag: "n1 -> n2 latency constant"},
	)
	wantFaults(t, tl,
		plots.FaultPeriod{Kind: sim.KindLink, Start: at(1), End: at(4), Label: "link n1 <-> n2 loss 0.9"},
		plots.FaultPeriod{Kind: sim.KindLink, Start: at(5), End: at(6), Label: "link n3 -> n1 duplicate 0.5"},
		plots.FaultPeriod{Kind: sim.KindLink, Start: at(6), End: at(7), Label: "link n1 -> n3 reorder true"},
		plots.FaultPeriod{Kind: sim.KindLink, Start: at(8), End: at(9), Label: "link n2 <-> n3 loss 0.9"},
		plots.FaultPeriod{Kind: sim.KindLink, Start: at(10), End: plots.Open, Label: "link n1 -> n2 latency constant"},
	)
}

// linksScenario configures a latency and one lossy link, and changes
// links: a latency of the configured distribution but not its value, a
// lossy pair put back as configured (n1 -> n3 to its 5%), and the
// nemesis's degraded links.
const linksScenario = `
name: links
nodes: 3
duration: 60s
seed: 1
protocol: {name: lease, ttl: 10s}
network:
  latency: {dist: constant, value: 2ms}
  links:
    - {from: n1, to: n3, loss: 0.05}
faults:
  - {at: 2s, link: {from: n1, to: n2, latency: {dist: constant, value: 1s}}}
  - {at: 4s, link: {from: n1, to: n2, latency: {dist: constant, value: 2ms}}}
  - {at: 6s, link: {from: n3, to: n1, both: true, loss: 0.5}}
  - {at: 8s, link: {from: n1, to: n3, loss: 0.05}}
  - {at: 8s, link: {from: n3, to: n1, loss: 0}}
nemesis: {interval: 10s, start: 10s, quiet: 5s, kinds: [link], max_for: 4s}
`

// TestTimelineJudgesLinksByTheScenario runs linksScenario: with the run's
// scenario the timeline tells the latency fault from its repair, which
// their tags cannot ("latency constant" both), and every change that puts
// a pair back as configured ends the pair's fault.
func TestTimelineJudgesLinksByTheScenario(t *testing.T) {
	scn, err := sim.Parse("links.yaml", []byte(linksScenario))
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(scn, p, scn.Seed)
	if err != nil {
		t.Fatal(err)
	}
	tl, tagsOnly := plots.NewTimeline(s.Roster()), plots.NewTimeline(s.Roster())
	tl.Scenario = s.Scenario()
	s.Observe(tl, tagsOnly)
	if res := s.Run(); res.Err != nil {
		t.Fatal(res.Err)
	}
	links := func(tl *plots.Timeline) []plots.FaultPeriod {
		var out []plots.FaultPeriod
		for _, f := range tl.Faults() {
			if f.Kind == sim.KindLink {
				out = append(out, f)
			}
		}
		return out
	}
	got := links(tl)
	if len(got) < 4 {
		t.Fatalf("%d link faults, want the 2 scripted and at least 2 of the nemesis's: %+v", len(got), got)
	}
	want := []plots.FaultPeriod{
		{Kind: sim.KindLink, Start: at(2), End: at(4), Label: "link n1 -> n2 latency constant"},
		{Kind: sim.KindLink, Start: at(6), End: at(8), Label: "link n3 <-> n1 loss 0.5"},
	}
	if fmt.Sprint(got[:2]) != fmt.Sprint(want) {
		t.Errorf("scripted link faults\n got %+v\nwant %+v", got[:2], want)
	}
	for _, f := range got[2:] {
		if f.End == plots.Open || f.End <= f.Start || !strings.Contains(f.Label, "loss 0.9") {
			t.Errorf("the nemesis's link fault %+v is not a degraded link that ends", f)
		}
	}
	// On tags alone, the latency's repair reads as one more latency fault
	// (until the nemesis puts the pair back, setting every field).
	if repair := links(tagsOnly)[1]; repair.Start != at(4) || repair.Label != "link n1 -> n2 latency constant" {
		t.Errorf("on tags alone the repair at 4s is %+v, want a fault", repair)
	}
}

func TestTimelineSortsActsByOutcome(t *testing.T) {
	const resource = 4
	tl := feed(t,
		sim.Event{At: at(1), Kind: sim.KindActApplied, Node: resource, Peer: 1, Gen: 1, Accepted: true},
		sim.Event{At: at(2), Kind: sim.KindActApplied, Node: resource, Peer: 2, Gen: 2, Accepted: true},
		sim.Event{At: at(3), Kind: sim.KindActApplied, Node: resource, Peer: 1, Gen: 1, Accepted: true},
		sim.Event{At: at(4), Kind: sim.KindActApplied, Node: resource, Peer: 3, Gen: 1},
		sim.Event{At: at(5), Kind: sim.KindActWithheld, Node: 1, Gen: 1},
	)
	want := []plots.Act{
		{At: at(1), Node: 1, Gen: 1, Kind: plots.ActAccepted},
		{At: at(2), Node: 2, Gen: 2, Kind: plots.ActAccepted},
		{At: at(3), Node: 1, Gen: 1, Kind: plots.ActStale},
		{At: at(4), Node: 3, Gen: 1, Kind: plots.ActRejected},
		{At: at(5), Node: 1, Gen: 1, Kind: plots.ActWithheld},
	}
	if got := tl.Acts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("acts\n got %+v\nwant %+v", got, want)
	}
}

// TestTimelineMarksALostWriteWhenItWasWritten: a lost write is reported
// when the run ends, and marked at the time it was written, on the row of
// the node whose act it was, not at the report's time.
func TestTimelineMarksALostWriteWhenItWasWritten(t *testing.T) {
	tl := feed(t,
		sim.Event{At: at(2), Kind: sim.KindActApplied, Node: 2, Peer: 2, Gen: 2, Accepted: true, Tag: sim.ActAcked},
		sim.Event{At: at(9), Kind: sim.KindWriteLost, Node: 2, Peer: 1, Gen: 2, Value: 7,
			Msg: sim.LostWrite{Write: 7, Wrote: at(1.5), BeatenBy: 9, BeatenByGen: 1}},
	)
	want := []plots.Act{
		{At: at(2), Node: 2, Gen: 2, Kind: plots.ActAccepted},
		{At: at(1.5), Node: 2, Gen: 2, Kind: plots.ActLost},
	}
	if got := tl.Acts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("acts\n got %+v\nwant %+v", got, want)
	}
}

// TestViolationMarkRingsEveryNode: the line at the last event, and a ring
// on each node of the violation, at its own time when it has one.
func TestViolationMarkRingsEveryNode(t *testing.T) {
	v := &properties.Violation{Property: "fenced-resource", Nodes: []sim.NodeID{2, 1}, Times: []sim.Time{at(30), at(35.5)}}
	want := &plots.TimelineMark{At: at(35.5), Label: "fenced-resource", Rings: []plots.TimelineRing{{Node: 2, At: at(30)}, {Node: 1, At: at(35.5)}}}
	if m := plots.ViolationMark(v); fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("ViolationMark\n got %+v\nwant %+v", m, want)
	}
	// An outcome names its nodes but no times: they are ringed at the line.
	v = &properties.Violation{Property: "leader-at-end", Nodes: []sim.NodeID{3, 1}}
	want = &plots.TimelineMark{Label: "leader-at-end", Rings: []plots.TimelineRing{{Node: 3}, {Node: 1}}}
	if m := plots.ViolationMark(v); fmt.Sprint(m) != fmt.Sprint(want) {
		t.Errorf("ViolationMark\n got %+v\nwant %+v", m, want)
	}
	if plots.ViolationMark(nil) != nil {
		t.Errorf("ViolationMark(nil) is not nil")
	}
}

// TestTimelineRendersEveryKindOfMark draws a hand-built run with every
// kind of fault and act, so that no drawing path is left untried.
func TestTimelineRendersEveryKindOfMark(t *testing.T) {
	const resource = 4
	tl := feed(t,
		sim.Event{At: at(1), Kind: sim.KindLead, Node: 1, Gen: 1},
		sim.Event{At: at(2), Kind: sim.KindActApplied, Node: resource, Peer: 1, Gen: 1, Accepted: true},
		sim.Event{At: at(3), Kind: sim.KindPartition, Tag: "isolate n1"},
		sim.Event{At: at(4), Kind: sim.KindLead, Node: 2, Gen: 2},
		sim.Event{At: at(4.5), Kind: sim.KindActApplied, Node: resource, Peer: 2, Gen: 2, Accepted: true},
		sim.Event{At: at(5), Kind: sim.KindActApplied, Node: resource, Peer: 1, Gen: 1, Accepted: true},
		sim.Event{At: at(5.5), Kind: sim.KindActWithheld, Node: 1, Gen: 1},
		sim.Event{At: at(6), Kind: sim.KindHeal},
		sim.Event{At: at(6.5), Kind: sim.KindActApplied, Node: resource, Peer: 1, Gen: 1},
		sim.Event{At: at(7), Kind: sim.KindCrash, Node: 1, Gen: 1},
		sim.Event{At: at(8), Kind: sim.KindClockStep, Node: 3, Value: int64(-time.Second - 3)},
		sim.Event{At: at(8), Kind: sim.KindDrift, Node: 3, Value: 250_000},
		sim.Event{At: at(9), Kind: sim.KindPause, Node: 2, Value: int64(time.Second + 2)},
	)
	m := plots.ViolationMark(&properties.Violation{Property: "fenced-resource", Nodes: []sim.NodeID{2, 1}, Times: []sim.Time{at(4.5), at(5)}})
	svg := render(t, tl, "svg", at(10), m)
	for _, want := range []string{">network", ">n1", ">partition isolate n1", ">gen 1", ">gen 2", ">clock step -1s", ">rejected act", ">accepted stale act", ">withheld act", ">crashed", ">fenced-resource (n2, n1) at 5s", ">paused 1s"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("the SVG does not show %q", strings.TrimPrefix(want, ">"))
		}
	}
	if _, err := png.Decode(bytes.NewReader(render(t, tl, "png", at(10), m))); err != nil {
		t.Errorf("the PNG does not decode: %v", err)
	}
}
