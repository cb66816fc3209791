package generation_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/protocols/generation"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// ---- whole runs ----

func scenario(nodes int, duration time.Duration, faults ...sim.Fault) *sim.Scenario {
	return &sim.Scenario{
		Name:     "generation-test",
		Nodes:    nodes,
		Duration: duration,
		Protocol: sim.ProtocolSpec{Name: "generation"},
		Network:  sim.NetworkSpec{Latency: network.Uniform(1*time.Millisecond, 5*time.Millisecond)},
		Faults:   faults,
	}
}

// lead is a copy of a Lead event.
type lead struct {
	at   sim.Time
	node sim.NodeID
	gen  sim.Generation
}

// run runs a scenario with every checker attached and returns the report
// and the Lead events in order.
func run(t *testing.T, scn *sim.Scenario, proto sim.Protocol, seed uint64) (*properties.Report, []lead) {
	t.Helper()
	s, err := sim.New(scn, proto, seed)
	if err != nil {
		t.Fatalf("building the run: %v", err)
	}
	var leads []lead
	s.Observe(sim.ObserverFunc(func(e *sim.Event) {
		if e.Kind == sim.KindLead {
			leads = append(leads, lead{e.At, e.Node, e.Gen})
		}
	}))
	suite := properties.Attach(s)
	rep := suite.Report(s.Run())
	if rep.Error != "" {
		t.Fatalf("seed %d: run stopped: %s", seed, rep.Error)
	}
	return rep, leads
}

func allHold(t *testing.T, rep *properties.Report) {
	t.Helper()
	for _, name := range properties.Names {
		if p := rep.Properties[name]; !p.OK {
			t.Errorf("seed %d: %s: %s", rep.Seed, name, p.Detail)
		}
	}
}

func TestHealthyClusterElectsOneLeaderAndKeepsIt(t *testing.T) {
	cfg := generation.DefaultConfig()
	for _, nodes := range []int{3, 5, 7} {
		for seed := uint64(1); seed <= 5; seed++ {
			rep, leads := run(t, scenario(nodes, 60*time.Second), generation.New(cfg), seed)
			allHold(t, rep)
			if len(leads) != 1 || rep.Metrics.LeaderChanges != 0 {
				t.Errorf("%d nodes, seed %d: leads %v, want exactly one for the whole run", nodes, seed, leads)
				continue
			}
			// The first timeout fires within max; a split vote costs at
			// most one more.
			if bound := 2 * cfg.ElectionTimeoutMax; time.Duration(leads[0].at) > bound {
				t.Errorf("%d nodes, seed %d: first leader at %v, want within %v", nodes, seed, leads[0].at, bound)
			}
		}
	}
}

func TestLeaderCrashElectsAHigherGeneration(t *testing.T) {
	cfg := generation.DefaultConfig()
	const crashAt = 20 * time.Second
	// Followers stand within max of the last heartbeat; one split vote
	// costs another max. The slack covers a heartbeat and round trips.
	bound := 2*cfg.ElectionTimeoutMax + 200*time.Millisecond
	for _, nodes := range []int{3, 5, 7} {
		for seed := uint64(1); seed <= 5; seed++ {
			// The fault stream does not touch the protocol's randomness,
			// so a run without the crash shows who leads at crashAt.
			_, before := run(t, scenario(nodes, crashAt), generation.New(cfg), seed)
			if len(before) != 1 {
				t.Fatalf("%d nodes, seed %d: leads %v before the crash, want one", nodes, seed, before)
			}
			first := before[0]
			crash := sim.Fault{At: sim.Fixed(crashAt), Crash: fmt.Sprintf("n%d", first.node)}
			rep, leads := run(t, scenario(nodes, 40*time.Second, crash), generation.New(cfg), seed)
			allHold(t, rep)
			next := slices.IndexFunc(leads, func(l lead) bool { return l.at > sim.Time(crashAt) })
			if next < 0 {
				t.Errorf("%d nodes, seed %d: no leader after n%d crashed", nodes, seed, first.node)
				continue
			}
			l := leads[next]
			if took := time.Duration(l.at) - crashAt; l.node == first.node || l.gen <= first.gen || took > bound {
				t.Errorf("%d nodes, seed %d: after n%d (gen %d) crashed, n%d led gen %d %v later; want another node, a higher gen, within %v",
					nodes, seed, first.node, first.gen, l.node, l.gen, took, bound)
			}
		}
	}
}

