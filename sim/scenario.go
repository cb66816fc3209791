package sim

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/electsim/electsim/network"
)

// Scenario is a run's description: everything but the seed. It is plain
// data, written in YAML (see Load) or built in Go, and checked by Validate.
//
// Nodes are named by string: participants "n1".."nN", the resource
// "resource", and the services the protocol declares ("coord").
type Scenario struct {
	Name        string        `yaml:"name"`
	Description string        `yaml:"description,omitempty"`
	Nodes       int           `yaml:"nodes"`          // participants, 1..MaxParticipants (1,024); some protocols allow fewer
	Duration    time.Duration `yaml:"duration"`       // the run covers true time [0, duration)
	Seed        uint64        `yaml:"seed,omitempty"` // used when the caller gives none
	Protocol    ProtocolSpec  `yaml:"protocol"`
	Workload    Workload      `yaml:"workload,omitempty"`
	Network     NetworkSpec   `yaml:"network,omitempty"`
	Clocks      Clocks        `yaml:"clocks,omitempty"`
	// Boot starts nodes later than t=0: until its time a node is down, as
	// if crashed, and messages to it are lost. A node not listed boots at 0.
	Boot     map[string]Span `yaml:"boot,omitempty"`
	Disk     Disk            `yaml:"disk,omitempty"`
	Resource ResourceSpec    `yaml:"resource,omitempty"`
	// Store, when set, replaces the resource with a replicated store: the
	// acts become writes (see StoreSpec).
	Store   *StoreSpec `yaml:"store,omitempty"`
	Faults  []Fault    `yaml:"faults,omitempty"`
	Nemesis *Nemesis   `yaml:"nemesis,omitempty"`
	Expect  Expect     `yaml:"expect,omitempty"`
	Limits  Limits     `yaml:"limits,omitempty"`
	// TraceHash, in a saved run, is the hash the run had when it was saved:
	// a replay that differs says the code or the scenario changed. Runs
	// ignore it.
	TraceHash string `yaml:"trace_hash,omitempty"`

	source *source // where it was read from, for error positions
}

// MaxParticipants bounds the cluster size: clusters of hundreds of members
// are real (Akka's), and a thousand still runs. The kernel and checkers
// hold about 5 KB per node, plus 4 bytes per ordered pair of nodes in the
// network's link index (4 MB at 1,000) and a bit per pair in each
// partition; the rest grows with the protocol's traffic. Raft with an act
// every 100ms, commit and checkers on (BenchmarkRaftScale in
// protocols/raft) simulates about 600-850 seconds per wall second at 64
// nodes, 120-180 at 250 and 20-36 at 1,000 (the development machine's
// speed swings that much), and holds about 60 KB per node after a minute,
// most of it the log. Protocols that keep node sets
// in a word refuse more when built, naming nodes: sbr and routing, 64.
const MaxParticipants = 1024

// MaxDuration bounds a run's true time.
const MaxDuration = 30 * 24 * time.Hour

// ProtocolSpec names the protocol and holds its parameters as written. In
// YAML they sit side by side: {name: raft, prevote: true}. The protocol
// registry checks the parameters.
type ProtocolSpec struct {
	Name   string
	Params map[string]any
}

// Workload is the leader's work, the same for every protocol.
type Workload struct {
	// ActEvery is how often, on its own monotonic clock, a node that
	// believes it leads acts. Default 100ms.
	ActEvery time.Duration `yaml:"act_every,omitempty"`
	// Jitter spreads each interval uniformly by ±Jitter×ActEvery, from the
	// node's workload stream. 0..0.5, default 0.
	Jitter float64 `yaml:"jitter,omitempty"`
	// Warmup is left out of availability. Default 0.
	Warmup time.Duration `yaml:"warmup,omitempty"`
	// Timeout is how long a client waits for an act: one the resource
	// accepted later than this after it was issued counts as failed in
	// availability, as a client that gave up would count it. 0 means
	// DefaultActTimeout (see ActTimeout); for no bound, give one longer
	// than the run.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// Writers, with a store, says who writes: "leader" (the default), the
	// nodes that believe they lead, by their acts; or "all", every
	// participant every act_every, leader or not, as Dynamo's clients
	// write to any node.
	Writers string `yaml:"writers,omitempty"`
}

// Who writes to the store (Workload.Writers).
const (
	WritersLeader = "leader"
	WritersAll    = "all"
)

