package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The faults section, the boot times and the nemesis: when things happen
// and whom they happen to, by node or by role.

func (v *validator) faults() {
	for i, f := range v.s.Faults {
		field := fmt.Sprintf("faults[%d]", i)
		v.span(field+".at", f.At, 0, v.s.Duration-1, "fault at %v is outside the run [0, "+v.s.Duration.String()+")")
		kinds := f.kinds()
		if len(kinds) != 1 {
			v.add(field, "a fault has exactly one kind (partition, cut, heal, crash, restart, pause, clock_step, drift, link), got %s", kindList(kinds))
			continue
		}
		v.fault(field, f)
		v.faultFor(field, f, kinds[0])
	}
	// Only once each step and offset is in range, which the sum assumes.
	if i, node := wallDrift(v.s); i >= 0 && len(v.errs) == 0 {
		v.add(fmt.Sprintf("faults[%d].clock_step.by", i), "%s's wall clock would be off by more than ±%v in all (its offset and its steps added up)", node, MaxWallOffset)
	}
}

// MaxWallOffset bounds how far a node's wall clock may get from its
// monotonic clock: its offset and every step of it added up, so that no
// wall reading can wrap.
const MaxWallOffset = 2 * MaxClockStep

// wallDrift finds the first clock step after which some node's wall clock
// could be more than MaxWallOffset off, counting a step of a role against
// every node: its index in the faults and the node, or -1.
func wallDrift(s *Scenario) (int, string) {
	w := newWallClocks(s)
	for i, f := range s.Faults {
		if !w.step(f) {
			return i, f.ClockStep.Node
		}
	}
	return -1, ""
}

// wallClocks adds up the clock steps of a fault list as it goes, fault by
// fault, for wallDrift and for a nemesis's faults, which are checked as
// they are drawn and not kept. Each node's offset plus the steps of roles
// stays within MaxWallOffset as it goes, so the sums cannot wrap.
type wallClocks struct {
	s     *Scenario
	own   map[string]time.Duration // a node's offset and its own steps
	roles time.Duration            // steps of roles: any node may take them
	worst time.Duration            // the largest of own, for a role's step
}

func newWallClocks(s *Scenario) *wallClocks {
	w := &wallClocks{s: s, own: map[string]time.Duration{}, worst: s.Clocks.RandomOffset}
	for _, o := range s.Clocks.Nodes {
		if o.Offset != nil {
			w.worst = max(w.worst, absDuration(*o.Offset))
		}
	}
	return w
}

// step adds a fault; it returns false if the fault is a clock step that
// would put some node's wall clock too far off.
func (w *wallClocks) step(f Fault) bool {
	if f.ClockStep == nil {
		return true
	}
	by, node := absDuration(f.ClockStep.By), f.ClockStep.Node
	if IsRole(node) {
		if by > MaxWallOffset-w.worst-w.roles {
			return false
		}
		w.roles += by
		return true
	}
	if _, ok := w.own[node]; !ok {
		w.own[node] = baseOffset(w.s, node)
	}
	if by > MaxWallOffset-w.own[node]-w.roles {
		return false
	}
	w.own[node] += by
	w.worst = max(w.worst, w.own[node])
	return true
}

