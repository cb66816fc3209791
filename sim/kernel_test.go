package sim_test

import (
	"cmp"
	"errors"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/sim"
)

// probe is one thing due at n1: a message or a timer. due and order are
// what the kernel orders by: true time, then the order of scheduling.
type probe struct {
	id      int
	due     time.Duration
	order   int
	handled time.Duration // true time n1 ran its handler; -1 if it never did
}

// probeWorld is a cluster where n2..nN message n1 at random moments and n1
// keeps random timers, every scheduling recorded in the kernel's order.
// Clocks do not drift, so Mono is true time and every due time is known.
type probeWorld struct {
	probes  []*probe
	byID    map[int]*probe
	calls   int
	handled []int // probe ids in the order n1 handled them
}

type probeMsg struct{ ID int }

func (w *probeWorld) schedule(due time.Duration) int {
	p := &probe{id: len(w.probes), due: due, order: w.calls, handled: -1}
	w.calls++
	w.probes = append(w.probes, p)
	w.byID[p.id] = p
	return p.id
}

func (w *probeWorld) handle(id int, now time.Duration) {
	w.byID[id].handled = now
	w.handled = append(w.handled, id)
}

func (w *probeWorld) protocol(t *rapid.T, latency time.Duration) sim.Protocol {
	timerProbe := map[sim.TimerID]int{}
	return protocolOf(func(id sim.NodeID) *funcNode {
		draw := func(env sim.Env) time.Duration { return time.Duration(1+env.Rand().IntN(50)) * time.Millisecond }
		if id != 1 {
			return &funcNode{
				start: func(env sim.Env) { env.SetTimer(draw(env), "send") },
				fire: func(env sim.Env, _ sim.Timer) {
					env.Send(1, probeMsg{ID: w.schedule(env.Mono() + latency)})
					env.SetTimer(draw(env), "send")
				},
			}
		}
		setProbeTimer := func(env sim.Env) {
			d := draw(env)
			p := w.schedule(env.Mono() + d)
			timerProbe[env.SetTimer(d, "probe")] = p
		}
		return &funcNode{
			start:   setProbeTimer,
			deliver: func(env sim.Env, _ sim.NodeID, m sim.Message) { w.handle(m.(probeMsg).ID, env.Mono()) },
			fire: func(env sim.Env, tm sim.Timer) {
				w.handle(timerProbe[tm.ID], env.Mono())
				setProbeTimer(env)
			},
		}
	})
}

func TestPauseHoldsEverythingAndReplaysItInOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		const latency = time.Millisecond
		scn := baseScenario(rapid.IntRange(2, 5).Draw(t, "nodes"), 2*time.Second)
		start := time.Duration(rapid.Int64Range(0, int64(time.Second)).Draw(t, "pause at"))
		length := time.Duration(rapid.Int64Range(1, int64(800*time.Millisecond)).Draw(t, "pause for"))
		scn.Faults = []sim.Fault{{At: sim.Fixed(start), Pause: &sim.Pause{Node: "n1", For: sim.Fixed(length)}}}
		w := &probeWorld{byID: map[int]*probe{}}
		res, _ := run(t, scn, w.protocol(t, latency), rapid.Uint64().Draw(t, "seed"))
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		resume := start + length
		for _, p := range w.probes {
			if p.handled < 0 {
				continue // due after the run
			}
			want := p.due
			if p.due >= start && p.due < resume {
				want = resume
			}
			if p.handled != want {
				t.Fatalf("probe %d due at %v (pause %v..%v) was handled at %v, want %v", p.id, p.due, start, resume, p.handled, want)
			}
		}
		inKernelOrder := slices.Clone(w.handled)
		slices.SortStableFunc(inKernelOrder, func(a, b int) int {
			pa, pb := w.byID[a], w.byID[b]
			return cmp.Or(cmp.Compare(pa.due, pb.due), cmp.Compare(pa.order, pb.order))
		})
		if !slices.Equal(w.handled, inKernelOrder) {
			t.Fatalf("n1 handled probes in order\n%v\nwant (by due time, then scheduling)\n%v", w.handled, inKernelOrder)
		}
	})
}

