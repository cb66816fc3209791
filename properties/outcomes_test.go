package properties_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// outcomeCase is a story, what the scenario expects of it, and the verdict
// on one outcome with a part of its detail.
type outcomeCase struct {
	name     string
	expect   sim.Expect
	boot     map[string]sim.Span
	story    []sim.Event
	property string
	ok       bool
	detail   string
}

func (tc outcomeCase) run(t *testing.T) {
	scn := &sim.Scenario{Name: "hand-built", Nodes: nodes, Duration: time.Hour, Protocol: sim.ProtocolSpec{Name: "idle"},
		Expect: tc.expect, Boot: tc.boot}
	s, err := sim.New(scn, sim.Protocol{Name: "idle", New: func(sim.NodeID, string) sim.Node { return idle{} }}, 1)
	if err != nil {
		t.Fatal(err)
	}
	suite := properties.Attach(s)
	observe(suite, tc.story...)
	rep := suite.Report(sim.Result{End: sim.Time(60 * sec)})
	got, ok := rep.Properties[tc.property]
	if !ok {
		t.Fatalf("no verdict on %s: %+v", tc.property, rep.Properties)
	}
	if got.OK != tc.ok || !strings.Contains(got.Detail, tc.detail) {
		t.Fatalf("%s = %+v, want ok=%v with %q", tc.property, got, tc.ok, tc.detail)
	}
	expected := false
	for _, name := range rep.Expected {
		expected = expected || name == tc.property
	}
	if !expected || rep.OK != tc.ok {
		t.Fatalf("expected %v, report ok %v: a stated outcome must hold for the run to pass", rep.Expected, rep.OK)
	}
	if !tc.ok && len(rep.Violations()) == 0 && tc.property != properties.MaxLeaderChanges && tc.property != properties.MaxLeaderless && tc.property != properties.MaxLeaderlessStretch {
		t.Fatalf("%s failed without a violation to replay", tc.property)
	}
}

func TestLeaderAtEnd(t *testing.T) {
	among := sim.Expect{LeaderAtEnd: []string{"n1", "n2", "n3"}}
	for _, tc := range []outcomeCase{
		{name: "holds", expect: among, story: []sim.Event{lead(sec, "n4", 1), lead(2*sec, "n2", 2)},
			ok: true, detail: "at the end n2 leads generation 2 (since 2s); expected one of n1 n2 n3"},
		// The last node to Lead is not the leader: n4 is in an older
		// generation, still believing after a partition.
		{name: "the last Lead is not the leader", expect: among, story: []sim.Event{lead(sec, "n2", 2), lead(2*sec, "n4", 1)},
			ok: true, detail: "n2 leads generation 2"},
		{name: "another leader", expect: among, story: []sim.Event{lead(sec, "n2", 1), lead(2*sec, "n5", 2)},
			ok: false, detail: "at the end n5 leads generation 2 (since 2s); expected one of n1 n2 n3"},
		{name: "no leader", expect: among, story: []sim.Event{lead(sec, "n2", 1), crash(2*sec, "n2")},
			ok: false, detail: "at the end no participant leads"},
	} {
		tc.property = properties.LeaderAtEnd
		t.Run(tc.name, tc.run)
	}
}

func TestLeaderBy(t *testing.T) {
	by10 := sim.Expect{LeaderBy: &sim.LeaderBy{At: 10 * sec, Among: []string{"n1", "n2", "n3"}}}
	for _, tc := range []outcomeCase{
		{name: "a leader before the time", expect: by10, story: []sim.Event{lead(4*sec, "n3", 1), lead(30*sec, "n5", 2)},
			ok: true, detail: "at 10s n3 leads generation 1 (since 4s)"},
		{name: "a leader at the very time counts", expect: by10, story: []sim.Event{lead(10*sec, "n1", 1)},
			ok: true, detail: "at 10s n1 leads"},
		{name: "a leader just after does not", expect: by10, story: []sim.Event{lead(10*sec+1, "n1", 1)},
			ok: false, detail: "at 10s no participant leads"},
		{name: "a leader that was lost before the time does not", expect: by10,
			story: []sim.Event{lead(4*sec, "n3", 1), stepDown(9*sec, "n3", 1)},
			ok:    false, detail: "at 10s no participant leads"},
		{name: "the wrong side", expect: by10, story: []sim.Event{lead(4*sec, "n4", 1)},
			ok: false, detail: "at 10s n4 leads generation 1 (since 4s); expected one of n1 n2 n3"},
		{name: "any participant, and a run whose events end before the time", expect: sim.Expect{LeaderBy: &sim.LeaderBy{At: 50 * sec}},
			story: []sim.Event{lead(4*sec, "n4", 1)}, ok: true, detail: "expected a participant"},
	} {
		tc.property = properties.LeaderBy
		t.Run(tc.name, tc.run)
	}
}

func TestNoLeaderChangeAfter(t *testing.T) {
	after := sim.Expect{NoLeaderChangeAfter: ptr(20 * sec)}
	for _, tc := range []outcomeCase{
		{name: "holds", expect: after, story: []sim.Event{lead(sec, "n1", 1), lead(20*sec, "n2", 2), act(30*sec, "n2", 2)},
			ok: true, detail: "no node began to lead after 20s"},
		{name: "a new belief after the time", expect: after, story: []sim.Event{lead(sec, "n1", 1), lead(25*sec, "n1", 2)},
			ok: false, detail: "n1 began to lead generation 2 at 25s, after 20s"},
	} {
		tc.property = properties.NoLeaderChangeAfter
		t.Run(tc.name, tc.run)
	}
}

