package sim

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/electsim/electsim/clock"
	"github.com/electsim/electsim/network"
)

// compiledFault is a scripted fault resolved to node IDs and, for a
// partition, to the whole reachability relation it sets.
type compiledFault struct {
	kind     Kind
	node     NodeID
	value    int64 // pause length, clock step (ns), drift (ppb)
	reset    bool  // drift: back to the node's configured drift
	reach    network.Reach
	from, to []int // cut
	link     *LinkOverride
	tag      string
}

// scheduledFault is a fault at its time: one of the scenario's, or the
// restart or heal that ends one with a For.
type scheduledFault struct {
	at   Time
	src  int  // the scenario fault, by index in the expanded Faults
	undo bool // the end of src: its restart or heal
	// ready holds the compiled fault when it names no role; a fault with
	// roles is resolved and compiled when its time comes.
	ready    *compiledFault
	withRole bool
}

// scheduleFaults compiles an expanded scenario's faults, in time order
// (ties in the order written, an end after the faults written for its
// instant).
func scheduleFaults(s *Scenario, roster *Roster) ([]scheduledFault, error) {
	var out []scheduledFault
	for i, f := range s.Faults {
		out = append(out, scheduledFault{at: Time(f.At.Min), src: i})
		if undo, ok := f.undo(); ok && undo.At.Min < s.Duration {
			out = append(out, scheduledFault{at: Time(undo.At.Min), src: i, undo: true})
		}
	}
	slices.SortStableFunc(out, func(a, b scheduledFault) int { return cmp.Compare(a.at, b.at) })
	for i := range out {
		sf := &out[i]
		f := s.Faults[sf.src]
		if sf.withRole = f.hasRoles(); sf.withRole {
			continue
		}
		if sf.undo {
			f, _ = f.undo()
		}
		c, err := compileFault(f, roster)
		if err != nil {
			return nil, err
		}
		sf.ready = &c
	}
	return out, nil
}

// undo is the fault that ends a fault with a For: the restart of a crashed
// node, the heal of a partition or cut.
func (f Fault) undo() (Fault, bool) {
	at := Fixed(f.At.Min + f.For.Min)
	switch {
	case f.For.Min <= 0:
		return Fault{}, false
	case f.Crash != "":
		return Fault{At: at, Restart: f.Crash}, true
	case f.Partition != nil, f.Cut != nil:
		return Fault{At: at, Heal: true}, true
	}
	return Fault{}, false
}

func compileFault(f Fault, r *Roster) (compiledFault, error) {
	id := func(name string) NodeID { v, _ := r.ID(name); return v }
	switch {
	case f.Partition != nil:
		return compilePartition(f.Partition, r)
	case f.Cut != nil:
		c := compiledFault{kind: KindCut, from: indexes(r, f.Cut.From), to: indexes(r, f.Cut.To)}
		c.tag = fmt.Sprintf("%s -/-> %s", strings.Join(f.Cut.From, " "), strings.Join(f.Cut.To, " "))
		return c, nil
	case f.Heal:
		return compiledFault{kind: KindHeal}, nil
	case f.Crash != "":
		return compiledFault{kind: KindCrash, node: id(f.Crash)}, nil
	case f.Restart != "":
		return compiledFault{kind: KindRestart, node: id(f.Restart)}, nil
	case f.Pause != nil:
		return compiledFault{kind: KindPause, node: id(f.Pause.Node), value: int64(f.Pause.For.Min)}, nil
	case f.ClockStep != nil:
		return compiledFault{kind: KindClockStep, node: id(f.ClockStep.Node), value: int64(f.ClockStep.By)}, nil
	case f.Drift != nil:
		return compiledFault{kind: KindDrift, node: id(f.Drift.Node), value: clock.PPB(f.Drift.PPM), reset: f.Drift.Reset}, nil
	case f.Link != nil:
		return compiledFault{kind: KindLink, link: f.Link, tag: describeLink(f.Link)}, nil
	}
	return compiledFault{}, fmt.Errorf("fault at %v has no kind", f.At)
}

func indexes(r *Roster, names []string) []int {
	out := make([]int, len(names))
	for i, name := range names {
		id, _ := r.ID(name)
		out[i] = index(id)
	}
	return out
}

