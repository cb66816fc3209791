package sbr

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/electsim/electsim/sim"
)

// incarnationKey holds the node's incarnation counter, so that a restart
// is a new incarnation; ledKey the highest generation it ran the singleton
// in, so that no later singleton is given that generation again. They are
// all an SBR node keeps across a crash.
const (
	incarnationKey = "sbr.incarnation"
	ledKey         = "sbr.led"
)

// Timer tags.
const (
	tagHeartbeat    = "heartbeat"     // send heartbeats, then reap the silent
	tagStable       = "stable"        // the view has not changed for stable_after
	tagUnstable     = "unstable"      // down_all_when_unstable ran out
	tagAcquire      = "acquire"       // lease-majority: the minority's wait is over
	tagLeaseTimeout = "lease-timeout" // lease-majority: the lease store did not answer
	tagHandover     = "handover"      // down_removal_margin has passed: the singleton may move
)

// phase is where a node is in its life as a member.
type phase uint8

const (
	// phaseJoining: a restarted incarnation, waiting for a member to admit
	// it.
	phaseJoining phase = iota
	// phaseUp: a member, watching the others and deciding on its view.
	phaseUp
	// phaseDowned: it downed itself (its side was not kept, or the view
	// stayed unstable): it sends nothing and ignores everything until a
	// restart.
	phaseDowned
)

// memberInfo is what a node knows of one member.
type memberInfo struct {
	inc uint64 // the incarnation that is a member
	up  uint64 // age: the lower, the older
}

// report is what a member's last heartbeat said about its own view.
type report struct {
	members, reach Set
	version        uint64
	oldest         sim.NodeID
}

// node is one participant: its membership, its failure detector, its split
// brain resolver and the singleton. Everything but the incarnation counter
// and the highest generation led in is lost in a crash.
type node struct {
	cfg  Config
	env  sim.Env
	self sim.NodeID

	phase   phase
	inc     uint64       // this incarnation
	members Set          // the membership, this node included
	info    []memberInfo // by ID; meaningful for members
	known   []uint64     // by ID: the highest incarnation known, member or downed
	version uint64       // removals applied since boot, plus 1: the generation
	nextUp  uint64       // the age the next admitted member gets

	lastHeard []time.Duration // by ID, on this node's monotonic clock
	reach     Set             // the members it hears from, itself included
	reports   []report        // by ID: what each member last said of its view
	settled   bool            // its view has been stable since it joined
	unstable  bool            // a member has been unreachable since the last calm

	heartbeatTimer, stableTimer, unstableTimer sim.TimerID
	beat                                       sim.Message // Heartbeat, boxed once per view
	snapshot                                   *Membership // for Welcomes, once per membership

	// lease-majority: the decision that waits for the lease, the attempt
	// its answer must name, and its two timers.
	pending                  *View
	attempt                  uint64
	acquireTimer, leaseTimer sim.TimerID
	leaseOwner               sim.NodeID // the owner this side holds the lease as, once it does

	// handoverAt is when, on this node's monotonic clock, the singleton
	// may start here after a decision downed the node it ran on.
	handoverAt    time.Duration
	handoverTimer sim.TimerID

	leading bool
	gen     sim.Generation
	led     uint64 // the highest generation any incarnation of this node led in
}

// Start boots the first incarnation as a member of the whole cluster, or a
// restarted one as a newcomer that must be admitted.
func (n *node) Start(env sim.Env) {
	n.env, n.self = env, env.ID()
	size := len(env.Peers()) + 1 // participants are 1..N
	if size-1 > MaxMembers {
		panic(fmt.Sprintf("sbr: %d participants, more than a Set holds (MaxMembers %d)", size-1, MaxMembers))
	}
	n.info, n.known, n.lastHeard, n.reports = make([]memberInfo, size), make([]uint64, size), make([]time.Duration, size), make([]report, size)
	n.inc = env.Storage().Uint64(incarnationKey) + 1
	env.Storage().PutUint64(incarnationKey, n.inc) // durable before anyone hears of it
	n.led = env.Storage().Uint64(ledKey)

	switch {
	case n.inc == 1 && n.founders().Has(n.self):
		n.boot()
	case n.inc == 1:
		n.phase = phaseJoining
		env.Logf("boots after the cluster formed: asks to join as a newcomer")
	default:
		n.phase = phaseJoining
		env.Logf("restarts as incarnation %d: asks to join as a newcomer", n.inc)
	}
	n.onHeartbeatTimer()
}