func TestCrashLosesVolatileStateAndKeepsStorage(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		crashAt := time.Duration(rapid.Int64Range(int64(time.Millisecond), int64(time.Second)).Draw(t, "crash at"))
		downFor := time.Duration(rapid.Int64Range(int64(20*time.Millisecond), int64(time.Second)).Draw(t, "down for")) // long enough for a tick of the others
		scn := baseScenario(3, 3*time.Second)
		scn.Faults = []sim.Fault{{At: sim.Fixed(crashAt), Crash: "n1"}, {At: sim.Fixed(crashAt + downFor), Restart: "n1"}}
		var incarnations []*countingNode
		p := sim.Protocol{Name: "test", New: func(id sim.NodeID, _ string) sim.Node {
			n := &countingNode{}
			if id == 1 {
				incarnations = append(incarnations, n)
			}
			return n
		}}
		res, rec := run(t, scn, p, 1)
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if len(incarnations) != 2 {
			t.Fatalf("n1 was built %d times, want 2 (boot and restart)", len(incarnations))
		}
		before, after := incarnations[0], incarnations[1]
		if after.boots != 2 || after.storedTicks != before.ticks {
			t.Fatalf("after restart: boots %d (want 2 from storage), stored ticks %d (want %d, the first life's)", after.boots, after.storedTicks, before.ticks)
		}
		if want := uint64((3*time.Second - crashAt - downFor - 1) / (10 * time.Millisecond)); after.ticks+1 < want || after.ticks > want+1 {
			t.Fatalf("the second life ticked %d times, want about %d: volatile state did not restart from zero", after.ticks, want)
		}
		for _, e := range rec.events {
			down := e.At >= sim.Time(crashAt) && e.At < sim.Time(crashAt+downFor)
			if down && e.Node == 1 && (e.Kind == sim.KindTimer || e.Kind == sim.KindDeliver) {
				t.Fatalf("crashed n1 handled %v at %v", e.Kind, e.At)
			}
			if down && e.Kind == sim.KindSend && e.Node == 1 {
				t.Fatalf("crashed n1 sent a message at %v", e.At)
			}
		}
		for _, e := range rec.of(sim.KindDrop) {
			if e.Peer == 1 && e.Tag != sim.DropDown {
				t.Fatalf("a message to n1 was dropped for %q", e.Tag)
			}
		}
		if len(rec.of(sim.KindDrop)) == 0 {
			t.Fatal("no message to the crashed n1 was dropped")
		}
	})
}

// countingNode ticks every 10ms, counts boots and ticks in storage and
// ticks in memory, and pings its peers each tick.
type countingNode struct {
	env         sim.Env
	boots       uint64
	ticks       uint64
	storedTicks uint64
}

func (c *countingNode) Start(env sim.Env) {
	c.env = env
	c.boots = env.Storage().Uint64("boots") + 1
	c.storedTicks = env.Storage().Uint64("ticks")
	env.Storage().PutUint64("boots", c.boots)
	env.SetTimer(10*time.Millisecond, "tick")
}

func (c *countingNode) Fire(sim.Timer) {
	c.ticks++
	c.env.Storage().PutUint64("ticks", c.storedTicks+c.ticks)
	for _, p := range c.env.Peers() {
		if p != c.env.ID() {
			c.env.Send(p, probeMsg{})
		}
	}
	c.env.SetTimer(10*time.Millisecond, "tick")
}

func (c *countingNode) Deliver(sim.NodeID, sim.Message) {}

func TestCrashEndsLeadershipAndActs(t *testing.T) {
	scn := baseScenario(3, 2*time.Second)
	scn.Faults = []sim.Fault{{At: sim.Fixed(500 * time.Millisecond), Crash: "n1"}}
	p := protocolOf(func(id sim.NodeID) *funcNode {
		return &funcNode{start: func(env sim.Env) {
			if id == 1 {
				env.Lead(7)
			}
		}}
	})
	_, rec := run(t, scn, p, 1)
	acts := rec.of(sim.KindActIssued)
	if len(acts) != 5 {
		t.Fatalf("n1 acted %d times in its 500ms as leader with act_every 100ms, want 5 (at 0, 100, ..., 400ms)", len(acts))
	}
	for _, a := range acts {
		if a.Gen != 7 || a.Node != 1 {
			t.Fatalf("act %+v: want n1 in generation 7", a)
		}
	}
}

