package sim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/electsim/electsim/sim"
)

// fiveNodes is a valid five-node scenario in five lines; a row adds its mistake
// from line 6 on.
const fiveNodes = `name: t
nodes: 5
duration: 30s
protocol:
  name: example/beacon
`

// malformed lists bad scenarios and the one problem each must report: the
// field, the line and a distinctive part of the message.
var malformed = []struct {
	name     string
	yaml     string
	services []string // the protocol's services, for Validate
	field    string
	line     int
	msg      string
}{
	// Decoding.
	{name: "unknown top-level field", yaml: fiveNodes + "colour: red\n",
		field: "colour", line: 6, msg: `unknown field "colour"`},
	{name: "unknown field in network", yaml: fiveNodes + "network:\n  latency: {dist: constant, value: 1ms}\n  jitter: 5ms\n",
		field: "network.jitter", line: 8, msg: `unknown field "jitter"`},
	{name: "unknown field in a latency", yaml: fiveNodes + "network:\n  latency: {dist: constant, value: 1ms, shape: 2}\n",
		field: "network.latency.shape", line: 7, msg: `unknown field "shape"`},
	{name: "unknown field in a fault", yaml: fiveNodes + "faults:\n  - at: 1s\n    crash: n1\n    reason: test\n",
		field: "faults[0].reason", line: 9, msg: `unknown field "reason"`},
	{name: "misspelt field in a network", yaml: fiveNodes + "network:\n  latncy: {dist: constant, value: 1ms}\n",
		field: "network.latncy", line: 7, msg: `unknown field "latncy" (did you mean latency?)`},
	{name: "misspelt field in a fault's partition", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition: {shap: halves}\n",
		field: "faults[0].partition.shap", line: 8, msg: `unknown field "shap" (did you mean shape?)`},
	{name: "unknown field in the nemesis", yaml: fiveNodes + "nemesis:\n  interval: 1s\n  frequency: 3\n",
		field: "nemesis.frequency", line: 8, msg: `unknown field "frequency"`},
	{name: "a key that is not text", yaml: fiveNodes + "network:\n  loss: 0.1\n  1: 0.5\n",
		field: "network.1", line: 8, msg: "names are text, got 1"},
	{name: "nodes as a word", yaml: "name: t\nnodes: \"five\"\nduration: 30s\nprotocol: {name: x}\n",
		field: "nodes", line: 2, msg: `want a whole number, got "five"`},
	{name: "nodes as a fraction", yaml: "name: t\nnodes: 5.5\nduration: 30s\nprotocol: {name: x}\n",
		field: "nodes", line: 2, msg: "want a whole number, got 5.5"},
	{name: "duration as a bare number", yaml: "name: t\nnodes: 5\nduration: 30\nprotocol: {name: x}\n",
		field: "duration", line: 3, msg: `want a duration such as "150ms" or "2s", got 30`},
	{name: "malformed duration", yaml: "name: t\nnodes: 5\nduration: 10 parsecs\nprotocol: {name: x}\n",
		field: "duration", line: 3, msg: `got "10 parsecs"`},
	{name: "malformed duration deep down", yaml: fiveNodes + "clocks:\n  nodes:\n    n1: {offset: 3 weeks}\n",
		field: "clocks.nodes.n1.offset", line: 8, msg: `got "3 weeks"`},
	{name: "fault time as a bare number", yaml: fiveNodes + "faults:\n  - at: 10\n    heal: true\n",
		field: "faults[0].at", line: 7, msg: "got 10"},
	{name: "loss as a word", yaml: fiveNodes + "network:\n  loss: lots\n",
		field: "network.loss", line: 7, msg: `want a number, got "lots"`},
	{name: "cut from a single name", yaml: fiveNodes + "faults:\n  - at: 1s\n    cut:\n      from: n1\n      to: [n2]\n",
		field: "faults[0].cut.from", line: 9, msg: "sequence is expected"},
	{name: "protocol as a word", yaml: "name: t\nnodes: 5\nduration: 30s\nprotocol: raft\n",
		field: "protocol", line: 4, msg: "want a mapping such as {name: raft"},
	{name: "protocol name a number", yaml: "name: t\nnodes: 5\nduration: 30s\nprotocol:\n  name: 7\n",
		field: "protocol.name", line: 5, msg: "want a protocol name, got 7"},
	{name: "a tag where a list belongs", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition:\n      groups:\n        - !x 0\n",
		field: "faults[0].partition.groups[0]", line: 10, msg: "YAML tags such as !x have no use in a scenario"},
	{name: "YAML syntax error", yaml: "name: t\nnodes: [5\nduration: 30s\n",
		field: "", line: 3, msg: "']' must be specified"},
	{name: "empty file", yaml: "",
		field: "", line: 0, msg: "empty scenario"},
	{name: "only a comment", yaml: "# nothing yet\n",
		field: "", line: 0, msg: "empty scenario"},
	{name: "two YAML documents", yaml: "name: a\n---\nname: b\n",
		field: "", line: 3, msg: "one YAML document"},
	{name: "a list, not a mapping", yaml: "- name: t\n- nodes: 5\n",
		field: "", line: 1, msg: "a scenario is a mapping of fields"},

	// Validation: the top level.
	{name: "protocol.name missing", yaml: "name: t\nnodes: 5\nduration: 30s\nprotocol:\n  interval: 1s\n",
		field: "protocol.name", line: 4, msg: "missing: which protocol to run"},
	{name: "no nodes", yaml: "name: t\nnodes: 0\nduration: 30s\nprotocol: {name: x}\n",
		field: "nodes", line: 2, msg: "must be 1..1024, got 0"},
	{name: "too many nodes", yaml: "name: t\nnodes: 1025\nduration: 30s\nprotocol: {name: x}\n",
		field: "nodes", line: 2, msg: "must be 1..1024, got 1025"},
	{name: "zero duration", yaml: "name: t\nnodes: 5\nduration: 0s\nprotocol: {name: x}\n",
		field: "duration", line: 3, msg: "must be positive"},
	{name: "unknown fencing", yaml: fiveNodes + "resource:\n  fencing: lease\n",
		field: "resource.fencing", line: 7, msg: `unknown fencing "lease"`},
	{name: "workload jitter", yaml: fiveNodes + "workload:\n  jitter: 0.9\n",
		field: "workload.jitter", line: 7, msg: "must be in [0, 0.5], got 0.9"},
	{name: "warmup beyond the run", yaml: fiveNodes + "workload:\n  warmup: 40s\n",
		field: "workload.warmup", line: 7, msg: "must be in [0, duration), got 40s"},
	{name: "negative client timeout", yaml: fiveNodes + "workload:\n  timeout: -1s\n",
		field: "workload.timeout", line: 7, msg: "must not be negative, got -1s"},

	// Validation: network.
	{name: "negative latency", yaml: fiveNodes + "network:\n  latency: {dist: constant, value: -1ms}\n",
		field: "network.latency.value", line: 7, msg: "latency must not be negative"},
	{name: "loss above 1", yaml: fiveNodes + "network:\n  loss: 2\n",
		field: "network.loss", line: 7, msg: "probability 2 is outside [0, 1]"},
	{name: "negative duplicate", yaml: fiveNodes + "network:\n  duplicate: -0.5\n",
		field: "network.duplicate", line: 7, msg: "probability -0.5 is outside [0, 1]"},
	{name: "unknown distribution", yaml: fiveNodes + "network:\n  latency:\n    dist: gaussian\n",
		field: "network.latency.dist", line: 8, msg: `unknown distribution "gaussian"`},
	{name: "uniform max below min", yaml: fiveNodes + "network:\n  latency: {dist: uniform, min: 5ms, max: 1ms}\n",
		field: "network.latency.max", line: 7, msg: "uniform max 1ms is below min 5ms"},
	{name: "link to itself", yaml: fiveNodes + "network:\n  links:\n    - {from: n1, to: n1, loss: 0.5}\n",
		field: "network.links[0].to", line: 8, msg: "got n1 to itself"},

	// Validation: disks.
	{name: "a disk of an unknown node", yaml: fiveNodes + "disk:\n  nodes:\n    n9: {dist: constant, value: 1ms}\n",
		field: "disk.nodes.n9", line: 8, msg: `unknown node "n9"`},
	{name: "a disk that writes before it is asked", yaml: fiveNodes + "disk:\n  latency: {dist: constant, value: -1ms}\n",
		field: "disk.latency.value", line: 7, msg: "latency must not be negative"},
	{name: "a disk latency with no distribution", yaml: fiveNodes + "disk:\n  latency: 5ms\n",
		field: "disk.latency", line: 7, msg: "mapping is expected"},

	// Validation: clocks.
	{name: "drift beyond bound", yaml: fiveNodes + "clocks:\n  drift_ppm: 600000\n",
		field: "clocks.drift_ppm", line: 7, msg: "drift 600000 ppm is outside ±500000 ppm"},
	{name: "drift plus spread beyond bound", yaml: fiveNodes + "clocks:\n  drift_ppm: 400000\n  random_drift_ppm: 200000\n",
		field: "clocks.random_drift_ppm", line: 8, msg: "reaches outside ±500000 ppm"},
	{name: "clock of an unknown node", yaml: fiveNodes + "clocks:\n  nodes:\n    n8: {drift_ppm: 10}\n",
		field: "clocks.nodes.n8", line: 8, msg: `unknown node "n8" (nodes: n1..n5, resource)`},

	// Validation: faults.
	{name: "crash of an unknown node", yaml: fiveNodes + "faults:\n  - at: 1s\n    crash: n9\n",
		field: "faults[0].crash", line: 8, msg: `unknown node "n9"`},
	{name: "fault at the end", yaml: fiveNodes + "faults:\n  - at: 30s\n    heal: true\n",
		field: "faults[0].at", line: 7, msg: "fault at 30s is outside the run [0, 30s)"},
	{name: "fault before the start", yaml: fiveNodes + "faults:\n  - at: -1s\n    heal: true\n",
		field: "faults[0].at", line: 7, msg: "fault at -1s is outside the run"},
	{name: "fault of two kinds", yaml: fiveNodes + "faults:\n  - at: 1s\n    crash: n1\n    heal: true\n",
		field: "faults[0]", line: 7, msg: "exactly one kind (partition, cut, heal, crash, restart, pause, clock_step, drift, link), got heal and crash"},
	{name: "fault of no kind", yaml: fiveNodes + "faults:\n  - at: 1s\n",
		field: "faults[0]", line: 7, msg: "exactly one kind (partition, cut, heal, crash, restart, pause, clock_step, drift, link), got none"},
	{name: "endless pause", yaml: fiveNodes + "faults:\n  - at: 1s\n    pause: {node: n1, for: 2562047h}\n",
		field: "faults[0].pause.for", line: 8, msg: "at most 720h0m0s, got 2562047h"},
	{name: "empty pause", yaml: fiveNodes + "faults:\n  - at: 1s\n    pause: {node: n1, for: 0s}\n",
		field: "faults[0].pause.for", line: 8, msg: "a pause lasts a positive time, at most 720h0m0s, got 0s"},
	{name: "availability above one", yaml: fiveNodes + "expect:\n  min_availability: 1.5\n",
		field: "expect.min_availability", line: 7, msg: "must be in [0, 1], got 1.5"},
	{name: "a negative split-brain bound", yaml: fiveNodes + "expect:\n  max_split_brain: -1s\n",
		field: "expect.max_split_brain", line: 7, msg: "must not be negative"},
	{name: "a heal that lasts", yaml: fiveNodes + "faults:\n  - at: 1s\n    heal: true\n    for: 2s\n",
		field: "faults[0].for", line: 9, msg: "only a crash (restarted after it), a partition or a cut (healed after it) takes for; a heal does not"},
	{name: "a crash for a negative time", yaml: fiveNodes + "faults:\n  - {at: 1s, crash: n1, for: -2s}\n",
		field: "faults[0].for", line: 7, msg: "must be positive"},
	{name: "groups and a shape", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition:\n      groups: [[n1, n2], [n3]]\n      shape: halves\n",
		field: "faults[0].partition", line: 8, msg: "give either groups or a shape"},
	{name: "unknown shape", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition: {shape: triangle}\n",
		field: "faults[0].partition.shape", line: 8, msg: `unknown shape "triangle"`},
	{name: "majorities-ring of three", yaml: "name: t\nnodes: 3\nduration: 30s\nprotocol: {name: x}\nfaults:\n  - at: 1s\n    partition: {shape: majorities-ring}\n",
		field: "faults[0].partition.shape", line: 7, msg: "majorities-ring needs at least 4 participants, has 3"},
	{name: "node in two groups", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition:\n      groups:\n        - [n1, n2]\n        - [n2, n3]\n",
		field: "faults[0].partition.groups[1][0]", line: 11, msg: "node n2 is in two groups"},
	{name: "place a participant", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition:\n      shape: halves\n      place:\n        n1: n2\n",
		services: []string{"coord"},
		field:    "faults[0].partition.place.n1", line: 11, msg: `"n1" is not a service node (resource, coord)`},
	{name: "cut from an unknown node", yaml: fiveNodes + "faults:\n  - at: 1s\n    cut:\n      from: [n7]\n      to: [n1]\n",
		field: "faults[0].cut.from[0]", line: 9, msg: `unknown node "n7"`},

	// Validation: roles, ranges and boot times.
	{name: "a restart of the leader", yaml: fiveNodes + "faults:\n  - {at: 1s, restart: leader}\n",
		field: "faults[0].restart", line: 7, msg: "leader is a role this place does not take; it takes a node or crashed"},
	{name: "a crash of the followers", yaml: fiveNodes + "faults:\n  - {at: 1s, crash: followers}\n",
		field: "faults[0].crash", line: 7, msg: "followers is a role this place does not take; it takes a node or leader, follower or any"},
	{name: "a misspelt role", yaml: fiveNodes + "faults:\n  - {at: 1s, crash: leeder}\n",
		field: "faults[0].crash", line: 7, msg: `unknown node "leeder"`},
	{name: "a pause of the crashed node", yaml: fiveNodes + "faults:\n  - {at: 1s, pause: {node: crashed, for: 1s}}\n",
		field: "faults[0].pause.node", line: 7, msg: "crashed is a role this place does not take"},
	{name: "a role in the network section", yaml: fiveNodes + "network:\n  links:\n    - {from: leader, to: n2, loss: 0.5}\n",
		field: "network.links[0].from", line: 8, msg: "leader is a role, which only faults resolve"},
	{name: "a role in a shape's order", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition: {shape: halves, order: [leader, n1, n2, n3, n4]}\n",
		field: "faults[0].partition.order[0]", line: 8, msg: `"leader" is not a participant`},
	{name: "a role twice in a group", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition: {groups: [[leader], [followers, followers]]}\n",
		field: "faults[0].partition.groups[1][1]", line: 8, msg: "node followers is in two groups"},
	{name: "a shape that cannot place the leader", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition: {shape: majorities-ring, leader: minority}\n",
		field: "faults[0].partition.leader", line: 8, msg: "majorities-ring cannot place the leader"},
	{name: "a place a shape does not have", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition: {shape: bridge, leader: minority}\n",
		field: "faults[0].partition.leader", line: 8, msg: `bridge puts the leader bridge or side, got "minority"`},
	{name: "a minority of equal halves", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition: {shape: halves, order: [n1, n2, n3, n4], leader: minority}\n",
		field: "faults[0].partition.leader", line: 8, msg: "halves of 4 nodes are equal"},
	{name: "groups that place the leader", yaml: fiveNodes + "faults:\n  - at: 1s\n    partition: {groups: [[n1], [n2]], leader: minority}\n",
		field: "faults[0].partition.leader", line: 8, msg: "place the leader in groups by naming it"},
	{name: "a range backwards", yaml: fiveNodes + "faults:\n  - {at: 5s..4s, heal: true}\n",
		field: "faults[0].at", line: 7, msg: "the range 5s..4s runs backwards"},
	{name: "a range past the end", yaml: fiveNodes + "faults:\n  - {at: 20s..40s, heal: true}\n",
		field: "faults[0].at", line: 7, msg: "fault at 20s..40s is outside the run [0, 30s)"},
	{name: "a malformed range", yaml: fiveNodes + "faults:\n  - {at: 4s..soon, heal: true}\n",
		field: "faults[0].at", line: 7, msg: `want a duration such as "150ms", or a range such as "4s..4.05s", got "4s..soon"`},
	{name: "a range as a mapping", yaml: fiveNodes + "faults:\n  - at: {from: 4s, to: 5s}\n    heal: true\n",
		field: "faults[0].at", line: 7, msg: "want a duration such as"},
	{name: "a range for a downtime that may be none", yaml: fiveNodes + "faults:\n  - {at: 1s, crash: n1, for: 0s..1s}\n",
		field: "faults[0].for", line: 7, msg: "must be positive and at most 720h0m0s, got 0s..1s"},
	{name: "a pause range backwards", yaml: fiveNodes + "faults:\n  - {at: 1s, pause: {node: leader, for: 2s..1s}}\n",
		field: "faults[0].pause.for", line: 7, msg: "the range 2s..1s runs backwards"},
	{name: "a boot after the end", yaml: fiveNodes + "boot:\n  n2: 40s\n",
		field: "boot.n2", line: 7, msg: "boot at 40s is outside the run [0, 30s)"},
	{name: "a boot range past the end", yaml: fiveNodes + "boot:\n  n2: 1s..30s\n",
		field: "boot.n2", line: 7, msg: "boot at 1s..30s is outside the run"},
	{name: "a boot of an unknown node", yaml: fiveNodes + "boot:\n  n9: 1s\n",
		field: "boot.n9", line: 7, msg: `unknown node "n9"`},
	{name: "a boot time without its unit", yaml: fiveNodes + "boot:\n  n2: 3\n",
		field: "boot.n2", line: 7, msg: "got 3"},

	// Validation: outcomes.
	{name: "a leader at the end that is no participant", yaml: fiveNodes + "expect:\n  leader_at_end: [n1, resource]\n",
		field: "expect.leader_at_end[1]", line: 7, msg: `"resource" is not a participant`},
	{name: "no leader at the end to expect", yaml: fiveNodes + "expect:\n  leader_at_end: []\n",
		field: "expect.leader_at_end", line: 7, msg: "needs at least 1 participant"},
	{name: "a leader by a time after the end", yaml: fiveNodes + "expect:\n  leader_by: {at: 31s}\n",
		field: "expect.leader_by.at", line: 7, msg: "time 31s is not inside the run [0, 30s)"},
	{name: "a leader by a time among a node twice", yaml: fiveNodes + "expect:\n  leader_by: {at: 10s, among: [n1, n1]}\n",
		field: "expect.leader_by.among[1]", line: 7, msg: "node n1 appears twice"},
	{name: "a leader by a time with no time", yaml: fiveNodes + "expect:\n  leader_by: {among: [n1], by: 3s}\n",
		field: "expect.leader_by.by", line: 7, msg: `unknown field "by"`},
	{name: "no change after a negative time", yaml: fiveNodes + "expect:\n  no_leader_change_after: -1s\n",
		field: "expect.no_leader_change_after", line: 7, msg: "time -1s is not inside the run"},
	{name: "fewer than no leader changes", yaml: fiveNodes + "expect:\n  max_leader_changes: -1\n",
		field: "expect.max_leader_changes", line: 7, msg: "must not be negative, got -1"},
	{name: "a fraction of a leader change", yaml: fiveNodes + "expect:\n  max_leader_changes: 1.5\n",
		field: "expect.max_leader_changes", line: 7, msg: "want a whole number, got 1.5"},
	{name: "a negative leaderless bound", yaml: fiveNodes + "expect:\n  max_leaderless: -2s\n",
		field: "expect.max_leaderless", line: 7, msg: "must not be negative, got -2s"},
	{name: "a negative leaderless stretch", yaml: fiveNodes + "expect:\n  max_leaderless_stretch: -2s\n",
		field: "expect.max_leaderless_stretch", line: 7, msg: "must not be negative, got -2s"},
	{name: "a service out of service", yaml: fiveNodes + "expect:\n  out_of_service_at_end: [coord]\n",
		services: []string{"coord"},
		field:    "expect.out_of_service_at_end[0]", line: 7, msg: `"coord" is not a participant`},

	// Validation: the nemesis.
	{name: "a nemesis that restarts the crashed node", yaml: fiveNodes + "nemesis:\n  interval: 1s\n  targets: [n1, crashed]\n",
		field: "nemesis.targets[1]", line: 8, msg: "crashed is a role this place does not take; it takes a node or leader, follower or any"},
	{name: "nemesis of an unknown kind", yaml: fiveNodes + "nemesis:\n  interval: 1s\n  kinds: [partition, meteor]\n",
		field: "nemesis.kinds[1]", line: 8, msg: `unknown kind "meteor"`},
	{name: "nemesis with no time left", yaml: fiveNodes + "nemesis:\n  interval: 1s\n  start: 20s\n  quiet: 10s\n",
		field: "nemesis.quiet", line: 9, msg: "start 20s and quiet 10s leave no time for faults in a run of 30s"},
	{name: "nemesis starting after the end", yaml: fiveNodes + "nemesis:\n  interval: 1s\n  start: 2562047h\n  quiet: 2562047h\n",
		field: "nemesis.start", line: 8, msg: "leave no time for faults"},
	{name: "nemesis with a negative min_for", yaml: fiveNodes + "nemesis:\n  interval: 1s\n  min_for: -1s\n",
		field: "nemesis.min_for", line: 8, msg: "must not be negative, got -1s"},
	{name: "nemesis interval beyond any run", yaml: fiveNodes + "nemesis:\n  interval: 2000000h\n",
		field: "nemesis.interval", line: 7, msg: "must be positive and at most 720h0m0s"},
}

