//go:build unix

package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/electsim/electsim/experiment"
)

// buildElectsim builds the command once for the tests that need a real
// process to signal.
func buildElectsim(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the command and runs sweeps for seconds")
	}
	bin := filepath.Join(t.TempDir(), "electsim")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/electsim")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startSweep starts a sweep of the test experiment into out and waits until
// it has written at least rows rows.
func startSweep(t *testing.T, bin, out string, rows int, extra ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	args := append([]string{"sweep", "../experiment/testdata/loss.yaml", "-seeds", "1-40", "-parallel", "2", "-out", out}, extra...)
	cmd := exec.Command(bin, args...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if data, _ := os.ReadFile(out); bytes.Count(data, []byte("\n")) >= rows {
			return cmd, &stdout
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("the sweep wrote fewer than %d rows in a minute:\n%s", rows, stdout.String())
	return nil, nil
}

func readAll(t *testing.T, path string) (rows []experiment.Row, complete int64, size int64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, complete, err = experiment.ReadRows(path, f)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := f.Stat()
	return rows, complete, info.Size()
}

// TestSweepInterruptedKeepsItsRows: SIGINT stops the workers; the process
// exits 130 with the partial table, its results file holds whole rows
// only, and no chart or table file is left half-written.
func TestSweepInterruptedKeepsItsRows(t *testing.T) {
	bin := buildElectsim(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "results.jsonl")
	cmd, stdout := startSweep(t, bin, out, 5, "-csv", filepath.Join(dir, "table.csv"))
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d (%v), want 130\n%s", code, err, stdout)
	}
	for _, want := range []string{"loss  act_every  runs", "interrupted:", "-resume goes on"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the interrupted sweep's output lacks %q:\n%s", want, stdout)
		}
	}
	rows, complete, size := readAll(t, out)
	if complete != size || len(rows) < 5 || len(rows) >= 480 {
		t.Errorf("%d rows in %d whole bytes of %d: want whole rows only, of an unfinished sweep", len(rows), complete, size)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left a temporary file: %s", e.Name())
		}
	}
}

// TestSweepKilledThenResumedGivesTheSameRows: a sweep killed with SIGKILL
// mid-run and resumed ends with the rows of a sweep that ran whole, each
// once.
func TestSweepKilledThenResumedGivesTheSameRows(t *testing.T) {
	bin := buildElectsim(t)
	dir := t.TempDir()
	killed := filepath.Join(dir, "killed.jsonl")
	cmd, _ := startSweep(t, bin, killed, 3)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	short := []string{"sweep", "../experiment/testdata/loss.yaml", "-seeds", "1-40", "-parallel", "2"}
	if out, err := exec.Command(bin, append(short, "-out", killed, "-resume")...).CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	whole := filepath.Join(dir, "whole.jsonl")
	if out, err := exec.Command(bin, append(short, "-out", whole)...).CombinedOutput(); err != nil {
		t.Fatalf("whole: %v\n%s", err, out)
	}
	resumed, complete, size := readAll(t, killed)
	want, _, _ := readAll(t, whole)
	if complete != size {
		t.Errorf("the resumed file ends with a partial line")
	}
	merged, err := experiment.Merge([]experiment.Results{{Name: killed, Rows: resumed}})
	if err != nil {
		t.Fatalf("the resumed file repeats a run: %v", err)
	}
	experiment.SortRows(want)
	if diff := cmp.Diff(want, merged); diff != "" {
		t.Fatalf("killed and resumed differs from whole (-whole +resumed):\n%s", diff)
	}
}