func TestLimitsStopRunawayRuns(t *testing.T) {
	spin := protocolOf(func(sim.NodeID) *funcNode {
		return &funcNode{
			start: func(env sim.Env) { env.SetTimer(0, "spin") },
			fire:  func(env sim.Env, _ sim.Timer) { env.SetTimer(0, "spin") },
		}
	})
	flood := protocolOf(func(sim.NodeID) *funcNode {
		return &funcNode{
			start: func(env sim.Env) { env.SetTimer(time.Millisecond, "flood") },
			fire: func(env sim.Env, _ sim.Timer) {
				for range 100 {
					env.Send(env.ID()%2+1, probeMsg{})
				}
				env.SetTimer(time.Millisecond, "flood")
			},
		}
	})
	chatty := protocolOf(func(sim.NodeID) *funcNode {
		return &funcNode{
			start: func(env sim.Env) { env.SetTimer(time.Millisecond, "tick") },
			fire:  func(env sim.Env, _ sim.Timer) { env.SetTimer(time.Millisecond, "tick") },
		}
	})
	for _, tc := range []struct {
		name   string
		proto  sim.Protocol
		limits sim.Limits
		slow   bool
		want   string
	}{
		{"a zero-delay timer loop stops true time", spin, sim.Limits{MaxAtInstant: 1000}, false, "max_at_instant"},
		{"a flood fills the network", flood, sim.Limits{MaxInFlight: 5000}, true, "max_in_flight"},
		{"a long run exceeds its event budget", chatty, sim.Limits{MaxEvents: 10_000}, false, "max_events"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scn := baseScenario(2, time.Hour)
			scn.Limits = tc.limits
			if tc.slow {
				scn.Network.Latency = network.Constant(time.Second)
			}
			res, _ := run(t, scn, tc.proto, 1)
			var le *sim.LimitError
			if !errors.As(res.Err, &le) || le.Limit != tc.want {
				t.Fatalf("run ended with %v, want a %s limit error", res.Err, tc.want)
			}
			if res.End >= sim.Time(time.Hour) {
				t.Fatalf("run went to its end (%v) despite the limit", res.End)
			}
		})
	}
}

func TestProtocolPanicIsReportedWithSeedAndStack(t *testing.T) {
	scn := baseScenario(2, time.Second)
	p := protocolOf(func(sim.NodeID) *funcNode {
		return &funcNode{
			start: func(env sim.Env) { env.SetTimer(100*time.Millisecond, "boom") },
			fire:  func(sim.Env, sim.Timer) { panic("protocol bug") },
		}
	})
	res, _ := run(t, scn, p, 42)
	var pe *sim.PanicError
	if !errors.As(res.Err, &pe) {
		t.Fatalf("run ended with %v, want a PanicError", res.Err)
	}
	if pe.Seed != 42 || pe.Value != "protocol bug" || pe.At != sim.Time(100*time.Millisecond) || pe.Stack == "" {
		t.Fatalf("panic error %+v: want seed 42, the value, t=100ms and a stack", pe)
	}
}

func TestMessagesNeverCrossACut(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := rapid.IntRange(2, 6).Draw(t, "nodes")
		scn := baseScenario(nodes, 3*time.Second)
		scn.Network.Latency = network.Uniform(0, 20*time.Millisecond)
		scn.Network.Reorder = rapid.Bool().Draw(t, "reorder")
		scn.Faults = drawCutsAndPartitions(t, nodes, scn.Duration)
		res, rec := run(t, scn, pingEvery(5*time.Millisecond), rapid.Uint64().Draw(t, "seed"))
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		model := newReachModel(nodes)
		faults := slices.Clone(scn.Faults)
		for i, e := range rec.events {
			if e.Kind.IsFault() {
				model.apply(faults[0]) // each of these faults shows as exactly one event
				faults = faults[1:]
			}
			if e.Kind == sim.KindDeliver && !model.can(e.Peer, e.Node) {
				t.Fatalf("at %v a message from n%d reached n%d across a cut", e.At, e.Peer, e.Node)
			}
			if e.Kind == sim.KindSend && !model.can(e.Node, e.Peer) {
				if next := rec.events[i+1]; next.Kind != sim.KindDrop || next.Tag != sim.DropPartition {
					t.Fatalf("at %v n%d sent to n%d across a cut, and the next event is %v, not a partition drop", e.At, e.Node, e.Peer, next.Kind)
				}
			}
		}
	})
}