// problems returns the scenario errors in err, and fails on any other error.
func scenarioProblems(t *testing.T, err error) []*sim.ScenarioError {
	t.Helper()
	var many sim.ScenarioErrors
	if errors.As(err, &many) {
		return many
	}
	var one *sim.ScenarioError
	if errors.As(err, &one) {
		return []*sim.ScenarioError{one}
	}
	t.Fatalf("error %T is not a scenario error: %v", err, err)
	return nil
}

// parseAndValidate runs a scenario file through the decoder and, if it
// decodes, the validator.
func parseAndValidate(name, text string, services []string) (*sim.Scenario, error) {
	scn, err := sim.Parse(name, []byte(text))
	if err != nil {
		return nil, err
	}
	return scn, scn.Validate(services)
}

func TestMalformedScenarios(t *testing.T) {
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			const file = "bad.yaml"
			_, err := parseAndValidate(file, tc.yaml, tc.services)
			if err == nil {
				t.Fatalf("no error for\n%s", tc.yaml)
			}
			got := scenarioProblems(t, err)
			if len(got) != 1 {
				t.Fatalf("want one problem, got %d:\n%v", len(got), err)
			}
			e := got[0]
			if e.Field != tc.field || e.Line != tc.line || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("got field %q, line %d, message %q\nwant field %q, line %d, message containing %q",
					e.Field, e.Line, e.Msg, tc.field, tc.line, tc.msg)
			}
			if !strings.HasPrefix(err.Error(), file) {
				t.Errorf("error does not begin with the file name: %q", err.Error())
			}
		})
	}
}

