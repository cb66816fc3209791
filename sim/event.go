package sim

import "fmt"

// Kind is the type of a trace event.
type Kind uint8

// The trace event kinds. Node is where the event happens; Peer is the other
// end where there is one.
const (
	KindSend         Kind = iota + 1 // Node sent Msg to Peer
	KindDeliver                      // Node received Msg from Peer; Value is the true time Peer sent it
	KindDrop                         // a message from Node to Peer was lost; Tag says why
	KindTimer                        // Node's timer (Timer, Tag) fired
	KindCrash                        // Node crashed: volatile state, timers and writes not yet durable (Value counts them) gone
	KindRestart                      // Node restarted from its storage
	KindPause                        // Node's process was paused for Value ns
	KindResume                       // Node's process resumed
	KindClockStep                    // Node's wall clock stepped by Value ns
	KindDrift                        // Node's clock drift became Value ppb
	KindPartition                    // reachability replaced; Tag describes it
	KindCut                          // one-way cut; Tag describes it
	KindHeal                         // full reachability restored
	KindLink                         // a link's settings changed; Tag describes it
	KindLead                         // Node believes it leads Gen
	KindStepDown                     // Node no longer believes it leads Gen
	KindActIssued                    // Node acted in Gen (act number Value); the act goes to the resource, or is proposed (Tag "proposed")
	KindActWithheld                  // Node's MayAct(Gen) refused an act that was due
	KindActApplied                   // the resource (Node) applied Peer's act in Gen: Accepted or not; Value is when the act was issued
	KindFaultSkipped                 // a fault named a role nobody held then; Tag says which fault and why
	KindBoot                         // Node started late, as the scenario's boot section says
	KindOutOfService                 // Node took itself out of service (Env.OutOfService); Tag says why
	KindDiskWrite                    // Node began a batch of durable writes, durable after Value ns
	KindActCommitted                 // Node committed Peer's act number Value, of Gen: it goes to the resource
	// KindLog is a line Node wrote with Env.Logf (Tag). It goes only to
	// observers that are LogObservers, takes no index of its own (Index is
	// the next event's, the one it comes before) and is not hashed: logging
	// changes no run.
	KindLog
	// KindFaultIgnored is a fault that could not take effect on Node and
	// changed nothing: a crash of a node that is down, a restart of one
	// that is up, a pause of one that is down or already paused. Tag says
	// which fault and why: "restart n2: n2 is up". (A fault that named a
	// role nobody held is KindFaultSkipped.) Reports list these as
	// warnings: a scenario that asks for them is probably not the one its
	// author meant.
	KindFaultIgnored
	// KindWrite is a write to the store (scenario store:), coordinated by
	// Node: write number Value, of Peer's act in Gen (with writers: all,
	// Peer is Node and Gen 0); Tag names the key.
	KindWrite
	// KindConflict is a conflict resolved under the vector merge: a write
	// coordinated by Node read Value concurrent versions (siblings) of a
	// key and merged them by union, or (Node 0) the final merge of the
	// replicas found them when the run ended. Tag names the key and the
	// writes.
	KindConflict
	// KindWriteLost, when a run with a store ends, is a write acknowledged
	// to its client in time that the final merge of every replica does not
	// hold: write number Value, of Node's act in Gen; Peer coordinated the
	// write that beat it. Tag says why (LostToSkew or LostConcurrent
	// first) and tells the story; Msg is a LostWrite.
	KindWriteLost
)

var kindNames = [...]string{
	KindSend: "send", KindDeliver: "deliver", KindDrop: "drop", KindTimer: "timer",
	KindCrash: "crash", KindRestart: "restart", KindPause: "pause", KindResume: "resume",
	KindClockStep: "clock-step", KindDrift: "drift", KindPartition: "partition", KindCut: "cut",
	KindHeal: "heal", KindLink: "link", KindLead: "lead", KindStepDown: "step-down",
	KindActIssued: "act", KindActWithheld: "act-withheld", KindActApplied: "act-applied",
	KindFaultSkipped: "fault-skipped", KindBoot: "boot", KindOutOfService: "out-of-service",
	KindDiskWrite: "disk-write", KindActCommitted: "act-committed", KindLog: "log",
	KindFaultIgnored: "fault-ignored", KindWrite: "write", KindConflict: "conflict", KindWriteLost: "write-lost",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, bool) {
	for k, name := range kindNames {
		if name == s && name != "" {
			return Kind(k), true
		}
	}
	return 0, false
}

