package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

const lossExperiment = "../experiment/testdata/loss.yaml"

// TestShardsMergeToTheWholeSweep: three shards of an experiment, one
// taking its index from a Kubernetes Indexed Job's JOB_COMPLETION_INDEX,
// merged, give the file of the sweep run whole; merge refuses a run given
// twice and rows of another experiment.
func TestShardsMergeToTheWholeSweep(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	sweep(t, 0, lossExperiment, "-seeds", "1-2", "-shard", "0/3", "-out", path("s0.jsonl"))
	sweep(t, 0, lossExperiment, "-seeds", "1-2", "-shard", "1/3", "-out", path("s1.jsonl"))
	t.Setenv("JOB_COMPLETION_INDEX", "2")
	sweep(t, 0, lossExperiment, "-seeds", "1-2", "-shard", "/3", "-out", path("s2.jsonl"))
	sweep(t, 0, lossExperiment, "-seeds", "1-2", "-out", path("whole.jsonl"))
	for _, args := range [][]string{
		{"merge", "-o", path("merged.jsonl"), path("s0.jsonl"), path("s1.jsonl"), path("s2.jsonl")},
		{"merge", "-o", path("sorted.jsonl"), path("whole.jsonl")},
	} {
		if code, out, errOut := electsim(args...); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	merged, _ := os.ReadFile(path("merged.jsonl"))
	whole, _ := os.ReadFile(path("sorted.jsonl"))
	if len(whole) == 0 || !bytes.Equal(merged, whole) {
		t.Fatalf("the merged shards (%d bytes) differ from the whole sweep (%d bytes)", len(merged), len(whole))
	}
	if code, _, errOut := electsim("merge", "-o", path("x.jsonl"), path("s0.jsonl"), path("s0.jsonl")); code != 2 || !strings.Contains(errOut, "is also in") {
		t.Errorf("merging a shard twice: exit %d, %q; want 2 and the run named", code, errOut)
	}
	cut, _ := os.ReadFile(path("s1.jsonl"))
	os.WriteFile(path("cut.jsonl"), cut[:len(cut)-10], 0o644)
	if code, _, errOut := electsim("merge", "-o", path("x.jsonl"), path("s0.jsonl"), path("cut.jsonl")); code != 0 || !strings.Contains(errOut, "ends with a partial row") {
		t.Errorf("merging a shard cut mid-row: exit %d, %q; want 0 and a warning", code, errOut)
	}
	sweep(t, 0, "../scenarios/experiments/five-nodes.yaml", "-seeds", "1", "-out", path("other.jsonl"))
	if code, _, errOut := electsim("merge", "-o", path("x.jsonl"), path("s0.jsonl"), path("other.jsonl")); code != 2 || !strings.Contains(errOut, "not shards of one experiment") {
		t.Errorf("merging another experiment's rows: exit %d, %q; want 2", code, errOut)
	}
}

// TestResultsAreNotOverwrittenOrMixed: -out refuses a file that holds
// rows unless -resume says to go on with it, and -resume refuses rows of
// another experiment.
func TestResultsAreNotOverwrittenOrMixed(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r.jsonl")
	sweep(t, 0, lossExperiment, "-seeds", "1", "-out", out)
	if code, _, errOut := electsim("sweep", lossExperiment, "-seeds", "1", "-out", out); code != 2 || !strings.Contains(errOut, "exists: -resume goes on with it") {
		t.Errorf("a second sweep into the same file: exit %d, %q", code, errOut)
	}
	before, _ := os.ReadFile(out)
	sweep(t, 0, lossExperiment, "-seeds", "1-2", "-out", out, "-resume")
	after, _ := os.ReadFile(out)
	if !bytes.HasPrefix(after, before) || bytes.Count(after, []byte("\n")) != 2*bytes.Count(before, []byte("\n")) {
		t.Errorf("resuming with a second seed: %d rows, then %d; want the first kept and as many added", bytes.Count(before, []byte("\n")), bytes.Count(after, []byte("\n")))
	}
	if code, _, errOut := electsim("sweep", "../scenarios/experiments/five-nodes.yaml", "-seeds", "1", "-out", out, "-resume"); code != 2 || !strings.Contains(errOut, "is of another experiment") {
		t.Errorf("resuming another experiment's file: exit %d, %q", code, errOut)
	}
}

// TestPlotDrawsASavedResultsFile: results can be drawn again without
// running them.
func TestPlotDrawsASavedResultsFile(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "r.jsonl")
	sweep(t, 0, lossExperiment, "-seeds", "1-2", "-out", results)
	code, out, errOut := electsim("plot", results, "-o", filepath.Join(dir, "charts"))
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, name := range []string{"availability.svg", "safety.png", "heatmap.svg", "paired.png"} {
		if !strings.Contains(out, name) {
			t.Errorf("plot did not write %s:\n%s", name, out)
		}
		if _, err := os.Stat(filepath.Join(dir, "charts", name)); err != nil {
			t.Error(err)
		}
	}
	if code, _, errOut := electsim("plot", filepath.Join(dir, "none.jsonl"), "-o", dir); code != 2 || !strings.Contains(errOut, "no such file") {
		t.Errorf("plot of a missing file: exit %d, %q", code, errOut)
	}
}

// TestDeployManifestRunsAShardedSweep holds deploy/sweep-job.yaml to what
// the README says: an Indexed Job with one pod per shard, each running a
// sweep the command accepts, with as many shards as completions.
func TestDeployManifestRunsAShardedSweep(t *testing.T) {
	data, err := os.ReadFile("../deploy/sweep-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		Kind string
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int
			Parallelism    int
			Template       struct {
				Spec struct {
					Containers []struct {
						Args []string
					}
				}
			}
		}
	}
	if err := yaml.Unmarshal(data, &job); err != nil {
		t.Fatal(err)
	}
	if job.Kind != "Job" || job.Spec.CompletionMode != "Indexed" || len(job.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("not an Indexed Job of one container: %+v", job)
	}
	args := job.Spec.Template.Spec.Containers[0].Args
	// The image holds the scenarios at /scenarios (deploy/Dockerfile).
	for i, a := range args {
		args[i] = strings.Replace(a, "/scenarios/", "../scenarios/", 1)
	}
	opts, err := parseSweep(args[1:], &bytes.Buffer{})
	if err != nil || args[0] != "sweep" {
		t.Fatalf("the Job's command is not a sweep the command accepts: %v %v", args, err)
	}
	_, shards, err := parseShard(opts.shard, "0")
	if err != nil || shards != job.Spec.Completions || shards != job.Spec.Parallelism {
		t.Errorf("-shard %s over %d completions and %d parallel pods (%v): want one shard per pod", opts.shard, job.Spec.Completions, job.Spec.Parallelism, err)
	}
	if _, err := loadExperiment(opts); err != nil {
		t.Errorf("the Job's experiment does not load: %v", err)
	}
}
