package sbr

import (
	"fmt"

	"github.com/electsim/electsim/sim"
)

// Strategy names a downing strategy, as Akka's active-strategy does.
type Strategy string

// The strategies.
const (
	// StaticQuorum keeps a side of at least QuorumSize members.
	StaticQuorum Strategy = "static-quorum"
	// KeepMajority keeps a side of more than half the known members; on an
	// exact half, the side with the lowest ID.
	KeepMajority Strategy = "keep-majority"
	// KeepOldest keeps the side with the oldest member, unless DownIfAlone
	// and the oldest is alone against more than one.
	KeepOldest Strategy = "keep-oldest"
	// KeepReferee keeps the side with the referee, if it has at least
	// DownAllIfLessThan members.
	KeepReferee Strategy = "keep-referee"
	// DownAll downs every side: the baseline that never keeps two.
	DownAll Strategy = "down-all"
	// LeaseMajority is keep-majority whose decision also needs a lease:
	// the side keep-majority keeps asks for it at once, the other after
	// AcquireDelayForMinority, and the side that gets it is kept.
	LeaseMajority Strategy = "lease-majority"
)

// Strategies lists the strategies, as the registry shows them.
var Strategies = []string{string(StaticQuorum), string(KeepMajority), string(KeepOldest), string(KeepReferee), string(DownAll), string(LeaseMajority)}

// View is what one node decides on once its view has been stable for
// stable_after: the members it knows (the last known membership, without
// those it has already downed), the members it reaches (its side, itself
// included) and the oldest member, reachable or not.
type View struct {
	Members   Set
	Reachable Set
	Oldest    sim.NodeID
}

// Unreachable is the other side, as this node sees it: the members it does
// not hear from.
func (v View) Unreachable() Set { return v.Members &^ v.Reachable }

func (v View) String() string {
	return fmt.Sprintf("side %v, unreachable %v, oldest n%d", v.Reachable, v.Unreachable(), v.Oldest)
}

// Keeps is the strategy's rule: whether the side of view v survives. A node
// whose side is kept downs the unreachable members (removes them from its
// membership); a node whose side is not kept downs itself. Each node
// applies the rule to its own view, so two sides agree only when their
// views are mirror images of one membership.
//
// With a role (RoleMembers), static-quorum, keep-majority and lease-majority
// count only the members that have it, and keep-oldest looks for the
// oldest among them (the view's Oldest, as the node gives it).
func (c Config) Keeps(v View) bool {
	if c.RoleMembers != 0 && c.Strategy != KeepReferee {
		v.Members &= c.RoleMembers
		v.Reachable &= c.RoleMembers
	}
	side, other := v.Reachable.Len(), v.Unreachable().Len()
	switch c.Strategy {
	case StaticQuorum:
		return side >= c.QuorumSize
	case KeepMajority, LeaseMajority:
		if side != other {
			return side > other
		}
		return v.Reachable.Has(v.Members.Lowest())
	case KeepOldest:
		if v.Reachable.Has(v.Oldest) {
			// The oldest alone against two or more downs itself; alone
			// against one (a two-node cluster) it is no worse than the other.
			return !(c.DownIfAlone && side == 1 && other > 1)
		}
		return c.DownIfAlone && other == 1 && side > 1
	case KeepReferee:
		return v.Reachable.Has(c.Referee) && side >= c.DownAllIfLessThan
	case DownAll:
		return false
	}
	panic(fmt.Sprintf("sbr: unknown strategy %q", c.Strategy))
}