// DefaultActTimeout is a client's patience when the workload does not set
// one: etcdctl's default --command-timeout.
const DefaultActTimeout = 5 * time.Second

// ActTimeout is the workload's Timeout, or DefaultActTimeout when unset.
func (w Workload) ActTimeout() time.Duration {
	if w.Timeout == 0 {
		return DefaultActTimeout
	}
	return w.Timeout
}

// NetworkSpec is every link's default and the per-link overrides.
type NetworkSpec struct {
	// Latency defaults to constant 1ms.
	Latency   network.Latency `yaml:"latency,omitempty"`
	Loss      float64         `yaml:"loss,omitempty"`
	Duplicate float64         `yaml:"duplicate,omitempty"`
	Reorder   bool            `yaml:"reorder,omitempty"`
	Links     []LinkOverride  `yaml:"links,omitempty"`
}

// LinkOverride changes the settings of the link from -> to (and to -> from
// with Both). Fields left out keep their current value.
type LinkOverride struct {
	From      string           `yaml:"from"`
	To        string           `yaml:"to"`
	Both      bool             `yaml:"both,omitempty"`
	Latency   *network.Latency `yaml:"latency,omitempty"`
	Loss      *float64         `yaml:"loss,omitempty"`
	Duplicate *float64         `yaml:"duplicate,omitempty"`
	Reorder   *bool            `yaml:"reorder,omitempty"`
}

// DefaultLink is every link's settings before overrides.
func (n NetworkSpec) DefaultLink() network.Link {
	return network.Link{Latency: n.Latency, Loss: n.Loss, Duplicate: n.Duplicate, Reorder: n.Reorder}
}

// Apply returns l with the fields the override sets, as the kernel applies
// a link fault (the timeline judges link faults by it).
func (o LinkOverride) Apply(l network.Link) network.Link {
	if o.Latency != nil {
		l.Latency = *o.Latency
	}
	if o.Loss != nil {
		l.Loss = *o.Loss
	}
	if o.Duplicate != nil {
		l.Duplicate = *o.Duplicate
	}
	if o.Reorder != nil {
		l.Reorder = *o.Reorder
	}
	return l
}

// Clocks sets every node's clock. A node's drift is DriftPPM plus a draw
// uniform in ±RandomDriftPPM; its wall offset a draw uniform in
// ±RandomOffset; Nodes overrides either for named nodes.
type Clocks struct {
	DriftPPM       float64              `yaml:"drift_ppm,omitempty"`
	RandomDriftPPM float64              `yaml:"random_drift_ppm,omitempty"`
	RandomOffset   time.Duration        `yaml:"random_offset,omitempty"`
	Nodes          map[string]NodeClock `yaml:"nodes,omitempty"`
}

// NodeClock fixes one node's clock.
type NodeClock struct {
	DriftPPM *float64       `yaml:"drift_ppm,omitempty"`
	Offset   *time.Duration `yaml:"offset,omitempty"`
}

// Fencing modes of the resource.
const (
	FencingNone       = "none"       // accept every act
	FencingGeneration = "generation" // reject a generation below the highest accepted
)

// ResourceSpec configures the resource that leaders act on.
type ResourceSpec struct {
	Fencing string `yaml:"fencing,omitempty"` // none (default) or generation
}

// StoreSpec configures the replicated store that replaces the resource:
// a replica of every key on every participant, as in Dynamo and its
// descendants (package store has the model and its sources). Writes
// travel over the scenario's network, so partitions, loss and crashes
// reach them; every replica is durable.
type StoreSpec struct {
	// Merge is the replicas' rule for two versions of a key: "lww" (the
	// highest wall-clock timestamp wins, ties to the higher node) or
	// "vector" (version vectors; concurrent versions kept as siblings
	// and resolved by union at the next write). Required.
	Merge string `yaml:"merge"`
	// Keys is how many keys the writes spread over, uniformly. Default 1:
	// every write contends.
	Keys int `yaml:"keys,omitempty"`
	// W is how many replicas, the coordinator's own included, must hold a
	// write before its client hears it succeeded. Default 1.
	W int `yaml:"w,omitempty"`
	// R is how many replicas, the coordinator's own included, a write
	// reads before it writes (Dynamo's R): the coordinator merges what
	// they hold into its own replica, then adds the write. Default 1, its
	// own replica alone. With R + W above the participants and a strict
	// quorum, a write sees every write acknowledged before it began.
	R int `yaml:"r,omitempty"`
	// Quorum, for both R and W, is "strict" (the default: replicas that
	// answered) or "sloppy" (Dynamo's sloppy quorum with hinted handoff:
	// each replica the coordinator cannot reach, cut off or down, counts
	// at once: for W as a hinted copy the coordinator keeps and
	// anti-entropy hands over later, for R as a fallback that answers
	// with nothing). This is the far end of Riak's fallback vnodes, which
	// may all live on the coordinator's side: a coordinator cut off from
	// every other node meets any W alone. (With every participant a
	// replica, a Dynamo sloppy quorum counting distinct reachable nodes
	// would be the strict one.) The kernel's reachability stands in for
	// Dynamo's failure detector, which would take a while to notice.
	Quorum string `yaml:"quorum,omitempty"`
	// SyncEvery is the anti-entropy interval: every participant sends its
	// replica to the next peer in turn this often, on its own monotonic
	// clock. Default 1s. Every replica also syncs with every other at a
	// heal.
	SyncEvery time.Duration `yaml:"sync_every,omitempty"`
}

