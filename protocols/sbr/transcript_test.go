package sbr_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/protocols/sbr"
	"github.com/electsim/electsim/sim"
)

// hand drives one node of a five-node cluster by hand: the test plays the
// other four, a heartbeat at a time, and reads what the node logs and sends.
type hand struct {
	t    *testing.T
	env  *protocoltest.Env
	node sim.Node
	seen int // log lines already read
}

func boot(t *testing.T, self sim.NodeID, cfg sbr.Config) *hand {
	h := &hand{t: t, env: protocoltest.NewEnv(self, 5)}
	h.node = sbr.New(cfg).New(self, h.env.Name(self))
	h.node.Start(h.env)
	return h
}

// hear delivers a heartbeat from each of from, first incarnations all,
// reporting the given membership (version and members) and side.
func (h *hand) hear(version uint64, members, side sbr.Set, from ...sim.NodeID) {
	for _, id := range from {
		h.node.Deliver(id, sbr.Heartbeat{Inc: 1, Up: uint64(id), Version: version, Members: members, Oldest: members.Lowest(), Reach: side})
	}
}

// second advances the clock by a second, firing the node's timers, and
// then delivers the heartbeats of the second.
func (h *hand) second(version uint64, members, side sbr.Set, from ...sim.NodeID) {
	h.env.Advance(h.node, time.Second)
	h.hear(version, members, side, from...)
}

// logs returns what the node logged since the last call.
func (h *hand) logs() []string {
	out := h.env.Logs[h.seen:]
	h.seen = len(h.env.Logs)
	return out
}

func (h *hand) expectLogs(want ...string) {
	h.t.Helper()
	got := h.logs()
	if len(got) != len(want) {
		h.t.Fatalf("at %v logged %q, want %q", h.env.Now, got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			h.t.Fatalf("at %v logged %q, want %q", h.env.Now, got, want)
		}
	}
}

// expectSent checks what the node sent since the last call, by recipient.
func (h *hand) expectSent(want string) {
	h.t.Helper()
	var to []string
	for _, s := range h.env.Take() {
		to = append(to, h.env.Name(s.To)+" "+strings.TrimPrefix(strings.SplitN(h.env.Describe([]protocoltest.Sent{s}), " <- ", 2)[1], "sbr."))
	}
	if got := strings.Join(to, "\n"); got != want {
		h.t.Fatalf("at %v sent\n%s\nwant\n%s", h.env.Now, got, want)
	}
}

