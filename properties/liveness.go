package properties

import (
	"fmt"
	"slices"
	"time"

	"github.com/electsim/electsim/sim"
)

// Liveness is the property that the cluster works again after its faults:
// an act issued after the last fault event of the run (the last crash,
// restart, pause, resume, partition, heal, clock or link change), or after
// the start when there is none, is accepted within the bound. An act a
// leader issued before the fault, still on its way, does not count: it
// shows the old cluster working, not the new one.
const Liveness = "liveness"

// DefaultLivenessBound is liveness's bound when the scenario's expect
// section gives none.
const DefaultLivenessBound = 10 * time.Second

// liveness checks Liveness as the events go by: it only needs the last
// fault and the first accepted act after it.
type liveness struct {
	roster    *sim.Roster
	bound     time.Duration
	lastFault sim.Time
	what      string // the last fault, described
	index     int64  // its event index
	accepted  sim.Time
	recovered bool
	violation *Violation
}

func newLiveness(r *sim.Roster, bound time.Duration) *liveness {
	if bound == 0 {
		bound = DefaultLivenessBound
	}
	return &liveness{roster: r, bound: bound, what: "the start"}
}

func (c *liveness) Name() string          { return Liveness }
func (c *liveness) Violation() *Violation { return c.violation }

func (c *liveness) Observe(e *sim.Event) {
	switch {
	case e.Kind.IsFault():
		c.lastFault, c.what, c.index, c.recovered = e.At, describeFault(c.roster, e), e.Index, false
	case e.Kind == sim.KindActApplied && e.Accepted && !c.recovered && issuedAfter(e, c.lastFault):
		c.accepted, c.recovered = e.At, true
	}
}

// finish decides at the end of the run. A run that ended before the bound
// was up, with no act accepted yet, is not held against the protocol.
func (c *liveness) finish(end sim.Time) string {
	deadline := c.lastFault + sim.Time(c.bound)
	switch {
	case c.recovered && c.accepted <= deadline:
		return fmt.Sprintf("an act was accepted %v after %s", readable(int64(c.accepted-c.lastFault)), c.what)
	case !c.recovered && end < deadline:
		return fmt.Sprintf(notJudged+": the run ended %v after %s, before the %v bound", readable(int64(end-c.lastFault)), c.what, c.bound)
	}
	detail := fmt.Sprintf("no act issued after %s at %v was accepted within %v", c.what, readable(int64(c.lastFault)), c.bound)
	if c.recovered {
		detail += fmt.Sprintf(" (the first came %v after it)", readable(int64(c.accepted-c.lastFault)))
	}
	c.violation = &Violation{
		Property: Liveness, Times: []sim.Time{c.lastFault, deadline}, Index: c.index, Detail: detail,
	}
	return detail
}

// notJudged begins the detail of a property that holds because the run
// gave it nothing to judge.
const notJudged = "not judged"

// describeFault names a fault event for people: "crash n3", "partition
// halves [n1 n2] [n3 n4 n5]".
func describeFault(r *sim.Roster, e *sim.Event) string {
	s := e.Kind.String()
	if e.Node != sim.NoNode {
		s += " " + r.Name(e.Node)
	}
	if e.Tag != "" {
		s += " " + e.Tag
	}
	return s
}

// issuedAfter reports whether an applied act was issued after a fault at
// t. Its Value is its issue time; an act issued at the very instant of the
// fault counts as before it.
func issuedAfter(e *sim.Event, t sim.Time) bool { return sim.Time(e.Value) > t }

// Recovery is what one fault cost: from the fault to the first accepted
// act issued after it, and to the first belief in a generation above every
// generation held at the fault. The JSON names are part of the report's
// contract.
type Recovery struct {
	Fault string `json:"fault"`
	// Role says what the roles the fault named resolved to: "leader=n3".
	Role string `json:"role,omitempty"`
	AtNS int64  `json:"at_ns"`
	// RecoveryNS is -1 when no act issued after the fault was accepted.
	RecoveryNS int64 `json:"recovery_ns"`
	// NewLeaderNS is the time to a new leader: from the fault to the first
	// belief in a generation above every one held at the fault. It is -1
	// when none came; and when another fault began while the leader of
	// this one still led (a follower's pause, then a partition that
	// deposes the leader), the new leader is the later fault's doing, not
	// this one's, so this one's is -1 too.
	NewLeaderNS int64 `json:"new_leader_ns"`
	// NewLeader and NewLeaderGen name that belief: a node and the
	// generation it leads, which may be the fault's leader again in a
	// newer generation (a kept side's singleton after a decision).
	NewLeader    string         `json:"new_leader,omitempty"`
	NewLeaderGen sim.Generation `json:"new_leader_gen,omitempty"`
}