// Store quorum kinds (StoreSpec.Quorum).
const (
	QuorumStrict = "strict"
	QuorumSloppy = "sloppy"
)

// Expect says what a run must show. Properties lists the properties that
// must hold; by default the mission's single-leader-per-generation. The
// bounds, when set, must hold too: split-brain time at most MaxSplitBrain,
// availability at least MinAvailability, and an act accepted within
// Liveness of the last fault (which also sets the liveness property's
// bound when that is listed).
//
// The outcomes, when set, are properties too, each judged on "the leader":
// the participant that believes it leads the highest generation (a tie goes
// to the lowest ID), as roles resolve it.
type Expect struct {
	Properties      []string       `yaml:"properties,omitempty"`
	MaxSplitBrain   *time.Duration `yaml:"max_split_brain,omitempty"`
	MinAvailability *float64       `yaml:"min_availability,omitempty"`
	Liveness        time.Duration  `yaml:"liveness,omitempty"`

	// LeaderAtEnd: the leader when the run ends is one of these nodes.
	LeaderAtEnd []string `yaml:"leader_at_end,omitempty"`
	// LeaderBy: at its time, there is a leader, one of its nodes.
	LeaderBy *LeaderBy `yaml:"leader_by,omitempty"`
	// NoLeaderChangeAfter: no node begins a leadership belief (a Lead of a
	// new node and generation) after this time.
	NoLeaderChangeAfter *time.Duration `yaml:"no_leader_change_after,omitempty"`
	// MaxLeaderChanges bounds the leader changes: Lead events after the
	// first of the run.
	MaxLeaderChanges *int64 `yaml:"max_leader_changes,omitempty"`
	// MaxLeaderless bounds the time without a leader after the first one,
	// all stretches added up (the metric leaderless_ns). A run that never
	// had a leader was without one all along: it breaks this bound and
	// the next unless they are as long as the run.
	MaxLeaderless *time.Duration `yaml:"max_leaderless,omitempty"`
	// MaxLeaderlessStretch bounds the longest single stretch without a
	// leader (the metric longest_leaderless_ns): the worst outage.
	MaxLeaderlessStretch *time.Duration `yaml:"max_leaderless_stretch,omitempty"`
	// OutOfServiceAtEnd is exactly the participants out of service when
	// the run ends: crashed, not booted, or taken out of service by their
	// protocol (an SBR member that downed itself). [] says none.
	OutOfServiceAtEnd *[]string `yaml:"out_of_service_at_end,omitempty"`
}

// LeaderBy expects a leader at a time: by At, one of Among (default: any
// participant) leads.
type LeaderBy struct {
	At    time.Duration `yaml:"at"`
	Among []string      `yaml:"among,omitempty"`
}

// Limits stop a runaway run with an error. Zero means the default.
type Limits struct {
	MaxEvents    int64 `yaml:"max_events,omitempty"`     // default 100 M
	MaxInFlight  int   `yaml:"max_in_flight,omitempty"`  // messages on the wire or queued at a paused node; default 1 M
	MaxAtInstant int   `yaml:"max_at_instant,omitempty"` // events at one true instant before true time is declared stuck; default 1 M
	// MaxMemory bounds the memory a run holds, as the run itself counts
	// it (see DefaultMaxMemory): its queue of pending events, the messages
	// in flight and held at paused nodes, its nodes' timers, the storage
	// its protocol writes and its faults. Written as a number of bytes or
	// as "512MiB", "4GiB". Default 2 GiB.
	MaxMemory Bytes `yaml:"max_memory,omitempty"`
	// MaxFaults bounds the faults of a run: those written plus those its
	// nemesis draws (each with the heal, restart or reset that ends it).
	// A nemesis whose interval would draw more is an error before the run
	// starts. Default 100,000.
	MaxFaults int `yaml:"max_faults,omitempty"`
}

