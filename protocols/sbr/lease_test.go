package sbr_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols/sbr"
	"github.com/electsim/electsim/sim"
)

// downed lists the nodes that downed themselves, in ID order.
func downed(o *outcome) []string {
	var out []string
	for id := sim.NodeID(1); id <= sbr.MaxMembers; id++ {
		if _, ok := o.downedAt[id]; ok {
			out = append(out, fmt.Sprintf("n%d", id))
		}
	}
	return out
}

// lastLeader is the node whose Lead came last.
func lastLeader(o *outcome) sim.NodeID {
	leads := o.leads()
	if len(leads) == 0 {
		return sim.NoNode
	}
	return leads[len(leads)-1].node
}

// TestLeaseMajority splits five members into n1 n2 | n3 n4 n5 and checks
// lease-majority (Akka's docs: the side keep-majority would keep asks for
// the lease at once, the other after acquire-lease-delay-for-minority; the
// side that gets it is kept, and without it a side downs itself) with the
// lease store where it reaches both sides, only the minority, or neither.
func TestLeaseMajority(t *testing.T) {
	const partitionAt = 15500 * time.Millisecond
	for _, tc := range []struct {
		name   string
		place  map[string]string
		cutOff bool // the store reaches nobody
		downed []string
		leader sim.NodeID
	}{
		{name: "the store reaches both sides: the majority gets the lease first",
			downed: []string{"n1", "n2"}, leader: 3},
		{name: "the store is with the minority: it waits, then gets the lease",
			place: map[string]string{sbr.LeaseStore: "n1"}, downed: []string{"n3", "n4", "n5"}, leader: 1},
		{name: "nobody reaches the store: every side downs itself",
			cutOff: true, downed: []string{"n1", "n2", "n3", "n4", "n5"}, leader: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			faults := []sim.Fault{{At: sim.Fixed(partitionAt), Partition: &sim.Partition{Shape: sim.ShapeHalves, Place: tc.place}}}
			if tc.cutOff {
				faults = append(faults, sim.Fault{At: sim.Fixed(partitionAt), Cut: &sim.Cut{From: []string{sbr.LeaseStore}, To: []string{"n1", "n2", "n3", "n4", "n5"}}})
			}
			o := run(t, cluster(5, 60*time.Second, map[string]any{"strategy": "lease-majority"}, faults...), 1)
			allHold(t, o)
			if got := downed(o); !slices.Equal(got, tc.downed) {
				t.Fatalf("downed %v, want %v\n%s", got, tc.downed, strings.Join(o.logs, "\n"))
			}
			if got := lastLeader(o); got != tc.leader {
				t.Fatalf("the last singleton ran on n%d, want n%d", got, tc.leader)
			}
		})
	}
}

// TestRoleCountsOnlyItsMembers: with a role held by n1 and n2 only,
// keep-majority counts 2 of 2 on the smaller side of n1 n2 | n3 n4 n5 and
// keeps it (Akka's role setting); without the role the larger side is kept.
func TestRoleCountsOnlyItsMembers(t *testing.T) {
	halves := sim.Fault{At: sim.Fixed(15500 * time.Millisecond), Partition: &sim.Partition{Shape: sim.ShapeHalves}}
	for _, tc := range []struct {
		roles  []any
		downed []string
	}{
		{[]any{"n1", "n2"}, []string{"n3", "n4", "n5"}},
		{[]any{}, []string{"n1", "n2"}},
	} {
		o := run(t, cluster(5, 60*time.Second, map[string]any{"strategy": "keep-majority", "role_members": tc.roles}, halves), 1)
		allHold(t, o)
		if got := downed(o); !slices.Equal(got, tc.downed) {
			t.Errorf("role members %v: downed %v, want %v", tc.roles, got, tc.downed)
		}
	}
}

// TestAgeFollowsBootOrder: n1 boots 20s late. The cluster forms without
// it, n2 is the oldest and runs the singleton, and n1 joins as the
// youngest: the singleton stays on n2.
func TestAgeFollowsBootOrder(t *testing.T) {
	scn := cluster(5, 60*time.Second, nil)
	scn.Boot = map[string]sim.Span{"n1": sim.Fixed(20 * time.Second)}
	o := run(t, scn, 1)
	allHold(t, o)
	leads := o.leads()
	if len(leads) != 1 || leads[0].node != 2 {
		t.Fatalf("leads %v, want n2 alone, the oldest of the members that booted first\n%s", leads, strings.Join(o.logs, "\n"))
	}
	joined := slices.ContainsFunc(o.logs, func(l string) bool {
		return strings.Contains(l, "admits n1 incarnation 1 as a new member, the youngest")
	})
	if !joined || len(o.downedAt) != 0 {
		t.Fatalf("n1 was not admitted as the youngest (downed: %v)\n%s", o.downedAt, strings.Join(o.logs, "\n"))
	}
}
