// Electsim runs leader-election protocols in a seeded, deterministic
// simulation of nodes, lossy links and drifting clocks, and checks that no
// two leaders act in the same generation.
//
// Usage:
//
//	electsim run FILE [-seed N] [-protocol NAME] [-set key=value]... [-json] [-save saved.yaml]
//	             [-trace out.jsonl] [-perfetto out.json] [-timeline out.svg|png] [-report out.html]
//	electsim replay FILE [-before 30] [-json] [-trace out.jsonl] [-perfetto out.json] [-timeline out.svg|png]
//	                [-report out.html]
//	electsim sweep FILE [-protocols raft,routing] [-seeds 1-20] [-set key=v1,v2,...]... [-paired]
//	               [-parallel N] [-out results.jsonl [-resume]] [-shard i/n] [-json] [-csv table.csv]
//	               [-plot DIR] [-cdf out.svg|png]
//	electsim merge -o merged.jsonl SHARD.jsonl...
//	electsim plot RESULTS.jsonl -o DIR
//	electsim protocols [NAME...] [-json]
//	electsim version
//	electsim help [COMMAND]
//
// Run runs the scenario in FILE (a YAML file; see scenarios/ for ready ones)
// with the scenario's seed, or with -seed N, and prints a summary: who led
// when (each leadership, the leader at the end, the time without a leader),
// acts issued, accepted and rejected, split-brain time, stale acts,
// availability, messages, each fault with the roles it resolved and what it
// cost (the time to a new leader, to an accepted act issued after it), the
// faults skipped for a role nobody held, and each property with its
// verdict. With -json it prints one JSON object instead, with the fields
// scenario, seed, protocol, events, trace_hash, duration_ns, metrics (with
// metrics.store for a run with a replicated store),
// properties, expected, recoveries, skipped_faults, ignored_faults,
// peak_memory_bytes, leadership,
// leadership_count, leader_at_end, ok and error. -protocol and -set change
// the scenario's protocol, its parameters and any of its fields, to compare
// variants of one story:
//
//	electsim run scenarios/howard-scenario-1.yaml -set prevote=true
//	electsim run scenarios/bridge.yaml -protocol routing
//	electsim run scenarios/store-lww-clock-step.yaml -set store.w=5 -set clocks.random_drift_ppm=100
//	electsim run scenarios/lease-gc-pause.yaml -set 'faults[0].pause.for=5s' -set workload.act_every=50ms
//
// -set key=value (on run and sweep) names a protocol parameter or a
// scenario field by its path, as an experiment's set and axes do: a key
// with a dot or an [index] (store.w, faults[0].pause.for), or a top-level
// scenario field (nodes, duration, store, ...), is a path; protocol.X is
// the parameter X; any other key (prevote, election_timeout_max) is a
// parameter of the protocol. The value reads as YAML ({dist: constant,
// value: 5ms} is a latency), and a later -set of a field wins. A mistake is
// named by its flag, -set store.w=9: store.w: must be 1..5, and a misspelt
// field with the fields that are there.
//
// Both commands can write the run three more ways: -trace, every event as a
// line of JSON; -perfetto, a Chrome trace-event file that ui.perfetto.dev
// opens, one track per node with leadership, crashes and pauses as slices,
// every message an arrow from send to delivery, partitions on a network
// track and the violation marked on each node it involves;
// -timeline, a picture of the run, one row per node over true time;
// -report, one self-contained HTML page that explains the run: its verdict,
// the timeline, the causal story of its violation and a message diagram of
// the events before it.
//
// Run -save writes the run as a plain scenario: the nemesis expanded into
// faults, every random choice made, the seed and the trace hash recorded.
// Replay runs such a file (and what a failing property test writes under
// testdata/failures) with the seed it records, and checks that the run's
// trace hash is the one the file records: a mismatch is an error that says
// the code or the scenario changed, so the run is a new one. It prints the
// first violation, its causal story (the events that happened before it,
// in Lamport's sense, that bear on its generations: leadership, acts,
// promises, and the faults meanwhile) and the events just before it, one
// line each.
//
// Sweep runs an experiment: named configurations (a protocol and its
// parameters, side by side) over axes of any scenario field, each with
// every seed, so that every configuration meets the same faults for the
// same seed and point. FILE is an experiment file (see package experiment
// and scenarios/experiments/) or a scenario, which the flags turn into an
// experiment: each protocol of -protocols (default the scenario's), every
// -set that lists several values an axis of that parameter or field
// (-set store.w=1,3,5), crossed or with -paired value by value, and -seeds (default 1-10; 1-20, 1,2,7 and
// 1-5,9 all work; for an experiment file, its own). Every configuration at
// every point is checked before any run starts. The runs go to -parallel
// workers (default all cores); each is the run electsim run -seed N gives,
// with the same trace hash, and no row depends on scheduling:
//
//	electsim sweep scenarios/howard-scenario-1.yaml -set prevote=false,true -seeds 1-20
//	electsim sweep scenarios/experiments/partition-shape.yaml -plot shape/
//
// It prints a row per configuration and point (a table per configuration
// when one would not fit 100 columns): runs, availability (mean and worst),
// split-brain time (mean and longest), stale acts, leader changes, the time
// to a new leader after a fault (median and longest, with the faults no new
// leader followed or skipped for want of one), and the runs that broke an
// expected property, which are then listed with their seed and the
// electsim run command, with -protocol and -set, that reruns the first. A run that fails (a limit, a panic anywhere in it) is a
// row with its error, and the sweep goes on. -json prints every run and
// summary instead; -csv writes the table with every summary field.
//
// -out writes each run as a JSON line as it finishes; -resume goes on with
// such a file, skipping its runs (a kill leaves at most a partial last
// line, which is cut). Ctrl-C stops the workers, keeps every finished row,
// prints the partial table and exits 130. -shard i/n runs every n-th run
// from the i-th (/n takes i from JOB_COMPLETION_INDEX, as a Kubernetes
// Indexed Job sets it; deploy/ has one); merge combines the shards' files
// into the file the whole sweep would write, refusing rows of another
// experiment and runs given twice. -plot DIR, and plot on a results file,
// draw the comparison charts (availability against the first axis with a
// 5th-95th percentile band, safety, CDFs of the time to a new leader and
// to recovery, a heat map over two axes, paired differences against the
// first configuration); -cdf draws the time to a new leader alone, as the
// Raft paper's figure 16 does (scenarios/raft-figure16.yaml has the
// commands). A progress bar shows on stderr when stderr is a terminal.
// Sweep exits 1 when any run fails or breaks an expected property.
//
// Protocols lists the registered protocols (or those named) with their
// parameters, or with -json as data. Version prints the module version and
// the source revision the binary was built from. Every output flag takes -
// for standard output (one at a time, and not with -json), every output
// path is checked before a run starts, and two flags cannot share a file. -h on any command, or help COMMAND, prints its usage and exits 0.
// Replay -json prints the report, the explained violation, its causal story, the events
// before it and whether the run is the saved one.
//
// The same scenario and seed always give the same run, event for event, and
// the same trace hash.
//
// Exit status: 0 when the run ends and every property the scenario expects
// holds, 1 when one is violated or the run fails (a limit is hit, a protocol
// panics), 2 on bad input or usage, 130 when a sweep is interrupted.
package main

import "github.com/electsim/electsim/cli"

// main is the command with the built-in protocols (package cli registers
// them).
func main() { cli.Main() }
