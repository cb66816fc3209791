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
		sim.Event{At: at(2), Kind: sim.KindPause, Node: 2, Value: int64(10 * time.Second)},
		sim.Event{At: at(4), Kind: sim.KindCrash, Node: 2},
	)
	wantFaults(t, tl,
		plots.FaultPeriod{Kind: sim.KindPause, Node: 1, Start: at(1), End: at(16), Label: "paused 15s"},
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
		sim.Event{At: at(5), Kind: sim.KindLink, Tag: "n1 <-> n2 loss 0.9"},
		sim.Event{At: at(6), Kind: sim.KindLink, Tag: "n2 -> n1 loss 0"},
	)
	wantFaults(t, tl,
		plots.FaultPeriod{Kind: sim.KindPartition, Start: at(1), End: at(2), Label: "partition halves [n1] [n2 n3]"},
		plots.FaultPeriod{Kind: sim.KindPartition, Start: at(2), End: at(4), Label: "partition isolate n3"},
		plots.FaultPeriod{Kind: sim.KindCut, Start: at(3), End: at(4), Label: "cut n1 -/-> n2"},
		plots.FaultPeriod{Kind: sim.KindLink, Start: at(5), End: at(6), Label: "link n1 <-> n2 loss 0.9"},
		plots.FaultPeriod{Kind: sim.KindLink, Start: at(6), End: plots.Open, Label: "link n2 -> n1 loss 0"},
	)
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

func TestViolationMarkPointsAtTheLastEvent(t *testing.T) {
	v := &properties.Violation{Property: "fenced-resource", Nodes: []sim.NodeID{2, 1}, Times: []sim.Time{at(30), at(35.5)}}
	m := plots.ViolationMark(v)
	if m == nil || m.At != at(35.5) || m.Node != 1 || m.Label != "fenced-resource" {
		t.Errorf("ViolationMark = %+v", m)
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
		sim.Event{At: at(8), Kind: sim.KindClockStep, Node: 3, Value: int64(-time.Second)},
		sim.Event{At: at(8), Kind: sim.KindDrift, Node: 3, Value: 250_000},
		sim.Event{At: at(9), Kind: sim.KindPause, Node: 2, Value: int64(time.Second)},
	)
	m := &plots.TimelineMark{At: at(5), Node: 1, Label: "fenced-resource"}
	svg := render(t, tl, "svg", at(10), m)
	for _, want := range []string{">network", ">n1", ">partition isolate n1", ">gen 1", ">gen 2", ">clock step -1s", ">rejected act", ">accepted stale act", ">withheld act", ">crashed", ">fenced-resource (n1) at 5.000s"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("the SVG does not show %q", strings.TrimPrefix(want, ">"))
		}
	}
	if _, err := png.Decode(bytes.NewReader(render(t, tl, "png", at(10), m))); err != nil {
		t.Errorf("the PNG does not decode: %v", err)
	}
}