func TestMaxLeaderChanges(t *testing.T) {
	story := []sim.Event{lead(sec, "n1", 1), lead(2*sec, "n2", 2), lead(3*sec, "n1", 3)}
	for _, tc := range []outcomeCase{
		{name: "within", expect: sim.Expect{MaxLeaderChanges: ptr(int64(2))}, story: story, ok: true, detail: "2 leader changes; the bound is 2"},
		{name: "beyond", expect: sim.Expect{MaxLeaderChanges: ptr(int64(1))}, story: story, ok: false, detail: "2 leader changes; the bound is 1"},
	} {
		tc.property = properties.MaxLeaderChanges
		t.Run(tc.name, tc.run)
	}
}

func TestMaxLeaderless(t *testing.T) {
	story := []sim.Event{lead(sec, "n1", 1), crash(10*sec, "n1"), lead(13*sec, "n2", 2)}
	for _, tc := range []outcomeCase{
		{name: "within", expect: sim.Expect{MaxLeaderless: ptr(3 * sec)}, story: story, ok: true, detail: "3s without a leader in all; the bound is 3s"},
		{name: "beyond", expect: sim.Expect{MaxLeaderless: ptr(2 * sec)}, story: story, ok: false, detail: "3s without a leader in all; the bound is 2s"},
		// The time is counted from the first leader on: summed naively, a
		// run that never elected one had no time without a leader at all.
		{name: "no leader ever", expect: sim.Expect{MaxLeaderless: ptr(5 * sec)}, story: []sim.Event{crash(10*sec, "n1")}, ok: false,
			detail: "no leader in the whole run (1m0s); the bound is 5s"},
	} {
		tc.property = properties.MaxLeaderless
		t.Run(tc.name, tc.run)
	}
}

// TestMaxLeaderlessStretch bounds the worst single outage, where
// max_leaderless adds them up: two outages of 1.5s each pass a 2s bound
// on the stretch and fail it on the total.
func TestMaxLeaderlessStretch(t *testing.T) {
	story := []sim.Event{
		lead(sec, "n1", 1), crash(10*sec, "n1"), lead(11500*ms, "n2", 2),
		crash(20*sec, "n2"), lead(21500*ms, "n3", 3),
	}
	for _, tc := range []outcomeCase{
		{name: "each outage within", expect: sim.Expect{MaxLeaderlessStretch: ptr(2 * sec)}, story: story, ok: true,
			detail: "at most 1.5s without a leader at a stretch; the bound is 2s"},
		{name: "an outage beyond", expect: sim.Expect{MaxLeaderlessStretch: ptr(sec)}, story: story, ok: false,
			detail: "at most 1.5s without a leader at a stretch; the bound is 1s"},
		{name: "an outage that lasts to the end", expect: sim.Expect{MaxLeaderlessStretch: ptr(2 * sec)},
			story: []sim.Event{lead(sec, "n1", 1), crash(50*sec, "n1")}, ok: false, detail: "at most 10s without a leader"},
		{name: "no leader ever", expect: sim.Expect{MaxLeaderlessStretch: ptr(2 * sec)}, ok: false,
			detail: "no leader in the whole run (1m0s); the bound is 2s"},
	} {
		tc.property = properties.MaxLeaderlessStretch
		t.Run(tc.name, tc.run)
	}
	total := sim.Expect{MaxLeaderless: ptr(2 * sec)}
	outcomeCase{name: "the total", expect: total, story: story, property: properties.MaxLeaderless, ok: false, detail: "3s without a leader in all"}.run(t)
}

func TestOutOfServiceAtEnd(t *testing.T) {
	outOf := func(names ...string) sim.Expect { return sim.Expect{OutOfServiceAtEnd: &names} }
	downed := func(at time.Duration, node string) sim.Event {
		return sim.Event{At: sim.Time(at), Kind: sim.KindOutOfService, Node: id(node), Tag: "downed itself"}
	}
	boot := func(at time.Duration, node string) sim.Event {
		return sim.Event{At: sim.Time(at), Kind: sim.KindBoot, Node: id(node)}
	}
	for _, tc := range []outcomeCase{
		{name: "the minority downed itself", expect: outOf("n2", "n1"), story: []sim.Event{downed(27*sec, "n1"), downed(27*sec, "n2")},
			ok: true, detail: "out of service at the end: n1 (downed itself at 27s), n2 (downed itself at 27s)"},
		{name: "none, as expected", expect: outOf(), ok: true, detail: "every participant is in service"},
		{name: "a crash counts, a restart ends it", expect: outOf("n3"),
			story: []sim.Event{crash(5*sec, "n1"), restart(6*sec, "n1"), crash(7*sec, "n3")},
			ok:    true, detail: "n3 (crashed at 7s)"},
		{name: "a restart brings a downed node back", expect: outOf(),
			story: []sim.Event{downed(5*sec, "n1"), crash(6*sec, "n1"), restart(7*sec, "n1")}, ok: true},
		{name: "a node booted late is out until it boots", expect: outOf("n5"), boot: map[string]sim.Span{"n4": sim.Fixed(2 * sec), "n5": sim.Fixed(time.Minute)},
			story: []sim.Event{boot(2*sec, "n4")}, ok: true, detail: "n5 (not booted)"},
		{name: "the wrong side", expect: outOf("n1", "n2"), story: []sim.Event{downed(27*sec, "n3")},
			ok: false, detail: "out of service at the end: n3 (downed itself at 27s); expected n1 n2"},
		{name: "some expected, none out", expect: outOf("n1"), ok: false, detail: "every participant is in service; expected n1"},
	} {
		tc.property = properties.OutOfServiceAtEnd
		t.Run(tc.name, tc.run)
	}
}
