package sim_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/electsim/electsim/protocols/example"
	"github.com/electsim/electsim/sim"
)

// beliefs rebuilds, from a trace alone, what roles resolve against: who
// believes it leads which generation, who is up, who crashed last.
type beliefs struct {
	roster      *sim.Roster
	leading     map[sim.NodeID]sim.Generation
	up          map[sim.NodeID]bool
	lastCrashed sim.NodeID
}

func newBeliefs(r *sim.Roster, boot map[string]sim.Span) *beliefs {
	b := &beliefs{roster: r, leading: map[sim.NodeID]sim.Generation{}, up: map[sim.NodeID]bool{}}
	for id := sim.NodeID(1); int(id) <= r.Len(); id++ {
		b.up[id] = boot[r.Name(id)].Min == 0
	}
	return b
}

// apply moves the beliefs past an event.
func (b *beliefs) apply(e sim.Event) {
	switch e.Kind {
	case sim.KindLead:
		b.leading[e.Node] = e.Gen
	case sim.KindStepDown:
		delete(b.leading, e.Node)
	case sim.KindCrash:
		delete(b.leading, e.Node)
		b.up[e.Node], b.lastCrashed = false, e.Node
	case sim.KindRestart, sim.KindBoot:
		b.up[e.Node] = true
	}
}

// leader is the participant in the highest generation, the lower ID of
// two.
func (b *beliefs) leader() sim.NodeID {
	best := sim.NoNode
	for _, id := range b.roster.Peers() {
		gen, ok := b.leading[id]
		if ok && (best == sim.NoNode || gen > b.leading[best]) {
			best = id
		}
	}
	return best
}

// check says whether role could have resolved to nodes just before the
// fault's event; named are the nodes the fault names itself.
func (b *beliefs) check(role string, nodes []string) error {
	leader := b.roster.Name(b.leader())
	for _, name := range nodes {
		id, _ := b.roster.ID(name)
		switch {
		case role == sim.RoleLeader && name != leader:
			return fmt.Errorf("leader resolved to %s, but the leader was %s", name, leader)
		case (role == sim.RoleFollower || role == sim.RoleFollowers) && (b.leader() == sim.NoNode || name == leader):
			return fmt.Errorf("%s resolved to %s with the leader %s", role, name, leader)
		case (role == sim.RoleFollower || role == sim.RoleAny) && !b.up[id]:
			return fmt.Errorf("%s resolved to %s, which was down", role, name)
		case role == sim.RoleCrashed && (id != b.lastCrashed || b.up[id]):
			return fmt.Errorf("crashed resolved to %s; the last crash was %s's, up %v", name, b.roster.Name(b.lastCrashed), b.up[b.lastCrashed])
		case !b.roster.IsParticipant(id):
			return fmt.Errorf("%s resolved to %s, which is no participant", role, name)
		}
	}
	return nil
}

// TestRolesResolveToTheirHolders: over drawn scenarios whose faults name
// roles, every node a role resolved to held that role at that instant, as
// the trace's own leadership events tell; a fault skipped for want of a
// holder had none; and the run saved with plain names replays to the same
// hash.
func TestRolesResolveToTheirHolders(t *testing.T) {
	atLeastChecks(t, 200)
	rapid.Check(t, func(t *rapid.T) {
		spec, p := drawProtocol(t)
		scn := drawScenario(t, spec)
		seed := rapid.Uint64().Draw(t, "seed")
		s, err := sim.New(scn, p, seed)
		if err != nil {
			t.Fatalf("building the run: %v", err)
		}
		rec := &recorder{}
		s.Observe(rec)
		res := s.Run()
		if res.Err != nil {
			t.Fatalf("run failed: %v", res.Err)
		}
		b := newBeliefs(s.Roster(), s.Scenario().Boot)
		for _, e := range rec.events {
			if err := checkResolved(b, e); err != nil {
				t.Fatalf("event %d at %v (%s, %s): %v", e.Index, e.At, e.Kind, e.Role, err)
			}
			b.apply(e)
		}
		saved := s.Scenario().Clone()
		for _, f := range saved.Faults {
			if text := f.String(); !strings.Contains(text, "crashed") && mentionsRole(text) && !skippedIn(rec.events, f) {
				t.Fatalf("fault %s still names a role after the run, and was not skipped", text)
			}
		}
		data, err := saved.Marshal()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		back, err := sim.Parse("saved.yaml", data)
		if err != nil {
			t.Fatalf("reading the saved run back: %v\n%s", err, data)
		}
		again, err := sim.New(back, p, seed)
		if err != nil {
			t.Fatalf("building the saved run: %v\n%s", err, data)
		}
		if replay := again.Run(); replay.TraceHash != res.TraceHash || replay.Events != res.Events {
			t.Fatalf("the saved run replays to %x over %d events, the run was %x over %d\n%s", replay.TraceHash, replay.Events, res.TraceHash, res.Events, data)
		}
	})
}