// TestTranscriptMajoritySideDecides is n3's story in a halves partition:
// n1 and n2 go quiet, n3 waits while n5 (still hearing them over a one-way
// link) reports another side, decides with keep-majority once the side is
// clean and the view has held for stable_after, and starts the singleton as
// the oldest left once n4 and n5 have seen the new membership and
// down_removal_margin has passed since n1, its node, was downed.
func TestTranscriptMajoritySideDecides(t *testing.T) {
	all, side := sbr.SetOf(1, 2, 3, 4, 5), sbr.SetOf(3, 4, 5)
	h := boot(t, 3, sbr.Defaults)
	h.expectSent("" +
		"n1 Heartbeat{Inc:1 Up:3 Version:1 Members:{n1 n2 n3 n4 n5} Oldest:1 Reach:{n1 n2 n3 n4 n5} Led:0}\n" +
		"n2 Heartbeat{Inc:1 Up:3 Version:1 Members:{n1 n2 n3 n4 n5} Oldest:1 Reach:{n1 n2 n3 n4 n5} Led:0}\n" +
		"n4 Heartbeat{Inc:1 Up:3 Version:1 Members:{n1 n2 n3 n4 n5} Oldest:1 Reach:{n1 n2 n3 n4 n5} Led:0}\n" +
		"n5 Heartbeat{Inc:1 Up:3 Version:1 Members:{n1 n2 n3 n4 n5} Oldest:1 Reach:{n1 n2 n3 n4 n5} Led:0}")
	h.hear(1, all, all, 1, 2, 4, 5)
	for range 7 {
		h.second(1, all, all, 1, 2, 4, 5)
	}
	h.expectLogs("settles: membership {n1 n2 n3 n4 n5} version 1 stable for 7s")
	h.env.Take()

	// The partition: n1 and n2 are heard no more. 3s after their last
	// heartbeat (at 7s) the reaper marks them unreachable.
	h.second(1, all, all, 4, 5)
	h.second(1, all, all, 4, 5)
	h.expectLogs()
	h.second(1, all, side, 4) // n4 has noticed too; n5 still hears n1 and n2
	h.hear(1, all, all, 5)
	h.expectLogs("marks {n1 n2} unreachable: silent for 3s")
	for range 7 {
		h.second(1, all, side, 4)
		h.hear(1, all, all, 5)
	}
	h.expectLogs("waits: n5 reports side {n1 n2 n3 n4 n5}, not {n3 n4 n5} (indirectly connected)")

	// n5 loses them too: the side is clean, and 7s later n3 decides. Its
	// new membership goes out at once.
	h.second(1, all, side, 4, 5)
	for range 6 {
		h.second(1, all, side, 4, 5)
	}
	h.expectLogs()
	h.env.Take()
	h.env.Advance(h.node, time.Second)
	h.expectLogs("keep-majority keeps side {n3 n4 n5}, unreachable {n1 n2}, oldest n1: downs {n1 n2}; membership {n3 n4 n5} version 2",
		"the singleton's node n1 is downed: it moves after down_removal_margin 7s")
	// The decision's own heartbeats, then the heartbeat timer's, due at the
	// same instant.
	h.expectSent("" +
		"n4 Heartbeat{Inc:1 Up:3 Version:2 Members:{n3 n4 n5} Oldest:3 Reach:{n3 n4 n5} Led:0}\n" +
		"n5 Heartbeat{Inc:1 Up:3 Version:2 Members:{n3 n4 n5} Oldest:3 Reach:{n3 n4 n5} Led:0}\n" +
		"n4 Heartbeat{Inc:1 Up:3 Version:2 Members:{n3 n4 n5} Oldest:3 Reach:{n3 n4 n5} Led:0}\n" +
		"n5 Heartbeat{Inc:1 Up:3 Version:2 Members:{n3 n4 n5} Oldest:3 Reach:{n3 n4 n5} Led:0}")

	// n3 is the oldest now, but runs the singleton only once the others
	// have seen its membership, and only when n1's side has had
	// down_removal_margin to down itself: Akka's ClusterSingletonManager
	// waits that long after the previous oldest is removed.
	h.hear(2, side, side, 4)
	if h.env.Leading {
		t.Fatal("leads before n5 has seen the membership")
	}
	h.hear(2, side, side, 5)
	for range 6 {
		h.second(2, side, side, 4, 5)
	}
	if h.env.Leading {
		t.Fatal("leads within down_removal_margin of n1's downing")
	}
	h.expectLogs()
	h.second(2, side, side, 4, 5)
	h.expectLogs("runs the singleton: the oldest of {n3 n4 n5}, generation 2")
	if !h.env.Leading || h.env.Gen != 2 {
		t.Fatalf("leading %v in %d, want generation 2", h.env.Leading, h.env.Gen)
	}

	// n1's old incarnation is quarantined; its next one is admitted as
	// the youngest and welcomed, and the singleton stays where it is.
	h.hear(1, all, all, 1)
	h.expectLogs()
	h.node.Deliver(1, sbr.Heartbeat{Inc: 2})
	h.expectLogs("admits n1 incarnation 2 as a new member, the youngest; membership {n1 n3 n4 n5} version 2")
	sent := h.env.Take()
	welcome := sent[len(sent)-1]
	m := welcome.Msg.(sbr.Welcome).Membership
	if welcome.To != 1 || !slices.Equal(m.Members, []sbr.Member{{ID: 3, Inc: 1, Up: 3}, {ID: 4, Inc: 1, Up: 4}, {ID: 5, Inc: 1, Up: 5}, {ID: 1, Inc: 2, Up: 6}}) ||
		!slices.Equal(m.Removed, []sbr.Member{{ID: 2, Inc: 1}}) || m.Version != 2 {
		t.Errorf("welcome to %s: %+v", h.env.Name(welcome.To), m)
	}
	if !h.env.Leading || h.env.Gen != 2 {
		t.Errorf("leading %v in %d after an admission, want still generation 2", h.env.Leading, h.env.Gen)
	}
}

