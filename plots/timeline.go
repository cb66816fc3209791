package plots

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
	"gonum.org/v1/plot/vg"
)

// Open is the End of an interval that had not ended when it was read: a
// node still leading, crashed or cut off. Render ends it at the run's end.
const Open sim.Time = math.MaxInt64

// Leadership is one node's belief that it led one generation.
type Leadership struct {
	Node       sim.NodeID
	Gen        sim.Generation
	Start, End sim.Time // End is Open while the belief lasts
}

// ActKind says what became of an act.
type ActKind uint8

const (
	ActAccepted ActKind = iota // the resource applied it
	ActStale                   // applied, though the resource had applied a higher generation
	ActRejected                // the resource fenced it off
	ActWithheld                // the node's MayAct refused it
	// ActLost is a write to the store (scenario store:), acknowledged
	// and missing from the final merge of the replicas: at the time it
	// was written, on the row of the node whose act it was.
	ActLost
)

// Act is one act, on the row of the node that acted: at the resource's
// decision for applied and rejected acts, at the node for withheld ones.
type Act struct {
	At   sim.Time
	Node sim.NodeID
	Gen  sim.Generation
	Kind ActKind
}

// FaultPeriod is a fault with its extent: a pause for its length (less if
// a crash ends it), a crash until the restart, a partition or cut until
// the next heal or partition, a link change until the next change of the
// same pair of nodes (a change that puts the pair's links back as
// configured ends it and is no fault; a heal leaves links as they are). A
// clock step or drift change is an instant: End == Start. Two periods are
// not faults but are drawn like them: a node booted late is down (Kind
// sim.KindBoot) from 0 to its boot, and a node out of service
// (sim.KindOutOfService) is so until it crashes.
type FaultPeriod struct {
	Kind       sim.Kind   // the kind that began it
	Node       sim.NodeID // sim.NoNode for a network fault, which affects every row
	Start, End sim.Time   // End is Open until it is known
	Label      string
}

// TimelineMark is a moment the picture points at with a labelled line: a
// property's violation, with a ring on each node it involves.
type TimelineMark struct {
	At    sim.Time
	Rings []TimelineRing
	Label string
}

// TimelineRing rings a node's row at a moment: where it took its part in
// a violation.
type TimelineRing struct {
	Node sim.NodeID
	At   sim.Time
}

// ViolationMark marks v: a line at its last time, labelled with the
// property, and a ring on every one of its nodes, at that node's time
// when the violation gives one per node (the two leaders of a generation,
// each at its own act), else at the line. It returns nil for a nil
// violation.
func ViolationMark(v *properties.Violation) *TimelineMark {
	if v == nil {
		return nil
	}
	m := &TimelineMark{Label: v.Property}
	if n := len(v.Times); n > 0 {
		m.At = v.Times[n-1]
	}
	for i, node := range v.Nodes {
		r := TimelineRing{Node: node, At: m.At}
		if len(v.Times) == len(v.Nodes) {
			r.At = v.Times[i]
		}
		m.Rings = append(m.Rings, r)
	}
	return m
}

// Timeline collects a run's leadership, acts and faults as the run goes,
// and renders them (Render). Its memory is what it draws: one entry per
// leadership change, act and fault, and O(nodes) of open state.
type Timeline struct {
	// Title is drawn above the picture, e.g. "lease-gc-pause, seed 1".
	Title string
	// Width and Height are the picture's size; zero means 10in wide and
	// 1in + 0.4in per node high.
	Width, Height vg.Length
	// DPI is the PNG's resolution; zero means 144.
	DPI int
	// Scenario, when set, is the run's expanded scenario (Sim.Scenario):
	// with it a link change is judged exactly against the network section
	// (see FaultPeriod); without it, on the change's tag alone
	// (parseLinkTag says how).
	Scenario *sim.Scenario

	roster  *sim.Roster
	leads   []Leadership
	acts    []Act
	faults  []FaultPeriod
	leading []int // by NodeID: index in leads of the open belief, or -1
	crashed []int // by NodeID: index in faults of the open crash, or -1
	paused  []int // by NodeID: index in faults of the last pause, or -1
	// outOfService, by NodeID: index in faults of the open out-of-service
	// period, or -1.
	outOfService []int
	network      []int // indexes in faults of the open network periods
	links        linkStates
	highest      sim.Generation
}

// NewTimeline returns an empty timeline of r's nodes; add it to a run with
// Sim.Observe or properties.Run.
func NewTimeline(r *sim.Roster) *Timeline {
	t := &Timeline{roster: r}
	for _, open := range []*[]int{&t.leading, &t.crashed, &t.paused, &t.outOfService} {
		*open = make([]int, r.Len()+1)
		for i := range *open {
			(*open)[i] = -1
		}
	}
	return t
}

// Leads returns every leadership belief, in order of start. Do not modify.
func (t *Timeline) Leads() []Leadership { return t.leads }

// Acts returns every act, in order. Do not modify.
func (t *Timeline) Acts() []Act { return t.acts }

// Faults returns every fault period, in the order they began to be known:
// by start, but for a late boot's period, known at the boot. Do not
// modify.
func (t *Timeline) Faults() []FaultPeriod { return t.faults }