// checkResolved checks a fault event's roles against the beliefs before
// it, and a skipped fault's reason.
func checkResolved(b *beliefs, e sim.Event) error {
	if e.Kind == sim.KindFaultSkipped {
		if strings.Contains(e.Tag, "no participant believes it leads") && b.leader() != sim.NoNode {
			return fmt.Errorf("skipped for want of a leader, but %s led", b.roster.Name(b.leader()))
		}
		return nil
	}
	if e.Role == "" {
		return nil
	}
	for _, part := range strings.Split(e.Role, ", ") {
		role, nodes, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("malformed role note %q", e.Role)
		}
		if err := b.check(role, strings.Fields(nodes)); err != nil {
			return err
		}
	}
	return nil
}

func mentionsRole(text string) bool {
	for _, word := range strings.Fields(strings.NewReplacer("[", " ", "]", " ", ",", " ").Replace(text)) {
		if sim.IsRole(word) {
			return true
		}
	}
	return strings.Contains(text, "the leader")
}

// skippedIn reports whether the trace skipped a fault at f's time.
func skippedIn(events []sim.Event, f sim.Fault) bool {
	return slices.ContainsFunc(events, func(e sim.Event) bool {
		return e.Kind == sim.KindFaultSkipped && e.At == sim.Time(f.At.Min)
	})
}

// roleRun runs the beacon protocol, in which a node leads once it has not
// heard a leader's beacon for a while, on nodes under the given faults, and
// returns the run and its trace.
func roleRun(t *testing.T, nodes int, faults ...sim.Fault) (*sim.Sim, []sim.Event) {
	t.Helper()
	return beaconRun(t, &sim.Scenario{Name: "roles", Nodes: nodes, Duration: 10 * time.Second, Protocol: sim.ProtocolSpec{Name: "beacon"}, Faults: faults})
}

func beaconRun(t *testing.T, scn *sim.Scenario) (*sim.Sim, []sim.Event) {
	t.Helper()
	p := example.Beacon(example.BeaconConfig{Interval: 10 * time.Millisecond, TimeoutMin: 50 * time.Millisecond, TimeoutMax: 100 * time.Millisecond})
	s, err := sim.New(scn, p, 1)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	s.Observe(rec)
	if res := s.Run(); res.Err != nil {
		t.Fatal(res.Err)
	}
	return s, rec.events
}

func firstOf(events []sim.Event, kind sim.Kind) (sim.Event, bool) {
	for _, e := range events {
		if e.Kind == kind {
			return e, true
		}
	}
	return sim.Event{}, false
}