// Fault is one scripted fault: At, and exactly one of the kinds. For, with
// a crash, restarts the node that much later; with a partition or a cut, it
// heals the network that much later (a heal restores every link). At and
// For may be ranges, drawn per seed (see Span).
//
// Wherever a fault names a participant it may name a role instead, which
// the run resolves at the fault's true time (see the Role constants): crash
// leader, pause follower, isolate leader, cut [leader] from [coord],
// partition groups [[leader], [followers]]; restart crashed.
type Fault struct {
	At        Span          `yaml:"at"`
	For       Span          `yaml:"for,omitempty"`
	Partition *Partition    `yaml:"partition,omitempty"`
	Cut       *Cut          `yaml:"cut,omitempty"`
	Heal      bool          `yaml:"heal,omitempty"`
	Crash     string        `yaml:"crash,omitempty"`
	Restart   string        `yaml:"restart,omitempty"`
	Pause     *Pause        `yaml:"pause,omitempty"`
	ClockStep *ClockStep    `yaml:"clock_step,omitempty"`
	Drift     *DriftChange  `yaml:"drift,omitempty"`
	Link      *LinkOverride `yaml:"link,omitempty"`
}

// Partition shapes.
const (
	ShapeIsolate        = "isolate"         // Node cut off from all
	ShapeHalves         = "halves"          // Order split in two, smaller half first
	ShapeRandomHalves   = "random-halves"   // halves of a shuffled order
	ShapeMajoritiesRing = "majorities-ring" // every node sees a different majority
	ShapeBridge         = "bridge"          // two halves and a node that sees both
)

// Shapes lists the partition shapes.
var Shapes = []string{ShapeIsolate, ShapeHalves, ShapeRandomHalves, ShapeMajoritiesRing, ShapeBridge}

// Partition replaces the reachability relation: either explicit Groups or a
// Shape. Shapes other than isolate lay out the participants in Order. Services sit outside the partition, reaching everyone,
// unless Place puts them with a node: {coord: n1} gives coord the links n1
// has. Nodes in no group likewise reach everyone.
//
// Order defaults to ID order; random-halves with no Order gets a shuffle
// drawn from the faults stream when the scenario is expanded.
//
// Leader places the leader, resolved at the fault's time, in a shape:
// halves (and random-halves) with the leader on the "minority" or the
// "majority" side; bridge with the leader at the "bridge" or on a "side".
// The leader trades places in the order with the node that held that
// place; with no leader the fault is skipped.
type Partition struct {
	Groups [][]string        `yaml:"groups,omitempty"`
	Shape  string            `yaml:"shape,omitempty"`
	Node   string            `yaml:"node,omitempty"` // for isolate
	Order  []string          `yaml:"order,omitempty"`
	Leader string            `yaml:"leader,omitempty"`
	Place  map[string]string `yaml:"place,omitempty"`
}

// Where a partition's Leader field puts the leader.
const (
	LeaderOnMinority = "minority" // halves: the smaller half
	LeaderOnMajority = "majority" // halves: the larger half
	LeaderAtBridge   = "bridge"   // bridge: the node that sees both halves
	LeaderOnSide     = "side"     // bridge: one of the halves
)

// Cut blocks messages from every node in From to every node in To, on top
// of the current relation. The other direction is untouched.
type Cut struct {
	From []string `yaml:"from"`
	To   []string `yaml:"to"`
}

// Pause stops a node's process (a GC pause, SIGSTOP) for For, which may be
// a range drawn per seed.
type Pause struct {
	Node string `yaml:"node"`
	For  Span   `yaml:"for"`
}

// ClockStep moves a node's wall clock by By (negative: back).
type ClockStep struct {
	Node string        `yaml:"node"`
	By   time.Duration `yaml:"by"`
}

