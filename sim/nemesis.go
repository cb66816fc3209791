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
	c := s.Clone()
	if err := c.Validate(services); err != nil {
		return nil, err
	}
	c.drawRanges(newStream(seed, streamFaults, faultsRanges, 0))
	r := newStream(seed, streamFaults, faultsNemesis, 0)
	if c.Nemesis != nil {
		drawn, err := expandNemesis(c, r)
		if err != nil {
			return nil, err
		}
		if len(c.Faults) == 0 {
			c.Faults = drawn // no second copy of a long nemesis list
		} else {
			c.Faults = append(c.Faults, drawn...)
		}
		c.Nemesis = nil
		if i, node := wallDrift(c); i >= 0 {
			return nil, c.errorf("nemesis.max_step", "the nemesis's clock steps would put %s's wall clock off by more than ±%v in all", node, MaxWallOffset)
		}
	}
	for i, f := range c.Faults {
		if p := f.Partition; p != nil && p.Shape == ShapeRandomHalves && len(p.Order) == 0 {
			own := *p
			own.Order = shuffledParticipants(c.Nodes, r)
			c.Faults[i].Partition = &own
		}
	}
	slices.SortStableFunc(c.Faults, func(a, b Fault) int { return cmp.Compare(a.At.Min, b.At.Min) })
	return c, nil
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

// nemesisPlan draws a nemesis's faults. Network faults (partitions, cuts)
// never overlap one another, nor do link degradations, nor two faults on
// one node: each is undone before the next of its class begins.
type nemesisPlan struct {
	n        *Nemesis
	s        *Scenario
	r        *rand.Rand
	out      []Fault
	netFree  time.Duration
	linkFree time.Duration
	nodeFree []time.Duration // by index in targets
	targets  []string
	shapes   []string
}

// expandNemesis draws the nemesis's faults. Validate has checked that the
// draws expected fit limits.max_faults; the count is checked again as they
// are drawn, so that no seed draws past it either.
func expandNemesis(s *Scenario, r *rand.Rand) ([]Fault, error) {
	n := s.Nemesis
	p := &nemesisPlan{n: n, s: s, r: r, targets: n.Targets, shapes: n.Shapes}
	if len(p.targets) == 0 {
		p.targets = participantNames(s.Nodes)
	}
	if len(p.shapes) == 0 {
		p.shapes = fittingShapes(s.Nodes)
	}
	p.nodeFree = make([]time.Duration, len(p.targets))
	end := s.Duration - n.Quiet
	room, limit := faultRoom(s)
	// Draws that add no fault (their node is busy) cost little, but they
	// are bounded too: twice the room is far beyond what any seed draws
	// once the expected number fits.
	t := n.Start
	for draws := 0; len(p.out) <= room && draws <= 2*room+100; draws++ {
		t += time.Duration(r.ExpFloat64() * float64(n.Interval))
		if t >= end {
			return p.out, nil
		}
		kind := n.Kinds[r.IntN(len(n.Kinds))]
		// Undone strictly before the end, so the expanded faults lie inside
		// the run even with no quiet period.
		if d := min(n.MinFor+time.Duration(r.Int64N(int64(n.MaxFor-n.MinFor)+1)), end-t-1); d > 0 {
			p.add(kind, t, d)
		}
	}
	return nil, s.errorf("nemesis.interval", "the nemesis drew more faults than %s leaves room for by %v of %v; raise the interval or the limit",
		limit, t, s.Duration)
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

func (p *nemesisPlan) emit(faults ...Fault) { p.out = append(p.out, faults...) }

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
