package sim

import (
	"math/rand/v2"
	"time"
)

// Time is true time: nanoseconds since the run began. Only the kernel sees
// it; nodes see their own clocks through Env.
type Time int64

func (t Time) String() string { return time.Duration(t).String() }

// NodeID names a node within a run. Participants are 1..N ("n1".."nN"); the
// resource and the protocol's services follow. 0 is no node.
type NodeID int32

// NoNode is the zero NodeID, which names no node.
const NoNode NodeID = 0

// Generation is a protocol's leadership number: Raft's term, the lease's
// leader-key create revision, the generation clock's epoch.
type Generation uint64

// Message is anything a protocol sends. The kernel never looks inside one;
// the JSON trace writes it with encoding/json, so exported fields show.
type Message any

// Promise is a message by which its sender binds itself in a generation: a
// vote granted in a term, a promise of an epoch, a lease handed out. A
// message may implement it; the kernel never asks. The causal story of a
// violation (package causal) keeps the deliveries of promises in the
// violation's generations, so that a reader sees who promised what to whom,
// and a restart between two promises of one generation stands out.
type Promise interface {
	// Promises returns the generation the message binds its sender in,
	// and false when this message binds nothing (a refusal, a pre-vote).
	Promises() (Generation, bool)
}

// TimerID identifies one SetTimer call within a run.
type TimerID uint64

// Timer is what Fire receives: the ID SetTimer returned and its tag.
type Timer struct {
	ID  TimerID
	Tag string
}

// Node is one protocol instance: an event-driven state machine with no
// goroutines, no I/O and no time of its own, as in etcd-io/raft. The kernel
// calls exactly one method at a time.
type Node interface {
	// Start runs at boot and after every restart, on a fresh Node from the
	// protocol's factory: only what was written to Env.Storage survives.
	Start(env Env)
	// Deliver hands the node a message from another node.
	Deliver(from NodeID, m Message)
	// Fire tells the node that a timer it set has expired.
	Fire(t Timer)
}

// ActGuard is implemented by a node that re-checks, just before each act,
// whether it may still act in gen (a lease holder comparing its deadline
// with its own clock). A node without it acts on belief alone.
type ActGuard interface {
	MayAct(gen Generation) bool
}

// ActRef names one act: its number in the run (1, 2, ... in the order acts
// are issued), the generation it was issued in and the node that issued
// it. A Replicator keeps it with the act's log entry and hands it back to
// Env.Commit.
type ActRef struct {
	ID     uint64
	Gen    Generation
	By     NodeID
	Issued Time // when it came due: what availability and recoveries count by
}

// Replicator is implemented by a node that replicates each act before it
// takes effect, as Raft commits a log entry: the act is a proposal, and
// reaches the resource only once the node calls Env.Commit for it.
type Replicator interface {
	// Replicates reports whether an act in gen due now is to be proposed;
	// false sends it to the resource at once (replication is off, or the
	// act is a read the node serves on its lease).
	Replicates(gen Generation) bool
	// Propose takes the act as a proposal: the node appends it to its log.
	Propose(act ActRef)
}

// Env is everything a node may touch. It is valid from Start until the node
// crashes; calls are only made from within Start, Deliver, Fire or MayAct.
type Env interface {
	ID() NodeID
	// Name returns a node's name: "n3", "resource", "coord".
	Name(id NodeID) string
	// Peers returns every participant, this node included if it is one, in
	// ID order. The slice is shared: do not modify it.
	Peers() []NodeID
	// Service returns the ID of a service node the protocol declared, or
	// NoNode.
	Service(name string) NodeID

	// Mono reads the node's monotonic clock: drifting, never stepping.
	Mono() time.Duration
	// Wall reads the node's wall clock: drifting and stepping.
	Wall() time.Time

	// Send puts m on the network to another node (or this one).
	Send(to NodeID, m Message)
	// SetTimer starts a timer that fires when the node's monotonic clock
	// has advanced by d. Timers die with a crash.
	SetTimer(d time.Duration, tag string) TimerID
	// StopTimer cancels a timer; stopping a fired or unknown one is a no-op.
	StopTimer(id TimerID)

	// Rand is this node's own random stream, seeded from the run's seed.
	Rand() *rand.Rand
	// Storage is this node's durable storage: it survives crashes.
	Storage() *Storage

	// Lead starts the belief that this node leads gen; the kernel's
	// workload then acts in gen every act_every. Leading a new gen
	// replaces the old belief.
	Lead(gen Generation)
	// StepDown ends the belief; a no-op when the node does not lead.
	StepDown()
	// Commit says an act a Replicator proposed is committed: it goes from
	// this node to the resource. An act committed again (a new leader
	// re-applying what the old one had) takes effect once.
	Commit(act ActRef)
	// OutOfService says this node has taken itself out of service, as an
	// SBR member that downs itself does: it ends any leadership belief,
	// and the node may not lead again until a crash and restart bring a
	// new incarnation. The trace records it once per incarnation; expect
	// out_of_service_at_end judges it.
	OutOfService(reason string)

	// Logf records a line in the trace (when one is written) and hands it,
	// as a KindLog event, to the observers that ask for lines
	// (LogObserver). It takes no index and does not change the trace hash.
	Logf(format string, args ...any)
}

// Protocol is what the kernel needs to run a protocol.
type Protocol struct {
	Name string
	// Services names the service nodes the protocol needs besides the
	// resource, e.g. the lease protocol's "coord".
	Services []string
	// New builds the node with the given ID and name, participant or
	// service, at boot and at every restart.
	New func(id NodeID, name string) Node
	// Fencing, if set, is the resource fencing the protocol needs (the
	// lease protocol with fenced: true needs "generation"). A scenario
	// that sets another fencing is an error.
	Fencing string
}