// DriftChange sets a node's clock drift from then on; with Reset, back to
// the drift the clocks section gave it (PPM is then ignored).
type DriftChange struct {
	Node  string  `yaml:"node"`
	PPM   float64 `yaml:"ppm,omitempty"`
	Reset bool    `yaml:"reset,omitempty"`
}

// Nemesis kinds.
const (
	NemesisPartition = "partition"
	NemesisCut       = "cut"
	NemesisCrash     = "crash"
	NemesisPause     = "pause"
	NemesisClockStep = "clock_step"
	NemesisDrift     = "drift"
	NemesisLink      = "link"
)

// NemesisKinds lists the kinds of fault a nemesis can draw.
var NemesisKinds = []string{NemesisPartition, NemesisCut, NemesisCrash, NemesisPause, NemesisClockStep, NemesisDrift, NemesisLink}

// Nemesis draws random faults from the faults stream: each starts after an
// exponential gap of mean Interval and lasts up to MaxFor (a partition is
// healed, a crashed node restarted, a pause ends, a drift or link reverts),
// none starts before Start, and all are over Quiet before the end, so the
// cluster has time to recover. Expanded, it becomes a plain fault list.
type Nemesis struct {
	Interval    time.Duration `yaml:"interval"`
	Kinds       []string      `yaml:"kinds,omitempty"` // default: partition, crash, pause
	Start       time.Duration `yaml:"start,omitempty"`
	Quiet       time.Duration `yaml:"quiet,omitempty"`
	MinFor      time.Duration `yaml:"min_for,omitempty"`       // default 100ms
	MaxFor      time.Duration `yaml:"max_for,omitempty"`       // default 5s
	Shapes      []string      `yaml:"shapes,omitempty"`        // default: every shape the cluster size allows
	Targets     []string      `yaml:"targets,omitempty"`       // nodes or roles (leader, follower, any) to crash, pause, skew, isolate; default the participants
	MaxStep     time.Duration `yaml:"max_step,omitempty"`      // clock steps up to ±; default 1s
	MaxDriftPPM float64       `yaml:"max_drift_ppm,omitempty"` // drifts up to ±; default 1000
	Loss        float64       `yaml:"loss,omitempty"`          // a degraded link's loss; default 0.9
}

// String describes a fault on one line: "at 11ms: pause n1 for 3.2s".
func (f Fault) String() string {
	if !f.For.IsZero() {
		return fmt.Sprintf("at %v: %s for %v", f.At, f.what(), f.For)
	}
	return fmt.Sprintf("at %v: %s", f.At, f.what())
}

func (f Fault) what() string {
	switch {
	case f.Partition != nil:
		return "partition " + f.Partition.String()
	case f.Cut != nil:
		return fmt.Sprintf("cut %s -/-> %s", strings.Join(f.Cut.From, " "), strings.Join(f.Cut.To, " "))
	case f.Heal:
		return "heal"
	case f.Crash != "":
		return "crash " + f.Crash
	case f.Restart != "":
		return "restart " + f.Restart
	case f.Pause != nil:
		return fmt.Sprintf("pause %s for %v", f.Pause.Node, f.Pause.For)
	case f.ClockStep != nil:
		return fmt.Sprintf("step %s's wall clock by %v", f.ClockStep.Node, f.ClockStep.By)
	case f.Drift != nil && f.Drift.Reset:
		return fmt.Sprintf("reset %s's drift", f.Drift.Node)
	case f.Drift != nil:
		return fmt.Sprintf("drift %s by %v ppm", f.Drift.Node, f.Drift.PPM)
	case f.Link != nil:
		return "link " + describeLink(f.Link)
	}
	return "nothing"
}

// String describes a partition: its groups or its shape and order, and
// where services are placed.
func (p *Partition) String() string {
	var b strings.Builder
	switch {
	case len(p.Groups) > 0:
		b.WriteString(describeGroups(p.Groups))
	case p.Shape == ShapeIsolate:
		b.WriteString("isolate " + p.Node)
	default:
		b.WriteString(p.Shape)
		if len(p.Order) > 0 {
			b.WriteString(" of " + strings.Join(p.Order, " "))
		}
		if p.Leader != "" {
			b.WriteString(", the leader " + leaderPlaceWords[p.Leader])
		}
	}
	for _, service := range slices.Sorted(maps.Keys(p.Place)) {
		fmt.Fprintf(&b, ", %s with %s", service, p.Place[service])
	}
	return b.String()
}
