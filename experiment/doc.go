// Package experiment runs comparisons: named protocol configurations side
// by side, over axes of any scenario field, on the same seeds, so that every
// configuration meets the same faults for the same seed and point.
//
// An experiment is a file (see Load) or built from a scenario and the
// sweep command's flags (see FromFlags):
//
//	name: pause-length
//	base: ../lease-gc-pause.yaml       # the scenario, relative to this file
//	seeds: 1-20
//	configurations:
//	  - name: lease
//	    protocol: {name: lease, fenced: false}
//	  - name: lease fenced
//	    protocol: {name: lease}
//	    set: {resource.fencing: generation}   # any scenario field by its path
//	axes:
//	  - path: faults[0].pause.for
//	    values: [5s, 10s, 15s]
//	  - path: network.loss
//	    range: {from: 0, to: 0.1, step: 0.05}
//	  - path: faults[1]                # a whole fault, named by labels
//	    values: [{at: 10s, partition: {shape: halves}}, {at: 10s, partition: {shape: bridge}}]
//	    labels: [halves, bridge]
//	paired: false                      # true: the axes go value by value
//
// A configuration starts from the base scenario's protocol parameters that
// its protocol has too: all of them for the base's own protocol ({name:
// raft, prevote: true} is the base's Raft with PreVote), Raft's timings for
// the routing-aware election, none of Raft's for SBR. A path names a field as errors do (workload.act_every, faults[0].for,
// network.latency, protocol.prevote, nodes); a value is YAML, as it would be
// written in the scenario. Each configuration at each point is a scenario
// checked as a file would be, before any run: a bad path or value is an
// error at its line of the experiment file.
//
// Runs go on parallel workers and come back as Rows, one per run, in the
// order they finish; a Row is a JSON line (the results file), so that a
// sweep can stream, resume, split into shards and merge. Rows carry the
// experiment's Hash, which changes with everything but the seeds: rows of
// another experiment are never mixed in, and more seeds extend a file.
package experiment
