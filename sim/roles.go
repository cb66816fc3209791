package sim

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
)

// Roles a fault may name instead of a node. The run resolves a role at the
// fault's true time from the nodes' leadership beliefs, records the node it
// chose (Event.Role, and the expanded scenario that -save writes), and
// skips the fault, with a KindFaultSkipped event, when the role has no
// holder at that instant.
const (
	// RoleLeader is the participant that believes it leads the highest
	// generation; of two in one generation, the lower ID. A paused leader,
	// or one cut off that has not noticed, still believes.
	RoleLeader = "leader"
	// RoleFollower is one live participant other than the leader, drawn.
	// With no leader there are no followers.
	RoleFollower = "follower"
	// RoleFollowers is every participant other than the leader, live or
	// not, and not named elsewhere in the fault: in a list (a cut's ends, a
	// partition's groups) it stands for the rest of the cluster.
	RoleFollowers = "followers"
	// RoleAny is one live participant, drawn, leader or not.
	RoleAny = "any"
	// RoleCrashed, for restart only, is the node the last crash took
	// down, while it is still down.
	RoleCrashed = "crashed"
)

// Roles lists every role name.
var Roles = []string{RoleLeader, RoleFollower, RoleFollowers, RoleAny, RoleCrashed}

// Which roles each place in a fault accepts.
var (
	rolesForOne     = []string{RoleLeader, RoleFollower, RoleAny}
	rolesForList    = []string{RoleLeader, RoleFollower, RoleFollowers, RoleAny}
	rolesForRestart = []string{RoleCrashed}
)

// IsRole reports whether name is a role rather than a node.
func IsRole(name string) bool { return slices.Contains(Roles, name) }

// leaderPlaceWords describe a partition's Leader field in a fault's text.
var leaderPlaceWords = map[string]string{
	LeaderOnMinority: "on the minority side", LeaderOnMajority: "on the majority side",
	LeaderAtBridge: "at the bridge", LeaderOnSide: "on a side",
}

// leaderPlaces lists the Leader values each shape takes.
var leaderPlaces = map[string][]string{
	ShapeHalves:       {LeaderOnMinority, LeaderOnMajority},
	ShapeRandomHalves: {LeaderOnMinority, LeaderOnMajority},
	ShapeBridge:       {LeaderAtBridge, LeaderOnSide},
}

// hasRoles reports whether the fault names a role anywhere, or places the
// leader in a shape: whether it can only be made concrete as it happens.
func (f Fault) hasRoles() bool {
	if f.Partition != nil && f.Partition.Leader != "" {
		return true
	}
	found := false
	f.eachName(func(name string, _ bool) { found = found || IsRole(name) })
	return found
}

