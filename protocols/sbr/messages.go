package sbr

import "github.com/electsim/electsim/sim"

// The messages. The JSON trace shows their exported fields.
type (
	// Heartbeat is the failure detector's "I am alive", every heartbeat, to
	// every member the sender knows (to every participant while it waits to
	// be admitted). A heartbeat from an incarnation a member has never seen
	// asks to be admitted.
	Heartbeat struct {
		Inc uint64 // the sender's incarnation: 1 at first boot, +1 at each restart
		// Up is the sender's age, as the member that admitted it gave it (0
		// while it waits): the others adopt it, so that two newcomers
		// admitted at once by different members are ordered alike
		// everywhere.
		Up      uint64
		Version uint64 // the sender's membership version; 0 while it waits to be admitted
		Members Set    // the sender's membership: a member that reports yours has seen it
		// Oldest is the member the sender takes for the oldest: the
		// singleton starts only where every member agrees.
		Oldest sim.NodeID
		// Reach is the sender's side: the members it hears from, itself
		// included. A node decides only when every member of its side
		// reports the same side (a clean partition).
		Reach Set
		// Led is the highest generation the sender, in any incarnation,
		// ran the singleton in: a member admitting it moves its version
		// past that.
		Led uint64
	}
	// Welcome admits a new incarnation: the admitting member's membership,
	// the newcomer included as the youngest, which the newcomer adopts.
	Welcome struct{ Membership *Membership }
)

// Membership is a snapshot of one node's membership, as a Welcome carries
// it. It is never modified once sent.
type Membership struct {
	Version uint64
	Members []Member // oldest first
	// Removed are incarnations the sender has downed: the newcomer must not
	// take them for new ones when it hears from them.
	Removed []Member
}

// Member is one member's incarnation and age.
type Member struct {
	ID  sim.NodeID
	Inc uint64
	Up  uint64 // Akka's upNumber: the lower, the older
}
