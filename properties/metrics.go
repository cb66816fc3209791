package properties

import (
	"time"

	"github.com/electsim/electsim/sim"
)

// Metrics are what a run cost and how it went. The JSON names are a public
// contract: scripts parse them.
type Metrics struct {
	// Availability is the share of act_every slots after the warm-up in
	// which an act was issued that the resource accepted within the
	// workload's timeout (0..1): what a client that writes every act_every
	// and waits that long would call its success rate. Each act counts in
	// the slot it was issued in, whenever it arrived. For a protocol that
	// commits, an act reaches the resource only once committed: this is
	// the share of slots with a write committed in time, what a Raft user
	// calls available. With a store and writers: all, where every
	// participant writes as Dynamo's clients do, it is the share of the
	// writes issued (in the whole slots after the warm-up) that were
	// acknowledged in time: a side cut off from its write quorum fails
	// its clients however well the other side does. A node that is down
	// issues nothing: its clients go to another node, as Dynamo's do.
	Availability float64 `json:"availability"`
	// SplitBrainNS is the true time during which two or more nodes
	// believed they led.
	SplitBrainNS int64 `json:"split_brain_ns"`
	// LeaderlessNS is the time without a leader: true time after the first
	// Lead of the run during which no participant believed it led. A
	// leader that is paused, or cut off and unaware of it, still believes:
	// this measures beliefs, and availability measures service.
	LeaderlessNS int64 `json:"leaderless_ns"`
	// LongestLeaderlessNS is the longest of those stretches without a
	// leader: the worst single outage, where LeaderlessNS adds them up.
	LongestLeaderlessNS int64 `json:"longest_leaderless_ns"`
	// StaleActs counts acts the resource accepted after it had accepted a
	// higher generation; with a store, writes acknowledged after a write
	// of a higher generation was (a deposed leader's writes).
	StaleActs int64 `json:"stale_acts"`
	// FirstLeaderNS is the true time of the first Lead, or -1 if none.
	FirstLeaderNS int64 `json:"first_leader_ns"`
	// LeaderChanges counts Lead events after the first one of the run.
	LeaderChanges int64 `json:"leader_changes"`
	ActsIssued    int64 `json:"acts_issued"`
	// ActsCommitted counts the proposals of a protocol that commits (Raft
	// with commit on) that were committed; ActsUncommitted those that were
	// not by the run's end: acts a leader could not commit, as a leader
	// cut off from its quorum cannot. Both are 0 for protocols that act on
	// belief.
	ActsCommitted   int64 `json:"acts_committed"`
	ActsUncommitted int64 `json:"acts_uncommitted"`
	ActsWithheld    int64 `json:"acts_withheld"` // refused by the node's own MayAct
	ActsAccepted    int64 `json:"acts_accepted"` // a duplicated act message is applied twice
	ActsRejected    int64 `json:"acts_rejected"` // fenced off by the resource
	ActsDropped     int64 `json:"acts_dropped"`  // lost on the way to the resource
	MessagesSent    int64 `json:"messages_sent"` // protocol messages; acts are counted apart
	MessagesDropped int64 `json:"messages_dropped"`
	Events          int64 `json:"events"`
	// RecoveryMaxNS is the longest time from a fault to the first accepted
	// act issued after it; UnrecoveredFaults counts faults after which no
	// act issued later was accepted.
	RecoveryMaxNS     int64 `json:"recovery_max_ns"`
	UnrecoveredFaults int64 `json:"unrecovered_faults"`
	// Store is what the run cost in data, for a run with a replicated
	// store (scenario store:); absent without one.
	Store *StoreMetrics `json:"store,omitempty"`
}

// meter computes Metrics as events go by.
type meter struct {
	m Metrics

	warmup, slot, timeout time.Duration
	slots                 slotWindow // the slots with an accepted act

	highest     sim.Generation
	anyAccepted bool
	proposed    int64
	store       *storeMeter // with a store only
	// writes, with writers: all, counts the writes issued and those
	// acknowledged in time.
	writes *writeRate
}

func newMeter(sc *sim.Scenario) *meter {
	w := sc.Workload
	var store *storeMeter
	if sc.Store != nil {
		store = &storeMeter{m: StoreMetrics{Merge: sc.Store.Merge, Writers: sc.Workload.Writers}}
	}
	var writes *writeRate
	if sc.Store != nil && sc.Workload.Writers == sim.WritersAll {
		writes = &writeRate{last: -1}
	}
	return &meter{store: store, writes: writes, warmup: w.Warmup, slot: w.ActEvery, timeout: w.ActTimeout(), slots: newSlotWindow(w.ActEvery, w.ActTimeout()), m: Metrics{FirstLeaderNS: -1}}
}

