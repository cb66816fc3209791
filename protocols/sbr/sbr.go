// Package sbr models Akka Cluster's Split Brain Resolver (seed 004; the
// Akka, Apache Pekko and Akka.NET documentation) and the cluster singleton
// that runs on the oldest member: which side of a partition survives, how
// long the decision takes, and when two sides both survive.
//
// # Members and age
//
// The members are the participants n1..nN. Age is Akka's up number: the
// founders, the participants that boot with the cluster (all of them unless
// the scenario's boot section starts some later), get up number = ID, so n1
// is the oldest of them; a participant that boots later joins as a
// newcomer, as a restart does, and is admitted as the youngest: age follows
// boot order. A node keeps two durable things in its Storage: an
// incarnation counter (sbr.incarnation) and the highest generation it ran
// the singleton in (sbr.led, see below). A restart is a new incarnation: it
// joins as a newcomer, sending heartbeats to every participant, and a
// member that hears it admits it as the youngest (an up number above any it
// knows), replacing the old incarnation if that was still a member. As Akka
// moves a joining member to Up only on convergence, a member admits only
// while it reaches every other member. The newcomer adopts the membership
// of the first member that welcomes it and announces the up number it got
// there; every member adopts it, so that two newcomers admitted at once by
// different members are ordered alike everywhere (ties by ID). An
// incarnation a member has downed or replaced is quarantined: its
// heartbeats are ignored. So two sides that downed each other do not merge
// after a heal; a split brain lasts until restarts.
//
// # Failure detection and stability
//
// Every member sends a Heartbeat to every other member every heartbeat
// (1s, Akka's heartbeat-interval) and, at the same pace, marks unreachable
// a member it has not heard from for unreachable_after (3s, Akka's
// acceptable-heartbeat-pause; a fixed threshold where Akka's detector is
// phi accrual); a member is reachable again when it is heard. Each node
// uses its own detector: unreachability observations are not gossiped, and
// no node takes another's word that a member is unreachable. A heartbeat
// does carry the sender's side (the members it reaches), its membership,
// its version and the member it takes for the oldest, one hop, never
// relayed.
//
// A node's view is its side plus the sides its side reports. It decides
// only once the view has not changed for stable_after (Akka's stable-after
// is 20s; 7s here, to fit decisions into short runs), and only on a clean
// partition: every member it reaches reports the same side. Otherwise the
// members are indirectly connected (a bridge, a one-way cut, a ring of
// majorities), and the node waits; the old singleton keeps running. Akka
// gossips the observations and downs indirectly connected nodes; without
// this check, a bridge node that sees both halves is counted by each, and
// both halves are kept (the first property search found that at once).
// After a clean partition each side so decides unreachable_after +
// stable_after later, plus up to two heartbeats (the reaper's pace, and a
// round of reports): 11 to 12s with the defaults.
// down_all_when_unstable (0, off, by default) is the way out of a view that
// never settles: as in Akka, a node that has made no decision
// stable_after + down_all_when_unstable after the first unreachability
// downs itself.
//
// A decision is made on a View: the members, the side and the oldest.
// Config.Keeps holds each strategy's rule:
//   - static-quorum: keep a side of at least quorum_size members;
//   - keep-majority: keep a side of more than half the members this node
//     knows (its last membership, without the members it has downed); on
//     an exact half, the side with the lowest ID;
//   - keep-oldest: keep the side with the oldest member; with
//     down_if_alone (the default, as in Akka), an oldest alone against two
//     or more downs itself and the other side is kept;
//   - keep-referee: keep the side with referee if it has at least
//     down_all_if_less_than members;
//   - down-all: keep nothing, a baseline;
//   - lease-majority: keep-majority whose decision also needs a lease (Akka's
//     lease-implementation, such as a Kubernetes Lease): the side
//     keep-majority would keep asks the lease store (the service node
//     "coord") for it at once, the other after acquire_delay_for_minority
//     (2s); the side granted the lease is kept, one refused it, or left
//     without an answer for lease_timeout (5s), downs itself. The store is a
//     compare-and-set lease with a TTL, held in the name of the side's
//     lowest member; the kept side renews it every heartbeat, and a node
//     whose renewal is refused downs itself. A side out of reach of the
//     store cannot be kept, whatever its size.
//
// With role_members, static-quorum, keep-majority, keep-oldest and
// lease-majority count only the members with the role (Akka's role
// setting): a side of two role members against none is a majority.
//
// A node whose side is kept removes the unreachable members at once (Akka's
// Down and Removed in one step) and tells its side with a heartbeat. A node
// whose side is not kept downs itself: it stops the singleton if it runs
// it, reports itself out of service (Env.OutOfService, which the trace
// records and expect's out_of_service_at_end judges), and sends nothing and
// ignores everything until a crash and restart bring it back as a new
// incarnation.
//
// # The singleton and its generation
//
// The singleton runs on a member that is Up, has settled (its view was
// stable once since it joined) and is the oldest in its own membership. It
// starts only once that membership has converged: every other member
// reachable and reporting the same membership, version and oldest member
// (Akka moves the singleton when the previous oldest is Removed, which
// needs convergence).
// Once running it keeps running with members unreachable, as Akka's does,
// until the node downs itself. When a decision downs the member the
// singleton ran on, the new oldest starts it only down_removal_margin
// later (Akka's down-removal-margin, which its SBR sets to stable-after):
// the other side decides at about the same time and downs itself, so the
// old singleton has stopped before the new one starts. Without the margin
// a lease-majority minority, which asks acquire_delay_for_minority after
// the majority, would run its singleton that long beside the majority's;
// with it the kept side pays the margin in time without a singleton.
//
// Akka's singleton has no epoch. The generation here is the membership
// version: 1 plus the removals the node has applied (its decisions, and old
// incarnations replaced). Admissions do not count, and the version is not
// persisted: a newcomer adopts its admitter's. One exception keeps a
// generation from being handed out twice in sequence: a node persists the
// highest generation it led in and its heartbeats carry it, and a member
// admitting it moves the version past that. Otherwise a node that decided
// alone, ran the singleton and crashed before anyone heard would, on its
// return, be admitted in place of its old incarnation into the very version
// its lost decision had made (the lease-majority property search found
// this: TestCrashedDecisionDoesNotReuseItsGeneration). A kept side's decision
// restarts its singleton in the new version once that has converged. So
// the two singletons of a split brain whose sides diverged from one
// membership and made one decision each share a generation, and
// single-leader-per-generation flags it; a split brain whose sides made
// different numbers of removals shows as split-brain time instead. The
// version is no fencing token: the singletons of a split brain share it, so
// the resource cannot tell them apart, and scenarios leave fencing at none.
//
// # The known bugs
//
//   - static-quorum with more than 2*quorum_size-1 members: both sides of a
//     partition can have a quorum, and both are kept
//     (scenarios/sbr-static-quorum-oversized.yaml). Akka 2.6 downs all
//     instead; this model keeps the hazard its documentation warns of.
//   - keep-majority with a membership change on one side
//     (scenarios/sbr-keep-majority-restart.yaml): n2 crashes; n1 and n3
//     remove it on a view that still counts n4 and n5 reachable (a
//     partition has cut them off less than unreachable_after ago), while n4
//     and n5 admit n2's next incarnation in its place; then n1 and n3 see 2
//     of 4 with the lowest ID, and n2, n4, n5 see 3 of 5: both sides are
//     kept. Both sides may also down n2 and only one admit its next
//     incarnation, and two partitions close together do the same without a
//     restart: a decision is taken on a view up to unreachable_after old.
//     Akka counts joining members on the other side and waits for gossip
//     convergence; neither is modelled. keep-oldest meets the same race.
//   - keep-oldest without down_if_alone: an oldest cut off alone keeps
//     itself and the rest of the cluster downs itself; an oldest that
//     crashes takes the whole cluster down.
//   - stable_after below unreachable_after: a node decides before the
//     members it still counts as reachable have gone quiet. The clean-side
//     check stops that from splitting a clean partition here, but it makes
//     the membership races above far easier to hit.
//
// At most MaxMembers (64) participants: membership sets are one word, and
// every member heartbeats every other one.
//
// Simplified away: gossip and the leader of each side (each node applies
// the rule to itself; under lease-majority every member asks for the lease
// in the side's name), the Down-Removed margin (the kept side's singleton
// starts at its decision, so the downed side's may overlap it by the
// difference of their decision times), data centers, leaving, Akka's
// edge-case checks for membership changes, and the first seed node joining
// itself: a cluster whose every member has downed itself stays down. The
// lease store is a small one of this package's, not the lease protocol's
// etcd model: Akka's leases are compare-and-set records, not elections.
package sbr

