package sbr

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/electsim/electsim/sim"
)

// MaxMembers is the largest cluster sbr runs: a Set is one word. Every
// member heartbeats every other one each second, N² messages, so a cluster
// of hundreds would be slow to simulate anyway; the registry refuses a
// larger scenario, naming nodes.
const MaxMembers = 64

// Set is a set of participants, bit id-1 for node id: with at most
// MaxMembers, one word holds any cluster and copying a view costs nothing.
type Set uint64

// SetOf returns the set of the given nodes.
func SetOf(ids ...sim.NodeID) Set {
	var s Set
	for _, id := range ids {
		s = s.With(id)
	}
	return s
}

// bit is the set holding only id.
func bit(id sim.NodeID) Set { return 1 << (id - 1) }

// Has reports whether id is in the set.
func (s Set) Has(id sim.NodeID) bool { return id > 0 && s&bit(id) != 0 }

// With returns the set with id added.
func (s Set) With(id sim.NodeID) Set { return s | bit(id) }

// Without returns the set with id removed.
func (s Set) Without(id sim.NodeID) Set { return s &^ bit(id) }

// Len is the number of nodes in the set.
func (s Set) Len() int { return bits.OnesCount64(uint64(s)) }

// Lowest is the node with the lowest ID in the set, or sim.NoNode.
func (s Set) Lowest() sim.NodeID {
	if s == 0 {
		return sim.NoNode
	}
	return sim.NodeID(bits.TrailingZeros64(uint64(s)) + 1)
}

// Each calls f for every node in the set, in ID order.
func (s Set) Each(f func(id sim.NodeID)) {
	for rest := s; rest != 0; rest &= rest - 1 {
		f(sim.NodeID(bits.TrailingZeros64(uint64(rest)) + 1))
	}
}

// String lists the set as a transcript shows it: "{n1 n2}".
func (s Set) String() string {
	var b strings.Builder
	b.WriteByte('{')
	s.Each(func(id sim.NodeID) {
		if b.Len() > 1 {
			b.WriteByte(' ')
		}
		b.WriteString("n" + strconv.Itoa(int(id)))
	})
	b.WriteByte('}')
	return b.String()
}

// MarshalText writes the set as String does, so that the JSON trace shows
// "{n1 n2}" rather than a bit pattern.
func (s Set) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