// founders are the members the cluster forms with: the participants that
// boot with it (Config.Founders), or all of them.
func (n *node) founders() Set {
	if n.cfg.Founders != 0 {
		return n.cfg.Founders
	}
	return SetOf(n.env.Peers()...)
}

// boot makes the first incarnation of a founder a member of the founders,
// aged by ID: the lowest is the oldest. Every member counts as reachable
// until it stays silent. A node that boots later joins as a newcomer, the
// youngest: age follows boot order.
func (n *node) boot() {
	n.founders().Each(func(id sim.NodeID) {
		n.members = n.members.With(id)
		n.info[id], n.known[id] = memberInfo{inc: 1, up: uint64(id)}, 1
	})
	n.phase, n.version, n.nextUp = phaseUp, 1, uint64(len(n.env.Peers())+1)
	n.heardAll()
}

// Deliver is the one entry for messages. A downed node ignores everything.
func (n *node) Deliver(from sim.NodeID, m sim.Message) {
	if n.phase == phaseDowned {
		return
	}
	switch m := m.(type) {
	case Heartbeat:
		n.onHeartbeat(from, m)
	case Welcome:
		n.onWelcome(from, m.Membership)
	case AcquireResp:
		n.onAcquireResp(m)
	}
}

// Fire handles the three timers. A timer replaced since it was set (a
// firing held during a pause) is ignored.
func (n *node) Fire(t sim.Timer) {
	if n.phase == phaseDowned {
		return
	}
	switch t.ID {
	case n.heartbeatTimer:
		n.onHeartbeatTimer()
	case n.stableTimer:
		n.stableTimer = 0
		n.onStable()
	case n.unstableTimer:
		n.unstableTimer = 0
		n.onUnstable()
	case n.acquireTimer:
		n.acquireTimer = 0
		n.sendAcquire()
	case n.handoverTimer:
		n.handoverTimer = 0
		n.updateLeadership()
	case n.leaseTimer:
		n.leaseTimer = 0
		n.down(string(LeaseMajority), fmt.Sprintf("no answer from the lease store within %v", n.cfg.LeaseTimeout))
	}
}

// ---- the failure detector ----

// onHeartbeatTimer sends the heartbeats and then reaps: a member silent for
// unreachable_after becomes unreachable (Akka's reaper runs at the pace of
// its heartbeats).
func (n *node) onHeartbeatTimer() {
	n.heartbeatTimer = n.env.SetTimer(n.cfg.Heartbeat, tagHeartbeat)
	n.broadcast()
	if n.phase == phaseUp {
		n.renewLease()
		n.reap()
	}
}

// broadcast sends a heartbeat to every other member; a newcomer, which
// knows no membership yet, sends it to every participant.
func (n *node) broadcast() {
	if n.beat == nil {
		n.beat = Heartbeat{Inc: n.inc, Version: n.version, Members: n.members, Reach: n.reach, Up: n.info[n.self].up, Oldest: n.oldest(), Led: n.led}
	}
	to := n.members
	if n.phase == phaseJoining {
		to = SetOf(n.env.Peers()...)
	}
	to.Without(n.self).Each(func(id sim.NodeID) { n.env.Send(id, n.beat) })
}

func (n *node) reap() {
	now, lost := n.env.Mono(), Set(0)
	n.reach.Without(n.self).Each(func(id sim.NodeID) {
		if now-n.lastHeard[id] >= n.cfg.UnreachableAfter {
			lost = lost.With(id)
		}
	})
	if lost != 0 {
		n.reach &^= lost
		n.env.Logf("marks %v unreachable: silent for %v", lost, n.cfg.UnreachableAfter)
		n.viewChanged()
	}
}