// everySection is a valid scenario that writes every field there is.
const everySection = `name: every-section
description: a valid scenario that uses every section
nodes: 5
duration: 1m
seed: 42
protocol:
  name: example/beacon
  interval: 100ms
  timeout_min: 300ms
  enabled: true
workload:
  act_every: 50ms
  jitter: 0.2
  warmup: 2s
network:
  latency: {dist: lognormal, median: 2ms, sigma: 0.5, min: 1ms, max: 50ms}
  loss: 0.01
  duplicate: 0.001
  reorder: true
  links:
    - from: n1
      to: n2
      both: true
      latency: {dist: uniform, min: 1ms, max: 5ms}
      loss: 0.2
      duplicate: 0.1
      reorder: false
clocks:
  drift_ppm: 10
  random_drift_ppm: 100
  random_offset: 5ms
  nodes:
    n3: {drift_ppm: -250.5, offset: -20ms}
resource:
  fencing: generation
boot:
  n5: 1s..2s
  coord: 500ms
disk:
  latency: {dist: uniform, min: 1ms, max: 10ms}
  nodes:
    n1: {dist: constant, value: 20ms}
faults:
  - at: 5s
    partition:
      groups: [[n1, n2], [n3, n4, n5]]
      place: {coord: n1}
  - at: 8s
    heal: true
  - at: 10s
    partition: {shape: random-halves, order: [n5, n4, n3, n2, n1]}
  - at: 11s
    partition: {shape: isolate, node: n2}
  - at: 12s
    cut: {from: [n1], to: [n2, n3]}
  - at: 14s
    heal: true
  - at: 15s
    crash: n4
  - at: 17s
    restart: n4
  - at: 18s
    pause: {node: n5, for: 300ms}
  - at: 19s
    clock_step: {node: n1, by: -2s}
  - at: 20s
    drift: {node: n2, ppm: 400}
  - at: 25s
    drift: {node: n2, reset: true}
  - at: 26s
    link: {from: n3, to: coord, loss: 0.5}
  - at: 27s..27.5s
    crash: leader
    for: 1s..2s
  - at: 29s
    restart: crashed
  - at: 29s
    pause: {node: follower, for: 10ms..20ms}
  - at: 29s
    partition: {shape: halves, leader: minority}
  - at: 29s
    partition: {shape: bridge, leader: side}
  - at: 29s
    partition: {groups: [[leader, n1], [followers]], place: {coord: any}}
  - at: 29s
    cut: {from: [leader], to: [coord, followers]}
nemesis:
  interval: 3s
  kinds: [partition, cut, crash, pause, clock_step, drift, link]
  start: 30s
  quiet: 10s
  min_for: 200ms
  max_for: 2s
  shapes: [halves, bridge]
  targets: [n1, n2, n3, leader, follower]
  max_step: 500ms
  max_drift_ppm: 200
  loss: 0.5
expect:
  properties: [single-leader-per-generation]
  max_split_brain: 1s
  min_availability: 0.5
  liveness: 10s
  leader_at_end: [n1, n2]
  leader_by: {at: 10s, among: [n3]}
  no_leader_change_after: 40s
  max_leader_changes: 3
  max_leaderless: 2s
  max_leaderless_stretch: 1s
  out_of_service_at_end: []
limits:
  max_events: 1000000
  max_in_flight: 10000
  max_at_instant: 5000
`

