package properties

import "github.com/electsim/electsim/sim"

// Most of a run's events are sends, deliveries and timers, which few of
// the suite's observers look at: the suite hands each event only to the
// observers that want its kind, in the order they were added, so that a
// delivery costs no calls at all. An observer says which kinds it wants
// by implementing kindFilter; one that does not (a caller's own checker or
// metric) gets every event, as does every observer for a kind this table
// does not know.

// kindFilter is implemented by the built-in checkers and metrics.
type kindFilter interface {
	wants(k sim.Kind) bool
}

// numKinds bounds the kinds the table routes; events of later kinds go to
// every observer.
const numKinds = int(sim.KindWriteLost) + 1

// route rebuilds the table of observers by kind, in the order Observe has
// always called them: the checkers, the metrics, then liveness,
// recoveries, outcomes, leadership and the meter.
func (s *Suite) route() {
	s.all = s.all[:0]
	for _, c := range s.checkers {
		s.all = append(s.all, c)
	}
	for _, m := range s.metrics {
		s.all = append(s.all, m)
	}
	s.all = append(s.all, s.liveness, s.recoveries, s.outcomes, s.leadership, s.meter)
	s.byKind = make([][]sim.Observer, numKinds)
	for k := range s.byKind {
		for _, o := range s.all {
			if f, ok := o.(kindFilter); !ok || f.wants(sim.Kind(k)) {
				s.byKind[k] = append(s.byKind[k], o)
			}
		}
	}
}

func (c *perGeneration) wants(k sim.Kind) bool { return k == c.kind }

func (c *fenced) wants(k sim.Kind) bool { return k == sim.KindActApplied }

func (c *liveness) wants(k sim.Kind) bool { return k.IsFault() || k == sim.KindActApplied }

func (r *recoveries) wants(k sim.Kind) bool {
	return starts(k) || k == sim.KindActApplied || k == sim.KindLead || k == sim.KindFaultSkipped
}

// wants: with leader_by set, outcomes notes the leader at the first event
// after its time, whatever that event's kind.
func (o *outcomes) wants(k sim.Kind) bool {
	switch k {
	case sim.KindLead, sim.KindCrash, sim.KindRestart, sim.KindBoot, sim.KindOutOfService:
		return true
	}
	return o.expect.LeaderBy != nil
}

func (l *leadership) wants(k sim.Kind) bool {
	return k == sim.KindLead || k == sim.KindStepDown || k == sim.KindCrash
}

func (m *meter) wants(k sim.Kind) bool {
	switch k {
	case sim.KindSend, sim.KindDrop, sim.KindLead, sim.KindActIssued, sim.KindActCommitted, sim.KindActWithheld, sim.KindActApplied:
		return true
	case sim.KindWrite, sim.KindConflict, sim.KindWriteLost:
		return m.store != nil
	}
	return false
}

func (c *noLostWrites) wants(k sim.Kind) bool { return k == sim.KindWrite || k == sim.KindWriteLost }
