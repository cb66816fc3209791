package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/electsim/electsim/protocols"
)

const (
	lwwStep  = "../scenarios/store-lww-clock-step.yaml"
	gcPause  = "../scenarios/lease-gc-pause.yaml"
	fileLine = `\.yaml:\d+` // a position in a file, which a flag's mistake must not name
)

// TestSetKeyRule holds the rule that tells a scenario field from a
// protocol parameter, and the errors of a key that names nothing.
func TestSetKeyRule(t *testing.T) {
	for _, tc := range []struct {
		key         string
		path, param string
		err         string // a substring; "" for none
	}{
		{key: "prevote", path: "protocol.prevote", param: "prevote"},
		{key: "election_timeout_max", path: "protocol.election_timeout_max", param: "election_timeout_max"},
		{key: "protocol.prevote", path: "protocol.prevote", param: "prevote"},
		{key: "nosuch", path: "protocol.nosuch", param: "nosuch"}, // the protocol says it has none
		{key: "store.w", path: "store.w"},
		{key: "nodes", path: "nodes"},
		{key: "duration", path: "duration"},
		{key: "store", path: "store"},
		{key: "workload.act_every", path: "workload.act_every"},
		{key: "clocks.random_drift_ppm", path: "clocks.random_drift_ppm"},
		{key: "clocks.nodes.n1.offset", path: "clocks.nodes.n1.offset"},
		{key: "faults[0].pause.for", path: "faults[0].pause.for"},
		{key: "faults[0].at", path: "faults[0].at"},
		{key: "network.links[1].latency.value", path: "network.links[1].latency.value"},
		{key: "network.latency", path: "network.latency"},
		{key: "limits.max_memory", path: "limits.max_memory"},
		{key: "protocol.initial_logs.n1", path: "protocol.initial_logs.n1"},
		{key: "", err: "no key before ="},
		{key: "protocol", err: "choose the protocol with -protocol"},
		{key: "protocol.name", err: "choose the protocol with -protocol"},
		{key: "seed", err: "give the seed with -seed"},
		{key: "trace_hash", err: "records its own"},
		{key: "store.ww", err: `store has no field "ww" (did you mean store.w? it has: merge, keys, w, r, quorum, sync_every)`},
		{key: "clockz.random_offset", err: `a scenario has no field "clockz" (did you mean clocks? it has: name, description, nodes,`},
		{key: "workload.act_evry", err: "did you mean workload.act_every?"},
		{key: "store.zzzzzz", err: `store has no field "zzzzzz" (it has: merge,`},
		{key: "faults.at", err: "faults is a list: name an item by its index, such as faults[0].at"},
		{key: "nodes.x", err: `nodes is a value, not a mapping: it has no field "x"`},
		{key: "nodes[0]", err: "nodes is not a list, so it has no item [0]"},
		{key: "faults[x].at", err: "want an index such as [0]"},
		{key: "faults[0]x", err: "want a dot after ]"},
		{key: ".store", err: "does not start with a field name"},
		{key: "store..w", err: "has an empty field name"},
	} {
		got, err := parseSetKey(tc.key, "-protocol")
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want %q", tc.key, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.key, err)
		case tc.err == "" && (got.path != tc.path || got.param != tc.param):
			t.Errorf("%q: path %q, parameter %q; want %q, %q", tc.key, got.path, got.param, tc.path, tc.param)
		}
	}
}

// TestSetKeysDoNotCollide: the rule reads a top-level scenario field
// before a parameter, so no protocol may have a parameter of that name.
func TestSetKeysDoNotCollide(t *testing.T) {
	for _, spec := range protocols.All() {
		for _, p := range spec.Params {
			if slices.Contains(scenarioFields, p.Name) {
				t.Errorf("%s's parameter %s is named as a scenario field: -set %s would set the field", spec.Name, p.Name, p.Name)
			}
		}
	}
}