func pingEvery(d time.Duration) sim.Protocol {
	return protocolOf(func(sim.NodeID) *funcNode {
		return &funcNode{
			start: func(env sim.Env) { env.SetTimer(d, "ping") },
			fire: func(env sim.Env, _ sim.Timer) {
				for _, p := range env.Peers() {
					if p != env.ID() {
						env.Send(p, probeMsg{})
					}
				}
				env.SetTimer(d, "ping")
			},
		}
	})
}

// drawCutsAndPartitions draws group partitions, one-way cuts and heals at
// distinct times.
func drawCutsAndPartitions(t *rapid.T, nodes int, end time.Duration) []sim.Fault {
	count := rapid.IntRange(1, 8).Draw(t, "faults")
	times := rapid.SliceOfNDistinct(rapid.Int64Range(1, int64(end)-1), count, count, rapid.ID).Draw(t, "times")
	slices.Sort(times)
	name := func(i int) string { return "n" + string(rune('1'+i)) }
	var out []sim.Fault
	for _, at := range times {
		f := sim.Fault{At: sim.Fixed(time.Duration(at))}
		switch rapid.IntRange(0, 2).Draw(t, "kind") {
		case 0:
			groups := make([][]string, 2)
			for i := range nodes {
				g := rapid.IntRange(0, 1).Draw(t, "side")
				groups[g] = append(groups[g], name(i))
			}
			f.Partition = &sim.Partition{Groups: groups}
		case 1:
			from := rapid.IntRange(0, nodes-1).Draw(t, "from")
			to := rapid.IntRange(0, nodes-1).Draw(t, "to")
			f.Cut = &sim.Cut{From: []string{name(from)}, To: []string{name(to)}}
		default:
			f.Heal = true
		}
		out = append(out, f)
	}
	return out
}

// reachModel is the test's own account of who reaches whom, written from
// the meaning of groups, cuts and heals rather than from package network.
type reachModel struct {
	blocked map[[2]sim.NodeID]bool
}

func newReachModel(int) *reachModel { return &reachModel{blocked: map[[2]sim.NodeID]bool{}} }

func (m *reachModel) can(from, to sim.NodeID) bool { return !m.blocked[[2]sim.NodeID{from, to}] }

func (m *reachModel) apply(f sim.Fault) {
	id := func(name string) sim.NodeID { return sim.NodeID(name[1] - '0') }
	switch {
	case f.Heal:
		clear(m.blocked)
	case f.Cut != nil:
		from, to := id(f.Cut.From[0]), id(f.Cut.To[0])
		if from != to {
			m.blocked[[2]sim.NodeID{from, to}] = true
		}
	case f.Partition != nil:
		clear(m.blocked)
		for _, a := range f.Partition.Groups[0] {
			for _, b := range f.Partition.Groups[1] {
				m.blocked[[2]sim.NodeID{id(a), id(b)}] = true
				m.blocked[[2]sim.NodeID{id(b), id(a)}] = true
			}
		}
	}
}

// guardedNode leads from the start and records its monotonic clock at every
// act, through MayAct, and at every timer.
type guardedNode struct {
	funcNode
	actsAt []time.Duration
	allow  func(n int) bool
}

func (g *guardedNode) MayAct(sim.Generation) bool {
	g.actsAt = append(g.actsAt, g.env.Mono())
	return g.allow == nil || g.allow(len(g.actsAt))
}

