package report

import (
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/electsim/electsim/plots"
	"github.com/electsim/electsim/sim"
)

// The message diagram's geometry, in pixels. Time runs down, one row per
// event in index order (a Lamport diagram keeps order, not distance); each
// node has a lane; the listing on the right is the replay's line for the
// event on the same row.
const (
	rowHeight    = 18
	headHeight   = 40 // the lanes' names
	laneLeft     = 72 // the first lane's x: left of it, network events' rings
	laneGap      = 104
	listingGap   = 56 // from the last lane to the listing
	listingWidth = 640
	listingChars = 96 // longer lines are cut; the tooltip has them whole
	gapHeight    = 14 // the room a "not shown" note takes
	gapShown     = 10 // events left out between two rows before a note says so
)

// diagram lays a window out and draws it.
type diagram struct {
	w       *Window
	svg     svgWriter
	lanes   []sim.NodeID
	laneX   []int         // by NodeID, -1 for no lane
	rowY    []int         // by position in w.Events: the row's middle
	gaps    [][2]int      // (y, events left out) above a row
	byIndex map[int64]int // an event's position in w.Events; looked up only
	steps   map[int64]int // a story event's step number, from 1; looked up only
	width   int
	height  int
}

// drawDiagram returns the window's message diagram as an SVG element.
func drawDiagram(w *Window) []byte {
	d := &diagram{w: w, byIndex: map[int64]int{}, steps: map[int64]int{}}
	d.layout()
	d.svg.open("svg", attrs{"class", "lamport", "xmlns", "http://www.w3.org/2000/svg",
		"width", strconv.Itoa(d.width), "height", strconv.Itoa(d.height),
		"viewBox", fmt.Sprintf("0 0 %d %d", d.width, d.height)})
	d.svg.b.WriteString(`<defs><marker id="lamport-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path class="arrowhead" d="M0,0L8,4L0,8z"/></marker></defs>` + "\n")
	d.rowShades()
	d.laneLines()
	d.spans()
	d.gapNotes()
	d.messages()
	d.events()
	d.listing()
	d.svg.close("svg")
	return d.svg.b.Bytes()
}

// layout places the lanes and the rows.
func (d *diagram) layout() {
	d.lanes = d.laneNodes()
	d.laneX = make([]int, d.w.Roster.Len()+1)
	for i := range d.laneX {
		d.laneX[i] = -1
	}
	for i, id := range d.lanes {
		d.laneX[id] = laneLeft + i*laneGap
	}
	for i, index := range d.w.Story {
		if _, seen := d.steps[index]; !seen {
			d.steps[index] = i + 1
		}
	}
	y := headHeight
	for i := range d.w.Events {
		e := &d.w.Events[i]
		if i > 0 && e.Index-d.w.Events[i-1].Index-1 >= gapShown {
			d.gaps = append(d.gaps, [2]int{y + gapHeight/2, int(e.Index - d.w.Events[i-1].Index - 1)})
			y += gapHeight
		}
		d.rowY = append(d.rowY, y+rowHeight/2)
		d.byIndex[e.Index] = i
		y += rowHeight
	}
	d.height = y + headHeight // the lanes' names again at the foot: the violation is there
	d.width = d.listingX() + listingWidth
}

// laneNodes are the nodes the window's events, beliefs and focus name, in
// ID order.
func (d *diagram) laneNodes() []sim.NodeID {
	ids := slices.Clone(d.w.Focus)
	for _, e := range d.w.Events {
		ids = append(ids, e.Node, e.Peer)
	}
	for _, sp := range d.w.Spans {
		ids = append(ids, sp.Node)
	}
	ids = slices.DeleteFunc(ids, func(id sim.NodeID) bool { return id <= sim.NoNode || int(id) > d.w.Roster.Len() })
	slices.Sort(ids)
	return slices.Compact(ids)
}

func (d *diagram) listingX() int {
	return laneLeft + max(len(d.lanes)-1, 0)*laneGap + listingGap
}

// yBefore is the y of the boundary above the first row at index or after
// it: where a belief that began or ended at an event not drawn shows.
func (d *diagram) yBefore(index int64) int {
	i := position(d.w.Events, index)
	if i == len(d.rowY) {
		return d.height - headHeight
	}
	return d.rowY[i] - rowHeight/2
}

// rowShades tints the rows of the violation's events and of the story's.
func (d *diagram) rowShades() {
	for i, e := range d.w.Events {
		switch {
		case slices.Contains(d.w.Marked, e.Index):
			d.svg.rect("row-shade violation", 0, d.rowY[i]-rowHeight/2, d.width, rowHeight, nil)
		case d.steps[e.Index] > 0:
			d.svg.rect("row-shade story", 0, d.rowY[i]-rowHeight/2, d.width, rowHeight, nil)
		}
	}
}