func (n *node) onHeartbeat(from sim.NodeID, hb Heartbeat) {
	if n.phase != phaseUp {
		return // a newcomer waits for a Welcome
	}
	switch {
	case n.members.Has(from) && hb.Inc == n.info[from].inc:
		if hb.Up != 0 && hb.Up != n.info[from].up {
			n.learnAge(from, hb.Up)
		}
		n.heard(from, report{members: hb.Members, reach: hb.Reach, version: hb.Version, oldest: hb.Oldest})
		if hb.Version == 0 {
			n.welcome(from) // admitted, but it has not heard so yet
		}
	case hb.Inc > n.known[from]:
		n.admit(from, hb.Inc, hb.Up, hb.Led)
	}
	// Anything else comes from an incarnation this node downed or replaced:
	// it is quarantined, as Akka's remoting quarantines a removed member.
}

// heard notes a heartbeat from a member: reachable again if it was not,
// and what it reports of its own view. Either change of reachability is a
// change of this node's view. A new membership reported is not: a member
// of this side that decided a moment earlier must not put off this node's
// own decision, which is the same.
func (n *node) heard(from sim.NodeID, r report) {
	n.lastHeard[from] = n.env.Mono()
	old := n.reports[from]
	n.reports[from] = r
	changed := old.reach != r.reach
	if !n.reach.Has(from) {
		n.reach, changed = n.reach.With(from), true
		n.env.Logf("hears from %s again", n.env.Name(from))
	}
	if changed {
		n.viewChanged()
	}
	if old != r {
		n.updateLeadership() // it may have converged
	}
}

// learnAge adopts the age a member announces for itself: the one the
// member that admitted it gave it. Another member may have admitted it too,
// at the same time, and given it another.
func (n *node) learnAge(id sim.NodeID, up uint64) {
	n.env.Logf("takes %s's age from it: up number %d, not %d", n.env.Name(id), up, n.info[id].up)
	n.info[id].up = up
	n.nextUp = max(n.nextUp, up+1)
	n.beat, n.snapshot = nil, nil
	n.updateLeadership()
}

// ---- membership: admissions ----

// admit adds a new incarnation as the youngest member. If its old
// incarnation is still a member, that one is removed (it cannot be alive:
// a node runs one incarnation at a time), which counts as a removal. As
// Akka moves a joining member to Up only on convergence, a node admits only
// while it reaches every other member.
//
// led is the highest generation the newcomer ever ran the singleton in.
// When it is not below the version, the newcomer led in a membership this
// side never saw (it decided, led and crashed before anyone heard), and
// the version moves past it, so that the next singleton's generation is
// new. Every member that admits the newcomer hears the same led.
func (n *node) admit(id sim.NodeID, inc, up, led uint64) {
	if others := n.members.Without(id); n.reach&others != others {
		return // not converged; the newcomer asks again every heartbeat
	}
	how := "as a new member"
	if n.members.Has(id) {
		how = fmt.Sprintf("in place of incarnation %d", n.info[id].inc)
		n.version++
	}
	if led >= n.version {
		how += fmt.Sprintf(", past the generation %d it led in", led)
		n.version = led + 1
	}
	if up == 0 {
		up = n.nextUp // it has no age yet: this node gives it the next
	}
	n.members, n.reach = n.members.With(id), n.reach.With(id)
	n.info[id], n.known[id], n.lastHeard[id], n.reports[id] = memberInfo{inc: inc, up: up}, inc, n.env.Mono(), report{}
	n.nextUp = max(n.nextUp, up+1)
	n.env.Logf("admits %s incarnation %d %s, the youngest; membership %v version %d", n.env.Name(id), inc, how, n.members, n.version)
	n.membershipChanged()
	n.welcome(id)
}

func (n *node) welcome(to sim.NodeID) {
	if n.snapshot == nil {
		n.snapshot = n.membership()
	}
	n.env.Send(to, Welcome{Membership: n.snapshot})
}