func TestTimersFireWhenTheLocalClockHasAdvancedExactlyD(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		scn := baseScenario(1, 20*time.Second)
		drift := rapid.Float64Range(-100000, 100000).Draw(t, "drift")
		scn.Clocks.DriftPPM = drift
		changes := rapid.IntRange(0, 3).Draw(t, "drift changes")
		for range changes {
			scn.Faults = append(scn.Faults, sim.Fault{
				At:    sim.Fixed(time.Duration(rapid.Int64Range(0, int64(10*time.Second)).Draw(t, "change at"))),
				Drift: &sim.DriftChange{Node: "n1", PPM: rapid.Float64Range(-100000, 100000).Draw(t, "ppm")},
			})
		}
		type firing struct{ set, fired, d time.Duration }
		var firings []firing
		setAt := map[sim.TimerID]firing{}
		arm := func(env sim.Env) {
			d := time.Duration(rapid.Int64Range(0, int64(3*time.Second)).Draw(t, "d"))
			setAt[env.SetTimer(d, "t")] = firing{set: env.Mono(), d: d}
		}
		p := protocolOf(func(sim.NodeID) *funcNode {
			return &funcNode{start: arm, fire: func(env sim.Env, tm sim.Timer) {
				f := setAt[tm.ID]
				f.fired = env.Mono()
				firings = append(firings, f)
				if len(firings) < 5 {
					arm(env)
				}
			}}
		})
		if res, _ := run(t, scn, p, 1); res.Err != nil {
			t.Fatal(res.Err)
		}
		for _, f := range firings {
			// Ceiling rounding: the first true nanosecond at which the clock
			// reaches the target can overshoot it by one local nanosecond.
			if elapsed := f.fired - f.set; elapsed < f.d || elapsed > f.d+1 {
				t.Fatalf("timer of %v set at local %v fired at local %v: %v elapsed", f.d, f.set, f.fired, elapsed)
			}
		}
	})
}

func TestActsFollowTheLeadersOwnClock(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		scn := baseScenario(2, 5*time.Second)
		scn.Clocks.Nodes = map[string]sim.NodeClock{"n1": {DriftPPM: ptr(rapid.Float64Range(-200000, 200000).Draw(t, "drift"))}}
		scn.Workload.ActEvery = time.Duration(rapid.IntRange(1, 500).Draw(t, "act_every ms")) * time.Millisecond
		refuseEvery := rapid.IntRange(2, 5).Draw(t, "refuse every")
		leader := &guardedNode{allow: func(n int) bool { return n%refuseEvery != 0 }}
		leader.start = func(env sim.Env) { env.Lead(1) }
		p := sim.Protocol{Name: "test", New: func(id sim.NodeID, _ string) sim.Node {
			if id == 1 {
				return leader
			}
			return &funcNode{}
		}}
		_, rec := run(t, scn, p, 1)
		for i := 1; i < len(leader.actsAt); i++ {
			if gap := leader.actsAt[i] - leader.actsAt[i-1]; gap < scn.Workload.ActEvery || gap > scn.Workload.ActEvery+1 {
				t.Fatalf("acts %d and %d are %v apart on the leader's clock, want act_every %v", i-1, i, gap, scn.Workload.ActEvery)
			}
		}
		issued, withheld := len(rec.of(sim.KindActIssued)), len(rec.of(sim.KindActWithheld))
		if issued+withheld != len(leader.actsAt) || withheld != len(leader.actsAt)/refuseEvery {
			t.Fatalf("%d acts due, %d issued and %d withheld; MayAct refused every %dth", len(leader.actsAt), issued, withheld, refuseEvery)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestEveryDeliveryAndDropNamesItsSend: the edge of happens-before from
// sender to receiver. Each deliver and drop names, in SendIndex, an earlier
// send event between the same two nodes, at the true time the delivery
// says the message left; in every kind of scenario the kernel runs.
func TestEveryDeliveryAndDropNamesItsSend(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		spec, p := drawProtocol(t)
		scn := drawScenario(t, spec)
		events, _ := traceOf(t, scn, p, rapid.Uint64().Draw(t, "seed"))
		for _, e := range events {
			if e.Kind != sim.KindDeliver && e.Kind != sim.KindDrop {
				continue
			}
			if e.SendIndex < 0 || e.SendIndex >= e.Index {
				t.Fatalf("event %d (%v) names send %d, not an earlier event", e.Index, e.Kind, e.SendIndex)
			}
			send := events[e.SendIndex]
			from, to := e.Node, e.Peer // a drop is told from the sender's side
			if e.Kind == sim.KindDeliver {
				from, to = e.Peer, e.Node
			}
			if send.Kind != sim.KindSend || send.Node != from || send.Peer != to {
				t.Fatalf("event %d (%v %d->%d) names event %d, which is %v %d->%d", e.Index, e.Kind, from, to, send.Index, send.Kind, send.Node, send.Peer)
			}
			if e.Kind == sim.KindDeliver && sim.Time(e.Value) != send.At {
				t.Fatalf("event %d says its message left at %v; its send %d is at %v", e.Index, sim.Time(e.Value), send.Index, send.At)
			}
		}
	})
}