// restartScenario is scenarios/generation-restart-no-persist.yaml: n3 is
// down while n1 wins generation 1 with n2's promise; then n1 is cut off, n2
// crashes, and n3 and the restarted n2 elect again. Whether n2 remembers
// its promise decides whether generation 1 is handed out twice.
func restartScenario() *sim.Scenario {
	scn := scenario(3, 30*time.Second,
		sim.Fault{At: sim.Fixed(0), Crash: "n3"},
		sim.Fault{At: sim.Fixed(5 * time.Second), Partition: &sim.Partition{Groups: [][]string{{"n1"}, {"n2", "n3"}}}},
		sim.Fault{At: sim.Fixed(5 * time.Second), Crash: "n2"},
		sim.Fault{At: sim.Fixed(5 * time.Second), Restart: "n3"},
		sim.Fault{At: sim.Fixed(5500 * time.Millisecond), Restart: "n2"},
		sim.Fault{At: sim.Fixed(15 * time.Second), Heal: true},
	)
	scn.Expect.Properties = []string{properties.SingleLeader}
	return scn
}

// restartSeed makes n1 win the first election and n3, not n2, stand first
// after the restart: the story the scenario file tells.
const restartSeed = 2

func TestRestartWithoutPersistLeadsOneGenerationTwice(t *testing.T) {
	cfg := generation.DefaultConfig()
	cfg.Persist = false
	rep, leads := run(t, restartScenario(), generation.New(cfg), restartSeed)
	want := []lead{{node: 1, gen: 1}, {node: 3, gen: 1}}
	if len(leads) != 2 || leads[0].node != want[0].node || leads[0].gen != 1 || leads[1].node != want[1].node || leads[1].gen != 1 {
		t.Fatalf("leads %v, want n1 then n3, both in generation 1", leads)
	}
	for _, name := range []string{properties.SingleLeader, properties.SingleBelief} {
		if rep.Properties[name].OK {
			t.Errorf("%s holds; want it violated by n1 and n3 in generation 1", name)
		}
	}
	if v := rep.Violations()[0]; !slices.Equal(v.Nodes, []sim.NodeID{1, 3}) || !slices.Equal(v.Gens, []sim.Generation{1}) {
		t.Errorf("violation %+v, want nodes n1 n3 in generation 1", v)
	}
	if rep.OK {
		t.Error("report OK; the scenario expects single-leader-per-generation and must fail")
	}
}

func TestRestartWithPersistNeverReusesAGeneration(t *testing.T) {
	cfg := generation.DefaultConfig()
	for seed := uint64(1); seed <= 20; seed++ {
		rep, leads := run(t, restartScenario(), generation.New(cfg), seed)
		for _, name := range []string{properties.SingleLeader, properties.SingleBelief} {
			if p := rep.Properties[name]; !p.OK {
				t.Errorf("seed %d: %s: %s", seed, name, p.Detail)
			}
		}
		if seed == restartSeed && (len(leads) != 2 || leads[1].gen != 2) {
			t.Errorf("seed %d: leads %v, want n1 in generation 1, then one leader in generation 2", seed, leads)
		}
		// Cut off, n1 still acts in generation 1 after generation 2 began:
		// that is what the resource's fencing is for.
		fenced := restartScenario()
		fenced.Resource.Fencing = sim.FencingGeneration
		rep, _ = run(t, fenced, generation.New(cfg), seed)
		allHold(t, rep)
	}
}

// The scenario file is what `electsim run` sees: it must fail (exit 1) as
// it stands and pass with persist: true.
func TestRestartScenarioFile(t *testing.T) {
	for _, persist := range []bool{false, true} {
		scn, err := sim.Load("../../scenarios/generation-restart-no-persist.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if persist {
			scn.Protocol.Params["persist"] = true
		}
		proto, warnings, err := protocols.ForScenario(scn)
		if err != nil || len(warnings) != 0 {
			t.Fatalf("persist %v: %v %v", persist, err, warnings)
		}
		if scn.Seed != restartSeed {
			t.Errorf("the file's seed is %d, the tests' %d", scn.Seed, restartSeed)
		}
		rep, _ := run(t, scn, proto, scn.Seed)
		if got, want := rep.Violated(), []string(nil); persist && !slices.Equal(got, want) {
			t.Errorf("persist true: violated %v, want none", got)
		}
		if got, want := rep.Violated(), []string{properties.SingleLeader}; !persist && !slices.Equal(got, want) {
			t.Errorf("persist false: violated %v, want %v", got, want)
		}
	}
}