// membership takes the snapshot a Welcome carries.
func (n *node) membership() *Membership {
	m := &Membership{Version: n.version}
	for _, id := range n.env.Peers() {
		switch {
		case n.members.Has(id):
			m.Members = append(m.Members, Member{ID: id, Inc: n.info[id].inc, Up: n.info[id].up})
		case n.known[id] > 0:
			m.Removed = append(m.Removed, Member{ID: id, Inc: n.known[id]})
		}
	}
	slices.SortFunc(m.Members, func(a, b Member) int { return cmp.Or(cmp.Compare(a.Up, b.Up), cmp.Compare(a.ID, b.ID)) })
	return m
}

// onWelcome: a newcomer adopts the membership of the first member that
// admits it, itself as the youngest, and starts watching the others.
func (n *node) onWelcome(from sim.NodeID, m *Membership) {
	if n.phase != phaseJoining || !slices.ContainsFunc(m.Members, func(mb Member) bool { return mb.ID == n.self && mb.Inc == n.inc }) {
		return // not for this incarnation
	}
	for _, mb := range m.Members {
		n.members = n.members.With(mb.ID)
		n.info[mb.ID], n.known[mb.ID] = memberInfo{inc: mb.Inc, up: mb.Up}, mb.Inc
		n.nextUp = max(n.nextUp, mb.Up+1)
	}
	for _, mb := range m.Removed {
		n.known[mb.ID] = mb.Inc
	}
	n.phase, n.version = phaseUp, m.Version
	n.env.Logf("admitted by %s: membership %v version %d", n.env.Name(from), n.members, n.version)
	n.heardAll()
	n.membershipChanged()
}

// heardAll starts the failure detector: every member counts as heard from
// now, and the view must stay so for stable_after before the node settles.
func (n *node) heardAll() {
	now := n.env.Mono()
	n.members.Each(func(id sim.NodeID) { n.lastHeard[id] = now })
	n.reach = n.members
	n.viewChanged()
}

// membershipChanged tells the other members at once (the heartbeat is how
// they see that this node has seen the change) and moves the singleton if
// the change made it move.
func (n *node) membershipChanged() {
	n.beat, n.snapshot = nil, nil
	n.viewChanged() // Akka restarts stable-after when a member comes up
	n.broadcast()
	n.updateLeadership()
}

// ---- the resolver ----

// viewChanged restarts the wait for a stable view, and tracks how long the
// view has been unstable since the first unreachability. A decision that
// waited for the lease on the old view is abandoned.
func (n *node) viewChanged() {
	n.beat = nil // it carries the side
	n.abandonLease()
	n.env.StopTimer(n.stableTimer)
	n.stableTimer = n.env.SetTimer(n.cfg.StableAfter, tagStable)
	switch {
	case n.reach == n.members:
		n.calm()
	case !n.unstable:
		n.unstable = true
		if n.cfg.DownAllWhenUnstable > 0 {
			n.unstableTimer = n.env.SetTimer(n.cfg.StableAfter+n.cfg.DownAllWhenUnstable, tagUnstable)
		}
	}
}

// calm ends an unstable period: everyone is reachable, or a decision removed
// those who were not.
func (n *node) calm() {
	n.unstable = false
	n.env.StopTimer(n.unstableTimer)
	n.unstableTimer = 0
}

// onStable: the view has not changed for stable_after. With everyone
// reachable the node has settled; otherwise, on a clean partition, it
// decides.
func (n *node) onStable() {
	if n.reach == n.members {
		if !n.settled {
			n.settled = true
			n.env.Logf("settles: membership %v version %d stable for %v", n.members, n.version, n.cfg.StableAfter)
			n.updateLeadership()
		}
		return
	}
	if other, side := n.disagreement(); other != sim.NoNode {
		n.env.Logf("waits: %s reports side %v, not %v (indirectly connected)", n.env.Name(other), side, n.reach)
		return
	}
	v := n.view()
	switch {
	case n.cfg.Strategy == LeaseMajority:
		n.askForLease(v)
	case !n.cfg.Keeps(v):
		n.down(string(n.cfg.Strategy), fmt.Sprintf("%s does not keep %v", n.cfg.Strategy, v))
	default:
		n.keep(v)
	}
}

