package properties_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// The traces below are written as stories: each line is one event as the
// kernel would publish it, with the time since the run began, the node's
// name and the generation.

const (
	ms  = time.Millisecond
	sec = time.Second

	accepted = true
	rejected = false
)

// nodes is the size of every hand-built cluster: n1..n5, then the resource.
const nodes = 5

var roster = func() *sim.Roster {
	r, err := sim.NewRoster(nodes, nil)
	if err != nil {
		panic(err)
	}
	return r
}()

// id looks a node up by name in the test roster.
func id(name string) sim.NodeID {
	n, ok := roster.ID(name)
	if !ok {
		panic("no node " + name)
	}
	return n
}

// ping is a protocol message: anything that is not a sim.Act.
type ping struct{ Gen sim.Generation }

func lead(at time.Duration, node string, gen sim.Generation) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindLead, Node: id(node), Gen: gen}
}

func stepDown(at time.Duration, node string, gen sim.Generation) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindStepDown, Node: id(node), Gen: gen}
}

func act(at time.Duration, node string, gen sim.Generation) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindActIssued, Node: id(node), Gen: gen}
}

func withheld(at time.Duration, node string, gen sim.Generation) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindActWithheld, Node: id(node), Gen: gen}
}

// applied is the resource applying node's act in gen, issued 1ms before.
func applied(at time.Duration, node string, gen sim.Generation, ok bool) sim.Event {
	return appliedIssued(at, at-ms, node, gen, ok)
}

// appliedIssued is the resource applying at at an act node issued at issued.
func appliedIssued(at, issued time.Duration, node string, gen sim.Generation, ok bool) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindActApplied, Node: roster.Resource(), Peer: id(node), Gen: gen, Accepted: ok, Value: int64(issued)}
}

// committed is n4 committing node's act in gen: a commit is the
// proposer's, whoever applies it (a new leader applies its predecessor's).
func committed(at time.Duration, node string, gen sim.Generation) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindActCommitted, Node: id("n4"), Peer: id(node), Gen: gen}
}

func crash(at time.Duration, node string) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindCrash, Node: id(node)}
}

func restart(at time.Duration, node string) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindRestart, Node: id(node)}
}

func send(at time.Duration, from, to string, m sim.Message) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindSend, Node: id(from), Peer: id(to), Msg: m}
}

func deliver(at time.Duration, to, from string, m sim.Message) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindDeliver, Node: id(to), Peer: id(from), Msg: m}
}

func drop(at time.Duration, from, to string, m sim.Message) sim.Event {
	return sim.Event{At: sim.Time(at), Kind: sim.KindDrop, Node: id(from), Peer: id(to), Tag: sim.DropLoss, Msg: m}
}

// observe feeds the events to o in order, numbering them 0, 1, 2, ... and,
// as the kernel does, through one reused Event: an observer that keeps the
// pointer sees it change.
func observe(o sim.Observer, events ...sim.Event) {
	var e sim.Event
	for i, ev := range events {
		if i > 0 && ev.At < events[i-1].At {
			panic(fmt.Sprintf("event %d goes back in time", i))
		}
		e = ev
		e.Index = int64(i)
		o.Observe(&e)
	}
	e = sim.Event{Index: -1, At: -1} // what a kept pointer would see next
}

// holds checks that c found no violation.
func holds(t *testing.T, c properties.Checker) {
	t.Helper()
	if v := c.Violation(); v != nil {
		t.Fatalf("%s: unexpected violation at event %d: %s", c.Name(), v.Index, v.Detail)
	}
}

// violated checks that c found want, and that its Detail mentions every
// string in detail.
func violated(t *testing.T, c properties.Checker, want properties.Violation, detail ...string) {
	t.Helper()
	v := c.Violation()
	if v == nil {
		t.Fatalf("%s holds; want a violation at event %d", c.Name(), want.Index)
	}
	if v.Property != c.Name() || v.Property != want.Property {
		t.Errorf("Property = %q, checker %q; want %q", v.Property, c.Name(), want.Property)
	}
	if !slices.Equal(v.Nodes, want.Nodes) {
		t.Errorf("Nodes = %v, want %v", v.Nodes, want.Nodes)
	}
	if !slices.Equal(v.Gens, want.Gens) {
		t.Errorf("Gens = %v, want %v", v.Gens, want.Gens)
	}
	if !slices.Equal(v.Times, want.Times) {
		t.Errorf("Times = %v, want %v", v.Times, want.Times)
	}
	if v.Index != want.Index {
		t.Errorf("Index = %d, want %d", v.Index, want.Index)
	}
	for _, s := range detail {
		if !strings.Contains(v.Detail, s) {
			t.Errorf("Detail %q does not mention %q", v.Detail, s)
		}
	}
}