func TestARoleWithNoHolderIsASkippedFault(t *testing.T) {
	// At 0 nobody leads yet: the crash and its restart are skipped, and
	// the saved scenario keeps the role, to be skipped again.
	s, events := roleRun(t, 3, sim.Fault{At: sim.Fixed(0), Crash: sim.RoleLeader, For: sim.Fixed(time.Second)})
	e, ok := firstOf(events, sim.KindFaultSkipped)
	if !ok || e.Tag != "crash leader: no participant believes it leads" {
		t.Fatalf("skip event %+v (found %v)", e, ok)
	}
	if _, crashed := firstOf(events, sim.KindCrash); crashed {
		t.Fatal("the skipped crash happened")
	}
	if _, restarted := firstOf(events, sim.KindRestart); restarted {
		t.Fatal("the restart of a skipped crash happened")
	}
	if got := s.Scenario().Faults[0].Crash; got != sim.RoleLeader {
		t.Fatalf("the saved fault crashes %q, want the role kept", got)
	}
}

func TestCrashTheLeaderAndRestartIt(t *testing.T) {
	s, events := roleRun(t, 3,
		sim.Fault{At: sim.Fixed(2 * time.Second), Crash: sim.RoleLeader, For: sim.Fixed(time.Second)},
		sim.Fault{At: sim.Fixed(5 * time.Second), Crash: sim.RoleLeader},
		sim.Fault{At: sim.Fixed(6 * time.Second), Restart: sim.RoleCrashed},
	)
	b := newBeliefs(s.Roster(), nil)
	var crashes, restarts []string
	for _, e := range events {
		switch e.Kind {
		case sim.KindCrash:
			if leader := b.leader(); leader != e.Node {
				t.Fatalf("crashed %s at %v, the leader was %s", s.Roster().Name(e.Node), e.At, s.Roster().Name(leader))
			}
			crashes = append(crashes, s.Roster().Name(e.Node))
		case sim.KindRestart:
			restarts = append(restarts, s.Roster().Name(e.Node))
		}
		b.apply(e)
	}
	if len(crashes) != 2 || !slices.Equal(crashes, restarts) {
		t.Fatalf("crashed %v, restarted %v: each restart should bring back the node its crash took", crashes, restarts)
	}
	saved := s.Scenario().Faults
	if saved[0].Crash != crashes[0] || saved[1].Crash != crashes[1] || saved[2].Restart != crashes[1] {
		t.Fatalf("saved faults %v, want the nodes %v", saved, crashes)
	}
}

func TestShapesPlaceTheLeader(t *testing.T) {
	for _, tc := range []struct {
		shape, leader string
		side          func(order []string, leader string) bool
	}{
		{sim.ShapeHalves, sim.LeaderOnMinority, func(o []string, l string) bool { return slices.Index(o, l) < len(o)/2 }},
		{sim.ShapeHalves, sim.LeaderOnMajority, func(o []string, l string) bool { return slices.Index(o, l) >= len(o)/2 }},
		{sim.ShapeRandomHalves, sim.LeaderOnMinority, func(o []string, l string) bool { return slices.Index(o, l) < len(o)/2 }},
		{sim.ShapeBridge, sim.LeaderAtBridge, func(o []string, l string) bool { return slices.Index(o, l) == (len(o)-1)/2 }},
		{sim.ShapeBridge, sim.LeaderOnSide, func(o []string, l string) bool { return slices.Index(o, l) != (len(o)-1)/2 }},
	} {
		t.Run(tc.shape+" "+tc.leader, func(t *testing.T) {
			s, events := roleRun(t, 5, sim.Fault{At: sim.Fixed(2 * time.Second), Partition: &sim.Partition{Shape: tc.shape, Leader: tc.leader}})
			b := newBeliefs(s.Roster(), nil)
			for _, e := range events {
				if e.Kind == sim.KindPartition {
					break
				}
				b.apply(e)
			}
			leader := s.Roster().Name(b.leader())
			p := s.Scenario().Faults[0].Partition
			if p.Leader != "" || len(p.Order) != 5 || !tc.side(p.Order, leader) {
				t.Fatalf("saved partition %+v does not put the leader %s %s", p, leader, tc.leader)
			}
		})
	}
}