// IsFault reports whether the kind is a fault being applied.
func (k Kind) IsFault() bool {
	switch k {
	case KindCrash, KindRestart, KindPause, KindResume, KindClockStep, KindDrift,
		KindPartition, KindCut, KindHeal, KindLink:
		return true
	}
	return false
}

// Drop reasons, in Event.Tag of KindDrop.
const (
	DropLoss      = "loss"      // the link lost it
	DropPartition = "partition" // no path from sender to receiver, at send or at arrival
	DropDown      = "down"      // the receiver was crashed when it arrived
)

// Event is one entry of a run's trace. The kernel reuses one Event for every
// call to its observers: an observer that keeps an event must copy it.
type Event struct {
	Index    int64 // 0, 1, 2, ... in the order events happen
	At       Time
	Kind     Kind
	Node     NodeID
	Peer     NodeID
	Gen      Generation
	Timer    TimerID
	Value    int64  // pause length, clock step, drift: see Kind
	Accepted bool   // for KindActApplied
	Tag      string // timer tag, drop reason or fault description
	Msg      Message
	// SendIndex, on a deliver or a drop, is the Index of the message's send
	// event: the edge of Lamport's happens-before relation from sender to
	// receiver (each copy of a duplicated message names the one send). It
	// is left out of the trace hash: it follows from the events before.
	SendIndex int64
	// Role, on a fault's event, says what the roles the fault named
	// resolved to: "leader=n3", "leader=n1, followers=n2 n3". It is left
	// out of the trace hash, so that the run saved with plain node names
	// replays to the same hash.
	Role string
}

// Observer receives every event of a run as it happens. Observers run on
// the run's goroutine, in the order they were added, and must not call back
// into the run.
type Observer interface {
	Observe(e *Event)
}

// ObserverFunc adapts a function to an Observer.
type ObserverFunc func(e *Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e *Event) { f(e) }

// hashEvent folds an event's canonical fields into a running 64-bit hash.
// The message itself is left out (its contents show up in what it causes),
// so the hash needs no formatting and no allocation. It hashes few words:
// the time, then a header with the kind, Accepted, the node and the peer
// (24 bits each: a run has at most a few thousand nodes) and a bit for
// each of Gen, Timer, Value and Tag that is set, then those alone, the tag
// eight bytes at a time after its length. The index is left out too: the
// hash is a chain, and the n-th event is folded in n-th.
func hashEvent(h uint64, e *Event) uint64 {
	head := uint64(e.Kind) | uint64(boolIndex(e.Accepted))<<8 |
		uint64(uint32(e.Node))&idMask<<16 | uint64(uint32(e.Peer))&idMask<<40
	if e.Gen != 0 {
		head |= 1 << 9
	}
	if e.Timer != 0 {
		head |= 1 << 10
	}
	if e.Value != 0 {
		head |= 1 << 11
	}
	if e.Tag != "" {
		head |= 1 << 12
	}
	h = mix(mix(h, uint64(e.At)), head)
	if e.Gen != 0 {
		h = mix(h, uint64(e.Gen))
	}
	if e.Timer != 0 {
		h = mix(h, uint64(e.Timer))
	}
	if e.Value != 0 {
		h = mix(h, uint64(e.Value))
	}
	if e.Tag != "" {
		h = mixString(h, e.Tag)
	}
	return h
}

// idMask keeps the 24 bits of a NodeID that the hash's header has room for.
const idMask = 1<<24 - 1

// mixString folds a string's length, then its bytes eight at a time.
func mixString(h uint64, s string) uint64 {
	h = mix(h, uint64(len(s)))
	for len(s) >= 8 {
		h = mix(h, uint64(s[0])|uint64(s[1])<<8|uint64(s[2])<<16|uint64(s[3])<<24|
			uint64(s[4])<<32|uint64(s[5])<<40|uint64(s[6])<<48|uint64(s[7])<<56)
		s = s[8:]
	}
	if len(s) > 0 {
		var w uint64
		for i := len(s) - 1; i >= 0; i-- {
			w = w<<8 | uint64(s[i])
		}
		h = mix(h, w)
	}
	return h
}

const (
	fnvOffset = 0xcbf29ce484222325
	fnvPrime  = 0x100000001b3
)

// mix is FNV-1a over a 64-bit word with a fold of the high bits, so a change
// anywhere in the word reaches every bit of the hash.
func mix(h, w uint64) uint64 {
	h = (h ^ w) * fnvPrime
	return h ^ h>>29
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}