func nodeIDs(names ...string) []sim.NodeID {
	out := make([]sim.NodeID, len(names))
	for i, n := range names {
		out[i] = id(n)
	}
	return out
}

func times(ds ...time.Duration) []sim.Time {
	out := make([]sim.Time, len(ds))
	for i, d := range ds {
		out[i] = sim.Time(d)
	}
	return out
}

func gens(gs ...sim.Generation) []sim.Generation { return gs }

// perGeneration is one of the two per-generation properties: the checker,
// the event that counts as a use of a generation, the other event (which
// the checker must ignore) and the verb its Detail uses.
type perGeneration struct {
	name  string
	new   func(*sim.Roster) properties.Checker
	use   func(at time.Duration, node string, gen sim.Generation) sim.Event
	other func(at time.Duration, node string, gen sim.Generation) sim.Event
	verb  string
}

var perGenerations = []perGeneration{
	{properties.SingleLeader, properties.NewSingleLeader, act, lead, "acted"},
	{properties.SingleBelief, properties.NewSingleBelief, lead, act, "believed they led"},
	{properties.SingleCommit, properties.NewSingleCommit, committed, act, "had an act committed"},
}

func TestPerGeneration(t *testing.T) {
	for _, pg := range perGenerations {
		t.Run(pg.name, func(t *testing.T) {
			use, other := pg.use, pg.other

			t.Run("name", func(t *testing.T) {
				if got := pg.new(roster).Name(); got != pg.name {
					t.Errorf("Name() = %q, want %q", got, pg.name)
				}
			})

			t.Run("holds: a generation per node", func(t *testing.T) {
				c := pg.new(roster)
				observe(c,
					use(100*ms, "n1", 1),
					use(200*ms, "n2", 2),
					use(300*ms, "n3", 3),
					use(400*ms, "n1", 4),
					use(500*ms, "n5", 5),
				)
				holds(t, c)
			})

			t.Run("holds: one node uses a generation many times and moves up", func(t *testing.T) {
				c := pg.new(roster)
				observe(c,
					use(100*ms, "n1", 3),
					use(200*ms, "n1", 3),
					use(300*ms, "n1", 3),
					use(400*ms, "n1", 4),
					use(500*ms, "n1", 4),
					use(600*ms, "n1", 7),
					use(700*ms, "n2", 8),
					use(800*ms, "n2", 8),
					use(900*ms, "n1", 9),
				)
				holds(t, c)
			})

			t.Run("holds: the other kind of event does not count", func(t *testing.T) {
				c := pg.new(roster)
				observe(c,
					use(100*ms, "n1", 3),
					other(200*ms, "n2", 3),
					other(300*ms, "n3", 3),
					applied(400*ms, "n2", 3, accepted),
					withheld(500*ms, "n4", 3),
					stepDown(600*ms, "n4", 3),
					crash(700*ms, "n5"),
				)
				holds(t, c)
			})

			t.Run("fails: two nodes in one generation", func(t *testing.T) {
				c := pg.new(roster)
				observe(c,
					use(100*ms, "n1", 2), // 0
					use(150*ms, "n1", 3), // 1
					use(200*ms, "n1", 3), // 2: a repeat
					use(250*ms, "n2", 3), // 3: the second node in generation 3
				)
				violated(t, c, properties.Violation{
					Property: pg.name,
					Nodes:    nodeIDs("n1", "n2"),
					Gens:     gens(3),
					Times:    times(150*ms, 250*ms), // n1's first use, n2's
					Index:    3,
				}, "n1", "n2", "generation 3", pg.verb)
			})

			t.Run("fails: a node reuses what another used generations ago", func(t *testing.T) {
				c := pg.new(roster)
				observe(c,
					use(100*ms, "n1", 1), // 0
					use(200*ms, "n1", 2), // 1
					use(300*ms, "n1", 2), // 2
					use(400*ms, "n1", 3), // 3
					use(500*ms, "n1", 4), // 4
					use(600*ms, "n1", 5), // 5
					use(700*ms, "n3", 6), // 6
					use(800*ms, "n2", 2), // 7: n1 used 2 four generations ago
				)
				violated(t, c, properties.Violation{
					Property: pg.name,
					Nodes:    nodeIDs("n1", "n2"),
					Gens:     gens(2),
					Times:    times(200*ms, 800*ms),
					Index:    7,
				}, "n1", "n2", "generation 2")
			})

			t.Run("fails: the older node's reuse is caught too", func(t *testing.T) {
				// n2 moves into n1's generation 4, then n1, which had moved
				// on, goes back to 4: the first of the two is the violation.
				c := pg.new(roster)
				observe(c,
					use(100*ms, "n1", 4), // 0
					use(200*ms, "n1", 5), // 1
					use(300*ms, "n2", 4), // 2
					use(400*ms, "n1", 4), // 3
				)
				violated(t, c, properties.Violation{
					Property: pg.name, Nodes: nodeIDs("n1", "n2"), Gens: gens(4),
					Times: times(100*ms, 300*ms), Index: 2,
				})
			})

			t.Run("only the first violation is kept", func(t *testing.T) {
				c := pg.new(roster)
				observe(c,
					use(100*ms, "n1", 3), // 0
					use(200*ms, "n2", 3), // 1: the first violation
					use(300*ms, "n3", 3), // 2
					use(400*ms, "n4", 4), // 3
					use(500*ms, "n5", 4), // 4
					use(600*ms, "n1", 4), // 5
				)
				violated(t, c, properties.Violation{
					Property: pg.name, Nodes: nodeIDs("n1", "n2"), Gens: gens(3),
					Times: times(100*ms, 200*ms), Index: 1,
				}, "n1", "n2", "generation 3")
			})

			t.Run("the HistoryLen bound", func(t *testing.T) {
				// n1 goes through 2×HistoryLen+5 generations, 1 first, using
				// each three times; then n2 takes one of them. n1 remembers
				// its last HistoryLen distinct generations, wherever they
				// sit in its memory, and repeats do not push any out: a
				// reuse of one of those is caught, an older one is not.
				const last = 2*properties.HistoryLen + 5
				var story []sim.Event
				firstUse := map[sim.Generation]time.Duration{}
				at := time.Duration(0)
				for g := sim.Generation(1); g <= last; g++ {
					for range 3 {
						at += ms
						story = append(story, use(at, "n1", g))
					}
					firstUse[g] = at - 2*ms
				}
				for g := sim.Generation(1); g <= last; g++ {
					c := pg.new(roster)
					observe(c, append(slices.Clip(story), use(at+ms, "n2", g))...)
					if g <= last-properties.HistoryLen {
						if v := c.Violation(); v != nil {
							t.Fatalf("n2 reusing %d, %d generations of n1 ago: %s; want it missed, as documented",
								g, last-g+1, v.Detail)
						}
						continue
					}
					violated(t, c, properties.Violation{
						Property: pg.name, Nodes: nodeIDs("n1", "n2"), Gens: gens(g),
						Times: times(firstUse[g], at+ms), Index: int64(len(story)),
					}, fmt.Sprintf("generation %d", g))
				}
			})
		})
	}
}

