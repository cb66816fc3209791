package raft_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// TestInitialLogsDecideTheElection is the Raft paper's section 9.3 case of
// unequal logs: a node wins only with the votes of a majority whose logs
// are no more up to date than its own, so n1 and n5, behind three others,
// are not eligible, whatever the seed's timeouts.
func TestInitialLogsDecideTheElection(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		scn := cluster(5, 10*time.Second, map[string]any{
			"initial_logs": map[string]any{"n1": []any{1}, "n2": []any{1, 1, 2}, "n3": []any{1, 1, 2}, "n4": []any{1, 1, 2}},
		})
		scn.Expect.LeaderBy = &sim.LeaderBy{At: 5 * time.Second, Among: []string{"n2", "n3", "n4"}}
		rep := run(t, scn, seed)
		if p := rep.Properties["leader-by"]; !p.OK {
			t.Fatalf("seed %d: %s", seed, p.Detail)
		}
	}
}

func TestRaftParameters(t *testing.T) {
	for _, tc := range []struct {
		params string
		err    string // a substring; "" for none
	}{
		{"election_timer: paper\n  prevote_refusal: thesis\n  commit: false\n  initial_logs: {n1: [1, 2, 2]}", ""},
		{"election_timer: lazy", `protocol.election_timer: want one of etcd, paper, got "lazy"`},
		{"prevote_refusal: sometimes", `want one of etcd, thesis`},
		{"initial_logs: {n7: [1]}", `protocol.initial_logs: "n7" is not a participant (n1..n3)`},
		{"initial_logs: {n1: [2, 1]}", "n1: terms go down at entry 2 (1 after 2)"},
		{"initial_logs: {n1: [0]}", "n1[0]: 0 is outside [1, 4294967296]"},
		{"initial_logs: {n1: 3}", "n1: want a list of whole numbers"},
		{"initial_logs: [1, 2]", "want a list of whole numbers for each node"},
	} {
		scn, err := sim.Parse("t.yaml", []byte("name: t\nnodes: 3\nduration: 10s\nprotocol:\n  name: raft\n  "+tc.params+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", tc.params, err)
		}
		_, _, err = protocols.ForScenario(scn)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.params, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one containing %q", tc.params, err, tc.err)
		}
	}
}

// TestRaftWarnings: settings that are legal but do not do what they seem
// to are accepted with a warning that names the field.
func TestRaftWarnings(t *testing.T) {
	for _, tc := range []struct {
		params string
		warn   string // a substring; "" for no warning
	}{
		{"prevote: true\n  prevote_refusal: thesis", ""},
		{"prevote_refusal: thesis", "prevote_refusal: thesis changes nothing without prevote"},
		{"leader_lease: true", "leader_lease: a leader lease without check_quorum is unsafe"},
	} {
		scn, err := sim.Parse("t.yaml", []byte("name: t\nnodes: 3\nduration: 10s\nprotocol:\n  name: raft\n  "+tc.params+"\n"))
		if err != nil {
			t.Fatalf("%s: %v", tc.params, err)
		}
		_, warnings, err := protocols.ForScenario(scn)
		if err != nil {
			t.Fatalf("%s: %v", tc.params, err)
		}
		got := strings.Join(warnings, "\n")
		if (tc.warn == "") != (got == "") || !strings.Contains(got, tc.warn) {
			t.Errorf("%s: warnings %q, want one containing %q", tc.params, got, tc.warn)
		}
	}
}
