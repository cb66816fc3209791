// Package network models the links between simulated nodes and which nodes
// can reach which.
//
// Every directed link has a latency distribution, a loss and a duplication
// probability, and FIFO or reordering delivery; any link can be given its own
// settings (one flaky link, as in Cloudflare's November 2020 etcd outage).
// Each link draws from its own random stream, so traffic on one link never
// changes what happens on another.
//
// Reachability is a relation, not a set of sides: Reach holds, for every
// ordered pair, whether messages get through. Groups, one-way cuts and the
// Jepsen nemesis shapes (isolate, halves, majorities-ring, bridge) build
// relations; see shapes.go. Nodes are numbered 0..n-1 here; the simulator
// maps its node IDs onto these indexes.
//
// Size: a cluster of a thousand nodes has a million directed links, most of
// which never carry a message (Raft's followers talk to the leader). A link's
// state and random stream are made when it is first used or configured, so
// a network costs 4 bytes per ordered pair for the index, plus about 200
// bytes per link in use; a reachability relation costs one bit per pair.
// Making a link late draws the same numbers as making it early: its stream
// depends on the pair alone.
package network

import (
	"fmt"
	"math/rand/v2"
)

// Net is the network of one run: the links and the current reachability.
type Net struct {
	n      int
	def    Link
	stream func(from, to int) *rand.Rand
	slot   []int32     // n*n, row = sender: 1 + the link's place in links, 0 before its first use
	links  []linkState // the links in use, in the order they were first used
	reach  Reach
}

// New returns a network of n nodes, every link set to def and fully
// connected. stream gives each directed link its random source; it is
// called once per link, when the link is first used, so what it returns
// must depend on the pair alone.
func New(n int, def Link, stream func(from, to int) *rand.Rand) *Net {
	return &Net{n: n, def: def, stream: stream, slot: make([]int32, n*n), reach: Full(n)}
}

// Len returns the number of nodes.
func (net *Net) Len() int { return net.n }

// pair checks a link's ends and returns its place in slot.
func (net *Net) pair(from, to int) int {
	if from < 0 || from >= net.n || to < 0 || to >= net.n {
		panic(fmt.Sprintf("network: link %d->%d outside %d nodes", from, to, net.n))
	}
	return from*net.n + to
}

// state returns the link's state, making it on first use. The pointer is
// good until the next call: making a link may move the others.
func (net *Net) state(from, to int) *linkState {
	p := net.pair(from, to)
	if net.slot[p] == 0 {
		net.links = append(net.links, linkState{Link: net.def, rng: net.stream(from, to)})
		net.slot[p] = int32(len(net.links))
	}
	return &net.links[net.slot[p]-1]
}

// Link returns the settings of the link from -> to.
func (net *Net) Link(from, to int) Link {
	if s := net.slot[net.pair(from, to)]; s != 0 {
		return net.links[s-1].Link
	}
	return net.def
}

// SetLink changes the settings of the link from -> to. Its random stream and
// FIFO horizon carry on.
func (net *Net) SetLink(from, to int, l Link) { net.state(from, to).Link = l }

// LinksInUse returns how many links have state: those that carried a
// message or were given their own settings.
func (net *Net) LinksInUse() int { return len(net.links) }

// Transmit draws the fate of a message sent on from -> to at true time now:
// loss, duplication and the arrival time of each copy. It does not look at
// reachability: the caller checks Reachable both at send and at arrival.
func (net *Net) Transmit(from, to int, now int64) Delivery {
	return net.state(from, to).transmit(now)
}

// Reachable reports whether a message from -> to gets through now.
func (net *Net) Reachable(from, to int) bool { return net.reach.Can(from, to) }

// Reach returns a copy of the current reachability relation.
func (net *Net) Reach() Reach { return net.reach.Clone() }

// SetReach replaces the reachability relation (a partition).
func (net *Net) SetReach(r Reach) {
	if r.n != net.n {
		panic(fmt.Sprintf("network: relation over %d nodes for a network of %d", r.n, net.n))
	}
	net.reach = r.Clone()
}

// Cut blocks messages from every node in from to every node in to, one way,
// on top of the current relation.
func (net *Net) Cut(from, to []int) {
	for _, f := range from {
		for _, t := range to {
			if f != t {
				net.reach.Set(f, t, false)
			}
		}
	}
}

// Heal restores full reachability. Link settings are untouched.
func (net *Net) Heal() { net.reach = Full(net.n) }