// eachName calls visit with every node name the fault writes, and whether
// the node it names must differ from the others the fault names: a link's
// ends, the members of a partition's groups, a cut's ends. Where a
// partition places a service, the node it names need not. A shape's order
// lays the participants out and names none of them in particular.
func (f Fault) eachName(visit func(name string, distinct bool)) {
	each := func(names []string) {
		for _, n := range names {
			visit(n, true)
		}
	}
	switch {
	case f.Crash != "":
		visit(f.Crash, true)
	case f.Restart != "":
		visit(f.Restart, true)
	case f.Pause != nil:
		visit(f.Pause.Node, true)
	case f.ClockStep != nil:
		visit(f.ClockStep.Node, true)
	case f.Drift != nil:
		visit(f.Drift.Node, true)
	case f.Link != nil:
		visit(f.Link.From, true)
		visit(f.Link.To, true)
	case f.Cut != nil:
		each(f.Cut.From)
		each(f.Cut.To)
	case f.Partition != nil:
		p := f.Partition
		if p.Node != "" {
			visit(p.Node, true)
		}
		for _, g := range p.Groups {
			each(g)
		}
		for _, service := range sortedKeys(p.Place) {
			visit(p.Place[service], false)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// resolution turns one fault's roles into nodes at the fault's time. It
// goes in two passes: first the roles with one holder (leader, crashed),
// then those it draws (follower, any) or that stand for the rest
// (followers), which so never draw a node the first pass chose.
type resolution struct {
	s       *Sim
	draws   *rand.Rand
	drawing bool     // the second pass
	named   []string // nodes the fault names itself, and those resolved so far
	leader  NodeID   // NoNode when no participant believes it leads
	notes   []string // role=node, for Event.Role
	skipped string   // why the fault cannot happen now; "" if it can
}

// resolve returns the scenario's fault src with every role replaced by a
// node and the leader placed, a note of what each role became
// ("leader=n3"), or why the fault is skipped. It draws from a stream of
// the fault's own, so that a skipped fault, which a saved run keeps with
// its roles, draws the same in the replay, whatever the faults before it
// drew.
func (s *Sim) resolve(f Fault, src int) (Fault, string, string) {
	r := &resolution{s: s, draws: newStream(s.seed, streamFaults, faultsRoles, src), leader: s.leader()}
	f.eachName(func(name string, distinct bool) {
		if distinct && !IsRole(name) {
			r.named = append(r.named, name)
		}
	})
	f = r.fault(f)
	r.drawing = true
	f = r.fault(f)
	return f, strings.Join(r.notes, ", "), r.skipped
}

// leader is the RoleLeader holder now, or NoNode.
func (s *Sim) leader() NodeID {
	best := NoNode
	for _, id := range s.roster.Peers() {
		n := s.nodes[id]
		if n.leading && (best == NoNode || n.gen > s.nodes[best].gen) {
			best = id
		}
	}
	return best
}

// fault resolves what this pass resolves, on a copy of what it changes.
func (r *resolution) fault(f Fault) Fault {
	switch {
	case f.Crash != "":
		f.Crash = r.one(f.Crash, true)
	case f.Restart != "":
		f.Restart = r.one(f.Restart, true)
	case f.Pause != nil:
		p := *f.Pause
		p.Node = r.one(p.Node, true)
		f.Pause = &p
	case f.ClockStep != nil:
		c := *f.ClockStep
		c.Node = r.one(c.Node, true)
		f.ClockStep = &c
	case f.Drift != nil:
		d := *f.Drift
		d.Node = r.one(d.Node, true)
		f.Drift = &d
	case f.Link != nil:
		l := *f.Link
		l.From, l.To = r.one(l.From, true), r.one(l.To, true)
		f.Link = &l
	case f.Cut != nil:
		f.Cut = &Cut{From: r.list(f.Cut.From), To: r.list(f.Cut.To)}
	case f.Partition != nil:
		f.Partition = r.partition(*f.Partition)
	}
	return f
}

// drawn reports whether a role is the second pass's.
func drawn(role string) bool {
	return role == RoleFollower || role == RoleFollowers || role == RoleAny
}

// one resolves a name that stands for a single node. A distinct node must
// differ from every other the fault names; one that need not (where a
// service is placed) leaves the others alone.
func (r *resolution) one(name string, distinct bool) string {
	if r.skipped != "" || !IsRole(name) || drawn(name) != r.drawing {
		return name
	}
	var id NodeID
	switch name {
	case RoleLeader:
		id = r.theLeader(distinct)
	case RoleFollower:
		id = r.drawFrom(r.followers(true, distinct), "no live follower")
	case RoleAny:
		id = r.drawFrom(r.live(distinct), "no live participant")
	case RoleCrashed:
		id = r.crashed()
	}
	if id == NoNode {
		return name
	}
	got := r.s.roster.Name(id)
	if distinct {
		r.named = append(r.named, got)
	}
	r.notes = append(r.notes, name+"="+got)
	return got
}

// list resolves a list of names, in which followers stands for several.
func (r *resolution) list(names []string) []string {
	var out []string
	for _, name := range names {
		if name != RoleFollowers || !r.drawing || r.skipped != "" {
			out = append(out, r.one(name, true))
			continue
		}
		ids := r.followers(false, true)
		if len(ids) == 0 && r.skipped == "" {
			r.skipped = "no followers"
		}
		var got []string
		for _, id := range ids {
			got = append(got, r.s.roster.Name(id))
		}
		r.named = append(r.named, got...)
		r.notes = append(r.notes, name+"="+strings.Join(got, " "))
		out = append(out, got...)
	}
	return out
}

func (r *resolution) theLeader(distinct bool) NodeID {
	if r.leader == NoNode {
		r.skipped = "no participant believes it leads"
		return NoNode
	}
	if name := r.s.roster.Name(r.leader); distinct && slices.Contains(r.named, name) {
		r.skipped = fmt.Sprintf("the leader is %s, which the fault names already", name)
		return NoNode
	}
	return r.leader
}

// followers are the participants other than the leader; only the live
// ones when live is set, and not those the fault names when distinct is.
func (r *resolution) followers(live, distinct bool) []NodeID {
	if r.leader == NoNode {
		r.skipped = "no participant believes it leads, so none follows"
		return nil
	}
	return r.participants(func(id NodeID) bool {
		return id != r.leader && (!live || r.s.nodes[id].up) && !(distinct && r.isNamed(id))
	})
}

// live are the participants that are up (paused or not), and not those
// the fault names when distinct is set.
func (r *resolution) live(distinct bool) []NodeID {
	return r.participants(func(id NodeID) bool { return r.s.nodes[id].up && !(distinct && r.isNamed(id)) })
}

func (r *resolution) participants(keep func(NodeID) bool) []NodeID {
	var out []NodeID
	for _, id := range r.s.roster.Peers() {
		if keep(id) {
			out = append(out, id)
		}
	}
	return out
}

func (r *resolution) isNamed(id NodeID) bool { return slices.Contains(r.named, r.s.roster.Name(id)) }

func (r *resolution) drawFrom(ids []NodeID, none string) NodeID {
	if r.skipped != "" {
		return NoNode
	}
	if len(ids) == 0 {
		r.skipped = none
		return NoNode
	}
	return ids[r.draws.IntN(len(ids))]
}

func (r *resolution) crashed() NodeID {
	id := r.s.lastCrashed
	switch {
	case id == NoNode:
		r.skipped = "no node has crashed"
	case r.s.nodes[id].up:
		r.skipped = fmt.Sprintf("%s, the last node to crash, is up again", r.s.roster.Name(id))
	default:
		return id
	}
	return NoNode
}

func (r *resolution) partition(p Partition) *Partition {
	p.Node = r.one(p.Node, true)
	if len(p.Groups) > 0 {
		groups := make([][]string, len(p.Groups))
		for i, g := range p.Groups {
			groups[i] = r.list(g)
		}
		p.Groups = groups
	}
	if len(p.Place) > 0 {
		place := make(map[string]string, len(p.Place))
		for _, service := range sortedKeys(p.Place) {
			place[service] = r.one(p.Place[service], false)
		}
		p.Place = place
	}
	if p.Leader != "" && !r.drawing && r.skipped == "" {
		p.Order = r.placeLeader(p)
		p.Leader = ""
	}
	return &p
}

// placeLeader returns the shape's order with the leader moved, by a swap,
// to the place p.Leader asks for.
func (r *resolution) placeLeader(p Partition) []string {
	order := slices.Clone(p.Order)
	if len(order) == 0 {
		order = participantNames(r.s.roster.Participants())
	}
	if r.leader == NoNode {
		r.skipped = "no participant believes it leads"
		return p.Order
	}
	name := r.s.roster.Name(r.leader)
	at := slices.Index(order, name)
	if at < 0 {
		r.skipped = fmt.Sprintf("the leader is %s, which is not in the shape's order", name)
		return p.Order
	}
	want, half, bridge := at, len(order)/2, (len(order)-1)/2
	switch {
	case p.Leader == LeaderOnMinority && at >= half:
		want = 0 // halves put the smaller half first
	case p.Leader == LeaderOnMajority && at < half:
		want = len(order) - 1
	case p.Leader == LeaderAtBridge:
		want = bridge
	case p.Leader == LeaderOnSide && at == bridge:
		want = 0
	}
	order[at], order[want] = order[want], order[at]
	r.notes = append(r.notes, "leader="+name)
	return order
}