// ---- parameters ----

func parse(t *testing.T, protocol string) *sim.Scenario {
	t.Helper()
	scn, err := sim.Parse("t.yaml", []byte("name: t\nnodes: 3\nduration: 10s\nprotocol:\n  name: generation\n"+protocol))
	if err != nil {
		t.Fatal(err)
	}
	return scn
}

func TestParameters(t *testing.T) {
	spec, ok := protocols.Lookup("generation")
	if !ok {
		t.Fatal("generation is not registered")
	}
	v, err := spec.Values(parse(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if d := generation.DefaultConfig(); v.Duration("heartbeat") != d.Heartbeat || v.Duration("election_timeout_min") != d.ElectionTimeoutMin ||
		v.Duration("election_timeout_max") != d.ElectionTimeoutMax || v.Bool("persist") != d.Persist || len(v.Warnings()) != 0 {
		t.Errorf("defaults %v %v %v %v, warnings %v; want DefaultConfig and none", v.Duration("heartbeat"), v.Duration("election_timeout_min"),
			v.Duration("election_timeout_max"), v.Bool("persist"), v.Warnings())
	}
	_, err = spec.Values(parse(t, "  election_timeout_min: 2s\n  election_timeout_max: 1s\n"))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:7:3: protocol.election_timeout_max: is 1s, below election_timeout_min 2s") {
		t.Errorf("max below min: error %v", err)
	}
	_, warnings, err := protocols.ForScenario(parse(t, "  heartbeat: 1s\n"))
	if err != nil || len(warnings) != 1 || !strings.Contains(warnings[0], "protocol.heartbeat: 1s is not below election_timeout_min 1s") {
		t.Errorf("heartbeat = min: error %v, warnings %q", err, warnings)
	}
}

// ---- transcripts: one node driven by hand ----

// fakeEnv is a sim.Env that records what the node does.
type fakeEnv struct {
	id      sim.NodeID
	peers   []sim.NodeID
	storage *sim.Storage
	rng     *rand.Rand
	out     []string               // "n2 Promise{Gen:3}", in send order
	durable []uint64               // storage's generation.max at each send
	timers  map[sim.TimerID]string // live timers by ID
	delays  map[sim.TimerID]time.Duration
	last    sim.TimerID
	leading sim.Generation // 0: not leading
}

func newFakeEnv(id sim.NodeID, participants int) *fakeEnv {
	e := &fakeEnv{id: id, storage: sim.NewStorage(), rng: rand.New(rand.NewPCG(1, 2))}
	for p := 1; p <= participants; p++ {
		e.peers = append(e.peers, sim.NodeID(p))
	}
	return e
}

func (e *fakeEnv) ID() sim.NodeID                  { return e.id }
func (e *fakeEnv) Name(id sim.NodeID) string       { return fmt.Sprintf("n%d", id) }
func (e *fakeEnv) Peers() []sim.NodeID             { return e.peers }
func (e *fakeEnv) Service(string) sim.NodeID       { return sim.NoNode }
func (e *fakeEnv) Mono() time.Duration             { return 0 }
func (e *fakeEnv) Wall() time.Time                 { return sim.WallEpoch }
func (e *fakeEnv) Rand() *rand.Rand                { return e.rng }
func (e *fakeEnv) Storage() *sim.Storage           { return e.storage }
func (e *fakeEnv) Logf(format string, args ...any) {}
func (e *fakeEnv) Lead(gen sim.Generation)         { e.leading = gen }
func (e *fakeEnv) OutOfService(string)             { e.leading = 0 }
func (e *fakeEnv) Commit(sim.ActRef)               {}
func (e *fakeEnv) StepDown()                       { e.leading = 0 }
func (e *fakeEnv) StopTimer(id sim.TimerID)        { delete(e.timers, id) }

func (e *fakeEnv) Send(to sim.NodeID, m sim.Message) {
	name := strings.TrimPrefix(fmt.Sprintf("%T", m), "generation.")
	e.out = append(e.out, fmt.Sprintf("%s %s%+v", e.Name(to), name, m))
	e.durable = append(e.durable, e.storage.Uint64("generation.max"))
}

func (e *fakeEnv) SetTimer(d time.Duration, tag string) sim.TimerID {
	if e.timers == nil {
		e.timers, e.delays = map[sim.TimerID]string{}, map[sim.TimerID]time.Duration{}
	}
	e.last++
	e.timers[e.last], e.delays[e.last] = tag, d
	return e.last
}

// timer returns the live timer with the tag; there must be exactly one.
func (e *fakeEnv) timer(t *testing.T, tag string) sim.Timer {
	t.Helper()
	var found []sim.TimerID
	for id, tg := range e.timers {
		if tg == tag {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d live %q timers, want 1", len(found), tag)
	}
	return sim.Timer{ID: found[0], Tag: tag}
}

// crash forgets the node's timers and belief; storage survives.
func (e *fakeEnv) crash() { e.timers, e.delays, e.leading = nil, nil, 0 }

// fire expires the live timer with the tag.
func (e *fakeEnv) fire(t *testing.T, n sim.Node, tag string) {
	t.Helper()
	tm := e.timer(t, tag)
	delete(e.timers, tm.ID)
	n.Fire(tm)
}

// sent returns and forgets what the node sent since the last call.
func (e *fakeEnv) sent() []string {
	out := e.out
	e.out, e.durable = nil, nil
	return out
}

func expectSent(t *testing.T, e *fakeEnv, want ...string) {
	t.Helper()
	if got := e.sent(); !slices.Equal(got, want) {
		t.Fatalf("sent %q, want %q", got, want)
	}
}

// boot builds the node e stands for and starts it.
func boot(cfg generation.Config, e *fakeEnv) sim.Node {
	n := generation.New(cfg).New(e.id, e.Name(e.id))
	n.Start(e)
	return n
}

func TestFollowerPromisesAHigherProposalDurablyFirst(t *testing.T) {
	e := newFakeEnv(2, 3)
	n := boot(generation.DefaultConfig(), e)
	before := e.timer(t, "election").ID

	n.Deliver(1, generation.Propose{Gen: 3})
	durable := e.durable
	expectSent(t, e, "n1 Promise{Gen:3}")
	if durable[0] != 3 {
		t.Errorf("storage held %d when the promise left, want 3", durable[0])
	}
	if e.timer(t, "election").ID == before {
		t.Error("a promise must restart the election timer")
	}
}

func TestStaleProposalIsRejectedWithTheHigherGeneration(t *testing.T) {
	e := newFakeEnv(2, 3)
	n := boot(generation.DefaultConfig(), e)
	n.Deliver(1, generation.Propose{Gen: 3})
	e.sent()

	n.Deliver(3, generation.Propose{Gen: 3}) // the same generation again
	n.Deliver(3, generation.Propose{Gen: 2})
	expectSent(t, e, "n3 Reject{Gen:3}", "n3 Reject{Gen:3}")
}

func TestElectionTimeoutIsDrawnFromTheRange(t *testing.T) {
	cfg := generation.DefaultConfig()
	e := newFakeEnv(1, 3)
	n := boot(cfg, e)
	for range 100 {
		d := e.delays[e.timer(t, "election").ID]
		if d < cfg.ElectionTimeoutMin || d > cfg.ElectionTimeoutMax {
			t.Fatalf("election timeout %v outside [%v, %v]", d, cfg.ElectionTimeoutMin, cfg.ElectionTimeoutMax)
		}
		n.Deliver(2, generation.Heartbeat{Gen: 1})
	}
}

func TestCandidateLeadsOnAMajorityAndHeartbeats(t *testing.T) {
	e := newFakeEnv(1, 5)
	n := boot(generation.DefaultConfig(), e)

	e.fire(t, n, "election")
	durable := e.durable
	expectSent(t, e, "n2 Propose{Gen:1}", "n3 Propose{Gen:1}", "n4 Propose{Gen:1}", "n5 Propose{Gen:1}")
	if durable[0] != 1 {
		t.Errorf("storage held %d when the proposal left, want 1: the candidate's own promise", durable[0])
	}

	n.Deliver(2, generation.Promise{Gen: 1})
	n.Deliver(2, generation.Promise{Gen: 1}) // a duplicate counts once
	n.Deliver(3, generation.Promise{Gen: 0}) // not for this proposal
	if e.leading != 0 {
		t.Fatalf("leads %d with two promises of five", e.leading)
	}
	n.Deliver(4, generation.Promise{Gen: 1})
	if e.leading != 1 {
		t.Fatalf("leads %d after three promises of five, want 1", e.leading)
	}
	expectSent(t, e, "n2 Heartbeat{Gen:1}", "n3 Heartbeat{Gen:1}", "n4 Heartbeat{Gen:1}", "n5 Heartbeat{Gen:1}")

	e.fire(t, n, "heartbeat")
	expectSent(t, e, "n2 Heartbeat{Gen:1}", "n3 Heartbeat{Gen:1}", "n4 Heartbeat{Gen:1}", "n5 Heartbeat{Gen:1}")
	if len(e.timers) != 1 {
		t.Errorf("timers %v, want only the heartbeat: a leader has no election timer", e.timers)
	}
}

func TestCandidateRetriesHigherWithoutAMajority(t *testing.T) {
	e := newFakeEnv(1, 3)
	n := boot(generation.DefaultConfig(), e)
	e.fire(t, n, "election")
	e.sent()
	n.Deliver(2, generation.Reject{Gen: 1}) // lost the race for 1 to n3
	e.fire(t, n, "election")
	expectSent(t, e, "n2 Propose{Gen:2}", "n3 Propose{Gen:2}")
}

func TestLeaderStepsDownOnAHigherHeartbeat(t *testing.T) {
	e := newFakeEnv(1, 3)
	n := boot(generation.DefaultConfig(), e)
	e.fire(t, n, "election")
	n.Deliver(2, generation.Promise{Gen: 1})
	e.sent()

	n.Deliver(3, generation.Heartbeat{Gen: 1}) // its own generation: not a reason to yield
	if e.leading != 1 {
		t.Fatal("stepped down on a heartbeat of its own generation")
	}
	n.Deliver(3, generation.Heartbeat{Gen: 4})
	if e.leading != 0 {
		t.Fatal("still leads after a heartbeat of generation 4")
	}
	expectSent(t, e) // following needs no answer
	if tm := e.timer(t, "election"); len(e.timers) != 1 {
		t.Errorf("timers %v, want only the election timer %d: the heartbeat stops", e.timers, tm.ID)
	}
	if e.storage.Uint64("generation.max") != 4 {
		t.Errorf("storage %d, want 4", e.storage.Uint64("generation.max"))
	}
	n.Deliver(2, generation.Heartbeat{Gen: 2}) // the stale leader learns
	expectSent(t, e, "n2 Reject{Gen:4}")
}

func TestLeaderStepsDownOnAReject(t *testing.T) {
	e := newFakeEnv(1, 3)
	n := boot(generation.DefaultConfig(), e)
	e.fire(t, n, "election")
	n.Deliver(2, generation.Promise{Gen: 1})
	n.Deliver(3, generation.Reject{Gen: 5})
	if e.leading != 0 {
		t.Fatal("still leads after a reject with generation 5")
	}
	e.timer(t, "election")
}

func TestRestartKeepsOnlyWhatWasPersisted(t *testing.T) {
	for _, persist := range []bool{true, false} {
		cfg := generation.DefaultConfig()
		cfg.Persist = persist
		e := newFakeEnv(2, 3)
		n := boot(cfg, e)
		n.Deliver(1, generation.Propose{Gen: 1})
		e.sent()

		e.crash()
		n = boot(cfg, e)
		n.Deliver(3, generation.Propose{Gen: 1})
		want := "n3 Reject{Gen:1}"
		if !persist {
			want = "n3 Promise{Gen:1}" // ZOOKEEPER-2307: generation 1 promised twice
		}
		expectSent(t, e, want)
	}
}

// ---- speed ----

// BenchmarkFiveNodes reports simulated seconds per wall second for a
// healthy five-node cluster with the checkers on.
func BenchmarkFiveNodes(b *testing.B) {
	scn := scenario(5, time.Hour)
	protocoltest.Bench(b, scn, generation.New(generation.DefaultConfig()))
}
