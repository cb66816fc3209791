// Package protocoltest drives protocol nodes by hand, without the kernel,
// for tests that read as transcripts of a protocol's exchanges. Env is one
// node's world: a test delivers a message, advances the node's clock,
// fires its timers and reads back what it sent and whether it leads.
// Cluster is N nodes and the network between them, driven by datadriven
// transcripts in the style of etcd-io/raft's InteractionEnv (add nodes,
// deliver, drop, partition, tick, stabilize, crash, restart).
package protocoltest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/electsim/electsim/sim"
)

// Sent is a message the node sent.
type Sent struct {
	To  sim.NodeID
	Msg sim.Message
}

// Env is a sim.Env for one node, under the test's control. Its clocks read
// Now; timers fire only when the test says.
type Env struct {
	Self     sim.NodeID
	Names    map[sim.NodeID]string
	PeerIDs  []sim.NodeID
	Services map[string]sim.NodeID
	Now      time.Duration

	Outbox  []Sent
	Leading bool
	Gen     sim.Generation
	Logs    []string
	// OutOfServiceReason holds the reason the node gave when it took
	// itself out of service, or "" while it is in service.
	OutOfServiceReason string
	// Commits are the acts the node committed, in order.
	Commits []sim.ActRef

	timers  map[sim.TimerID]timer
	next    sim.TimerID
	rng     *rand.Rand
	storage *sim.Storage
}

type timer struct {
	tag string
	at  time.Duration
}

// NewEnv returns the Env of node self among participants n1..nN, with the
// given services numbered after them (the resource is N+1).
func NewEnv(self sim.NodeID, participants int, services ...string) *Env {
	e := &Env{Self: self, Names: map[sim.NodeID]string{}, Services: map[string]sim.NodeID{},
		timers: map[sim.TimerID]timer{}, rng: rand.New(rand.NewPCG(1, uint64(self))), storage: sim.NewStorage()}
	for i := 1; i <= participants; i++ {
		e.PeerIDs = append(e.PeerIDs, sim.NodeID(i))
		e.Names[sim.NodeID(i)] = fmt.Sprintf("n%d", i)
	}
	e.Names[sim.NodeID(participants+1)] = sim.ResourceName
	for i, s := range services {
		id := sim.NodeID(participants + 2 + i)
		e.Services[s], e.Names[id] = id, s
	}
	return e
}

func (e *Env) ID() sim.NodeID                 { return e.Self }
func (e *Env) Name(id sim.NodeID) string      { return e.Names[id] }
func (e *Env) Peers() []sim.NodeID            { return e.PeerIDs }
func (e *Env) Service(name string) sim.NodeID { return e.Services[name] }
func (e *Env) Mono() time.Duration            { return e.Now }
func (e *Env) Wall() time.Time                { return sim.WallEpoch.Add(e.Now) }
func (e *Env) Send(to sim.NodeID, m sim.Message) {
	e.Outbox = append(e.Outbox, Sent{To: to, Msg: m})
}
func (e *Env) Rand() *rand.Rand        { return e.rng }
func (e *Env) Storage() *sim.Storage   { return e.storage }
func (e *Env) Lead(gen sim.Generation) { e.Leading, e.Gen = true, gen }
func (e *Env) StepDown()               { e.Leading = false }

// Commit records a committed act.
func (e *Env) Commit(act sim.ActRef) { e.Commits = append(e.Commits, act) }

// OutOfService records that the node took itself out of service; as in
// the kernel, it ends the leadership belief too.
func (e *Env) OutOfService(reason string) {
	e.Leading = false
	if e.OutOfServiceReason == "" {
		e.OutOfServiceReason = reason
	}
}
func (e *Env) Logf(format string, args ...any) {
	e.Logs = append(e.Logs, fmt.Sprintf(format, args...))
}

func (e *Env) SetTimer(d time.Duration, tag string) sim.TimerID {
	e.next++
	e.timers[e.next] = timer{tag: tag, at: e.Now + max(d, 0)}
	return e.next
}

func (e *Env) StopTimer(id sim.TimerID) { delete(e.timers, id) }

// Take returns what the node sent since the last Take, and forgets it.
func (e *Env) Take() []Sent {
	out := e.Outbox
	e.Outbox = nil
	return out
}

// Pending returns the live timers' tags with their due times, in due order.
func (e *Env) Pending() []string {
	var out []string
	for _, id := range e.due(1 << 62) {
		t := e.timers[id]
		out = append(out, fmt.Sprintf("%s@%v", t.tag, t.at))
	}
	return out
}

// due returns the timers due by at, earliest first (ties by ID).
func (e *Env) due(at time.Duration) []sim.TimerID {
	var ids []sim.TimerID
	for id, t := range e.timers {
		if t.at <= at {
			ids = append(ids, id)
		}
	}
	slices.SortFunc(ids, func(a, b sim.TimerID) int {
		return cmp.Or(cmp.Compare(e.timers[a].at, e.timers[b].at), cmp.Compare(a, b))
	})
	return ids
}

// Advance moves the clock forward by d, firing on node every timer that
// comes due, in order, each at its own time.
func (e *Env) Advance(node sim.Node, d time.Duration) {
	end := e.Now + d
	for {
		ids := e.due(end)
		if len(ids) == 0 {
			break
		}
		t := e.timers[ids[0]]
		delete(e.timers, ids[0])
		e.Now = max(e.Now, t.at)
		node.Fire(sim.Timer{ID: ids[0], Tag: t.tag})
	}
	e.Now = end
}

// Describe formats messages for a transcript: "n2 <- generation.Promise{Gen:3}",
// or by the message's own String method when it has one, as the trace does.
func (e *Env) Describe(sent []Sent) string {
	lines := make([]string, len(sent))
	for i, s := range sent {
		text := fmt.Sprintf("%T%+v", s.Msg, s.Msg)
		if str, ok := s.Msg.(fmt.Stringer); ok {
			text = str.String()
		}
		lines[i] = fmt.Sprintf("%s <- %s", e.Names[s.To], text)
	}
	return strings.Join(lines, "\n")
}

// FireNow fires on node, at the current time, the earliest pending timer
// tagged tag, as if it had just come due, and reports whether there was
// one. It is how a transcript says "node 1's election timeout elapsed"
// without moving anyone's clock.
func (e *Env) FireNow(node sim.Node, tag string) bool {
	for _, id := range e.due(1 << 62) {
		if e.timers[id].tag == tag {
			delete(e.timers, id)
			node.Fire(sim.Timer{ID: id, Tag: tag})
			return true
		}
	}
	return false
}

// AdvanceClock moves the clock forward by d without firing any timer: the
// timers that come due stay pending until Advance or FireNow fires them.
// It lets a test look at a node between its timers (is it still in lease?).
func (e *Env) AdvanceClock(d time.Duration) { e.Now += max(d, 0) }

// Crash forgets what a crash loses: the pending timers, the unsent outbox
// and the belief in leading. Storage, the clock, the random stream and the
// logs stay; the test then Starts a fresh node on this Env.
func (e *Env) Crash() {
	clear(e.timers)
	e.Outbox = nil
	e.Leading = false
	e.OutOfServiceReason = ""
}