func (m *meter) Observe(e *sim.Event) {
	switch e.Kind {
	case sim.KindSend:
		if !sim.IsWorkload(e.Msg) {
			m.m.MessagesSent++
		}
	case sim.KindDrop:
		if _, act := e.Msg.(sim.Act); act {
			m.m.ActsDropped++
		} else if !sim.IsWorkload(e.Msg) {
			m.m.MessagesDropped++
		}
	case sim.KindLead:
		m.lead(e)
	case sim.KindActIssued:
		m.m.ActsIssued++
		if e.Tag == sim.ActProposed {
			m.proposed++
		}
	case sim.KindActCommitted:
		m.m.ActsCommitted++
	case sim.KindActWithheld:
		m.m.ActsWithheld++
	case sim.KindActApplied:
		m.applied(e)
	}
	if m.store != nil {
		m.store.Observe(e)
	}
	if e.Kind == sim.KindWrite && m.writes != nil && e.At >= sim.Time(m.warmup) {
		m.writes.issue(int64(e.At-sim.Time(m.warmup)) / int64(m.slot))
	}
}

func (m *meter) lead(e *sim.Event) {
	if m.m.FirstLeaderNS < 0 {
		m.m.FirstLeaderNS = int64(e.At)
	} else {
		m.m.LeaderChanges++
	}
}

func (m *meter) applied(e *sim.Event) {
	if !e.Accepted {
		m.m.ActsRejected++
		return
	}
	m.m.ActsAccepted++
	if m.anyAccepted && e.Gen < m.highest {
		m.m.StaleActs++
	}
	if !m.anyAccepted || e.Gen > m.highest {
		m.highest, m.anyAccepted = e.Gen, true
	}
	// The slot is the one the act was issued in: acts come due every
	// act_every, and the network and a commit move their arrival across
	// slot boundaries, which would leave slots empty and others full.
	// An act accepted after the client's timeout failed for the client.
	if issued := sim.Time(e.Value); issued >= sim.Time(m.warmup) && e.At-issued <= sim.Time(m.timeout) {
		slot := int64(issued-sim.Time(m.warmup)) / int64(m.slot)
		if m.writes != nil {
			m.writes.ack(slot)
			return
		}
		m.slots.mark(slot)
	}
}

// finish closes the open intervals at the run's end and computes the
// ratios. Slots are whole act_every periods after the warm-up; a last
// partial slot is left out of both counts.
func (m *meter) finish(end sim.Time, events int64) Metrics {
	out := m.m
	out.Events = events
	out.ActsUncommitted = m.proposed - m.m.ActsCommitted
	if m.store != nil {
		st := m.store.m
		out.Store = &st
	}
	slots := m.slotCount(end)
	available := m.slots.count - m.slots.countFrom(slots) // not the partial last slot
	if slots > 0 {
		out.Availability = float64(available) / float64(slots)
	}
	if m.writes != nil {
		out.Availability = 0
		if issued, acked := m.writes.measured(slots); issued > 0 {
			out.Availability = float64(acked) / float64(issued)
		}
	}
	return out
}

// measuredWrites is how many writes availability is over with writers:
// all; 0 when it is over act slots.
func (m *meter) measuredWrites(end sim.Time) int64 {
	if m.writes == nil {
		return 0
	}
	issued, _ := m.writes.measured(m.slotCount(end))
	return issued
}

// writeRate counts, with writers: all, the writes issued after the
// warm-up and those of them acknowledged in time, by the slot they were
// issued in, keeping the latest slot's apart so that a last partial slot
// can be left out as for acts.
type writeRate struct {
	issued, acked         int64
	last                  int64 // the latest slot a write was issued in
	issuedLast, ackedLast int64 // of those, in slot last
}

func (w *writeRate) issue(slot int64) {
	if slot != w.last {
		w.last, w.issuedLast, w.ackedLast = slot, 0, 0
	}
	w.issued++
	w.issuedLast++
}

func (w *writeRate) ack(slot int64) {
	w.acked++
	if slot == w.last {
		w.ackedLast++
	}
}

// measured is the writes issued in the whole slots, and of them those
// acknowledged in time.
func (w *writeRate) measured(slots int64) (issued, acked int64) {
	issued, acked = w.issued, w.acked
	if w.last >= slots {
		issued, acked = issued-w.issuedLast, acked-w.ackedLast
	}
	return issued, acked
}

// slotCount is how many whole act slots the run had after the warm-up:
// availability's denominator.
func (m *meter) slotCount(end sim.Time) int64 {
	return max(int64(end-sim.Time(m.warmup))/int64(m.slot), 0)
}