func TestLateBoot(t *testing.T) {
	_, events := roleRun(t, 3)
	s, late := beaconRun(t, &sim.Scenario{Name: "boot", Nodes: 3, Duration: 10 * time.Second, Protocol: sim.ProtocolSpec{Name: "beacon"},
		Boot: map[string]sim.Span{"n1": sim.Between(2*time.Second, 3*time.Second)}})
	boot, ok := firstOf(late, sim.KindBoot)
	at := s.Scenario().Boot["n1"]
	if !ok || boot.Node != 1 || at.IsRange() || boot.At != sim.Time(at.Min) || at.Min < 2*time.Second || at.Min > 3*time.Second {
		t.Fatalf("boot event %+v, saved boot %v: want n1 booted once, at the drawn time in 2s..3s", boot, at)
	}
	for _, e := range late {
		if e.Node == 1 && e.At < boot.At && (e.Kind == sim.KindSend || e.Kind == sim.KindLead || e.Kind == sim.KindTimer) {
			t.Fatalf("n1 acted before it booted: %+v", e)
		}
	}
	if len(events) == len(late) {
		t.Fatal("booting n1 late changed nothing")
	}
}

// TestFollowerAndAnyAreLive: with every follower but one down, follower and
// any can only draw the one that is up (any, the leader too).
func TestFollowerAndAnyAreLive(t *testing.T) {
	at := func(ms int) sim.Span { return sim.Fixed(time.Duration(ms) * time.Millisecond) }
	faults := []sim.Fault{
		{At: at(1000), Crash: "n2"}, {At: at(1000), Crash: "n3"}, {At: at(1000), Crash: "n4"},
	}
	for i := range 20 {
		role := sim.RoleFollower
		if i%2 == 1 {
			role = sim.RoleAny
		}
		faults = append(faults, sim.Fault{At: at(2000 + 100*i), Pause: &sim.Pause{Node: role, For: at(10)}})
	}
	s, events := roleRun(t, 5, faults...)
	b := newBeliefs(s.Roster(), nil)
	for _, e := range events {
		if e.At >= sim.Time(2*time.Second) {
			break
		}
		b.apply(e)
	}
	leader := s.Roster().Name(b.leader())
	if leader != "n1" && leader != "n5" {
		t.Fatalf("the leader at 2s is %q, want n1 or n5, the two nodes up", leader)
	}
	for _, f := range s.Scenario().Faults[3:] {
		node := f.Pause.Node
		if (node != "n1" && node != "n5") || (f.At.Min%(200*time.Millisecond) == 0 && node == leader) {
			t.Fatalf("%v: resolved to %s with n2..n4 down and %s leading", f, node, leader)
		}
	}
}

// TestNemesisAimsAtTheLeader: a nemesis whose only target is the leader
// crashes and pauses whoever leads when each fault comes, and the crash's
// restart brings back the node it took.
func TestNemesisAimsAtTheLeader(t *testing.T) {
	scn := &sim.Scenario{Name: "nemesis", Nodes: 5, Duration: 30 * time.Second, Protocol: sim.ProtocolSpec{Name: "beacon"},
		Nemesis: &sim.Nemesis{Interval: time.Second, Kinds: []string{sim.NemesisCrash, sim.NemesisPause}, Targets: []string{sim.RoleLeader}, MaxFor: 500 * time.Millisecond}}
	s, events := beaconRun(t, scn)
	b := newBeliefs(s.Roster(), nil)
	hits, down := 0, map[sim.NodeID]bool{}
	for _, e := range events {
		switch e.Kind {
		case sim.KindCrash, sim.KindPause:
			if e.Role != "leader="+s.Roster().Name(e.Node) || e.Node != b.leader() {
				t.Fatalf("%s of %s (%s) at %v; the leader was %s", e.Kind, s.Roster().Name(e.Node), e.Role, e.At, s.Roster().Name(b.leader()))
			}
			hits++
			down[e.Node] = e.Kind == sim.KindCrash
		case sim.KindRestart:
			if !down[e.Node] {
				t.Fatalf("restarted %s at %v, which no crash of the nemesis took down", s.Roster().Name(e.Node), e.At)
			}
			down[e.Node] = false
		}
		b.apply(e)
	}
	if hits < 5 {
		t.Fatalf("the nemesis hit the leader %d times in 30s at a 1s interval", hits)
	}
}

