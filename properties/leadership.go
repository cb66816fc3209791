package properties

import (
	"github.com/electsim/electsim/sim"
)

// Leadership is one node's belief that it leads one generation, from the
// Lead that began it to the event that ended it. The JSON names are part
// of the report's contract.
type Leadership struct {
	Node   string         `json:"node"`
	Gen    sim.Generation `json:"gen"`
	FromNS int64          `json:"from_ns"`
	// ToNS is when the belief ended, or the run's end for one that had not.
	ToNS int64 `json:"to_ns"`
	// Ended says how: "step-down", "crash", "replaced" (the node went on to
	// lead a newer generation) or "run end".
	Ended string `json:"ended"`
}

// How a leadership ended.
const (
	EndedStepDown = "step-down"
	EndedCrash    = "crash"
	EndedReplaced = "replaced"
	EndedRunEnd   = "run end"
)

// maxIntervals bounds the leaderships the report lists one by one; the
// count covers them all.
const maxIntervals = 1000

// leadership follows every participant's belief and, from them, the
// leader: the participant believing it leads the highest generation, the
// lower ID of two in one (the kernel's RoleLeader). From these it measures
// split-brain time (two or more believers) and leaderless time (none, once
// a first has been).
type leadership struct {
	roster  *sim.Roster
	leading []bool           // by NodeID
	gen     []sim.Generation // the generation each believer leads
	since   []sim.Time       // when each belief began
	open    []int            // each belief's index in list, -1 if unlisted

	believers int
	leader    sim.NodeID
	changed   int64 // index of the last event that changed a belief

	splitSince, leaderlessSince sim.Time
	splitBrainNS, leaderlessNS  int64
	longestLeaderlessNS         int64
	firstLead                   bool

	list  []Leadership
	count int64
}

func newLeadership(r *sim.Roster) *leadership {
	n := r.Len() + 1
	return &leadership{roster: r, leading: make([]bool, n), gen: make([]sim.Generation, n),
		since: make([]sim.Time, n), open: make([]int, n), changed: -1}
}

func (l *leadership) Observe(e *sim.Event) {
	switch e.Kind {
	case sim.KindLead:
		if l.leading[e.Node] {
			l.end(e, EndedReplaced)
		}
		l.begin(e)
	case sim.KindStepDown:
		l.end(e, EndedStepDown)
	case sim.KindCrash:
		l.end(e, EndedCrash)
	}
}

func (l *leadership) begin(e *sim.Event) {
	l.leading[e.Node], l.gen[e.Node], l.since[e.Node] = true, e.Gen, e.At
	l.open[e.Node] = -1
	if len(l.list) < maxIntervals {
		l.open[e.Node] = len(l.list)
		l.list = append(l.list, Leadership{Node: l.roster.Name(e.Node), Gen: e.Gen, FromNS: int64(e.At), ToNS: -1})
	}
	l.count++
	l.believers++
	switch {
	case l.believers == 2:
		l.splitSince = e.At
	case l.believers == 1 && l.firstLead:
		l.endLeaderless(e.At)
	}
	l.firstLead = true
	l.settle(e)
}

// end closes a node's belief, if it has one.
func (l *leadership) end(e *sim.Event, how string) {
	if !l.leading[e.Node] {
		return
	}
	l.leading[e.Node] = false
	if i := l.open[e.Node]; i >= 0 {
		l.list[i].ToNS, l.list[i].Ended = int64(e.At), how
	}
	l.believers--
	switch l.believers {
	case 1:
		l.splitBrainNS += int64(e.At - l.splitSince)
	case 0:
		l.leaderlessSince = e.At
	}
	l.settle(e)
}

// endLeaderless closes a stretch without a leader.
func (l *leadership) endLeaderless(at sim.Time) {
	stretch := int64(at - l.leaderlessSince)
	l.leaderlessNS += stretch
	l.longestLeaderlessNS = max(l.longestLeaderlessNS, stretch)
}

// settle finds the leader after a belief changed.
func (l *leadership) settle(e *sim.Event) {
	l.changed = e.Index
	l.leader = sim.NoNode
	for _, id := range l.roster.Peers() {
		if l.leading[id] && (l.leader == sim.NoNode || l.gen[id] > l.gen[l.leader]) {
			l.leader = id
		}
	}
}

// highestHeld returns the highest generation any node believes it leads.
func (l *leadership) highestHeld() (sim.Generation, bool) {
	if l.leader == sim.NoNode {
		return 0, false
	}
	return l.gen[l.leader], true
}

// finish closes what is open at the run's end (the leaderships, and the
// split-brain or leaderless stretch) and enters the times into m.
func (l *leadership) finish(end sim.Time, m *Metrics) []Leadership {
	intervals := append([]Leadership(nil), l.list...)
	for i := range intervals {
		if intervals[i].ToNS < 0 {
			intervals[i].ToNS, intervals[i].Ended = int64(end), EndedRunEnd
		}
	}
	switch {
	case l.believers >= 2:
		l.splitBrainNS += int64(end - l.splitSince)
		l.splitSince = end
	case l.believers == 0 && l.firstLead:
		l.endLeaderless(end)
		l.leaderlessSince = end
	}
	m.SplitBrainNS, m.LeaderlessNS, m.LongestLeaderlessNS = l.splitBrainNS, l.leaderlessNS, l.longestLeaderlessNS
	return intervals
}