// laneLines draws each node's lane under its name; the violation's nodes'
// lanes are drawn in red.
func (d *diagram) laneLines() {
	for _, id := range d.lanes {
		class := "lane"
		if slices.Contains(d.w.Focus, id) {
			class = "lane focus"
		}
		name := d.w.Roster.Name(id)
		x := d.laneX[id]
		d.svg.open("g", attrs{"class", class, "data-node", name})
		d.svg.text("lane-name", x, headHeight-16, name, nil)
		d.svg.line("lane-line", x, headHeight-8, x, d.height-headHeight+8, nil)
		d.svg.text("lane-name", x, d.height-headHeight+26, name, nil)
		d.svg.close("g")
	}
}

// spans shade each lane while its node believed it led, in its
// generation's colour as on the timeline, and while it was paused or
// crashed, in grey.
func (d *diagram) spans() {
	for _, sp := range d.w.Spans {
		x := d.laneX[sp.Node]
		y0, y1 := d.yBefore(sp.Start), d.yBefore(sp.End)
		if sp.Start >= d.w.From {
			y0 += rowHeight / 2 // from the starting event's own row
		}
		if x < 0 || y1 <= y0 {
			continue
		}
		name := d.w.Roster.Name(sp.Node)
		d.svg.open("g", attrs{"class", "span"})
		if sp.Kind == sim.KindLead {
			d.svg.title(fmt.Sprintf("%s believes it leads gen %d", name, sp.Gen))
			d.svg.rect("belief-band", x-5, y0, 10, y1-y0, attrs{"fill", hex(plots.GenerationColor(sp.Gen))})
		} else {
			d.svg.title(fmt.Sprintf("%s is down: %s", name, sp.Kind))
			d.svg.rect("down-band "+sp.Kind.String(), x-8, y0, 16, y1-y0, nil)
		}
		d.svg.close("g")
	}
}

// gapNotes say where events were left out.
func (d *diagram) gapNotes() {
	for _, g := range d.gaps {
		d.svg.line("gap", 0, g[0], d.listingX()-8, g[0], nil)
		d.svg.text("gap-note", d.listingX(), g[0]+4, fmt.Sprintf("⋯ %d events not shown", g[1]), nil)
	}
}

// messages draws an arrow per delivery or drop, from the send (or from
// above, when the send is before the window) to the receipt; a drop ends
// in an x short of the receiver. A send none of whose receipts is drawn
// gets a short dashed stub toward its receiver.
func (d *diagram) messages() {
	for i := range d.w.Events {
		e := &d.w.Events[i]
		switch e.Kind {
		case sim.KindDeliver, sim.KindDrop:
			d.arrow(i, e)
		case sim.KindSend:
			if !d.hasReceipt(e.Index) {
				x0, x1 := d.laneX[e.Node], d.laneX[e.Peer]
				d.svg.line("stub", x0, d.rowY[i], x0+(x1-x0)/3, d.rowY[i]+rowHeight/2, attrs{"marker-end", "url(#lamport-arrow)"})
			}
		}
	}
}

// hasReceipt reports whether a delivery or drop of the send is drawn.
func (d *diagram) hasReceipt(send int64) bool {
	for _, e := range d.w.Events[d.byIndex[send]+1:] {
		if (e.Kind == sim.KindDeliver || e.Kind == sim.KindDrop) && e.SendIndex == send {
			return true
		}
	}
	return false
}

// arrow draws one message's arrow, ending at the receipt on row i.
func (d *diagram) arrow(i int, e *sim.Event) {
	from, to := e.Peer, e.Node // a delivery is on the receiver
	if e.Kind == sim.KindDrop {
		from, to = e.Node, e.Peer // a drop is on the sender
	}
	x0, x1 := d.laneX[from], d.laneX[to]
	y0, y1 := d.rowY[i]-rowHeight, d.rowY[i]
	class := "msg early" // sent before the window: from the row above
	if s, ok := d.byIndex[e.SendIndex]; ok {
		y0, class = d.rowY[s], "msg"
	}
	if x0 == x1 {
		x1 += 14 // to itself: aside, not along the lane
	}
	d.svg.open("g", attrs{"class", "message"})
	d.svg.title(sim.FormatEvent(d.w.Roster, e))
	if e.Kind == sim.KindDrop {
		xEnd := x0 + (x1-x0)*5/6
		yEnd := y0 + (y1-y0)*5/6
		d.svg.line(class+" drop", x0, y0, xEnd, yEnd, nil)
		d.svg.path("drop-x", fmt.Sprintf("M%d,%dL%d,%dM%d,%dL%d,%d", xEnd-5, yEnd-5, xEnd+5, yEnd+5, xEnd-5, yEnd+5, xEnd+5, yEnd-5), nil)
	} else {
		d.svg.line(class, x0, y0, x1, y1, attrs{"marker-end", "url(#lamport-arrow)"})
	}
	d.svg.close("g")
}

// events draws each event as a dot on its lane (a network fault as a
// line across every lane), labels faults, leadership and acts, and rings
// the violation's events and the story's.
func (d *diagram) events() {
	for i := range d.w.Events {
		e := &d.w.Events[i]
		y := d.rowY[i]
		if e.Kind == sim.KindDrop {
			continue // the x at the arrow's end is its mark
		}
		if e.Node == sim.NoNode || d.laneX[e.Node] < 0 {
			d.networkEvent(e, y)
			continue
		}
		x := d.laneX[e.Node]
		d.svg.open("g", attrs{"class", "event", "data-index", strconv.FormatInt(e.Index, 10)})
		d.svg.title(sim.FormatEvent(d.w.Roster, e))
		d.dot(e, x, y)
		d.svg.close("g")
		d.rings(e, x, y)
	}
}

