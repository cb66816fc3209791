package sbr_test

import (
	"testing"

	"github.com/electsim/electsim/protocols/sbr"
	"github.com/electsim/electsim/sim"
)

// view builds a decision's view: the members, the side this node is on,
// and the oldest member.
func view(members, side sbr.Set, oldest sim.NodeID) sbr.View {
	return sbr.View{Members: members, Reachable: side, Oldest: oldest}
}

var (
	n1to5 = sbr.SetOf(1, 2, 3, 4, 5)
	n1to6 = sbr.SetOf(1, 2, 3, 4, 5, 6)
	n12   = sbr.SetOf(1, 2)
	n345  = sbr.SetOf(3, 4, 5)
	n123  = sbr.SetOf(1, 2, 3)
	n456  = sbr.SetOf(4, 5, 6)
	n1    = sbr.SetOf(1)
	n2to5 = sbr.SetOf(2, 3, 4, 5)
	n1to4 = sbr.SetOf(1, 2, 3, 4)
	n34   = sbr.SetOf(3, 4)
	n2    = sbr.SetOf(2)
)

// TestEachStrategysRule is every strategy's keep-or-down rule on hand-built
// views, both sides of each partition: the rule is what each side's nodes
// apply to their own view.
func TestEachStrategysRule(t *testing.T) {
	with := func(f func(*sbr.Config)) sbr.Config {
		c := sbr.Defaults
		f(&c)
		return c
	}
	quorum := func(q int) sbr.Config {
		return with(func(c *sbr.Config) { c.Strategy, c.QuorumSize = sbr.StaticQuorum, q })
	}
	majority := sbr.Defaults
	oldest := with(func(c *sbr.Config) { c.Strategy = sbr.KeepOldest })
	oldestStays := with(func(c *sbr.Config) { c.Strategy, c.DownIfAlone = sbr.KeepOldest, false })
	referee := func(r sim.NodeID, least int) sbr.Config {
		return with(func(c *sbr.Config) { c.Strategy, c.Referee, c.DownAllIfLessThan = sbr.KeepReferee, r, least })
	}
	downAll := with(func(c *sbr.Config) { c.Strategy = sbr.DownAll })

	for _, tc := range []struct {
		name  string
		cfg   sbr.Config
		view  sbr.View
		keeps bool
	}{
		{"static-quorum 3: 3 of 5 keep", quorum(3), view(n1to5, n345, 1), true},
		{"static-quorum 3: 2 of 5 down", quorum(3), view(n1to5, n12, 1), false},
		{"static-quorum 2 on 5 nodes: 2 keep", quorum(2), view(n1to5, n12, 1), true},
		{"static-quorum 2 on 5 nodes: 3 keep too (the known bug)", quorum(2), view(n1to5, n345, 1), true},
		{"static-quorum counts the side, not the membership", quorum(3), view(n345, n345, 3), true},

		{"keep-majority: 3 of 5 keep", majority, view(n1to5, n345, 1), true},
		{"keep-majority: 2 of 5 down", majority, view(n1to5, n12, 1), false},
		{"keep-majority: half with the lowest ID keeps", majority, view(n1to6, n123, 1), true},
		{"keep-majority: half without the lowest ID downs", majority, view(n1to6, n456, 1), false},
		{"keep-majority: 2 of 4, the lowest ID is n1", majority, view(n1to4, n12, 1), true},
		{"keep-majority: 2 of 4 without n1", majority, view(n1to4, n34, 1), false},
		{"keep-majority: membership without n5 (downed before): 2 of 4", majority, view(n1to4, n12, 1), true},
		{"keep-majority: the other side still counts n5: 2 of 5", majority, view(n1to5, n34, 1), false},
		{"keep-majority: alone in a two-node cluster, with the lowest ID", majority, view(n12, n1, 1), true},
		{"keep-majority: alone in a two-node cluster, without it", majority, view(n12, n2, 1), false},

		{"keep-oldest: the side with the oldest keeps", oldest, view(n1to5, n12, 1), true},
		{"keep-oldest: the side without it downs", oldest, view(n1to5, n345, 1), false},
		{"keep-oldest: the oldest alone against four downs itself", oldest, view(n1to5, n1, 1), false},
		{"keep-oldest: and the four keep", oldest, view(n1to5, n2to5, 1), true},
		{"keep-oldest: alone against one (two nodes), the oldest keeps", oldest, view(n12, n1, 1), true},
		{"keep-oldest: and the other downs", oldest, view(n12, n2, 1), false},
		{"keep-oldest: age, not ID: n3 oldest", oldest, view(n1to5, n345, 3), true},
		{"keep-oldest without down_if_alone: a lone oldest keeps itself", oldestStays, view(n1to5, n1, 1), true},
		{"keep-oldest without down_if_alone: the four down", oldestStays, view(n1to5, n2to5, 1), false},

		{"keep-referee n1: the referee's side keeps", referee(1, 1), view(n1to5, n12, 1), true},
		{"keep-referee n1: the other side downs", referee(1, 1), view(n1to5, n345, 1), false},
		{"keep-referee n1, at least 3: the referee's side of 2 downs", referee(1, 3), view(n1to5, n12, 1), false},
		{"keep-referee n1, at least 3: and so does the other", referee(1, 3), view(n1to5, n345, 1), false},
		{"keep-referee n4: the side of 3 with n4 keeps", referee(4, 3), view(n1to5, n345, 1), true},
		{"keep-referee: a removed referee downs everyone", referee(1, 1), view(n2to5, n34, 2), false},

		{"down-all: the majority downs", downAll, view(n1to5, n345, 1), false},
		{"down-all: the minority downs", downAll, view(n1to5, n12, 1), false},
	} {
		if got := tc.cfg.Keeps(tc.view); got != tc.keeps {
			t.Errorf("%s: %v keeps %v, want %v", tc.name, tc.view, got, tc.keeps)
		}
	}
}

func TestSet(t *testing.T) {
	s := sbr.SetOf(3, 1, 64)
	if s.Len() != 3 || !s.Has(64) || s.Has(2) || s.Has(0) || s.Lowest() != 1 || s.Without(1).Lowest() != 3 {
		t.Errorf("set %v: len %d, lowest %v", s, s.Len(), s.Lowest())
	}
	if got := s.String(); got != "{n1 n3 n64}" {
		t.Errorf("String %q", got)
	}
	if sbr.Set(0).Lowest() != sim.NoNode || sbr.Set(0).String() != "{}" {
		t.Error("the empty set")
	}
}