// keep applies a decision that keeps this node's side: the unreachable
// members are downed (removed from the membership).
func (n *node) keep(v View) {
	host := n.oldest()
	n.members, n.settled = n.reach, true
	n.version++
	n.env.Logf("%s keeps %v: downs %v; membership %v version %d", n.cfg.Strategy, v, v.Unreachable(), n.members, n.version)
	if !n.members.Has(host) {
		n.awaitHandover(host)
	}
	n.membershipChanged()
}

// awaitHandover holds the singleton back for the down-removal margin after
// a decision downed the member it ran on (Akka's ClusterSingletonManager
// waits so after the previous oldest is removed): the other side, which
// decides at about the same time, must have downed itself, and its
// singleton stopped, before this side starts one.
func (n *node) awaitHandover(host sim.NodeID) {
	margin := n.cfg.removalMargin()
	n.handoverAt = n.env.Mono() + margin
	n.env.StopTimer(n.handoverTimer)
	n.handoverTimer = n.env.SetTimer(margin, tagHandover)
	n.env.Logf("the singleton's node %s is downed: it moves after down_removal_margin %v", n.env.Name(host), margin)
}

// ---- lease-majority ----

// askForLease starts lease-majority's decision: the side keep-majority
// would keep asks the lease store for the lease at once; the other side
// waits acquire_delay_for_minority first, so that the majority usually
// wins it. The side that gets the lease is kept; the other downs itself.
func (n *node) askForLease(v View) {
	n.pending = &v
	n.attempt++
	if n.cfg.Keeps(v) {
		n.sendAcquire()
		return
	}
	n.env.Logf("is not on the majority side of %v: waits %v before asking for the lease", v, n.cfg.AcquireDelayForMinority)
	n.acquireTimer = n.env.SetTimer(n.cfg.AcquireDelayForMinority, tagAcquire)
}

// sendAcquire asks for the lease in the name of the side's lowest member.
func (n *node) sendAcquire() {
	n.env.Send(n.env.Service(LeaseStore), Acquire{Owner: n.pending.Reachable.Lowest(), TTL: n.cfg.LeaseTTL, Attempt: n.attempt})
	n.leaseTimer = n.env.SetTimer(n.cfg.LeaseTimeout, tagLeaseTimeout)
}

func (n *node) onAcquireResp(r AcquireResp) {
	if r.Attempt == renewal {
		if !r.Granted && n.leaseOwner != sim.NoNode {
			n.down(string(LeaseMajority), fmt.Sprintf("lost the lease to n%d", r.Holder))
		}
		return
	}
	if n.pending == nil || r.Attempt != n.attempt {
		return // an answer to an abandoned attempt
	}
	v := *n.pending
	n.abandonLease()
	if !r.Granted {
		n.down(string(LeaseMajority), fmt.Sprintf("the lease is held by n%d", r.Holder))
		return
	}
	n.env.Logf("holds the lease in n%d's name", r.Holder)
	n.leaseOwner = r.Holder
	n.keep(v)
}

// renewal is the attempt number of a renewal, which no decision waits for.
const renewal = 0

// renewLease keeps the lease this side holds from expiring, every
// heartbeat, as a Kubernetes lease's holder renews it: a side kept by the
// lease holds it while it lives, so a side whose view settles much later
// cannot take it. A renewal refused means the lease was lost (the store
// was out of reach for a TTL): the node downs itself.
func (n *node) renewLease() {
	if n.leaseOwner == sim.NoNode {
		return
	}
	n.env.Send(n.env.Service(LeaseStore), Acquire{Owner: n.leaseOwner, TTL: n.cfg.LeaseTTL, Attempt: renewal})
}