// TestNemesisRolesAreSavedAsResolved: a run draws its nemesis's faults as
// it goes and does not keep them; Scenario draws them again, with each
// role the run resolved replaced by its node, whether it is asked before
// the run (and kept up to date) or after. Either list replays the run to
// its trace hash.
func TestNemesisRolesAreSavedAsResolved(t *testing.T) {
	scn := &sim.Scenario{Name: "nemesis", Nodes: 5, Duration: 20 * time.Second, Protocol: sim.ProtocolSpec{Name: "beacon"},
		Nemesis: &sim.Nemesis{Interval: time.Second, Kinds: []string{sim.NemesisCrash, sim.NemesisPause, sim.NemesisPartition}, Targets: []string{sim.RoleLeader}, MaxFor: 500 * time.Millisecond}}
	p := example.Beacon(example.BeaconConfig{Interval: 10 * time.Millisecond, TimeoutMin: 50 * time.Millisecond, TimeoutMax: 100 * time.Millisecond})
	run := func(s *sim.Sim) uint64 {
		res := s.Run()
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		return res.TraceHash
	}
	for seed := uint64(1); seed <= 5; seed++ {
		after, err := sim.New(scn, p, seed)
		if err != nil {
			t.Fatal(err)
		}
		hash := run(after)
		before, _ := sim.New(scn, p, seed)
		early := before.Scenario()
		if run(before) != hash {
			t.Fatalf("seed %d: asking for the scenario before the run changed the run", seed)
		}
		saved := after.Scenario()
		if diff := cmp.Diff(early.Faults, saved.Faults); diff != "" {
			t.Fatalf("seed %d: the scenario asked before the run differs from the one asked after (-before +after):\n%s", seed, diff)
		}
		resolved := 0
		for _, f := range saved.Faults {
			if f.Crash != "" && f.Crash != sim.RoleLeader || f.Pause != nil && f.Pause.Node != sim.RoleLeader {
				resolved++
			}
		}
		if resolved == 0 || saved.Nemesis != nil {
			t.Fatalf("seed %d: the saved scenario has a nemesis (%v) or no fault with its role resolved", seed, saved.Nemesis != nil)
		}
		if saved.Seed != seed || saved.TraceHash != sim.TraceHashString(hash) {
			t.Fatalf("seed %d: the saved scenario says seed %d, trace hash %q; the run was %016x", seed, saved.Seed, saved.TraceHash, hash)
		}
		replay, err := sim.New(saved, p, seed)
		if err != nil {
			t.Fatal(err)
		}
		if got := run(replay); got != hash {
			t.Fatalf("seed %d: the saved scenario replays to %016x, the run was %016x", seed, got, hash)
		}
	}
}

// TestChangingTheScenarioLeavesTheRun: what Scenario returns is the
// caller's: emptied or cut short before the run, with written faults or a
// nemesis, the run is the same.
func TestChangingTheScenarioLeavesTheRun(t *testing.T) {
	p := example.Beacon(example.BeaconConfig{Interval: 10 * time.Millisecond, TimeoutMin: 50 * time.Millisecond, TimeoutMax: 100 * time.Millisecond})
	for _, scn := range []*sim.Scenario{
		{Name: "written", Nodes: 3, Duration: 5 * time.Second, Protocol: sim.ProtocolSpec{Name: "beacon"}, Faults: []sim.Fault{
			{At: sim.Fixed(time.Second), Crash: sim.RoleLeader, For: sim.Fixed(time.Second)},
			{At: sim.Fixed(3 * time.Second), Partition: &sim.Partition{Shape: sim.ShapeIsolate, Node: sim.RoleLeader}, For: sim.Fixed(time.Second)},
		}},
		{Name: "nemesis", Nodes: 5, Duration: 10 * time.Second, Protocol: sim.ProtocolSpec{Name: "beacon"},
			Nemesis: &sim.Nemesis{Interval: 500 * time.Millisecond, Targets: []string{sim.RoleLeader}, MaxFor: 300 * time.Millisecond}},
	} {
		plain, _ := sim.New(scn, p, 3)
		want := plain.Run().TraceHash
		for _, change := range []func(*sim.Scenario){
			func(c *sim.Scenario) { c.Faults = nil },
			func(c *sim.Scenario) { c.Faults = c.Faults[:1] },
			func(c *sim.Scenario) { c.Nodes, c.Duration = 1, time.Second },
		} {
			s, _ := sim.New(scn, p, 3)
			change(s.Scenario())
			res := s.Run()
			if res.Err != nil || res.TraceHash != want {
				t.Fatalf("%s: changing Scenario() before the run changed it: %v, hash %016x, want %016x", scn.Name, res.Err, res.TraceHash, want)
			}
		}
	}
}

