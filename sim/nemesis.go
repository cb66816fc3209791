package sim

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/electsim/electsim/network"
)

// Expand validates the scenario for a protocol's services and returns a copy
// in which the nemesis has become plain faults and every random choice (a
// random-halves order) is made, drawn from the faults stream of seed. The
// faults are in time order. Run with the same seed, the copy replays exactly
// what the original runs: it is what a failing run saves.
func (s *Scenario) Expand(services []string, seed uint64) (*Scenario, error) {
	c, faults, err := s.expandLazily(services, seed)
	if err != nil {
		return nil, err
	}
	c.Faults = faults.all()
	return c, nil
}

// expandLazily is Expand without the list: it returns the expanded
// scenario with no faults (Faults and Nemesis nil) and a stream of its
// faults in Expand's order, which draws the nemesis's as they are taken, so
// that a run does not hold a list as long as the run. The nemesis is drawn
// once here too, to check its faults as a whole (their number, the clock
// steps added up) and to count them, without keeping them.
func (s *Scenario) expandLazily(services []string, seed uint64) (*Scenario, *faultStream, error) {
	c := s.Clone()
	if err := c.Validate(services); err != nil {
		return nil, nil, err
	}
	c.drawRanges(newStream(seed, streamFaults, faultsRanges, 0))
	r := newStream(seed, streamFaults, faultsNemesis, 0)
	var plan *nemesisPlan
	drawn, ends := 0, 0
	if c.Nemesis != nil {
		var err error
		if drawn, ends, err = checkNemesis(c, r); err != nil {
			return nil, nil, err
		}
		plan = newNemesisPlan(c, newStream(seed, streamFaults, faultsNemesis, 0))
	}
	// The random orders of the written faults are drawn after the
	// nemesis's faults, from the same stream.
	for i, f := range c.Faults {
		if p := f.Partition; p != nil && p.Shape == ShapeRandomHalves && len(p.Order) == 0 {
			own := *p
			own.Order = shuffledParticipants(c.Nodes, r)
			c.Faults[i].Partition = &own
		}
	}
	slices.SortStableFunc(c.Faults, func(a, b Fault) int { return cmp.Compare(a.At.Min, b.At.Min) })
	for _, f := range c.Faults {
		if c.endsInside(f) {
			ends++
		}
	}
	faults := &faultStream{written: c.Faults, plan: plan, count: len(c.Faults) + drawn, ends: ends}
	c.Faults, c.Nemesis = nil, nil
	return c, faults, nil
}

// checkNemesis draws the nemesis's faults as a run would and checks them
// as a whole, keeping none: it returns how many there are, and how many
// of them end inside the run.
func checkNemesis(c *Scenario, r *rand.Rand) (drawn, ends int, err error) {
	w := newWallClocks(c)
	for _, f := range c.Faults {
		w.step(f) // Validate has checked the written ones
	}
	p := newNemesisPlan(c, r)
	tooFar := "" // the node of the first step too far: reported once every draw is in (Expand's order of errors)
	for {
		more, err := p.step()
		if err != nil {
			return 0, 0, err
		}
		for _, f := range p.out {
			if tooFar == "" && !w.step(f) {
				tooFar = f.ClockStep.Node
			}
			if c.endsInside(f) {
				ends++
			}
		}
		p.take()
		if more {
			continue
		}
		if tooFar != "" {
			return 0, 0, c.errorf("nemesis.max_step", "the nemesis's clock steps would put %s's wall clock off by more than ±%v in all", tooFar, MaxWallOffset)
		}
		return p.drawn, ends, nil
	}
}

// endsInside says whether a fault has an end (a restart, a heal) inside
// the run.
func (s *Scenario) endsInside(f Fault) bool { return f.endsBefore(s.Duration) }

// endsBefore says whether a fault has an end (a restart, a heal) before
// end.
func (f Fault) endsBefore(end time.Duration) bool {
	undo, ok := f.undo()
	return ok && undo.At.Min < end
}

