package properties

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/electsim/electsim/sim"
)

// Outcomes a scenario's expect section can state, each a property judged
// on the leader (the participant believing it leads the highest
// generation; the lower ID of two in one) and on who is in service.
const (
	LeaderAtEnd          = "leader-at-end"
	LeaderBy             = "leader-by"
	NoLeaderChangeAfter  = "no-leader-change-after"
	MaxLeaderChanges     = "max-leader-changes"
	MaxLeaderless        = "max-leaderless"
	MaxLeaderlessStretch = "max-leaderless-stretch"
	OutOfServiceAtEnd    = "out-of-service-at-end"
)

// outcomes judges the expect section's outcomes as the events go by. It
// must see each event before the leadership does, so that the leader "by"
// a time is the one after every event at that time and before any later.
type outcomes struct {
	roster *sim.Roster
	expect sim.Expect
	lead   *leadership

	// leader_by: the leader once every event at its time has happened.
	byTaken  bool
	byLeader sim.NodeID
	byGen    sim.Generation
	bySince  sim.Time
	byIndex  int64

	// no_leader_change_after: the first Lead after the time.
	changeAfter *sim.Event

	// Service: why each participant is out of service, "" if it is in.
	out      []string
	outIndex int64
}

func newOutcomes(s *sim.Sim, lead *leadership) *outcomes {
	r := s.Roster()
	o := &outcomes{roster: r, expect: s.Settings().Expect, lead: lead, out: make([]string, r.Len()+1), outIndex: -1}
	for name, at := range s.Settings().Boot {
		if id, ok := r.ID(name); ok && at.Min > 0 {
			o.out[id] = "not booted"
		}
	}
	return o
}

func (o *outcomes) Observe(e *sim.Event) {
	if b := o.expect.LeaderBy; b != nil && !o.byTaken && e.At > sim.Time(b.At) {
		o.takeLeaderBy()
	}
	switch e.Kind {
	case sim.KindLead:
		if t := o.expect.NoLeaderChangeAfter; t != nil && o.changeAfter == nil && e.At > sim.Time(*t) {
			copied := *e
			o.changeAfter = &copied
		}
	case sim.KindCrash:
		o.setService(e, fmt.Sprintf("crashed at %v", readable(int64(e.At))))
	case sim.KindRestart, sim.KindBoot:
		o.setService(e, "")
	case sim.KindOutOfService:
		o.setService(e, fmt.Sprintf("%s at %v", e.Tag, readable(int64(e.At))))
	}
}

func (o *outcomes) setService(e *sim.Event, why string) {
	if o.roster.IsParticipant(e.Node) {
		o.out[e.Node], o.outIndex = why, e.Index
	}
}

func (o *outcomes) takeLeaderBy() {
	l := o.lead
	o.byTaken, o.byLeader, o.byIndex = true, l.leader, l.changed
	if l.leader != sim.NoNode {
		o.byGen, o.bySince = l.gen[l.leader], l.since[l.leader]
	}
}

// judge enters each outcome the scenario states into the report.
func (o *outcomes) judge(rep *Report, end sim.Time) {
	e, l := o.expect, o.lead
	if e.LeaderAtEnd != nil {
		o.leaderAmong(rep, LeaderAtEnd, "at the end", e.LeaderAtEnd, l.leader, l.gen[l.leader], l.since[l.leader], l.changed)
	}
	if b := e.LeaderBy; b != nil {
		if !o.byTaken {
			o.takeLeaderBy()
		}
		when := fmt.Sprintf("at %v", b.At)
		o.leaderAmong(rep, LeaderBy, when, b.Among, o.byLeader, o.byGen, o.bySince, o.byIndex)
	}
	if t := e.NoLeaderChangeAfter; t != nil {
		o.noChangeAfter(rep, *t)
	}
	m := rep.Metrics
	if n := e.MaxLeaderChanges; n != nil {
		rep.Properties[MaxLeaderChanges] = PropertyResult{OK: m.LeaderChanges <= *n,
			Detail: fmt.Sprintf("%d leader changes; the bound is %d", m.LeaderChanges, *n)}
	}
	// The bounds count from the first leader on; a run that never had one
	// was without a leader all along, which no bound shorter than the run
	// allows.
	never := m.FirstLeaderNS < 0
	if b := e.MaxLeaderless; b != nil {
		rep.Properties[MaxLeaderless] = PropertyResult{OK: m.LeaderlessNS <= int64(*b),
			Detail: fmt.Sprintf("%v without a leader in all; the bound is %v", readable(m.LeaderlessNS), *b)}
		if never {
			rep.Properties[MaxLeaderless] = neverLed(end, *b)
		}
	}
	if b := e.MaxLeaderlessStretch; b != nil {
		rep.Properties[MaxLeaderlessStretch] = PropertyResult{OK: m.LongestLeaderlessNS <= int64(*b),
			Detail: fmt.Sprintf("at most %v without a leader at a stretch; the bound is %v", readable(m.LongestLeaderlessNS), *b)}
		if never {
			rep.Properties[MaxLeaderlessStretch] = neverLed(end, *b)
		}
	}
	if want := e.OutOfServiceAtEnd; want != nil {
		o.outOfService(rep, *want, end)
	}
}