func TestSingleBeliefCountsALeadWithNoAct(t *testing.T) {
	// n1 and n2 both believe they lead generation 2; only n1 ever acts.
	story := []sim.Event{
		lead(100*ms, "n1", 2), // 0
		act(100*ms, "n1", 2),  // 1
		lead(300*ms, "n2", 2), // 2
		stepDown(400*ms, "n2", 2),
		act(500*ms, "n1", 2),
	}
	belief, leader := properties.NewSingleBelief(roster), properties.NewSingleLeader(roster)
	observe(belief, story...)
	observe(leader, story...)
	holds(t, leader)
	violated(t, belief, properties.Violation{
		Property: properties.SingleBelief, Nodes: nodeIDs("n1", "n2"), Gens: gens(2),
		Times: times(100*ms, 300*ms), Index: 2,
	}, "n1", "n2", "generation 2", "believed they led")
}

func TestFencedResource(t *testing.T) {
	t.Run("name", func(t *testing.T) {
		if got := properties.NewFencedResource(roster).Name(); got != properties.FencedResource {
			t.Errorf("Name() = %q, want %q", got, properties.FencedResource)
		}
	})

	t.Run("holds: accepted generations never go back", func(t *testing.T) {
		c := properties.NewFencedResource(roster)
		observe(c,
			applied(100*ms, "n1", 0, accepted),
			applied(200*ms, "n1", 1, accepted),
			applied(300*ms, "n1", 1, accepted), // equal is fine
			applied(400*ms, "n2", 1, accepted), // equal from another node too
			applied(500*ms, "n2", 5, accepted),
			applied(600*ms, "n3", 5, accepted),
			applied(700*ms, "n4", 9, accepted),
		)
		holds(t, c)
	})

	t.Run("holds: rejected acts never violate", func(t *testing.T) {
		c := properties.NewFencedResource(roster)
		observe(c,
			applied(100*ms, "n1", 2, rejected), // before any accepted act
			applied(200*ms, "n2", 5, accepted),
			applied(300*ms, "n1", 2, rejected),
			applied(400*ms, "n1", 0, rejected),
			applied(500*ms, "n2", 4, rejected),
			applied(600*ms, "n2", 6, accepted),
		)
		holds(t, c)
	})

	t.Run("holds: only what the resource applied counts", func(t *testing.T) {
		c := properties.NewFencedResource(roster)
		observe(c,
			applied(100*ms, "n2", 5, accepted),
			act(200*ms, "n1", 2),
			send(200*ms, "n1", "resource", sim.Act{Gen: 2}),
			lead(300*ms, "n3", 1),
			withheld(400*ms, "n3", 1),
		)
		holds(t, c)
	})

	t.Run("fails: an accepted act below an earlier accepted one", func(t *testing.T) {
		c := properties.NewFencedResource(roster)
		observe(c,
			applied(100*ms, "n1", 2, accepted), // 0
			applied(200*ms, "n2", 4, accepted), // 1: the highest, from n2
			applied(250*ms, "n3", 4, accepted), // 2: equal, n2 stays the owner
			applied(300*ms, "n1", 3, rejected), // 3
			applied(400*ms, "n1", 3, accepted), // 4: back to 3
			applied(500*ms, "n5", 1, accepted), // 5: a second, not kept
		)
		violated(t, c, properties.Violation{
			Property: properties.FencedResource,
			Nodes:    nodeIDs("n2", "n1"),
			Gens:     gens(4, 3),
			Times:    times(200*ms, 400*ms),
			Index:    4,
		}, "n1", "n2", "generation 3", "generation 4")
	})

	t.Run("fails: back to generation 0", func(t *testing.T) {
		c := properties.NewFencedResource(roster)
		observe(c,
			applied(100*ms, "n1", 1, accepted),
			applied(200*ms, "n2", 0, accepted),
		)
		violated(t, c, properties.Violation{
			Property: properties.FencedResource, Nodes: nodeIDs("n1", "n2"), Gens: gens(1, 0),
			Times: times(100*ms, 200*ms), Index: 1,
		})
	})
}