// abandonLease stops waiting for the lease.
func (n *node) abandonLease() {
	if n.pending == nil {
		return
	}
	n.pending = nil
	n.env.StopTimer(n.acquireTimer)
	n.env.StopTimer(n.leaseTimer)
	n.acquireTimer, n.leaseTimer = 0, 0
}

// disagreement names a member this node reaches whose last heartbeat
// reported another side than this node's own, or sim.NoNode when every one
// agrees: the partition is clean and the whole side decides on one view.
func (n *node) disagreement() (other sim.NodeID, side Set) {
	n.reach.Without(n.self).Each(func(id sim.NodeID) {
		if other == sim.NoNode && n.reports[id].reach != n.reach {
			other, side = id, n.reports[id].reach
		}
	})
	return other, side
}

// onUnstable: the view has kept changing for stable_after plus
// down_all_when_unstable since the first unreachability, with no decision:
// Akka downs all, and this node's part of that is downing itself.
func (n *node) onUnstable() {
	if n.reach != n.members {
		n.down("down_all_when_unstable", fmt.Sprintf("no decision %v after the first unreachability", n.cfg.StableAfter+n.cfg.DownAllWhenUnstable))
	}
}

// down makes this node leave for good: it steps down if it leads and stops
// taking part until a restart brings it back as a new incarnation. rule
// names what downed it, for the trace; why says it in full, for the log.
func (n *node) down(rule, why string) {
	n.phase = phaseDowned
	n.env.Logf("downs itself: %s", why)
	n.env.StopTimer(n.heartbeatTimer)
	n.env.StopTimer(n.stableTimer)
	n.env.StopTimer(n.unstableTimer)
	n.updateLeadership()
	n.env.OutOfService("downed itself by " + rule)
}

// view is the node's view as its strategy sees it: with a role, the oldest
// member with the role.
func (n *node) view() View {
	oldest := n.oldest()
	if n.cfg.RoleMembers != 0 {
		oldest = n.oldestOf(n.members & n.cfg.RoleMembers)
	}
	return View{Members: n.members, Reachable: n.reach, Oldest: oldest}
}

// oldest is the member with the lowest up number; of two admitted at once
// with the same one, the lower ID.
func (n *node) oldest() sim.NodeID { return n.oldestOf(n.members) }

func (n *node) oldestOf(set Set) sim.NodeID {
	best := sim.NoNode
	set.Each(func(id sim.NodeID) { // in ID order: a tie keeps the lower
		if best == sim.NoNode || n.info[id].up < n.info[best].up {
			best = id
		}
	})
	return best
}

// ---- the singleton ----

// converged reports whether every other member is reachable and has seen
// this node's membership and takes the same member for the oldest: what
// Akka waits for before a membership change takes effect (a downed member
// is Removed, a joining one Up), and so before the singleton moves.
func (n *node) converged() bool {
	if n.reach != n.members {
		return false
	}
	ok, oldest := true, n.oldest()
	n.members.Without(n.self).Each(func(id sim.NodeID) {
		r := n.reports[id]
		ok = ok && r.members == n.members && r.version == n.version && r.oldest == oldest
	})
	return ok
}

// updateLeadership runs the singleton on this node while it is an Up
// member that has settled and is the oldest in its membership. It starts,
// or starts afresh in a new generation, only once the membership version
// it runs in has converged: the generation is that version.
func (n *node) updateLeadership() {
	eligible := n.phase == phaseUp && n.settled && n.oldest() == n.self && n.env.Mono() >= n.handoverAt
	gen := sim.Generation(n.version)
	switch {
	case !eligible && n.leading:
		n.leading = false
		n.env.Logf("stops the singleton of generation %d", n.gen)
		n.env.StepDown()
	case eligible && (!n.leading || n.gen != gen) && n.converged():
		n.leading, n.gen = true, gen
		if uint64(gen) > n.led {
			n.led = uint64(gen)
			n.env.Storage().PutUint64(ledKey, n.led)
			n.beat = nil
		}
		n.env.Logf("runs the singleton: the oldest of %v, generation %d", n.members, gen)
		n.env.Lead(gen)
	}
}