// savedWith runs a scenario with flags and returns the scenario it saves.
func savedWith(t *testing.T, wantCode int, file string, args ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "saved.yaml")
	args = append([]string{"run", file, "-save", path}, args...)
	code, out, errOut := electsim(args...)
	if code != wantCode {
		t.Fatalf("electsim %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, out, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestRunSetsScenarioFields: -set reaches a scenario field by its path, as
// an experiment does, next to the protocol's parameters.
func TestRunSetsScenarioFields(t *testing.T) {
	saved := savedWith(t, 1, lwwStep, "-set", "store.w=5", "-set", "clocks.random_drift_ppm=100",
		"-set", "workload.act_every=50ms", "-set", "protocol.prevote=true", "-set", "check_quorum=true")
	for _, want := range []string{"\n  w: 5\n", "random_drift_ppm: 100", "act_every: 50ms", "prevote: true", "check_quorum: true"} {
		if !strings.Contains(saved, want) {
			t.Errorf("the saved run lacks %q:\n%s", want, saved)
		}
	}
	if saved := savedWith(t, 0, gcPause, "-set", "faults[0].pause.for=5s"); !strings.Contains(saved, "for: 5s") {
		t.Errorf("faults[0].pause.for=5s: the saved run has no 5s pause:\n%s", saved)
	}
	// A later -set of a field wins, as a later line of a file would.
	if saved := savedWith(t, 1, lwwStep, "-set", "store.w=5", "-set", "store={merge: lww, w: 2}"); !strings.Contains(saved, "\n  w: 2\n") {
		t.Errorf("-set store after -set store.w: the last did not stand:\n%s", saved)
	}
}

// TestRunSetOfTheFileValueIsTheSameRun: setting a field to what the file
// says runs the very run the file does, hash for hash.
func TestRunSetOfTheFileValueIsTheSameRun(t *testing.T) {
	hash := func(args ...string) string {
		t.Helper()
		_, out, errOut := electsim(append([]string{"run", lwwStep, "-json"}, args...)...)
		var rep struct {
			TraceHash string `json:"trace_hash"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.TraceHash == "" {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		return rep.TraceHash
	}
	plain := hash()
	if same := hash("-set", "store.w=3", "-set", "workload.act_every=100ms"); same != plain {
		t.Errorf("-set of the file's own values: trace %s, the file's %s", same, plain)
	}
	if other := hash("-set", "store.w=5"); other == plain {
		t.Errorf("-set store.w=5 ran the file's run (trace %s): the field was not set", other)
	}
}

// TestRunSetErrorsNameTheFlag: a -set that names nothing, or a value its
// field refuses, is the flag's mistake: the error names the flag and its
// value, never a line of the file.
func TestRunSetErrorsNameTheFlag(t *testing.T) {
	for _, tc := range []struct {
		file string
		args []string
		want string
	}{
		{lwwStep, []string{"-set", "store.w=9"}, "-set store.w=9: store.w: must be 1..5 (the participants, each holding a replica), got 9"},
		{lwwStep, []string{"-set", "store.ww=3"}, `-set store.ww=3: store has no field "ww" (did you mean store.w?`},
		{lwwStep, []string{"-set", "clockz.random_offset=1s"}, `-set clockz.random_offset=1s: a scenario has no field "clockz" (did you mean clocks?`},
		{lwwStep, []string{"-set", "workload.act_every=9"}, `-set workload.act_every=9: workload.act_every: want a duration such as "150ms" or "2s", got 9`},
		{lwwStep, []string{"-set", "faults[3].at=1s"}, "-set faults[3].at=1s: faults has no item [3]"},
		{lwwStep, []string{"-set", "faults.at=1s"}, "-set faults.at=1s: faults is a list: name an item by its index, such as faults[0].at"},
		{lwwStep, []string{"-set", "protocol.name=lease"}, "-set protocol.name=lease: choose the protocol with -protocol"},
		{lwwStep, []string{"-set", "seed=4"}, "-set seed=4: give the seed with -seed"},
		{lwwStep, []string{"-set", "act_every=50ms"}, `-set act_every=50ms: raft has no parameter "act_every"`},
		{lwwStep, []string{"-set", "act_every=50ms"}, "the scenario field is set by its path: -set workload.act_every=50ms"},
		{lwwStep, []string{"-set", "store.w=3", "-set", "prevote=maybe"}, `-set prevote=maybe: want true or false`},
		{lwwStep, []string{"-set", "store.merge=[1"}, `-set store.merge: "[1" is not a value`},
		// A field the -set made: howard has no store, and -set store.w
		// makes one without its merge.
		{howard, []string{"-set", "store.w=3"}, "-set store.w=3: store.merge: must be lww or vector"},
		{gcPause, []string{"-set", "margin=5"}, `-set margin=5: want a duration with its unit`},
		{gcPause, []string{"-set", "faults[0].pause.for=x"}, "-set faults[0].pause.for=x: faults[0].pause.for:"},
		{lwwStep, []string{"-protocol", "nosuch", "-set", "store.w=3"}, `-protocol nosuch: unknown protocol "nosuch"`},
	} {
		args := append([]string{"run", tc.file}, tc.args...)
		code, out, errOut := electsim(args...)
		if code != 2 || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("electsim %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(args, " "), code, errOut, tc.want)
		}
		if regexp.MustCompile(fileLine).MatchString(errOut) || strings.Contains(errOut, "usage:") {
			t.Errorf("electsim %s: the error names a line of the file or prints the usage: %q", strings.Join(args, " "), errOut)
		}
	}
}

// TestRunSetBreakingTheFileNamesBoth: a -set that leaves a field of the
// file's wrong (two nodes, and the file's W of 3) is placed on that field's
// line in the file, with the -set that ran with it.
func TestRunSetBreakingTheFileNamesBoth(t *testing.T) {
	code, _, errOut := electsim("run", lwwStep, "-set", "nodes=2")
	want := "store-lww-clock-step.yaml:20:3: store.w: must be 1..2 (the participants, each holding a replica), got 3 (with -set nodes=2)"
	if code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, %q; want 2 and %q", code, errOut, want)
	}
}

// TestSweepOverStoreW sweeps a store's W: an axis of a scenario field by
// -set, each row the run electsim run -set gives, and the rerun line a
// command that runs the failing one.
func TestSweepOverStoreW(t *testing.T) {
	_, got := sweep(t, 1, lwwStep, "-set", "store.w=1,3,5", "-seeds", "1-2", "-json")
	if len(got.Configurations) != 3 {
		t.Fatalf("%d configurations and points, want 3 (store.w 1, 3, 5)", len(got.Configurations))
	}
	hashes := map[string]bool{}
	for i, w := range []string{"1", "3", "5"} {
		c := got.Configurations[i]
		for _, r := range c.Runs {
			hashes[r.TraceHash] = true
			code, out, errOut := electsim("run", lwwStep, "-seed", fmt.Sprint(r.Seed), "-set", "store.w="+w, "-json")
			var rep struct {
				TraceHash string `json:"trace_hash"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
				t.Fatalf("run -set store.w=%s: exit %d, %v\n%s", w, code, err, errOut)
			}
			if rep.TraceHash != r.TraceHash {
				t.Errorf("store.w=%s seed %d: the sweep's trace %s, run -set's %s", w, r.Seed, r.TraceHash, rep.TraceHash)
			}
		}
	}
	if len(hashes) != 6 {
		t.Errorf("%d distinct traces over 3 values of W and 2 seeds, want 6: the axis did not set the field", len(hashes))
	}
	table, _ := sweep(t, 1, lwwStep, "-set", "store.w=1,3,5", "-seeds", "1-2")
	if want := "rerun the first: electsim run ../scenarios/store-lww-clock-step.yaml -seed 1 -set store.w=1\n"; !strings.Contains(table, want) {
		t.Errorf("the table does not end with %q:\n%s", want, table)
	}
}

// TestSweepRerunLineRuns: the rerun line of an experiment whose axis and
// configurations set scenario fields is a command, quoted for a shell,
// that runs the failing run.
func TestSweepRerunLineRuns(t *testing.T) {
	for _, tc := range []struct {
		file string
		want string // the rerun line
	}{
		{"../scenarios/experiments/store-skew.yaml", "electsim run ../scenarios/store-lww-halves.yaml -seed 1 -set store.merge=lww -set clocks.random_offset=0s"},
		{"../scenarios/experiments/pause-length.yaml", "electsim run ../scenarios/lease-gc-pause.yaml -seed 1 -set 'faults[0].pause.for=11s'"},
	} {
		table, _ := sweep(t, 1, tc.file, "-seeds", "1")
		_, line, ok := strings.Cut(table, "rerun the first: ")
		line = strings.TrimSuffix(line, "\n")
		if !ok || line != tc.want {
			t.Errorf("%s: rerun line %q, want %q", tc.file, line, tc.want)
			continue
		}
		words := shellSplit(t, line)
		if code, out, errOut := electsim(words[1:]...); code != 1 || !strings.Contains(out, "FAIL *") {
			t.Errorf("%s: %s: exit %d, want 1 and a violation\n%s%s", tc.file, line, code, out, errOut)
		}
	}
}

// TestSetValueText: a value goes on the rerun line as -set reads it back,
// quoted where a shell would read it otherwise.
func TestSetValueText(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{true, "true"},
		{uint64(5), "5"},
		{1.05, "1.05"},
		{"150ms", "150ms"},
		{"5", `"5"`},
		{map[string]any{"dist": "constant", "value": "5ms"}, "{dist: constant, value: 5ms}"},
		{[]any{"n1", "n2"}, "[n1, n2]"},
	} {
		if got, ok := setValueText(tc.v); !ok || got != tc.want {
			t.Errorf("%#v: %q, %v; want %q", tc.v, got, ok, tc.want)
		}
	}
	for word, want := range map[string]string{
		"store.w=5":                 "store.w=5",
		"faults[0].pause.for=5s":    "'faults[0].pause.for=5s'",
		"network.latency={a: b}":    "'network.latency={a: b}'",
		"name=it's":                 `'name=it'\''s'`,
		"example/beacon":            "example/beacon",
		"clocks.random_offset=-1ms": "clocks.random_offset=-1ms",
	} {
		if got := shellWord(word); got != want {
			t.Errorf("shellWord(%q) = %s, want %s", word, got, want)
		}
	}
}

// TestSweepSetErrorsNameTheFlag: a sweep's -set of a scenario field fails
// as run's does, naming the flag and the value, never a line of the file.
func TestSweepSetErrorsNameTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{lwwStep, "-set", "store.w=9,1"}, "-set store.w=9: store.w: must be 1..5"},
		{[]string{lwwStep, "-set", "store.w=1,9"}, "-set store.w=9: store.w: must be 1..5"},
		{[]string{lwwStep, "-set", "store.ww=1,3"}, `-set store.ww=1,3: store has no field "ww" (did you mean store.w?`},
		{[]string{lwwStep, "-set", "protocol.name=raft,lease"}, "choose the protocol with -protocols"},
		{[]string{lwwStep, "-set", "seed=1,2"}, "give the seed with -seeds"},
		{[]string{lwwStep, "-set", "faults[2].at=1s,2s"}, "-set faults[2].at=1s: faults has no item [2]"},
		{[]string{howard, "-set", "store.w=1,3"}, "-set store.w=1: store.merge: must be lww or vector"},
		{[]string{howard, "-set", "prevote=true", "-set", "protocol.prevote=false"}, "prevote is set twice"},
		{[]string{lwwStep, "-set", "store.w=1", "-set", "store.w=3"}, "store.w is set twice"},
	} {
		code, out, errOut := electsim(append([]string{"sweep"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("electsim sweep %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
		if regexp.MustCompile(fileLine).MatchString(errOut) {
			t.Errorf("electsim sweep %s: the error names a line of the file: %q", strings.Join(tc.args, " "), errOut)
		}
	}
}

// shellSplit splits a command line as a POSIX shell does words of plain
// characters and single quotes.
func shellSplit(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			cur.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case strings.ContainsRune(`"\$*?[]{}()<>|&;`+"`", r):
			t.Fatalf("%q has an unquoted %q", line, r)
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quoted {
		t.Fatalf("%q ends inside a quote", line)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// TestREADMESetExamplesRun: the -set commands README.md and the manual
// show run (exit 0 or 1, never 2), and the rerun line the README quotes is
// the one the sweep prints.
func TestREADMESetExamplesRun(t *testing.T) {
	var docs strings.Builder
	for _, path := range []string{"../README.md", "../cmd/electsim/main.go"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		docs.Write(data)
	}
	commands := regexp.MustCompile(`(?m)^(?://)?\s+(?:\$ )?electsim run (scenarios/\S+)( .*-set .*)$`).FindAllStringSubmatch(docs.String(), -1)
	if len(commands) < 4 {
		t.Fatalf("%d electsim run ... -set commands in the README and the manual, want at least 4", len(commands))
	}
	for _, c := range commands {
		args := append([]string{"run", "../" + c[1]}, shellSplit(t, strings.TrimSpace(c[2]))...)
		if code, out, errOut := electsim(args...); code != 0 && code != 1 {
			t.Errorf("electsim %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	table, _ := sweep(t, 1, "../scenarios/experiments/store-skew.yaml", "-seeds", "1")
	_, line, _ := strings.Cut(table, "rerun the first: ")
	line = strings.ReplaceAll(strings.TrimSuffix(line, "\n"), "../", "")
	if !strings.Contains(docs.String(), "`rerun the first: "+line+"`") {
		t.Errorf("README.md does not quote the rerun line store-skew prints: %s", line)
	}
}