var withCoord = []string{"coord"}

func TestEverySectionRoundTrips(t *testing.T) {
	scn, err := parseAndValidate("every.yaml", everySection, withCoord)
	if err != nil {
		t.Fatal(err)
	}
	text, err := scn.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := parseAndValidate("marshalled.yaml", string(text), withCoord)
	if err != nil {
		t.Fatalf("%v\nin\n%s", err, text)
	}
	if diff := cmp.Diff(scn, back, cmpopts.IgnoreUnexported(sim.Scenario{})); diff != "" {
		t.Errorf("Marshal then Parse changed the scenario (-before +after):\n%s\nmarshalled:\n%s", diff, text)
	}
}

// A byte-order mark, which some editors write, is not part of the first key.
func TestByteOrderMark(t *testing.T) {
	if _, err := parseAndValidate("bom.yaml", "\ufeff"+fiveNodes, nil); err != nil {
		t.Fatal(err)
	}
}

// manyProblems has problems in every section, several of them in maps,
// whose order Go does not fix.
const manyProblems = fiveNodes + `workload:
  jitter: 0.9
network:
  loss: 2
clocks:
  nodes:
    n9: {drift_ppm: 1}
    n7: {drift_ppm: 1}
    n8: {drift_ppm: 1}
faults:
  - at: 1s
    partition:
      shape: halves
      place: {zeta: n1, alpha: n1, coord: n6}
nemesis:
  interval: 0s
`

func TestValidateReportsEveryProblemInOrder(t *testing.T) {
	_, err := parseAndValidate("many.yaml", manyProblems, withCoord)
	first := scenarioProblems(t, err)
	var fields []string
	for _, e := range first {
		fields = append(fields, e.Field)
	}
	want := []string{
		"workload.jitter",
		"network.loss",
		"clocks.nodes.n7", "clocks.nodes.n8", "clocks.nodes.n9",
		"faults[0].partition.place.alpha", "faults[0].partition.place.coord", "faults[0].partition.place.zeta",
		"nemesis.interval",
	}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("fields in the wrong order (-want +got):\n%s\n%v", diff, err)
	}
	for i := range 20 {
		_, again := parseAndValidate("many.yaml", manyProblems, withCoord)
		if again.Error() != err.Error() {
			t.Fatalf("run %d reports differently:\n%v\nthen\n%v", i, err, again)
		}
	}
}
