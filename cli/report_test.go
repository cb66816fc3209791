package cli

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunWritesReport: run -report on a failing scenario writes the page
// with the violation, its causal story and its message diagram, and still
// prints the summary and exits 1.
func TestRunWritesReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.html")
	code, out, errOut := electsim("run", "../scenarios/lease-gc-pause.yaml", "-report", path)
	if code != 1 || !strings.Contains(out, "FAIL * fenced-resource") {
		t.Fatalf("exit %d, want 1 with the summary\n%s%s", code, out, errOut)
	}
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := wellFormed(page); err != nil {
		t.Errorf("the page is not well-formed: %v", err)
	}
	for _, want := range []string{
		`<strong class="property">fenced-resource</strong> violated`,
		"the resource accepted n1&#39;s act in generation 1", // the detail, escaped
		`<section id="story">`, `class="lamport"`, `class="violation-ring" cx=`,
		`<g class="lane focus" data-node="n1">`, "name: lease-gc-pause", "<h1>lease-gc-pause</h1>",
	} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestReportToStandardOutput: -report - writes the page alone to stdout,
// the summary to stderr; a run where everything held says so.
func TestReportToStandardOutput(t *testing.T) {
	code, out, errOut := electsim("run", "../scenarios/lease-gc-pause-fenced.yaml", "-report", "-")
	if code != 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") || !strings.Contains(out, "Every expected property holds.") {
		t.Errorf("exit %d, stdout %.200q", code, out)
	}
	if !strings.Contains(errOut, "scenario    lease-gc-pause-fenced") {
		t.Errorf("the summary did not go to stderr: %.200q", errOut)
	}
}

// TestReplayWritesReport: replay -report explains a saved failure, and
// writes the same page as the run that saved it.
func TestReplayWritesReport(t *testing.T) {
	dir := t.TempDir()
	saved, first, second := filepath.Join(dir, "saved.yaml"), filepath.Join(dir, "run.html"), filepath.Join(dir, "replay.html")
	if code, _, errOut := electsim("run", "../scenarios/generation-restart-no-persist.yaml", "-save", saved, "-report", first); code != 1 {
		t.Fatalf("run: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := electsim("replay", saved, "-report", second); code != 1 {
		t.Fatalf("replay: exit %d\n%s", code, errOut)
	}
	a, errA := os.ReadFile(first)
	b, errB := os.ReadFile(second)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if !strings.Contains(string(b), "single-leader-per-generation</strong> violated") {
		t.Errorf("the replay's page does not show the violation")
	}
	if string(a) != string(b) {
		t.Error("the run's page and the replay's differ: the same run should give the same bytes")
	}
}

// TestReportPathIsCheckedBeforeTheRun: -report into a directory that is
// not there fails at once, naming the flag.
func TestReportPathIsCheckedBeforeTheRun(t *testing.T) {
	for _, cmd := range []string{"run", "replay"} {
		start := time.Now()
		code, out, errOut := electsim(cmd, "../scenarios/raft-figure16.yaml", "-report", "/no/such/dir/run.html")
		if code != 2 || out != "" || !strings.Contains(errOut, "-report /no/such/dir/run.html") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 2 naming -report", cmd, code, out, errOut)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("%s took %v: it ran before checking", cmd, time.Since(start))
		}
	}
}

// wellFormed reads the page as XML, which it is written to be, the
// timeline's SVG included: every element closed, every text escaped.
func wellFormed(page []byte) error {
	d := xml.NewDecoder(bytes.NewReader(page))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