// TestTranscriptMinorityDownsItself is n1's side of the same partition: it
// runs the singleton, loses n3, n4 and n5, and with n2 reporting the same
// side decides keep-majority does not keep it: it stops the singleton and
// goes silent for good.
func TestTranscriptMinorityDownsItself(t *testing.T) {
	all, side := sbr.SetOf(1, 2, 3, 4, 5), sbr.SetOf(1, 2)
	h := boot(t, 1, sbr.Defaults)
	h.hear(1, all, all, 2, 3, 4, 5)
	for range 7 {
		h.second(1, all, all, 2, 3, 4, 5)
	}
	h.expectLogs("settles", "runs the singleton: the oldest of {n1 n2 n3 n4 n5}, generation 1")
	for range 3 {
		h.second(1, all, all, 2)
	}
	h.second(1, all, side, 2)
	h.expectLogs("marks {n3 n4 n5} unreachable")
	for range 7 {
		h.second(1, all, side, 2)
	}
	h.expectLogs("downs itself: keep-majority does not keep side {n1 n2}, unreachable {n3 n4 n5}, oldest n1", "stops the singleton of generation 1")
	if h.env.Leading {
		t.Fatal("still leads")
	}
	h.env.Take()
	h.second(1, all, all, 2, 3, 4, 5)
	h.env.Advance(h.node, time.Minute)
	h.node.Deliver(3, sbr.Heartbeat{Inc: 2})
	if sent := h.env.Take(); len(sent) != 0 || len(h.env.Pending()) != 0 {
		t.Errorf("downed, it sent %s and has timers %v", h.env.Describe(sent), h.env.Pending())
	}
}

// TestTranscriptRestartIsANewIncarnation: the incarnation counter is the
// node's only durable state; a restart asks to join instead of booting as a
// member, and adopts the membership of the member that admits it.
func TestTranscriptRestartIsANewIncarnation(t *testing.T) {
	h := boot(t, 2, sbr.Defaults)
	h.env.Crash()
	h.node = sbr.New(sbr.Defaults).New(2, "n2")
	h.node.Start(h.env)
	h.expectLogs("restarts as incarnation 2: asks to join as a newcomer")
	h.expectSent("" +
		"n1 Heartbeat{Inc:2 Up:0 Version:0 Members:{} Oldest:0 Reach:{} Led:0}\n" +
		"n3 Heartbeat{Inc:2 Up:0 Version:0 Members:{} Oldest:0 Reach:{} Led:0}\n" +
		"n4 Heartbeat{Inc:2 Up:0 Version:0 Members:{} Oldest:0 Reach:{} Led:0}\n" +
		"n5 Heartbeat{Inc:2 Up:0 Version:0 Members:{} Oldest:0 Reach:{} Led:0}")
	if got := h.env.Storage().Uint64("sbr.incarnation"); got != 2 {
		t.Errorf("storage holds incarnation %d, want 2", got)
	}
	h.hear(1, sbr.SetOf(1, 3, 4, 5), sbr.SetOf(1, 3, 4, 5), 1, 3) // not a member yet: ignored
	h.node.Deliver(3, sbr.Welcome{Membership: &sbr.Membership{Version: 3, Members: []sbr.Member{{ID: 1, Inc: 1, Up: 1}, {ID: 2, Inc: 1, Up: 6}}}})
	h.expectLogs() // a welcome for the old incarnation
	h.node.Deliver(3, sbr.Welcome{Membership: &sbr.Membership{Version: 3, Members: []sbr.Member{
		{ID: 1, Inc: 1, Up: 1}, {ID: 3, Inc: 1, Up: 3}, {ID: 4, Inc: 1, Up: 4}, {ID: 5, Inc: 1, Up: 5}, {ID: 2, Inc: 2, Up: 6}}}})
	h.expectLogs("admitted by n3: membership {n1 n2 n3 n4 n5} version 3")
	h.expectSent("" +
		"n1 Heartbeat{Inc:2 Up:6 Version:3 Members:{n1 n2 n3 n4 n5} Oldest:1 Reach:{n1 n2 n3 n4 n5} Led:0}\n" +
		"n3 Heartbeat{Inc:2 Up:6 Version:3 Members:{n1 n2 n3 n4 n5} Oldest:1 Reach:{n1 n2 n3 n4 n5} Led:0}\n" +
		"n4 Heartbeat{Inc:2 Up:6 Version:3 Members:{n1 n2 n3 n4 n5} Oldest:1 Reach:{n1 n2 n3 n4 n5} Led:0}\n" +
		"n5 Heartbeat{Inc:2 Up:6 Version:3 Members:{n1 n2 n3 n4 n5} Oldest:1 Reach:{n1 n2 n3 n4 n5} Led:0}")
}
