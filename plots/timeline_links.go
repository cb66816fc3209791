package plots

import (
	"strconv"
	"strings"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/sim"
)

// A link change is a fault only while it leaves a link otherwise than the
// scenario's network section configures it: the change that puts a pair's
// links back (the nemesis's, or a scenario's "loss: 0") ends the pair's
// link fault and begins none.

// linkDirection is one directed link, by node names.
type linkDirection struct{ from, to string }

// linkStates follows the directed links that differ from their
// configuration. Lookups only: no iteration, so no order reaches output.
type linkStates struct {
	changed map[linkDirection]network.Link
	used    map[int]bool // scenario faults already matched to an event
}

// linkVerdict is what a link change did to its pair of nodes.
type linkVerdict uint8

const (
	linkDegrades linkVerdict = iota // it leaves a link it names off its configuration
	linkRestores                    // it puts the links it names back, but the pair's other direction is still off
	linkHealthy                     // both directions of the pair are as configured
)

// change applies the link change e to the states and judges it. With the
// run's scenario the change is the scenario's own override, found by its
// time and tag, and compared field by field with the network section.
// Without it (or without a match) the tag is all there is; see
// parseLinkTag for how it is judged then.
func (l *linkStates) change(scn *sim.Scenario, e *sim.Event) linkVerdict {
	o, ok := parseLinkTag(e.Tag)
	if !ok {
		return linkDegrades
	}
	exact := false
	if i := l.match(scn, e.At, o); i >= 0 {
		o, exact = *scn.Faults[i].Link, true
	}
	if l.changed == nil {
		l.changed = map[linkDirection]network.Link{}
	}
	restored := true
	for _, dir := range directions(o) {
		configured := configuredLink(scn, dir)
		now, off := l.changed[dir]
		switch {
		case !exact && setsEveryField(o):
			now = configured
		case off:
			now = o.Apply(now)
		default:
			now = o.Apply(configured)
		}
		if now == configured {
			delete(l.changed, dir)
		} else {
			l.changed[dir] = now
			restored = false
		}
	}
	_, there := l.changed[linkDirection{o.From, o.To}]
	_, back := l.changed[linkDirection{o.To, o.From}]
	switch {
	case !restored:
		return linkDegrades
	case there || back:
		return linkRestores
	}
	return linkHealthy
}

// match finds the scenario's link fault that e is, by its time and what
// its tag says, and marks it used; -1 if there is none. Events come in the
// order the scenario's faults are scheduled, so the first unused match is
// the one.
func (l *linkStates) match(scn *sim.Scenario, at sim.Time, tag sim.LinkOverride) int {
	if scn == nil {
		return -1
	}
	for i, f := range scn.Faults {
		if f.Link == nil || sim.Time(f.At.Min) != at || l.used[i] || !sameChange(*f.Link, tag) {
			continue
		}
		if l.used == nil {
			l.used = map[int]bool{}
		}
		l.used[i] = true
		return i
	}
	return -1
}

// sameChange reports whether override o is the one a tag describes: the
// same nodes and fields, the same values but for the latency's parameters,
// which tags leave out.
func sameChange(o, tag sim.LinkOverride) bool {
	same := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return o.From == tag.From && o.To == tag.To && o.Both == tag.Both &&
		same(o.Loss, tag.Loss) && same(o.Duplicate, tag.Duplicate) &&
		(o.Reorder == nil) == (tag.Reorder == nil) && (o.Reorder == nil || *o.Reorder == *tag.Reorder) &&
		(o.Latency == nil) == (tag.Latency == nil) && (o.Latency == nil || o.Latency.Dist == tag.Latency.Dist)
}

// configuredLink is a directed link as the network section sets it.
// Without the scenario it is the healthy link: no loss, duplication or
// reordering, and an unknown latency (Dist "").
func configuredLink(scn *sim.Scenario, dir linkDirection) network.Link {
	if scn == nil {
		return network.Link{}
	}
	l := scn.Network.DefaultLink()
	for _, o := range scn.Network.Links {
		if directionOf(o, dir) {
			l = o.Apply(l)
		}
	}
	return l
}

func directionOf(o sim.LinkOverride, dir linkDirection) bool {
	return (o.From == dir.from && o.To == dir.to) || (o.Both && o.From == dir.to && o.To == dir.from)
}

// directions lists the directed links an override changes.
func directions(o sim.LinkOverride) []linkDirection {
	if o.Both {
		return []linkDirection{{o.From, o.To}, {o.To, o.From}}
	}
	return []linkDirection{{o.From, o.To}}
}

func setsEveryField(o sim.LinkOverride) bool {
	return o.Latency != nil && o.Loss != nil && o.Duplicate != nil && o.Reorder != nil
}

// parseLinkTag reads the override a link event's tag describes, as the
// kernel writes it: "n1 <-> n2 loss 0.9", "n2 -> n1 loss 0 duplicate 0
// latency lognormal reorder false". A tag names a latency's distribution
// but not its parameters.
//
// Judged on its tag alone, a link is healthy while no change has left it
// with loss, duplication or reordering, or with a latency other than
// configured; since the tag cannot tell which latency was configured, a
// change that sets a latency counts as putting the link back only when it
// sets every field, as the nemesis does when it restores a link. ok is
// false for a tag that does not read so.
func parseLinkTag(tag string) (o sim.LinkOverride, ok bool) {
	f := strings.Fields(tag)
	if len(f) < 3 || (f[1] != "->" && f[1] != "<->") || len(f)%2 == 0 {
		return o, false
	}
	o.From, o.Both, o.To = f[0], f[1] == "<->", f[2]
	for i := 3; i < len(f); i += 2 {
		if !setField(&o, f[i], f[i+1]) {
			return o, false
		}
	}
	return o, true
}

// setField sets the override's field named key from its text; false if
// the key is unknown, given twice, or its value does not parse.
func setField(o *sim.LinkOverride, key, value string) bool {
	number := func(p **float64) bool {
		v, err := strconv.ParseFloat(value, 64)
		if err != nil || *p != nil {
			return false
		}
		*p = &v
		return true
	}
	switch key {
	case "loss":
		return number(&o.Loss)
	case "duplicate":
		return number(&o.Duplicate)
	case "reorder":
		v, err := strconv.ParseBool(value)
		if err != nil || o.Reorder != nil {
			return false
		}
		o.Reorder = &v
		return true
	case "latency":
		if o.Latency != nil {
			return false
		}
		o.Latency = &network.Latency{Dist: value}
		return true
	}
	return false
}