// maxRecoveries bounds the faults whose recovery the report lists one by
// one; the metrics cover them all.
const maxRecoveries = 1000

// recoveries measures each fault that starts something (a crash, pause,
// partition, cut, link, clock step or drift; not the restart, resume or
// heal that ends one). It must see each event before the leadership does,
// so that a crash of the leader counts the generation it ends as held.
type recoveries struct {
	roster *sim.Roster
	lead   *leadership
	list   []Recovery
	// open are the faults, listed or not, that no accepted act issued
	// after them has closed yet, oldest first: each accepted act closes
	// a prefix of them.
	open []openFault
	// awaiting are the listed faults still waiting for a new leader, with
	// the generation it must exceed.
	awaiting []awaitLeader
	max      int64
	skipped  []SkippedFault
}

// SkippedFault is a fault that named a role nobody held at its time. The
// JSON names are part of the report's contract.
type SkippedFault struct {
	Fault string `json:"fault"` // what it was and why it was skipped
	AtNS  int64  `json:"at_ns"`
}

type openFault struct {
	at    sim.Time
	index int // in list, -1 when unlisted
}

type awaitLeader struct {
	index  int
	above  sim.Generation
	any    bool       // no generation was held at the fault: any Lead will do
	leader sim.NodeID // the leader at the fault, sim.NoNode for none
}

func (r *recoveries) Observe(e *sim.Event) {
	switch {
	case starts(e.Kind):
		r.start(e)
	case e.Kind == sim.KindActApplied && e.Accepted:
		r.recover(e)
	case e.Kind == sim.KindLead:
		r.newLeader(e)
	case e.Kind == sim.KindFaultSkipped && len(r.skipped) < maxRecoveries:
		r.skipped = append(r.skipped, SkippedFault{Fault: e.Tag, AtNS: int64(e.At)})
	}
}

func (r *recoveries) start(e *sim.Event) {
	above, held := r.lead.highestHeld()
	// A fault under which the leader has held on is over as far as
	// leadership goes: what comes next is this fault's doing.
	r.awaiting = slices.DeleteFunc(r.awaiting, func(w awaitLeader) bool {
		return w.leader == r.lead.leader && w.above == above
	})
	index := -1
	if len(r.list) < maxRecoveries {
		index = len(r.list)
		r.list = append(r.list, Recovery{Fault: describeFault(r.roster, e), Role: e.Role, AtNS: int64(e.At), RecoveryNS: -1, NewLeaderNS: -1})
		r.awaiting = append(r.awaiting, awaitLeader{index: index, above: above, any: !held, leader: r.lead.leader})
	}
	r.open = append(r.open, openFault{at: e.At, index: index})
}

// recover closes every open fault the act was issued after.
func (r *recoveries) recover(e *sim.Event) {
	n := 0
	for n < len(r.open) && issuedAfter(e, r.open[n].at) {
		f := r.open[n]
		if f.index >= 0 {
			r.list[f.index].RecoveryNS = int64(e.At - f.at)
		}
		r.max = max(r.max, int64(e.At-f.at))
		n++
	}
	r.open = r.open[n:]
}

// newLeader closes the waits a Lead ends: a belief in a generation above
// every one held at the fault.
func (r *recoveries) newLeader(e *sim.Event) {
	r.awaiting = slices.DeleteFunc(r.awaiting, func(w awaitLeader) bool {
		if w.any || e.Gen > w.above {
			rec := &r.list[w.index]
			rec.NewLeaderNS, rec.NewLeader, rec.NewLeaderGen = int64(e.At)-rec.AtNS, r.roster.Name(e.Node), e.Gen
			return true
		}
		return false
	})
}

func starts(k sim.Kind) bool {
	switch k {
	case sim.KindCrash, sim.KindPause, sim.KindPartition, sim.KindCut, sim.KindLink, sim.KindClockStep, sim.KindDrift:
		return true
	}
	return false
}