// TestASkippedFaultDrawsAloneInTheReplay: a fault can be skipped because
// of what it drew (any took the one live follower, so follower found none),
// and a saved run keeps a skipped fault's roles while the faults before it
// lose theirs. Each fault draws from a stream of its own, so the replay
// draws the same for it and skips it again: the same hash, for every seed.
func TestASkippedFaultDrawsAloneInTheReplay(t *testing.T) {
	at := func(ms int) sim.Span { return sim.Fixed(time.Duration(ms) * time.Millisecond) }
	scn := &sim.Scenario{Name: "draws", Nodes: 3, Duration: 6 * time.Second, Protocol: sim.ProtocolSpec{Name: "beacon"}, Faults: []sim.Fault{
		{At: at(2000), Pause: &sim.Pause{Node: sim.RoleAny, For: at(1)}},
		{At: at(2500), Crash: sim.RoleFollower},
		{At: at(3000), Cut: &sim.Cut{From: []string{sim.RoleAny, sim.RoleFollower}, To: []string{sim.ResourceName}}},
	}}
	p := example.Beacon(example.BeaconConfig{Interval: 10 * time.Millisecond, TimeoutMin: 50 * time.Millisecond, TimeoutMax: 100 * time.Millisecond})
	skipped := 0
	for seed := uint64(1); seed <= 40; seed++ {
		s, err := sim.New(scn, p, seed)
		if err != nil {
			t.Fatal(err)
		}
		res := s.Run()
		saved := s.Scenario()
		if sim.IsRole(saved.Faults[2].Cut.From[0]) {
			skipped++
		}
		again, err := sim.New(saved, p, seed)
		if err != nil {
			t.Fatal(err)
		}
		if replay := again.Run(); replay.TraceHash != res.TraceHash {
			t.Fatalf("seed %d: the saved run replays to %x, the run was %x; faults %v", seed, replay.TraceHash, res.TraceHash, saved.Faults)
		}
	}
	if skipped == 0 || skipped == 40 {
		t.Fatalf("the cut was skipped for %d of 40 seeds; the test needs some of each", skipped)
	}
}

// TestPlaceAServiceWithTheLeader: placing a service with the leader names
// no second node, so groups may name the leader too.
func TestPlaceAServiceWithTheLeader(t *testing.T) {
	s, events := roleRun(t, 5, sim.Fault{At: sim.Fixed(2 * time.Second), Partition: &sim.Partition{
		Groups: [][]string{{sim.RoleLeader}, {sim.RoleFollowers}}, Place: map[string]string{sim.ResourceName: sim.RoleLeader}}})
	e, ok := firstOf(events, sim.KindPartition)
	p := s.Scenario().Faults[0].Partition
	if !ok || len(p.Groups[0]) != 1 || p.Place[sim.ResourceName] != p.Groups[0][0] || len(p.Groups[1]) != 4 {
		t.Fatalf("partition event %+v (found %v), saved %+v: want the resource with the leader, alone against the four followers", e, ok, p)
	}
}
