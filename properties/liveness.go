package properties

import (
	"fmt"
	"time"

	"github.com/electsim/electsim/sim"
)

// Liveness is the property that the cluster works again after its faults:
// an act is accepted within the bound after the last fault event of the
// run (the last crash, restart, pause, resume, partition, heal, clock or
// link change), or after the start when there is none.
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
	case e.Kind == sim.KindActApplied && e.Accepted && !c.recovered:
		c.accepted, c.recovered = e.At, true
	}
}

// finish decides at the end of the run. A run that ended before the bound
// was up, with no act accepted yet, is not held against the protocol.
func (c *liveness) finish(end sim.Time) string {
	deadline := c.lastFault + sim.Time(c.bound)
	switch {
	case c.recovered && c.accepted <= deadline:
		return fmt.Sprintf("an act was accepted %v after %s", time.Duration(c.accepted-c.lastFault), c.what)
	case !c.recovered && end < deadline:
		return fmt.Sprintf("not judged: the run ended %v after %s, before the %v bound", time.Duration(end-c.lastFault), c.what, c.bound)
	}
	detail := fmt.Sprintf("no act was accepted within %v after %s at %v", c.bound, c.what, c.lastFault)
	if c.recovered {
		detail += fmt.Sprintf(" (the first came %v after it)", time.Duration(c.accepted-c.lastFault))
	}
	c.violation = &Violation{
		Property: Liveness, Times: []sim.Time{c.lastFault, deadline}, Index: c.index, Detail: detail,
	}
	return detail
}

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

// Recovery is how long the cluster took to accept an act again after one
// fault: from the fault to the next accepted act. The JSON names are part
// of the report's contract.
type Recovery struct {
	Fault      string `json:"fault"`
	AtNS       int64  `json:"at_ns"`
	RecoveryNS int64  `json:"recovery_ns"` // -1: no act was accepted after it
}

// maxRecoveries bounds the faults whose recovery the report lists one by
// one; the metrics cover them all.
const maxRecoveries = 1000

// recoveries measures the recovery time of each fault that starts
// something (a crash, pause, partition, cut, link, clock step or drift;
// not the restart, resume or heal that ends one).
type recoveries struct {
	roster  *sim.Roster
	list    []Recovery
	pending int      // the last pending entries of list await an accepted act
	open    int64    // faults with no accepted act after them yet, listed or not
	oldest  sim.Time // the first of the open ones
	max     int64
}

func (r *recoveries) Observe(e *sim.Event) {
	switch {
	case starts(e.Kind):
		if r.open == 0 {
			r.oldest = e.At
		}
		r.open++
		if len(r.list) < maxRecoveries {
			r.list = append(r.list, Recovery{Fault: describeFault(r.roster, e), AtNS: int64(e.At), RecoveryNS: -1})
			r.pending++
		}
	case e.Kind == sim.KindActApplied && e.Accepted && r.open > 0:
		r.recover(e.At)
	}
}

// recover closes every open fault at an accepted act; the oldest one took
// the longest.
func (r *recoveries) recover(at sim.Time) {
	for i := len(r.list) - r.pending; i < len(r.list); i++ {
		r.list[i].RecoveryNS = int64(at) - r.list[i].AtNS
	}
	r.max = max(r.max, int64(at-r.oldest))
	r.pending, r.open = 0, 0
}

func starts(k sim.Kind) bool {
	switch k {
	case sim.KindCrash, sim.KindPause, sim.KindPartition, sim.KindCut, sim.KindLink, sim.KindClockStep, sim.KindDrift:
		return true
	}
	return false
}