import (
	"fmt"
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// Config is the resolver's strategy and timing.
type Config struct {
	Strategy Strategy
	// Heartbeat is the failure detector's heartbeat interval (Akka's
	// heartbeat-interval, 1s).
	Heartbeat time.Duration
	// UnreachableAfter is how long a member may stay silent before it is
	// unreachable (Akka's acceptable-heartbeat-pause, 3s).
	UnreachableAfter time.Duration
	// StableAfter is how long a view must stay unchanged before a node
	// decides (Akka's stable-after, 20s by default; 7s here).
	StableAfter time.Duration
	// DownAllWhenUnstable, if not 0, downs all when the view is still
	// changing stable_after plus this long after the first unreachability.
	DownAllWhenUnstable time.Duration
	// DownRemovalMargin is how long a kept side waits, after a decision
	// downed the singleton's node, before the singleton starts on the new
	// oldest: the time the other side has to down itself (Akka's
	// down-removal-margin). 0 means StableAfter, as Akka's SBR sets it.
	DownRemovalMargin time.Duration

	QuorumSize        int        // static-quorum: the least members a kept side has
	DownIfAlone       bool       // keep-oldest: a lone oldest downs itself
	Referee           sim.NodeID // keep-referee: the member whose side is kept
	DownAllIfLessThan int        // keep-referee: the referee's side downs itself below this size

	// lease-majority: how long the side keep-majority would not keep waits
	// before it asks for the lease (Akka's acquire-lease-delay-for-minority,
	// 2s), how long the lease lasts, and how long a node waits for the
	// lease store's answer before it downs itself (Akka's
	// lease-operation-timeout, 5s).
	AcquireDelayForMinority, LeaseTTL, LeaseTimeout time.Duration

	// RoleMembers are the members with the role the strategy counts
	// (Akka's role setting of static-quorum, keep-majority and
	// keep-oldest); 0 counts every member.
	RoleMembers Set
	// Founders are the participants the cluster forms with, the ones that
	// boot with it, aged by ID; the others join as newcomers when they
	// boot, so that age follows boot order. 0: every participant.
	Founders Set
}

// Defaults are Akka's failure detector (1s heartbeats, 3s acceptable pause)
// and keep-majority, with stable_after shortened from Akka's 20s to 7s so
// that a decision fits a short run; down-if-alone is on, as in Akka.
var Defaults = Config{
	Strategy:  KeepMajority,
	Heartbeat: time.Second, UnreachableAfter: 3 * time.Second, StableAfter: 7 * time.Second,
	QuorumSize: 3, DownIfAlone: true, Referee: 1, DownAllIfLessThan: 1,
	AcquireDelayForMinority: 2 * time.Second, LeaseTTL: time.Minute, LeaseTimeout: 5 * time.Second,
}

// removalMargin is the down-removal margin in force.
func (c Config) removalMargin() time.Duration {
	if c.DownRemovalMargin == 0 {
		return c.StableAfter
	}
	return c.DownRemovalMargin
}

// New returns the resolver with the given configuration. It panics on one
// that cannot run (the registry's Check rejects those first).
func New(cfg Config) sim.Protocol {
	if cfg.Heartbeat <= 0 || cfg.UnreachableAfter <= cfg.Heartbeat || cfg.StableAfter < 0 || cfg.DownAllWhenUnstable < 0 ||
		cfg.QuorumSize < 1 || cfg.Referee < 1 || cfg.DownAllIfLessThan < 1 {
		panic(fmt.Sprintf("sbr: bad config %+v", cfg))
	}
	cfg.Keeps(View{}) // panics on an unknown strategy
	p := sim.Protocol{
		Name: "sbr",
		New:  func(sim.NodeID, string) sim.Node { return &node{cfg: cfg} },
	}
	if cfg.Strategy == LeaseMajority {
		p.Services = []string{LeaseStore}
		p.New = func(_ sim.NodeID, name string) sim.Node {
			if name == LeaseStore {
				return &leaseStore{}
			}
			return &node{cfg: cfg}
		}
	}
	return p
}

// refereeNames are the choices of the referee parameter: any participant
// name; Check rejects one beyond the cluster.
var refereeNames = func() []string {
	names := make([]string, MaxMembers)
	for i := range names {
		names[i] = fmt.Sprintf("n%d", i+1)
	}
	return names
}()

func init() {
	d := Defaults
	dur := func(v time.Duration) float64 { return float64(v) }
	protocols.Register(protocols.Spec{
		Name: "sbr",
		Doc:  "Akka's Split Brain Resolver (seed 004) and a singleton on the oldest member; strategies and their known bugs",
		Params: []protocols.Param{
			{Name: "strategy", Kind: protocols.Enum, Enum: Strategies, Default: string(d.Strategy), Doc: "which side of a partition survives"},
			{Name: "heartbeat", Kind: protocols.Duration, Default: d.Heartbeat, Doc: "time between a member's heartbeats to each other member", Min: dur(time.Millisecond), Max: dur(time.Hour)},
			{Name: "unreachable_after", Kind: protocols.Duration, Default: d.UnreachableAfter, Doc: "silence after which a member is unreachable (Akka's acceptable-heartbeat-pause)", Min: dur(time.Millisecond), Max: dur(time.Hour)},
			{Name: "stable_after", Kind: protocols.Duration, Default: d.StableAfter, Doc: "how long a view must stay unchanged before a node decides (Akka's default is 20s)", Min: 0, Max: dur(time.Hour)},
			{Name: "down_removal_margin", Kind: protocols.Duration, Default: d.DownRemovalMargin, Doc: "how long the new oldest waits after a decision downed the singleton's node before it starts the singleton; 0 is stable_after, as in Akka", Min: 0, Max: dur(time.Hour)},
			{Name: "down_all_when_unstable", Kind: protocols.Duration, Default: d.DownAllWhenUnstable, Doc: "down all if still unstable stable_after plus this long after the first unreachability; 0 is off", Min: 0, Max: dur(time.Hour)},
			{Name: "quorum_size", Kind: protocols.Int, Default: int64(d.QuorumSize), Doc: "static-quorum: the least members a kept side has; at most 2*quorum_size-1 members are safe", Min: 1, Max: MaxMembers},
			{Name: "down_if_alone", Kind: protocols.Bool, Default: d.DownIfAlone, Doc: "keep-oldest: an oldest member alone against two or more downs itself (false: a known bug)"},
			{Name: "referee", Kind: protocols.Enum, Enum: refereeNames, Default: "n1", Doc: "keep-referee: the member whose side is kept"},
			{Name: "down_all_if_less_than", Kind: protocols.Int, Default: int64(d.DownAllIfLessThan), Doc: "keep-referee: the referee's side downs itself if it has fewer members", Min: 1, Max: MaxMembers},
			{Name: "acquire_delay_for_minority", Kind: protocols.Duration, Default: d.AcquireDelayForMinority, Doc: "lease-majority: how long the minority waits before it asks for the lease", Min: 0, Max: dur(time.Hour)},
			{Name: "lease_ttl", Kind: protocols.Duration, Default: d.LeaseTTL, Doc: "lease-majority: how long the lease lasts once acquired", Min: dur(time.Millisecond), Max: dur(24 * time.Hour)},
			{Name: "lease_timeout", Kind: protocols.Duration, Default: d.LeaseTimeout, Doc: "lease-majority: how long a node waits for the lease store before it downs itself", Min: dur(time.Millisecond), Max: dur(time.Hour)},
			{Name: "role_members", Kind: protocols.NameList, Default: []string{}, Doc: "the members with the role static-quorum, keep-majority, keep-oldest and lease-majority count; [] counts all"},
		},
		Check: check,
		Build: func(v *protocols.Values) sim.Protocol { return New(configOf(v)) },
	})
}

func configOf(v *protocols.Values) Config {
	var referee sim.NodeID
	fmt.Sscanf(v.String("referee"), "n%d", &referee)
	return Config{
		Strategy:  Strategy(v.String("strategy")),
		Heartbeat: v.Duration("heartbeat"), UnreachableAfter: v.Duration("unreachable_after"),
		StableAfter: v.Duration("stable_after"), DownAllWhenUnstable: v.Duration("down_all_when_unstable"),
		DownRemovalMargin: v.Duration("down_removal_margin"),
		QuorumSize:        int(v.Int("quorum_size")), DownIfAlone: v.Bool("down_if_alone"),
		Referee: referee, DownAllIfLessThan: int(v.Int("down_all_if_less_than")),
		AcquireDelayForMinority: v.Duration("acquire_delay_for_minority"), LeaseTTL: v.Duration("lease_ttl"),
		LeaseTimeout: v.Duration("lease_timeout"),
		RoleMembers:  nodeSet(v.NameList("role_members")),
		Founders:     founders(v.Scenario()),
	}
}

// nodeSet is the set of the participants named; names that are not
// participants are left out (check rejects them).
func nodeSet(names []string) Set {
	var s Set
	for _, name := range names {
		var id sim.NodeID
		if _, err := fmt.Sscanf(name, "n%d", &id); err == nil && id >= 1 && id <= MaxMembers {
			s = s.With(id)
		}
	}
	return s
}

// founders are the participants the scenario boots at the start: those
// without a boot time, or booted at 0. With none, the lowest boots the
// cluster whenever it comes up.
func founders(scn *sim.Scenario) Set {
	var s Set
	for id := sim.NodeID(1); int(id) <= scn.Nodes; id++ {
		if at, late := scn.Boot[fmt.Sprintf("n%d", id)]; !late || at == (sim.Span{}) {
			s = s.With(id)
		}
	}
	if s == 0 && scn.Nodes > 0 {
		s = s.With(1)
	}
	return s
}

// check rejects settings that cannot work and warns of the known-dangerous
// ones.
func check(v *protocols.Values) error {
	c, nodes := configOf(v), v.Scenario().Nodes
	if nodes > MaxMembers {
		return v.Scenario().Errorf("nodes", "sbr supports at most %d members, got %d", MaxMembers, nodes)
	}
	if c.Heartbeat >= c.UnreachableAfter {
		return v.Errorf("heartbeat", "%v is not below unreachable_after %v: every member would be unreachable between two heartbeats", c.Heartbeat, c.UnreachableAfter)
	}
	if int(c.Referee) > nodes {
		return v.Errorf("referee", "unknown referee n%d: the cluster is n1..n%d", c.Referee, nodes)
	}
	for _, name := range v.NameList("role_members") {
		id := nodeSet([]string{name}).Lowest()
		if id == sim.NoNode || int(id) > nodes || name != fmt.Sprintf("n%d", id) {
			return v.Errorf("role_members", "%q is not a participant (n1..n%d)", name, nodes)
		}
	}
	if c.StableAfter < c.UnreachableAfter {
		v.Warnf("stable_after", "%v is below unreachable_after %v: a node can decide before the members it still counts as reachable have gone quiet, and two sides can decide on inconsistent views",
			c.StableAfter, c.UnreachableAfter)
	}
	switch c.Strategy {
	case StaticQuorum:
		if nodes > 2*c.QuorumSize-1 {
			v.Warnf("quorum_size", "%d nodes is more than 2*quorum_size-1 = %d: both sides of a partition can have a quorum and both are kept", nodes, 2*c.QuorumSize-1)
		}
		if c.QuorumSize > nodes {
			v.Warnf("quorum_size", "%d is more than the %d nodes: no side is ever kept, the first failure downs the whole cluster", c.QuorumSize, nodes)
		}
	case KeepOldest:
		if !c.DownIfAlone {
			v.Warnf("down_if_alone", "false: an oldest member cut off alone keeps itself and the rest of the cluster downs itself")
		}
	case KeepReferee:
		if c.DownAllIfLessThan > nodes {
			v.Warnf("down_all_if_less_than", "%d is more than the %d nodes: no side is ever kept", c.DownAllIfLessThan, nodes)
		}
	}
	return nil
}