func compilePartition(p *Partition, r *Roster) (compiledFault, error) {
	c := compiledFault{kind: KindPartition}
	n := r.Len()
	order := indexes(r, p.Order)
	if len(order) == 0 {
		order = indexes(r, r.Names()[:r.Participants()])
	}
	var err error
	switch p.Shape {
	case "":
		c.reach = network.Groups(n, groupIndexes(r, p.Groups))
		c.tag = "groups " + describeGroups(p.Groups)
	case ShapeIsolate:
		id, _ := r.ID(p.Node)
		c.reach = network.Isolate(n, index(id))
		c.tag = "isolate " + p.Node
	case ShapeHalves, ShapeRandomHalves:
		halves := network.Halves(order)
		c.reach = network.Groups(n, halves)
		c.tag = p.Shape + " " + describeGroups(names(r, halves))
	case ShapeMajoritiesRing:
		c.reach, err = network.MajoritiesRing(n, order)
		c.tag = "majorities-ring " + strings.Join(names(r, [][]int{order})[0], " ")
	case ShapeBridge:
		var bridge int
		c.reach, bridge, err = network.Bridge(n, order)
		c.tag = fmt.Sprintf("bridge %s via %s", strings.Join(names(r, [][]int{order})[0], " "), r.Name(NodeID(bridge+1)))
	}
	if err != nil {
		return c, err
	}
	for _, service := range slices.Sorted(maps.Keys(p.Place)) {
		s, _ := r.ID(service)
		like, _ := r.ID(p.Place[service])
		c.reach.Place(index(s), index(like))
		c.tag += fmt.Sprintf(", %s with %s", service, p.Place[service])
	}
	return c, nil
}

func groupIndexes(r *Roster, groups [][]string) [][]int {
	out := make([][]int, len(groups))
	for i, g := range groups {
		out[i] = indexes(r, g)
	}
	return out
}

func names(r *Roster, groups [][]int) [][]string {
	out := make([][]string, len(groups))
	for i, g := range groups {
		for _, x := range g {
			out[i] = append(out[i], r.Name(NodeID(x+1)))
		}
	}
	return out
}

func describeGroups(groups [][]string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = "[" + strings.Join(g, " ") + "]"
	}
	return strings.Join(parts, " ")
}

func describeLink(o *LinkOverride) string {
	arrow := "->"
	if o.Both {
		arrow = "<->"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", o.From, arrow, o.To)
	if o.Loss != nil {
		fmt.Fprintf(&b, " loss %v", *o.Loss)
	}
	if o.Duplicate != nil {
		fmt.Fprintf(&b, " duplicate %v", *o.Duplicate)
	}
	if o.Latency != nil {
		fmt.Fprintf(&b, " latency %s", o.Latency.Dist)
	}
	if o.Reorder != nil {
		fmt.Fprintf(&b, " reorder %v", *o.Reorder)
	}
	return b.String()
}

// startFault carries out a scheduled fault at its time, resolving its
// roles first if it names any.
func (s *Sim) startFault(sf *scheduledFault) {
	if sf.ready != nil {
		s.applyFault(sf.ready, "")
		return
	}
	if s.skipped[sf.src] {
		return // the fault this one ends never happened
	}
	f, role := s.scenario.Faults[sf.src], ""
	if sf.undo {
		f, _ = f.undo() // its roles were resolved when it began
	} else {
		var resolved Fault
		var why string
		resolved, role, why = s.resolve(f, sf.src)
		if why != "" {
			s.skipped[sf.src] = true
			s.publish(Event{Kind: KindFaultSkipped, Tag: f.what() + ": " + why})
			return
		}
		s.scenario.Faults[sf.src], f = resolved, resolved
	}
	c, err := compileFault(f, s.roster)
	if err != nil {
		panic(fmt.Sprintf("fault %v, resolved as %v: %v", s.scenario.Faults[sf.src], f, err))
	}
	s.applyFault(&c, role)
}

// applyFault carries out a compiled fault; role says what roles it named.
func (s *Sim) applyFault(f *compiledFault, role string) {
	n := s.nodes[f.node] // nil for network faults
	switch f.kind {
	case KindPartition:
		s.net.SetReach(f.reach)
		s.publish(Event{Kind: KindPartition, Tag: f.tag, Role: role})
	case KindCut:
		s.net.Cut(f.from, f.to)
		s.publish(Event{Kind: KindCut, Tag: f.tag, Role: role})
	case KindHeal:
		s.net.Heal()
		s.publish(Event{Kind: KindHeal})
		s.syncAll()
	case KindLink:
		applyLinkOverride(s.net, s.roster, *f.link)
		s.publish(Event{Kind: KindLink, Tag: f.tag, Role: role})
	case KindCrash:
		s.crash(n, role)
	case KindRestart:
		s.restart(n, role)
	case KindPause:
		s.pause(n, durationOf(f.value), role)
	case KindClockStep:
		n.clock.Step(durationOf(f.value))
		s.publish(Event{Kind: KindClockStep, Node: n.id, Value: f.value, Role: role})
	case KindDrift:
		ppb := f.value
		if f.reset {
			ppb = n.baseDrift
		}
		s.setDrift(n, ppb)
		s.publish(Event{Kind: KindDrift, Node: n.id, Value: ppb, Role: role})
	}
}