// drawRanges fixes every range: each fault's times in the order written,
// then the boot times in node-name order.
func (s *Scenario) drawRanges(r *rand.Rand) {
	for i := range s.Faults {
		f := &s.Faults[i]
		f.At, f.For = f.At.draw(r), f.For.draw(r)
		if f.Pause != nil && f.Pause.For.IsRange() {
			p := *f.Pause
			p.For = p.For.draw(r)
			f.Pause = &p
		}
	}
	if len(s.Boot) == 0 {
		return
	}
	boot := make(map[string]Span, len(s.Boot))
	for _, name := range sortedKeys(s.Boot) {
		boot[name] = s.Boot[name].draw(r)
	}
	s.Boot = boot
}

func participantNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "n" + strconv.Itoa(i+1)
	}
	return out
}

func shuffledParticipants(n int, r *rand.Rand) []string {
	names := participantNames(n)
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	return names
}

// nemesisPlan draws a nemesis's faults, a draw at a time (see step).
// Network faults (partitions, cuts) never overlap one another, nor do link
// degradations, nor two faults on one node: each is undone before the next
// of its class begins.
type nemesisPlan struct {
	n        *Nemesis
	s        *Scenario
	r        *rand.Rand
	out      []Fault // drawn and not yet taken
	drawn    int     // faults drawn in all
	draws    int
	t, end   time.Duration // the latest draw's time; where draws stop
	room     int           // the most faults the limits leave room for
	limit    string        // the limit that says so
	netFree  time.Duration
	linkFree time.Duration
	nodeFree []time.Duration // by index in targets
	targets  []string
	shapes   []string
}

func newNemesisPlan(s *Scenario, r *rand.Rand) *nemesisPlan {
	n := s.Nemesis
	p := &nemesisPlan{n: n, s: s, r: r, targets: n.Targets, shapes: n.Shapes, t: n.Start, end: s.Duration - n.Quiet}
	if len(p.targets) == 0 {
		p.targets = participantNames(s.Nodes)
	}
	if len(p.shapes) == 0 {
		p.shapes = fittingShapes(s.Nodes)
	}
	p.nodeFree = make([]time.Duration, len(p.targets))
	p.room, p.limit = faultRoom(s)
	return p
}

// step makes the next draw: a time after the latest, a kind and a length,
// and the faults they add (none when their node or class is busy) to out.
// It returns false once the draws are past the end. Every fault drawn
// later begins at or after p.t, the time just drawn.
//
// Validate has checked that the draws expected fit the limits; the count
// is checked again as they are drawn, so that no seed draws past them
// either. Draws that add no fault cost little, but they are bounded too:
// twice the room is far beyond what any seed draws once the expected
// number fits.
func (p *nemesisPlan) step() (bool, error) {
	if p.drawn > p.room || p.draws > 2*p.room+100 {
		return false, p.s.errorf("nemesis.interval", "the nemesis drew more faults than %s leaves room for by %v of %v; raise the interval or the limit",
			p.limit, p.t, p.s.Duration)
	}
	p.draws++
	p.t += time.Duration(p.r.ExpFloat64() * float64(p.n.Interval))
	if p.t >= p.end {
		return false, nil
	}
	kind := p.n.Kinds[p.r.IntN(len(p.n.Kinds))]
	// Undone strictly before the end, so the expanded faults lie inside
	// the run even with no quiet period.
	if d := min(p.n.MinFor+time.Duration(p.r.Int64N(int64(p.n.MaxFor-p.n.MinFor)+1)), p.end-p.t-1); d > 0 {
		p.add(kind, p.t, d)
	}
	return true, nil
}

// take empties out, for the draws to come.
func (p *nemesisPlan) take() {
	clear(p.out)
	p.out = p.out[:0]
}

func fittingShapes(nodes int) []string {
	var out []string
	for _, shape := range Shapes {
		if nodes >= max(shapeMinimum[shape], 2) {
			out = append(out, shape)
		}
	}
	return out
}

