// Package sim is electsim's kernel: a seeded, deterministic discrete-event
// simulator of nodes, lossy links and drifting clocks, on which election
// protocols run as pure state machines.
//
// # Runs
//
// A run is a Scenario, a Protocol and a seed. New builds it, Run runs it to
// the scenario's duration on the caller's goroutine, and the result carries
// the number of events and a hash over them. The same scenario and seed give
// the same run, event for event, whatever GOMAXPROCS, with or without a
// trace being written: inside a run there is no wall clock, no global
// random source, no goroutine and no map iteration that reaches the order of
// events. Events at one true time run in the order they were scheduled.
//
// Randomness comes from streams derived from the seed, one per purpose:
// the faults stream (the nemesis, random shapes), one per directed link,
// one per node clock, one per node for the protocol (Env.Rand) and one per
// node for the workload. A protocol that draws more numbers therefore never
// changes the faults or the network, and every protocol run with one seed
// meets the same fault schedule.
//
// # Nodes
//
// Participants n1..nN (IDs 1..N) can lead. The resource (ID N+1) is the
// service leaders act on; a protocol may declare more services (the lease
// protocol's coord). Every node, service or not, can be partitioned,
// crashed, restarted and paused.
//
//   - A crash drops the node's Node value, timers, held messages and
//     leadership belief; messages that reach it are dropped. A restart
//     builds a fresh Node with the protocol's factory and calls Start; only
//     Storage survives.
//   - A pause (a GC stop-the-world, SIGSTOP) runs no handler; the node's
//     clock keeps running; messages and timer expiries wait and run at the
//     resume, in their original order. So a deposed leader whose act timer
//     came due during the pause acts once more on stale state unless its
//     MayAct re-checks its lease against its clock.
//
// # Leadership, acts and the resource
//
// Env.Lead(gen) starts a node's belief that it leads generation gen;
// StepDown or a crash ends it. While a node believes, the kernel's workload
// makes it act every act_every of its own monotonic clock (the first act
// right away), after asking its ActGuard if it has one. An act is a message
// (Act) to the resource, over the network like any other. The resource
// accepts everything (fencing: none) or rejects generations below the
// highest it accepted (fencing: generation).
//
// # Roles, ranges and late boots
//
// A fault may name a role instead of a node: leader (the participant that
// believes it leads the highest generation, the lower ID of two in one),
// follower (one live participant other than the leader, drawn), followers
// (every other participant, in a list: a cut's ends, a partition's groups)
// and any (one live participant, drawn); a restart may name crashed (the
// node the last crash took down). The run resolves a role when the fault
// happens, from the leadership beliefs at that instant; followers and any
// draw from their own part of the faults stream. The fault's event
// carries what each role became (Event.Role), and once the run is over the
// expanded scenario names the nodes, so a saved run replays with plain
// names to the same trace hash. A role nobody holds then (no leader yet, no
// crashed node) skips the fault, with a fault-skipped event; the restart or
// heal that would have ended it is skipped too.
//
// A fault's at and for, a pause's length and a node's boot time may be a
// range, "4s..4.05s", drawn uniformly (both ends included) when the
// scenario is expanded, from the faults stream of the seed: one file says
// "crash the leader at a random moment in its heartbeat interval" across a
// sweep's seeds. A node with a boot time is down until then: messages to
// it are lost, and it starts with a boot event.
//
// # Disks
//
// With a disk section, a node's durable writes take time: the writes of one
// handler are one batch, which becomes durable a latency (from the node's
// own stream) after the batches before it; every message the node sends
// while a batch is unfinished waits for it, as etcd-io/raft's Ready
// contract has a node persist before it sends; a crash before then undoes
// the writes and loses the messages. See Disk.
//
// # The trace
//
// Every step is an Event (see Kind) given to the run's observers as it
// happens; WriteTrace writes them as JSON lines. Sends, deliveries, drops
// (with the reason: loss, partition, down), timer expiries, faults,
// leadership changes and acts are all events.
//
// # Limits
//
// A run stops with a *LimitError when it exceeds limits.max_events events,
// holds more than limits.max_in_flight messages at once, runs more than
// limits.max_at_instant events at one true time (true time stopped: a
// zero-delay loop), or holds more than limits.max_memory bytes (default
// 2 GiB; "512MiB" in a file). Memory is the run's own count of what it
// holds: its queue of pending events, messages in flight and held at
// paused nodes, timers, the storage its protocol writes and its faults,
// kept as a running total, so that a run stops at the same event every
// time; see DefaultMaxMemory for how it compares with the process's real
// use, and why a Go memory limit is only a backstop. A protocol that
// panics stops the run with a *PanicError that has the seed, the time,
// the event index and the stack.
//
// Building a run is bounded too: a scenario holds at most limits.max_faults
// faults (default 100,000) once its nemesis is drawn, and a nemesis whose
// interval would draw more is an error before a fault is drawn. Times that
// are added together (a fault's at and for, a delay and the true time, a
// clock's offset and its steps) are bounded so that no sum can wrap.
//
// A fault that cannot take effect (a restart of a node that is up, a crash
// of one that is down, a pause of one down or paused) changes nothing, and
// says so: a fault-ignored event whose tag reads "restart n2: n2 is up",
// which reports list as a warning.
//
// # Scenario files
//
// A scenario is YAML, decoded strictly: an unknown field, a value of the
// wrong type, a duration without its unit, an out-of-range value, an
// unknown node or a fault outside the run is an error naming the file, the
// line and the field. Durations are written with units ("150ms", "2s").
//
// Reading is bounded, since a scenario file may come from anyone: Load
// reads a regular file only (not a directory, a FIFO or /dev/zero), of at
// most MaxScenarioBytes; a file of more than MaxScenarioTokens tokens (some
// ten thousand faults), nesting deeper than MaxScenarioDepth or with an
// indented mapping of more than MaxScenarioKeys keys is refused before it
// is parsed; YAML anchors, aliases and merge keys are refused (a
// few lines of aliases stand for billions of values); a number too large
// for its field is an error, never a wrapped value; and text holds no
// control characters (a name is printed on a terminal), a tab or a line
// break aside, and the name not those either. ParseValue reads a value
// from the command line within the same bounds.
//
//	name: lease-gc-pause
//	description: free text
//	nodes: 5                 # participants n1..n5
//	duration: 60s            # true time the run covers
//	seed: 1                  # used unless the command line gives one
//	protocol:                # the name and the protocol's own parameters
//	  name: raft
//	  prevote: true
//	workload:
//	  act_every: 100ms       # default 100ms
//	  jitter: 0.1            # each interval ±10%, default 0
//	  warmup: 5s             # left out of availability, default 0
//	  timeout: 5s            # an act accepted later counts as failed, default 5s
//	network:
//	  latency: {dist: uniform, min: 1ms, max: 5ms}   # default constant 1ms
//	  loss: 0.01
//	  duplicate: 0
//	  reorder: false         # false: every link is FIFO
//	  links:                 # per-link overrides, fields left out unchanged
//	    - {from: n1, to: n3, both: true, loss: 0.9}
//	clocks:
//	  drift_ppm: 0           # every node's drift
//	  random_drift_ppm: 100  # plus a draw uniform in ±100 ppm
//	  random_offset: 1s      # wall offset uniform in ±1s
//	  nodes:
//	    n2: {drift_ppm: 500, offset: -3s}
//	resource:
//	  fencing: none          # or generation
//	disk:                    # durable writes take time (default: none)
//	  latency: {dist: uniform, min: 1ms, max: 10ms}  # every node's
//	  nodes:
//	    n1: {dist: constant, value: 20ms}
//	boot:                    # nodes that start late, down until then
//	  n5: 2s..4s             # a time, or a range drawn per seed
//	faults:
//	  - {at: 10s, partition: {groups: [[n1, n2], [n3, n4, n5]], place: {resource: n3}}}
//	  - {at: 10s, partition: {shape: bridge}}       # isolate (with node), halves,
//	  - {at: 10s, partition: {shape: isolate, node: n1}}  # random-halves, majorities-ring
//	  - {at: 12s, cut: {from: [n1], to: [n2, n3]}}  # one way
//	  - {at: 20s, heal: true}
//	  - {at: 5s, crash: n1}
//	  - {at: 6s, restart: n1}
//	  - {at: 5s, crash: n1, for: 1s}                # restarted after 1s
//	  - {at: 9s, partition: {shape: halves}, for: 2s}   # healed after 2s
//	  - {at: 5s, pause: {node: n1, for: 3s}}
//	  - {at: 7s, clock_step: {node: n2, by: -2s}}   # wall clock only
//	  - {at: 7s, drift: {node: n2, ppm: 500}}       # or reset: true
//	  - {at: 8s, link: {from: n1, to: n2, both: true, loss: 0.5}}
//	  - {at: 20s..20.1s, crash: leader, for: 5s}    # a role, at a drawn time
//	  - {at: 30s, crash: follower}                  # also any; restart: crashed
//	  - {at: 31s, restart: crashed}
//	  - {at: 40s, partition: {shape: halves, leader: minority}}  # or majority;
//	                                                # bridge takes bridge or side
//	  - {at: 50s, partition: {groups: [[leader, n5], [followers]]}}
//	  - {at: 55s, cut: {from: [leader], to: [coord]}}
//	nemesis:                 # random faults from the faults stream
//	  interval: 5s           # mean time between faults
//	  kinds: [partition, crash, pause]   # also cut, clock_step, drift, link
//	  targets: [leader, n3]  # nodes or roles to crash, pause, skew, isolate
//	  quiet: 10s             # no fault in the last 10s
//	  max_for: 5s            # each fault is undone within this
//	expect:
//	  properties: [single-leader-per-generation]   # also single-belief-per-generation,
//	                                               # fenced-resource, liveness,
//	                                               # no-lost-writes (with a store)
//	  liveness: 10s          # an act accepted within 10s of the last fault
//	  max_split_brain: 0s    # at most this long with two believers
//	  min_availability: 0.9  # at least this share of act slots
//	  leader_at_end: [n1, n2, n3]          # the leader at the end is one of these
//	  leader_by: {at: 10s, among: [n1, n2, n3]}   # at 10s one of these leads
//	  no_leader_change_after: 25s          # no new leadership belief after 25s
//	  max_leader_changes: 1                # Lead events after the first
//	  max_leaderless: 3s                   # time without a leader after the first, in all
//	  max_leaderless_stretch: 2s           # the longest single stretch of it
//	  out_of_service_at_end: [n1, n2]      # exactly these: crashed, not booted,
//	                                       # or downed by their protocol
//	limits: {max_events: 100000000, max_in_flight: 1000000, max_at_instant: 1000000,
//	         max_memory: 2GiB, max_faults: 100000}
//
// Partition shapes lay out the participants (in the order given by order:,
// ID order by default); services stay reachable from everyone unless place:
// puts them with a node. The nemesis, and random-halves without an order,
// are expanded with the seed into plain faults (Scenario.Expand), so a
// failing run is saved as a plain scenario that replays without the
// generator.
package sim