// leaderAmong judges that the leader (at some moment) is one of names; an
// empty names list takes any participant.
func (o *outcomes) leaderAmong(rep *Report, property, when string, names []string, leader sim.NodeID, gen sim.Generation, since sim.Time, index int64) {
	among := "a participant"
	if len(names) > 0 {
		among = "one of " + strings.Join(names, " ")
	}
	var detail string
	ok := leader != sim.NoNode && (len(names) == 0 || slices.Contains(names, o.roster.Name(leader)))
	if leader == sim.NoNode {
		detail = fmt.Sprintf("%s no participant leads; expected %s", when, among)
	} else {
		detail = fmt.Sprintf("%s %s leads generation %d (since %v); expected %s", when, o.roster.Name(leader), gen, readable(int64(since)), among)
	}
	o.record(rep, property, ok, detail, index, []sim.NodeID{leader})
}

func (o *outcomes) noChangeAfter(rep *Report, t time.Duration) {
	e := o.changeAfter
	if e == nil {
		o.record(rep, NoLeaderChangeAfter, true, fmt.Sprintf("no node began to lead after %v", t), -1, nil)
		return
	}
	detail := fmt.Sprintf("%s began to lead generation %d at %v, after %v", o.roster.Name(e.Node), e.Gen, readable(int64(e.At)), t)
	o.record(rep, NoLeaderChangeAfter, false, detail, e.Index, []sim.NodeID{e.Node})
}

// neverLed judges a leaderless bound in a run that never had a leader.
func neverLed(end sim.Time, bound time.Duration) PropertyResult {
	return PropertyResult{OK: int64(end) <= int64(bound),
		Detail: fmt.Sprintf("no leader in the whole run (%v); the bound is %v", readable(int64(end)), bound)}
}

func (o *outcomes) outOfService(rep *Report, want []string, end sim.Time) {
	var got, why []string
	var nodes []sim.NodeID
	for _, id := range o.roster.Peers() {
		if o.out[id] != "" {
			got = append(got, o.roster.Name(id))
			why = append(why, fmt.Sprintf("%s (%s)", o.roster.Name(id), o.out[id]))
			nodes = append(nodes, id)
		}
	}
	sorted := slices.Clone(want)
	slices.SortFunc(sorted, func(a, b string) int { return compareNames(o.roster, a, b) })
	ok := slices.Equal(got, sorted)
	detail := "at the end every participant is in service"
	if len(why) > 0 {
		detail = "out of service at the end: " + strings.Join(why, ", ")
	}
	if !ok {
		expected := "none"
		if len(sorted) > 0 {
			expected = strings.Join(sorted, " ")
		}
		detail += "; expected " + expected
	}
	o.record(rep, OutOfServiceAtEnd, ok, detail, o.outIndex, nodes)
}

// compareNames orders node names by ID.
func compareNames(r *sim.Roster, a, b string) int {
	x, _ := r.ID(a)
	y, _ := r.ID(b)
	return int(x) - int(y)
}

// record enters an outcome; a failed one is a violation at the event that
// decided it (the last leadership change, the Lead after the time).
func (o *outcomes) record(rep *Report, property string, ok bool, detail string, index int64, nodes []sim.NodeID) {
	if ok {
		rep.Properties[property] = PropertyResult{OK: true, Detail: detail}
		return
	}
	nodes = slices.DeleteFunc(nodes, func(id sim.NodeID) bool { return id == sim.NoNode })
	rep.record(property, &Violation{Property: property, Nodes: nodes, Index: max(index, 0), Detail: detail})
}

// expectedOutcomes lists the outcome properties the expect section states.
func expectedOutcomes(e sim.Expect) []string {
	var out []string
	for _, o := range []struct {
		name string
		set  bool
	}{
		{LeaderAtEnd, e.LeaderAtEnd != nil}, {LeaderBy, e.LeaderBy != nil},
		{NoLeaderChangeAfter, e.NoLeaderChangeAfter != nil}, {MaxLeaderChanges, e.MaxLeaderChanges != nil},
		{MaxLeaderless, e.MaxLeaderless != nil}, {MaxLeaderlessStretch, e.MaxLeaderlessStretch != nil},
		{OutOfServiceAtEnd, e.OutOfServiceAtEnd != nil},
	} {
		if o.set {
			out = append(out, o.name)
		}
	}
	return out
}

// outcomeNames are the properties a scenario's expect section can add
// beside Names: its outcomes and its bounds on metrics.
var outcomeNames = []string{LeaderAtEnd, LeaderBy, NoLeaderChangeAfter, MaxLeaderChanges, MaxLeaderless,
	MaxLeaderlessStretch, OutOfServiceAtEnd, MaxSplitBrain, MinAvailability}