func (p *nemesisPlan) add(kind string, t, d time.Duration) {
	switch kind {
	case NemesisPartition, NemesisCut:
		if t < p.netFree || (kind == NemesisPartition && len(p.shapes) == 0) || (kind == NemesisCut && p.s.Nodes < 2) {
			return
		}
		p.netFree = t + d
		p.emit(Fault{At: Fixed(t), Partition: p.partition(kind), Cut: p.cut(kind)}, Fault{At: Fixed(t + d), Heal: true})
	case NemesisLink:
		if t < p.linkFree || p.s.Nodes < 2 {
			return
		}
		p.linkFree = t + d
		p.degradeLink(t, d)
	case NemesisClockStep:
		by := time.Duration((2*p.r.Float64() - 1) * float64(p.n.MaxStep))
		p.emit(Fault{At: Fixed(t), ClockStep: &ClockStep{Node: p.targets[p.r.IntN(len(p.targets))], By: by}})
	case NemesisCrash, NemesisPause, NemesisDrift:
		p.nodeFault(kind, t, d)
	}
}

func (p *nemesisPlan) emit(faults ...Fault) {
	p.out = append(p.out, faults...)
	p.drawn += len(faults)
}

func (p *nemesisPlan) partition(kind string) *Partition {
	if kind != NemesisPartition {
		return nil
	}
	shape := p.shapes[p.r.IntN(len(p.shapes))]
	if shape == ShapeIsolate {
		return &Partition{Shape: shape, Node: p.targets[p.r.IntN(len(p.targets))]}
	}
	return &Partition{Shape: shape, Order: shuffledParticipants(p.s.Nodes, p.r)}
}

func (p *nemesisPlan) cut(kind string) *Cut {
	if kind != NemesisCut {
		return nil
	}
	a, b := p.pair()
	return &Cut{From: []string{a}, To: []string{b}}
}

// pair draws two different participants.
func (p *nemesisPlan) pair() (string, string) {
	a := p.r.IntN(p.s.Nodes)
	b := (a + 1 + p.r.IntN(p.s.Nodes-1)) % p.s.Nodes
	return "n" + strconv.Itoa(a+1), "n" + strconv.Itoa(b+1)
}

// degradeLink makes the loss of a link between two participants the
// nemesis's Loss for d, then puts both directions back as configured.
func (p *nemesisPlan) degradeLink(t, d time.Duration) {
	a, b := p.pair()
	loss := p.n.Loss
	p.emit(Fault{At: Fixed(t), Link: &LinkOverride{From: a, To: b, Both: true, Loss: &loss}})
	for _, dir := range [][2]string{{a, b}, {b, a}} {
		base := configuredLink(p.s, dir[0], dir[1])
		p.emit(Fault{At: Fixed(t + d), Link: &LinkOverride{
			From: dir[0], To: dir[1], Latency: &base.Latency, Loss: &base.Loss, Duplicate: &base.Duplicate, Reorder: &base.Reorder,
		}})
	}
}

// configuredLink is a link as the network section sets it.
func configuredLink(s *Scenario, from, to string) network.Link {
	l := s.Network.DefaultLink()
	for _, o := range s.Network.Links {
		if (o.From == from && o.To == to) || (o.Both && o.From == to && o.To == from) {
			l = o.Apply(l)
		}
	}
	return l
}

// nodeFault crashes, pauses or skews a target that is not already under a
// fault, and undoes it after d. A target may be a role (leader, follower,
// any): the crash's For restarts the node it resolved to, but a drift's
// reset names its node again, so drifts draw only the targets that are
// nodes.
func (p *nemesisPlan) nodeFault(kind string, t, d time.Duration) {
	var free []int
	for i, until := range p.nodeFree {
		if until <= t && (kind != NemesisDrift || !IsRole(p.targets[i])) {
			free = append(free, i)
		}
	}
	if len(free) == 0 {
		return
	}
	i := free[p.r.IntN(len(free))]
	node := p.targets[i]
	p.nodeFree[i] = t + d
	switch kind {
	case NemesisCrash:
		p.emit(Fault{At: Fixed(t), Crash: node, For: Fixed(d)})
	case NemesisPause:
		p.emit(Fault{At: Fixed(t), Pause: &Pause{Node: node, For: Fixed(d)}})
	case NemesisDrift:
		// Rounded to the ppb that clocks keep, so a saved scenario reads back exactly.
		ppm := math.Round((2*p.r.Float64()-1)*p.n.MaxDriftPPM*1000) / 1000
		p.emit(Fault{At: Fixed(t), Drift: &DriftChange{Node: node, PPM: ppm}}, Fault{At: Fixed(t + d), Drift: &DriftChange{Node: node, Reset: true}})
	}
}