// baseOffset is the most a node's wall clock is off before any step.
func baseOffset(s *Scenario, node string) time.Duration {
	if own, ok := s.Clocks.Nodes[node]; ok && own.Offset != nil {
		return absDuration(*own.Offset)
	}
	return s.Clocks.RandomOffset
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// span checks that a span, fixed or a range, runs forwards and lies in
// [lo, hi]; outside is the message for one that does not, with a %v for
// the span.
func (v *validator) span(field string, s Span, lo, hi time.Duration, outside string) {
	switch {
	case s.Min > s.Max && s.Max == 0:
		// Span{Min: d} from Go: a fixed time is Fixed(d).
		v.add(field, "the range %v runs backwards: for one time, give both ends (sim.Fixed(%v) in Go)", s, s.Min)
	case s.Min > s.Max:
		v.add(field, "the range %v runs backwards: write the earlier end first", s)
	case s.Min < lo || s.Max > hi:
		v.add(field, outside, s)
	}
}

// faultFor checks a fault's For: only crashes, partitions and cuts have an
// end, and it lies after the start.
func (v *validator) faultFor(field string, f Fault, kind string) {
	switch {
	case f.For.IsZero():
	case kind != "crash" && kind != "partition" && kind != "cut":
		v.add(field+".for", "only a crash (restarted after it), a partition or a cut (healed after it) takes for; a %s does not", kind)
	default:
		v.span(field+".for", f.For, 1, MaxDuration, "must be positive and at most "+MaxDuration.String()+", got %v")
	}
}

func kindList(kinds []string) string {
	if len(kinds) == 0 {
		return "none"
	}
	return strings.Join(kinds, " and ")
}

// kinds returns the kinds a fault sets, in a fixed order.
func (f Fault) kinds() []string {
	var out []string
	for _, k := range []struct {
		name string
		set  bool
	}{
		{"partition", f.Partition != nil}, {"cut", f.Cut != nil}, {"heal", f.Heal},
		{"crash", f.Crash != ""}, {"restart", f.Restart != ""}, {"pause", f.Pause != nil},
		{"clock_step", f.ClockStep != nil}, {"drift", f.Drift != nil}, {"link", f.Link != nil},
	} {
		if k.set {
			out = append(out, k.name)
		}
	}
	return out
}

func (v *validator) fault(field string, f Fault) {
	switch {
	case f.Partition != nil:
		v.partition(field+".partition", f.Partition)
	case f.Cut != nil:
		v.targets(field+".cut.from", f.Cut.From, 1)
		v.targets(field+".cut.to", f.Cut.To, 1)
	case f.Crash != "":
		v.target(field+".crash", f.Crash, rolesForOne)
	case f.Restart != "":
		v.target(field+".restart", f.Restart, rolesForRestart)
	case f.Pause != nil:
		v.target(field+".pause.node", f.Pause.Node, rolesForOne)
		// Bounded so that the kernel's now+for cannot overflow into the past.
		v.span(field+".pause.for", f.Pause.For, 1, MaxDuration, "a pause lasts a positive time, at most "+MaxDuration.String()+", got %v")
	case f.ClockStep != nil:
		v.target(field+".clock_step.node", f.ClockStep.Node, rolesForOne)
		if by := f.ClockStep.By; by < -MaxClockStep || by > MaxClockStep {
			v.add(field+".clock_step.by", "a step is at most ±%v, got %v", MaxClockStep, by)
		}
	case f.Drift != nil:
		v.target(field+".drift.node", f.Drift.Node, rolesForOne)
		v.drift(field+".drift.ppm", f.Drift.PPM)
		if f.Drift.Reset && f.Drift.PPM != 0 {
			v.add(field+".drift.reset", "reset goes back to the configured drift: give reset or ppm, not both")
		}
	case f.Link != nil:
		v.linkOverride(field+".link", *f.Link, rolesForOne)
	}
}

// target checks a name that stands for one node, or a role this place
// takes.
func (v *validator) target(field, name string, roles []string) {
	if !IsRole(name) {
		v.node(field, name)
		return
	}
	switch {
	case len(roles) == 0:
		v.add(field, "%s is a role, which only faults resolve: name a node here (nodes: %s)", name, v.describeNodes())
	case !slices.Contains(roles, name):
		v.add(field, "%s is a role this place does not take; it takes a node or %s", name, orList(roles))
	}
}

func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// targets checks a list of nodes and roles (a cut's ends).
func (v *validator) targets(field string, names []string, minLen int) {
	v.list(field, names, minLen, rolesForList)
}

func (v *validator) list(field string, names []string, minLen int, roles []string) {
	if len(names) < minLen {
		v.add(field, "needs at least %d node(s)", minLen)
	}
	for i, name := range names {
		v.target(fmt.Sprintf("%s[%d]", field, i), name, roles)
	}
	v.once(field, names)
}

// once reports a name that a list holds twice.
func (v *validator) once(field string, names []string) {
	seen := map[string]bool{}
	for i, name := range names {
		if seen[name] {
			v.add(fmt.Sprintf("%s[%d]", field, i), "node %s appears twice", name)
		}
		seen[name] = true
	}
}

func (v *validator) partition(field string, p *Partition) {
	if (len(p.Groups) > 0) == (p.Shape != "") {
		v.add(field, "give either groups or a shape (%s)", strings.Join(Shapes, ", "))
		return
	}
	if len(p.Groups) > 0 {
		v.groups(field+".groups", p.Groups)
		if p.Leader != "" {
			v.add(field+".leader", "place the leader in groups by naming it: groups: [[leader], [followers]]")
		}
	} else {
		v.shape(field, p)
	}
	for _, service := range sortedKeys(p.Place) {
		id, ok := v.roster.ID(service)
		if !ok || v.roster.IsParticipant(id) {
			v.add(field+".place."+service, "%q is not a service node (%s)", service, strings.Join(v.roster.Names()[v.roster.Participants():], ", "))
		}
		v.target(field+".place."+service, p.Place[service], rolesForOne)
	}
}

func (v *validator) groups(field string, groups [][]string) {
	seen := map[string]bool{}
	for g, members := range groups {
		for i, name := range members {
			at := fmt.Sprintf("%s[%d][%d]", field, g, i)
			v.target(at, name, rolesForList)
			if seen[name] {
				v.add(at, "node %s is in two groups", name)
			}
			seen[name] = true
		}
	}
}

// shapeMinimum is the fewest nodes each shape can lay out.
var shapeMinimum = map[string]int{ShapeHalves: 2, ShapeRandomHalves: 2, ShapeMajoritiesRing: 4, ShapeBridge: 3}

func (v *validator) shape(field string, p *Partition) {
	if !slices.Contains(Shapes, p.Shape) {
		v.add(field+".shape", "unknown shape %q: one of %s", p.Shape, strings.Join(Shapes, ", "))
		return
	}
	if p.Shape == ShapeIsolate {
		v.target(field+".node", p.Node, rolesForOne)
		if len(p.Order) > 0 {
			v.add(field+".order", "isolate takes a node, not an order")
		}
		if p.Leader != "" {
			v.add(field+".leader", "isolate the leader with node: leader")
		}
		return
	}
	if p.Node != "" {
		v.add(field+".node", "only isolate takes a node; %s lays out the order", p.Shape)
	}
	size := v.roster.Participants()
	if len(p.Order) > 0 {
		size = len(p.Order)
		for i, name := range p.Order {
			v.participant(fmt.Sprintf("%s.order[%d]", field, i), name)
		}
		v.once(field+".order", p.Order)
	}
	if size < shapeMinimum[p.Shape] {
		v.add(field+".shape", "%s needs at least %d participants, has %d", p.Shape, shapeMinimum[p.Shape], size)
	}
	v.leaderPlace(field, p, size)
}

// leaderPlace checks where a shape is asked to put the leader.
func (v *validator) leaderPlace(field string, p *Partition, size int) {
	if p.Leader == "" {
		return
	}
	places, ok := leaderPlaces[p.Shape]
	switch {
	case !ok:
		v.add(field+".leader", "%s cannot place the leader; halves, random-halves and bridge can", p.Shape)
	case !slices.Contains(places, p.Leader):
		v.add(field+".leader", "%s puts the leader %s, got %q", p.Shape, orList(places), p.Leader)
	case p.Shape != ShapeBridge && size%2 == 0:
		v.add(field+".leader", "halves of %d nodes are equal: there is no minority or majority side", size)
	}
}

// boot checks the late starts: known nodes, inside the run.
func (v *validator) boot() {
	for _, name := range sortedKeys(v.s.Boot) {
		field := "boot." + name
		v.node(field, name)
		v.span(field, v.s.Boot[name], 0, v.s.Duration-1, "boot at %v is outside the run [0, "+v.s.Duration.String()+")")
	}
}
func (v *validator) nemesis() {
	n := v.s.Nemesis
	if n == nil {
		return
	}
	end := v.s.Duration
	// Bounded like the duration, so that the exponential gaps drawn from it
	// stay far from overflowing.
	if n.Interval <= 0 || n.Interval > MaxDuration {
		v.add("nemesis.interval", "must be positive and at most %v, got %v", MaxDuration, n.Interval)
	}
	for i, k := range n.Kinds {
		if !slices.Contains(NemesisKinds, k) {
			v.add(fmt.Sprintf("nemesis.kinds[%d]", i), "unknown kind %q: one of %s", k, strings.Join(NemesisKinds, ", "))
		}
	}
	// Written without start+quiet, which a huge start would overflow.
	if n.Start < 0 || n.Quiet < 0 || n.Start >= end || n.Quiet >= end-n.Start {
		field := "nemesis.quiet"
		if n.Start < 0 || n.Start >= end {
			field = "nemesis.start" // the culprit, and maybe the only one written
		}
		v.add(field, "start %v and quiet %v leave no time for faults in a run of %v", n.Start, n.Quiet, end)
	}
	if n.MinFor < 0 {
		v.add("nemesis.min_for", "must not be negative, got %v", n.MinFor)
	} else if n.MaxFor < n.MinFor || n.MaxFor > MaxDuration {
		v.add("nemesis.max_for", "need min_for <= max_for <= %v, got %v and %v", MaxDuration, n.MinFor, n.MaxFor)
	}
	for i, shape := range n.Shapes {
		at := fmt.Sprintf("nemesis.shapes[%d]", i)
		if !slices.Contains(Shapes, shape) {
			v.add(at, "unknown shape %q: one of %s", shape, strings.Join(Shapes, ", "))
		} else if v.s.Nodes < shapeMinimum[shape] {
			v.add(at, "%s needs at least %d participants", shape, shapeMinimum[shape])
		}
	}
	v.list("nemesis.targets", n.Targets, 0, rolesForOne)
	if n.MaxStep < 0 || n.MaxStep > MaxClockStep {
		v.add("nemesis.max_step", "must be in [0, %v], got %v", MaxClockStep, n.MaxStep)
	}
	v.drift("nemesis.max_drift_ppm", n.MaxDriftPPM)
	v.probability("nemesis.loss", &n.Loss)
	v.nemesisDraws()
}

// nemesisDraws refuses, before anything is drawn, a nemesis whose interval
// would draw more faults than limits.max_faults leaves room for: the
// expected number of draws is the time it may act over its interval.
func (v *validator) nemesisDraws() {
	n, l, end := v.s.Nemesis, v.s.Limits, v.s.Duration
	if n.Interval <= 0 || n.Start < 0 || n.Quiet < 0 || n.Start >= end || n.Quiet >= end-n.Start || l.MaxFaults < 0 {
		return // reported above
	}
	window := end - n.Start - n.Quiet
	if l.MaxMemory < 0 {
		return
	}
	room, limit := faultRoom(v.s)
	if draws := int64(window / n.Interval); draws > int64(room) {
		v.add("nemesis.interval", "an interval of %v over %v draws about %d faults, more than %s leaves room for; raise the interval or the limit",
			n.Interval, window, draws, limit)
	}
}

// faultRoom is how many faults a nemesis may add to those written, and the
// limit that says so: limits.max_faults, or limits.max_memory where a
// raised max_faults would let the faults alone (faultBytes each) take more
// memory than a run may hold.
func faultRoom(s *Scenario) (int, string) {
	l := s.Limits
	byCount := max(l.MaxFaults-len(s.Faults), 0)
	byMemory := max(int64(l.MaxMemory)/faultBytes-int64(len(s.Faults)), 0)
	if int64(byCount) <= byMemory {
		return byCount, fmt.Sprintf("limits.max_faults (%d)", l.MaxFaults)
	}
	return int(byMemory), fmt.Sprintf("limits.max_memory (%v, at %d bytes a fault)", l.MaxMemory, faultBytes)
}