// dot draws one event's dot and its label beside it.
func (d *diagram) dot(e *sim.Event, x, y int) {
	class, fill := dotClass(e)
	var a attrs
	if fill != "" {
		a = attrs{"fill", fill}
	}
	d.svg.circle("dot "+class, x, y, 4, a)
	if label := d.laneLabel(e); label != "" {
		d.svg.text("dot-label "+class, x+8, y+3, label, nil)
	}
}

// dotClass is the CSS class of an event's dot, and its fill when it takes
// its generation's colour.
func dotClass(e *sim.Event) (class, fill string) {
	switch {
	case e.Kind == sim.KindLead:
		return "lead", hex(plots.GenerationColor(e.Gen))
	case e.Kind == sim.KindStepDown:
		return "lead", ""
	case e.Kind == sim.KindActApplied && !e.Accepted:
		return "act rejected", ""
	case e.Kind == sim.KindActIssued || e.Kind == sim.KindActApplied || e.Kind == sim.KindActCommitted:
		return "act", ""
	case e.Kind == sim.KindActWithheld:
		return "act withheld", ""
	case e.Kind.IsFault() || e.Kind == sim.KindBoot || e.Kind == sim.KindOutOfService || e.Kind == sim.KindFaultSkipped || e.Kind == sim.KindFaultIgnored:
		return "fault", ""
	case e.Kind == sim.KindTimer || e.Kind == sim.KindDiskWrite:
		return "timer", ""
	}
	return "msg-end", ""
}

// laneLabel is the short word beside a dot, for the events a reader looks
// for on the lanes: leadership, faults and acts.
func (d *diagram) laneLabel(e *sim.Event) string {
	switch e.Kind {
	case sim.KindLead:
		return fmt.Sprintf("leads gen %d", e.Gen)
	case sim.KindStepDown:
		return fmt.Sprintf("steps down gen %d", e.Gen)
	case sim.KindActIssued:
		return fmt.Sprintf("act gen %d", e.Gen)
	case sim.KindActWithheld:
		return fmt.Sprintf("withholds gen %d", e.Gen)
	case sim.KindActCommitted:
		return fmt.Sprintf("commits gen %d", e.Gen)
	case sim.KindActApplied:
		verdict := "rejects"
		if e.Accepted {
			verdict = "accepts"
		}
		return fmt.Sprintf("%s %s gen %d", verdict, d.w.Roster.Name(e.Peer), e.Gen)
	case sim.KindPause:
		return "pause " + sim.Human(time.Duration(e.Value))
	case sim.KindClockStep:
		return "clock step " + sim.Human(time.Duration(e.Value))
	}
	if e.Kind.IsFault() || e.Kind == sim.KindBoot || e.Kind == sim.KindOutOfService {
		return e.Kind.String()
	}
	return ""
}

// networkEvent draws a partition, cut, heal or link change: a dashed line
// across the lanes, labelled right of the first lane, ringed left of it.
func (d *diagram) networkEvent(e *sim.Event, y int) {
	right := d.listingX() - listingGap/2
	d.svg.open("g", attrs{"class", "event network", "data-index", strconv.FormatInt(e.Index, 10)})
	d.svg.title(sim.FormatEvent(d.w.Roster, e))
	d.svg.line("net-line", laneLeft-36, y, right, y, nil)
	d.svg.text("dot-label fault", laneLeft+8, y-3, e.Kind.String(), nil)
	d.svg.close("g")
	d.rings(e, laneLeft-36, y)
}

// rings marks a violation's event in red and a story's event with its
// step number.
func (d *diagram) rings(e *sim.Event, x, y int) {
	if n := d.steps[e.Index]; n > 0 {
		d.svg.circle("story-ring", x, y, 7, attrs{"data-index", strconv.FormatInt(e.Index, 10)})
		d.svg.text("step-no", x-12, y+4, strconv.Itoa(n), attrs{"text-anchor", "end"})
	}
	if slices.Contains(d.w.Marked, e.Index) {
		d.svg.circle("violation-ring", x, y, 10, attrs{"data-index", strconv.FormatInt(e.Index, 10)})
	}
}

// listing writes each event's replay line on its row.
func (d *diagram) listing() {
	x := d.listingX()
	d.svg.text("listing-head", x, headHeight-16, "the events, as electsim replay prints them", nil)
	for i := range d.w.Events {
		e := &d.w.Events[i]
		class := "listing"
		switch {
		case slices.Contains(d.w.Marked, e.Index):
			class = "listing violation"
		case d.steps[e.Index] > 0:
			class = "listing story"
		}
		line := sim.FormatEvent(d.w.Roster, e)
		d.svg.open("g", nil)
		d.svg.title(line)
		d.svg.text(class, x, d.rowY[i]+4, cut(line, listingChars), nil)
		d.svg.close("g")
	}
}

// cut shortens s to n characters, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