// Observe collects one event.
func (t *Timeline) Observe(e *sim.Event) {
	switch e.Kind {
	case sim.KindLead:
		t.endLead(e.Node, e.At)
		t.leading[e.Node] = len(t.leads)
		t.leads = append(t.leads, Leadership{Node: e.Node, Gen: e.Gen, Start: e.At, End: Open})
	case sim.KindStepDown:
		t.endLead(e.Node, e.At)
	case sim.KindActApplied:
		t.applied(e)
	case sim.KindActWithheld:
		t.acts = append(t.acts, Act{At: e.At, Node: e.Node, Gen: e.Gen, Kind: ActWithheld})
	case sim.KindWriteLost:
		if lw, ok := e.Msg.(sim.LostWrite); ok {
			t.acts = append(t.acts, Act{At: lw.Wrote, Node: e.Node, Gen: e.Gen, Kind: ActLost})
		}
	case sim.KindBoot:
		t.faults = append(t.faults, FaultPeriod{Kind: sim.KindBoot, Node: e.Node, Start: 0, End: e.At, Label: "not booted"})
	case sim.KindOutOfService:
		t.endLead(e.Node, e.At)
		t.outOfService[e.Node] = t.open(e, Open, "out of service")
	default:
		if e.Kind.IsFault() {
			t.fault(e)
		}
	}
}

func (t *Timeline) endLead(id sim.NodeID, at sim.Time) {
	if i := t.leading[id]; i >= 0 {
		t.leads[i].End = at
		t.leading[id] = -1
	}
}

// applied records the resource's decision on the row of the node that
// acted. An accepted act below the highest generation accepted so far is
// stale: the act fencing exists to stop.
func (t *Timeline) applied(e *sim.Event) {
	a := Act{At: e.At, Node: e.Peer, Gen: e.Gen, Kind: ActAccepted}
	switch {
	case !e.Accepted:
		a.Kind = ActRejected
	case e.Gen < t.highest:
		a.Kind = ActStale
	default:
		t.highest = e.Gen
	}
	t.acts = append(t.acts, a)
}

func (t *Timeline) fault(e *sim.Event) {
	switch e.Kind {
	case sim.KindPause:
		d := time.Duration(e.Value)
		t.paused[e.Node] = t.open(e, e.At+sim.Time(d), "paused "+sim.Human(d))
	case sim.KindCrash:
		t.endLead(e.Node, e.At)
		t.endPause(e.Node, e.At)
		t.end(&t.outOfService[e.Node], e.At)
		t.crashed[e.Node] = t.open(e, Open, "crashed")
	case sim.KindRestart:
		t.end(&t.crashed[e.Node], e.At)
	case sim.KindClockStep:
		t.open(e, e.At, "clock step "+sim.Human(time.Duration(e.Value)))
	case sim.KindDrift:
		t.open(e, e.At, "drift "+formatPPB(e.Value))
	case sim.KindPartition, sim.KindHeal:
		// Reachability is replaced; links keep their settings.
		t.endNetwork(e.At, func(f FaultPeriod) bool { return f.Kind != sim.KindLink })
		if e.Kind == sim.KindPartition {
			t.network = append(t.network, t.open(e, Open, "partition "+e.Tag))
		}
	case sim.KindCut:
		t.network = append(t.network, t.open(e, Open, "cut "+e.Tag))
	case sim.KindLink:
		t.link(e)
	}
}

// link ends the open link fault of the change's pair of nodes when the
// change supersedes it or puts the pair back as configured, and begins a
// new one when the change leaves a link off its configuration. A change
// that puts back one direction of a pair whose other is still off
// changes nothing drawn.
func (t *Timeline) link(e *sim.Event) {
	verdict := t.links.change(t.Scenario, e)
	if verdict == linkRestores {
		return
	}
	pair := linkPair(e.Tag)
	t.endNetwork(e.At, func(f FaultPeriod) bool { return f.Kind == sim.KindLink && linkPair(f.Label) == pair })
	if verdict == linkDegrades {
		t.network = append(t.network, t.open(e, Open, "link "+e.Tag))
	}
}

// open records a fault period and returns its index.
func (t *Timeline) open(e *sim.Event, end sim.Time, label string) int {
	t.faults = append(t.faults, FaultPeriod{Kind: e.Kind, Node: e.Node, Start: e.At, End: end, Label: label})
	return len(t.faults) - 1
}

// end ends the open period *i at at, if there is one.
func (t *Timeline) end(i *int, at sim.Time) {
	if *i >= 0 {
		t.faults[*i].End = at
		*i = -1
	}
}

// endPause cuts a pause short: a crash ends the process that was paused.
func (t *Timeline) endPause(id sim.NodeID, at sim.Time) {
	if i := t.paused[id]; i >= 0 && t.faults[i].End > at {
		t.faults[i].End = at
	}
	t.paused[id] = -1
}

// endNetwork ends the open network periods that match.
func (t *Timeline) endNetwork(at sim.Time, match func(FaultPeriod) bool) {
	kept := t.network[:0]
	for _, i := range t.network {
		if match(t.faults[i]) {
			t.faults[i].End = at
		} else {
			kept = append(kept, i)
		}
	}
	t.network = kept
}

// linkPair is the two nodes a link change names ("n1 <-> n2 loss 0.9",
// "link n2 -> n1 ..."), in a fixed order, so that both directions match.
func linkPair(tag string) string {
	f := strings.Fields(strings.TrimPrefix(tag, "link "))
	if len(f) < 3 {
		return tag
	}
	a, b := f[0], f[2]
	if b < a {
		a, b = b, a
	}
	return a + " " + b
}

// formatPPB writes a drift in ppm, as scenarios give it.
func formatPPB(ppb int64) string {
	return strconv.FormatFloat(float64(ppb)/1000, 'f', -1, 64) + " ppm"
}