// TestFaultsThatCannotTakeEffectAreEvents: a fault that contradicts the
// node's state (a restart before the crash, a second crash, a pause of a
// crashed or paused node, a crash before the boot) is a fault-ignored
// event that says why, and changes nothing else: the run is the run
// without that fault, event for event.
func TestFaultsThatCannotTakeEffectAreEvents(t *testing.T) {
	at := func(d time.Duration) sim.Span { return sim.Fixed(d) }
	pause := func(d, length time.Duration) sim.Fault {
		return sim.Fault{At: at(d), Pause: &sim.Pause{Node: "n1", For: sim.Fixed(length)}}
	}
	for _, tc := range []struct {
		name  string
		keep  []sim.Fault
		bad   sim.Fault
		boot  time.Duration
		want  string
		wantT time.Duration
	}{
		{"a restart before the crash", []sim.Fault{{At: at(2 * time.Second), Crash: "n1"}},
			sim.Fault{At: at(time.Second), Restart: "n1"}, 0, "restart n1: n1 is up", time.Second},
		{"a second crash", []sim.Fault{{At: at(time.Second), Crash: "n1"}},
			sim.Fault{At: at(2 * time.Second), Crash: "n1"}, 0, "crash n1: n1 is down", 2 * time.Second},
		{"a pause of a crashed node", []sim.Fault{{At: at(time.Second), Crash: "n1"}},
			pause(2*time.Second, time.Second), 0, "pause n1 for 1s: n1 is down", 2 * time.Second},
		{"a pause of a paused node", []sim.Fault{pause(time.Second, 5*time.Second)},
			pause(2*time.Second, time.Second), 0, "pause n1 for 1s: n1 is already paused", 2 * time.Second},
		{"a crash before the boot", nil,
			sim.Fault{At: at(time.Second), Crash: "n1"}, 3 * time.Second, "crash n1: n1 has not booted yet", time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scn := baseScenario(3, 5*time.Second)
			if tc.boot > 0 {
				scn.Boot = map[string]sim.Span{"n1": sim.Fixed(tc.boot)}
			}
			scn.Faults = tc.keep
			_, without := run(t, scn, pingEvery(100*time.Millisecond), 1)
			scn.Faults = append(append([]sim.Fault{}, tc.keep...), tc.bad)
			_, with := run(t, scn, pingEvery(100*time.Millisecond), 1)
			ignored := with.of(sim.KindFaultIgnored)
			if len(ignored) != 1 || ignored[0].Tag != tc.want || ignored[0].Node != 1 || ignored[0].At != sim.Time(tc.wantT) {
				t.Fatalf("ignored faults %+v; want one at %v on n1: %q", ignored, tc.wantT, tc.want)
			}
			if diff := gocmp.Diff(withoutIndex(without.events), withoutIndex(slices.DeleteFunc(with.events, func(e sim.Event) bool {
				return e.Kind == sim.KindFaultIgnored
			}))); diff != "" {
				t.Fatalf("the ignored fault changed the run (-without +with):\n%s", diff)
			}
		})
	}
}

// withoutIndex clears what an added event shifts: the indexes.
func withoutIndex(events []sim.Event) []sim.Event {
	out := slices.Clone(events)
	for i := range out {
		out[i].Index, out[i].SendIndex = 0, 0
	}
	return out
}
