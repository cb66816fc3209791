package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/sim"
)

// TestHelpIsNoError: -h, -help, help and help CMD print the usage asked
// for on stdout and exit 0; a mistake prints it on stderr and exits 2.
func TestHelpIsNoError(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-h"}, "usage: electsim <command>"},
		{[]string{"help"}, "usage: electsim <command>"},
		{[]string{"help", "sweep"}, "usage: electsim sweep FILE"},
		{[]string{"run", "-h"}, "usage: electsim run FILE"},
		{[]string{"replay", "x.yaml", "--help"}, "usage: electsim replay FILE"},
		{[]string{"protocols", "-help"}, "usage: electsim protocols"},
	} {
		code, out, errOut := electsim(tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) || errOut != "" {
			t.Errorf("electsim %s: exit %d, stdout %q, stderr %q; want 0 and %q on stdout", strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}
	if code, out, errOut := electsim("run", "-nosuch"); code != 2 || out != "" || !strings.Contains(errOut, "usage: electsim run") {
		t.Errorf("an unknown flag: exit %d, stdout %q; want 2 and the usage on stderr", code, out)
	}
}

func TestVersionSaysWhatWasBuilt(t *testing.T) {
	code, out, _ := electsim("version")
	if code != 0 || !strings.HasPrefix(out, "electsim ") || !strings.Contains(out, "go1.") {
		t.Errorf("exit %d, %q", code, out)
	}
}

// TestProtocolsByNameAndAsJSON: protocols NAME shows that one, -json the
// same as data, an unknown name is an error that lists the known ones.
func TestProtocolsByNameAndAsJSON(t *testing.T) {
	code, out, _ := electsim("protocols", "raft", "-json")
	var list []struct {
		Name   string
		Params []struct{ Name, Kind, Default string }
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	if len(list) != 1 || list[0].Name != "raft" || len(list[0].Params) == 0 || list[0].Params[0].Default == "" {
		t.Errorf("protocols raft -json: %+v", list)
	}
	if code, _, errOut := electsim("protocols", "rafts"); code != 2 || !strings.Contains(errOut, `unknown protocol "rafts" (known: `) {
		t.Errorf("an unknown protocol: exit %d, %q", code, errOut)
	}
}

// TestDashIsStandardOutput: every output flag takes - for stdout.
func TestDashIsStandardOutput(t *testing.T) {
	_, out, _ := electsim("run", "../scenarios/beacon-partition.yaml", "-trace", "-")
	if !strings.HasPrefix(out, `{"i":0,`) {
		t.Errorf("-trace - did not write the trace to stdout: %.80q", out)
	}
	_, out, errOut := electsim("run", "../scenarios/beacon-partition.yaml", "-save", "-")
	if _, err := sim.Parse("stdout", []byte(out)); err != nil || !strings.Contains(out, "trace_hash: ") {
		t.Errorf("-save - did not write the scenario alone to stdout (%v): %.200q", err, out)
	}
	if !strings.Contains(errOut, "scenario    beacon-partition") {
		t.Errorf("with stdout taken, the summary did not go to stderr: %.200q", errOut)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-save", "-", "-trace", "-"}, "-save and -trace both write to standard output (-): one at a time"},
		{[]string{"-json", "-report", "-"}, "-json and -report both write to standard output (-): one at a time"},
		{[]string{"-json", "-save", "-", "-trace", "-"}, "-json, -save, -trace all write to standard output (-): one at a time"},
	} {
		args := append([]string{"run", "../scenarios/beacon-partition.yaml"}, tc.args...)
		if code, _, errOut := electsim(args...); code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, %q; want 2 and %q", strings.Join(tc.args, " "), code, errOut, tc.want)
		}
	}
	_, out, _ = electsim("sweep", "../scenarios/beacon-partition.yaml", "-seeds", "1-2", "-out", "-")
	if strings.Count(out, `{"experiment":`) != 2 {
		t.Errorf("-out - did not write two rows to stdout:\n%s", out)
	}
}

// TestOneFilePerOutput: a directory for a file, or one path for two
// outputs (the second would replace the first), is refused before the
// run, naming the flags.
func TestOneFilePerOutput(t *testing.T) {
	dir := t.TempDir()
	same := filepath.Join(dir, "x.html")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-report", dir}, "-report " + dir + ": is a directory"},
		{[]string{"-report", same, "-perfetto", same}, "-perfetto and -report both write " + same},
		{[]string{"-save", same, "-trace", dir + "/./x.html"}, "-save and -trace both write"},
	} {
		args := append([]string{"run", "../scenarios/beacon-partition.yaml"}, tc.args...)
		if code, out, errOut := electsim(args...); code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 and %q", strings.Join(tc.args, " "), code, out, errOut, tc.want)
		}
	}
}

// TestOutputsAreCheckedBeforeTheRun: a path that cannot be written fails
// at once, naming the flag, not after the simulation.
func TestOutputsAreCheckedBeforeTheRun(t *testing.T) {
	for _, args := range [][]string{
		{"run", "../scenarios/raft-figure16.yaml", "-timeline", "/no/such/dir/x.png"},
		{"run", "../scenarios/raft-figure16.yaml", "-save", "/no/such/dir/x.yaml"},
		{"replay", "../scenarios/raft-figure16.yaml", "-trace", "/no/such/dir/x.jsonl"},
		{"sweep", "../scenarios/raft-figure16.yaml", "-csv", "/no/such/dir/t.csv"},
	} {
		start := time.Now()
		code, out, errOut := electsim(args...)
		flag := args[2]
		if code != 2 || out != "" || !strings.Contains(errOut, flag+" /no/such/dir/") || !strings.Contains(errOut, "no directory /no/such/dir") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 naming %s", strings.Join(args, " "), code, out, errOut, flag)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%s took %v: it ran before checking", strings.Join(args, " "), time.Since(start))
		}
	}
}

// TestSetErrorsNameTheFlag: a bad -set value is the flag's mistake, not a
// line of the file, in YAML's words.
func TestSetErrorsNameTheFlag(t *testing.T) {
	code, _, errOut := electsim("run", "../scenarios/lease-gc-pause.yaml", "-set", "margin=5")
	if code != 2 || !strings.Contains(errOut, `-set margin=5: want a duration with its unit, such as "150ms" or "2s", got 5`) || strings.Contains(errOut, "uint64") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// TestReplayAsJSON: replay -json gives the report, the explained
// violation and the events before it, and whether this is the saved run.
func TestReplayAsJSON(t *testing.T) {
	saved := filepath.Join(t.TempDir(), "saved.yaml")
	if code, _, errOut := electsim("run", "../scenarios/generation-restart-no-persist.yaml", "-save", saved); code != 1 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	code, out, _ := electsim("replay", saved, "-json", "-before", "3")
	var got struct {
		Report    struct{ OK bool }
		Violation *struct{ Property, Detail string }
		LeadUp    []string `json:"lead_up"`
		SameRun   bool     `json:"same_run"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err, out)
	}
	if code != 1 || got.Report.OK || got.Violation == nil || got.Violation.Property != "single-leader-per-generation" || len(got.LeadUp) != 4 || !got.SameRun {
		t.Errorf("exit %d, %+v", code, got)
	}
	os.Remove(saved)
}