// TestPerGenerationModel compares both per-generation checkers with a
// brute-force search over random interleavings of acts and Leads, using
// fewer generations than HistoryLen so the bound never applies.
func TestPerGenerationModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 60).Draw(t, "events")
		var story []sim.Event
		at := time.Duration(0)
		for range n {
			at += time.Duration(rapid.IntRange(0, 2).Draw(t, "gap")) * ms
			node := fmt.Sprintf("n%d", rapid.IntRange(1, nodes).Draw(t, "node"))
			gen := sim.Generation(rapid.IntRange(0, 8).Draw(t, "gen"))
			if rapid.Bool().Draw(t, "lead") {
				story = append(story, lead(at, node, gen))
			} else {
				story = append(story, act(at, node, gen))
			}
		}
		for _, pg := range perGenerations {
			c := pg.new(roster)
			observe(c, story...)
			want := firstShared(pg.use(0, "n1", 0).Kind, story)
			got := c.Violation()
			switch {
			case want == nil && got != nil:
				t.Fatalf("%s: violation at event %d (%s); the model finds none", pg.name, got.Index, got.Detail)
			case want != nil && got == nil:
				t.Fatalf("%s: holds; the model finds a violation at event %d", pg.name, want.Index)
			case want != nil:
				if got.Index != want.Index || !slices.Equal(got.Nodes, want.Nodes) ||
					!slices.Equal(got.Gens, want.Gens) || !slices.Equal(got.Times, want.Times) {
					t.Fatalf("%s: violation %+v; the model says %+v", pg.name, *got, *want)
				}
			}
		}
	})
}

// firstShared is the brute-force model of a per-generation property: the
// first event of the kind whose generation an earlier event of the kind
// from another node used. The other node named is the lowest-numbered one,
// with the time it first used the generation.
func firstShared(kind sim.Kind, story []sim.Event) *properties.Violation {
	for i, e := range story {
		if e.Kind != kind {
			continue
		}
		var other *sim.Event
		for j := range story[:i] {
			p := &story[j]
			if p.Kind == kind && p.Gen == e.Gen && p.Node != e.Node && (other == nil || p.Node < other.Node) {
				other = p
			}
		}
		if other != nil {
			return &properties.Violation{
				Nodes: []sim.NodeID{other.Node, e.Node}, Gens: gens(e.Gen),
				Times: []sim.Time{other.At, e.At}, Index: int64(i),
			}
		}
	}
	return nil
}
