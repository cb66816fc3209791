package plots

import (
	"fmt"
	"testing"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// The timeline's geometry, as Render lays it out, tested on what it
// computes rather than on pixels.

func newTimeline3(t *testing.T) *Timeline {
	t.Helper()
	r, err := sim.NewRoster(3, nil)
	if err != nil {
		t.Fatal(err)
	}
	return NewTimeline(r)
}

func observeAll(tl *Timeline, events ...sim.Event) {
	for i := range events {
		events[i].Index = int64(i)
		tl.Observe(&events[i])
	}
}

func sec(s float64) sim.Time { return sim.Time(s * float64(time.Second)) }

// laidOut builds the plot as Render does, at the default size, and
// returns it with the canvas its data is drawn on.
func laidOut(tl *Timeline, end sim.Time, m *TimelineMark) (*plot.Plot, draw.Canvas) {
	w, h := tl.size()
	c := draw.New(vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(defaultDPI)))
	p := tl.plot(end, m)
	return p, p.DataCanvas(plotArea(c))
}

// TestShortFaultsGetAVisibleWidth: a 1 ms crash and a 2 ms pause in a
// minute's run are drawn minVisibleWidth wide, as are a 1 ms network cut
// and a belief of an instant; a long pause keeps its true width, and a
// crash at the very end is widened leftwards, inside the picture.
func TestShortFaultsGetAVisibleWidth(t *testing.T) {
	tl := newTimeline3(t)
	observeAll(tl,
		sim.Event{At: sec(1), Kind: sim.KindLead, Node: 1, Gen: 1},
		sim.Event{At: sec(1), Kind: sim.KindStepDown, Node: 1, Gen: 1},
		sim.Event{At: sec(10), Kind: sim.KindCrash, Node: 1},
		sim.Event{At: sec(10.001), Kind: sim.KindRestart, Node: 1},
		sim.Event{At: sec(20), Kind: sim.KindPause, Node: 2, Value: int64(2 * time.Millisecond)},
		sim.Event{At: sec(30), Kind: sim.KindCut, Tag: "n1 -/-> n2"},
		sim.Event{At: sec(30.001), Kind: sim.KindHeal},
		sim.Event{At: sec(40), Kind: sim.KindPause, Node: 3, Value: int64(10 * time.Second)},
		sim.Event{At: sec(60) - 1, Kind: sim.KindCrash, Node: 3},
	)
	end := sec(60)
	p, dc := laidOut(tl, end, nil)
	boxes := faultShades{tl, end}.boxes(dc, p)
	if len(boxes) != 5 {
		t.Fatalf("%d boxes, want 5: %+v", len(boxes), boxes)
	}
	perSecond := (dc.Max.X - dc.Min.X) / 60
	for i, b := range boxes {
		width := b.x1 - b.x0
		switch {
		case i == 3: // the 10s pause
			if want := 10 * perSecond; width < want-0.01 || width > want+0.01 {
				t.Errorf("%s: %.2fpt wide, want its true %.2fpt", b.period.Label, width, want)
			}
		case width < minVisibleWidth:
			t.Errorf("%s: %.3fpt wide, want at least %vpt", b.period.Label, width, minVisibleWidth)
		}
		if b.x0 < dc.Min.X || b.x1 > dc.Max.X {
			t.Errorf("%s: %.2f..%.2f leaves the canvas's %.2f..%.2f", b.period.Label, b.x0, b.x1, dc.Min.X, dc.Max.X)
		}
	}
	if last := boxes[4]; last.x1 != dc.Max.X {
		t.Errorf("the crash at the end spans %.2f..%.2f, want it to end at the right edge %.2f", last.x0, last.x1, dc.Max.X)
	}
	// The belief of an instant: drawn as wide.
	trX, _ := p.Transforms(&dc)
	if x0, x1 := visibleSpan(dc, trX(1), trX(1)); x1-x0 != minVisibleWidth {
		t.Errorf("a belief of an instant is %.2fpt wide", x1-x0)
	}
}

// TestEveryNodeOfAViolationIsRinged: both leaders of a generation are
// ringed, each at its own act, and named in the label.
func TestEveryNodeOfAViolationIsRinged(t *testing.T) {
	tl := newTimeline3(t)
	observeAll(tl,
		sim.Event{At: sec(1), Kind: sim.KindLead, Node: 1, Gen: 1},
		sim.Event{At: sec(3), Kind: sim.KindLead, Node: 3, Gen: 1},
	)
	v := &properties.Violation{Property: "single-leader-per-generation", Nodes: []sim.NodeID{1, 3}, Times: []sim.Time{sec(1.5), sec(3.5)}}
	m := ViolationMark(v)
	end := sec(10)
	p, dc := laidOut(tl, end, m)
	trX, trY := p.Transforms(&dc)
	ml := markLabel{tl, *m}
	want := []vg.Point{{X: trX(1.5), Y: trY(tl.row(1))}, {X: trX(3.5), Y: trY(tl.row(3))}}
	if got := ml.ringPoints(dc, p); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rings at %v, want %v", got, want)
	}
	if got, want := ml.text(), "single-leader-per-generation (n1, n3) at 3.5s"; got != want {
		t.Errorf("label %q, want %q", got, want)
	}
}

// TestParseLinkTag reads the tags the kernel writes for link changes, and
// refuses what it does not write.
func TestParseLinkTag(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	b := func(v bool) *bool { return &v }
	for _, c := range []struct {
		tag  string
		want sim.LinkOverride
		ok   bool
	}{
		{"n1 <-> n2 loss 0.9", sim.LinkOverride{From: "n1", To: "n2", Both: true, Loss: f(0.9)}, true},
		{"n2 -> resource loss 0 duplicate 1e-05 latency lognormal reorder false", sim.LinkOverride{
			From: "n2", To: "resource", Loss: f(0), Duplicate: f(1e-05), Latency: &network.Latency{Dist: "lognormal"}, Reorder: b(false)}, true},
		{"n1 -> n3 reorder true", sim.LinkOverride{From: "n1", To: "n3", Reorder: b(true)}, true},
		{"n1 -> n3", sim.LinkOverride{From: "n1", To: "n3"}, true},
		{"n1 -/-> n2", sim.LinkOverride{}, false},
		{"n1 -> n2 loss", sim.LinkOverride{}, false},
		{"n1 -> n2 loss lots", sim.LinkOverride{}, false},
		{"n1 -> n2 loss 0.1 loss 0.2", sim.LinkOverride{}, false},
		{"n1 -> n2 reorder maybe", sim.LinkOverride{}, false},
		{"n1 -> n2 jitter 5ms", sim.LinkOverride{}, false},
		{"", sim.LinkOverride{}, false},
	} {
		got, ok := parseLinkTag(c.tag)
		if ok != c.ok || (ok && !sameChange(got, c.want)) {
			t.Errorf("parseLinkTag(%q) = %s, %v; want %s, %v", c.tag, show(got), ok, show(c.want), c.ok)
		}
	}
}

func show(o sim.LinkOverride) string {
	s := fmt.Sprintf("%s->%s both=%v", o.From, o.To, o.Both)
	if o.Loss != nil {
		s += fmt.Sprintf(" loss=%v", *o.Loss)
	}
	if o.Duplicate != nil {
		s += fmt.Sprintf(" duplicate=%v", *o.Duplicate)
	}
	if o.Latency != nil {
		s += " latency=" + o.Latency.Dist
	}
	if o.Reorder != nil {
		s += fmt.Sprintf(" reorder=%v", *o.Reorder)
	}
	return s
}
