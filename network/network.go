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
package network

import (
	"fmt"
	"math/rand/v2"
)

// Net is the network of one run: the links and the current reachability.
type Net struct {
	n     int
	links []linkState // n*n, row = sender
	reach Reach
}

// New returns a network of n nodes, every link set to def and fully
// connected. stream gives each directed link its random source.
func New(n int, def Link, stream func(from, to int) *rand.Rand) *Net {
	net := &Net{n: n, links: make([]linkState, n*n), reach: Full(n)}
	for from := range n {
		for to := range n {
			net.links[from*n+to] = linkState{Link: def, rng: stream(from, to)}
		}
	}
	return net
}

// Len returns the number of nodes.
func (net *Net) Len() int { return net.n }

func (net *Net) state(from, to int) *linkState {
	if from < 0 || from >= net.n || to < 0 || to >= net.n {
		panic(fmt.Sprintf("network: link %d->%d outside %d nodes", from, to, net.n))
	}
	return &net.links[from*net.n+to]
}

// Link returns the settings of the link from -> to.
func (net *Net) Link(from, to int) Link { return net.state(from, to).Link }

// SetLink changes the settings of the link from -> to. Its random stream and
// FIFO horizon carry on.
func (net *Net) SetLink(from, to int, l Link) { net.state(from, to).Link = l }

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
