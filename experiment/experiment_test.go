package experiment_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/electsim/electsim/experiment"
	_ "github.com/electsim/electsim/protocols/all"
)

func load(t *testing.T, path string) *experiment.Experiment {
	t.Helper()
	e, err := experiment.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// runAll runs every job and returns the rows sorted by key.
func runAll(t *testing.T, e *experiment.Experiment, opts experiment.Options) []experiment.Row {
	t.Helper()
	var rows []experiment.Row
	if err := e.Run(context.Background(), e.Jobs(opts), opts, func(r *experiment.Row) { rows = append(rows, *r) }); err != nil {
		t.Fatal(err)
	}
	sortRows(rows)
	return rows
}

func sortRows(rows []experiment.Row) { experiment.SortRows(rows) }

func TestLoadBuildsEveryConfigurationAtEveryPoint(t *testing.T) {
	e := load(t, "testdata/loss.yaml")
	if len(e.Configs) != 3 || len(e.Points) != 4 || len(e.Seeds.List) != 3 || e.Runs() != 36 {
		t.Fatalf("%d configurations x %d points x %d seeds = %d runs, want 3 x 4 x 3", len(e.Configs), len(e.Points), len(e.Seeds.List), e.Runs())
	}
	// The base's Raft parameters stay under a configuration of Raft.
	if got := e.Configs[1].Protocol.Params; got["heartbeat"] != "100ms" || got["prevote"] != true {
		t.Errorf("raft+prevote+cq parameters %v: want the base's heartbeat and prevote", got)
	}
	scn := e.Scenario(2, 3) // routing, loss 0.05, act_every 200ms
	if scn.Protocol.Name != "routing" || scn.Network.Loss != 0.05 || scn.Workload.ActEvery.String() != "200ms" {
		t.Errorf("routing at the last point: protocol %s, loss %v, act_every %v", scn.Protocol.Name, scn.Network.Loss, scn.Workload.ActEvery)
	}
	if want := map[string]string{"loss": "0.05", "act_every": "100ms"}; !cmp.Equal(e.PointValues(2), want) {
		t.Errorf("point 2 is %v, want %v", e.PointValues(2), want)
	}
}

// TestRowsDoNotDependOnWorkersOrShards: one worker or two, the whole
// experiment or its three shards merged, the same rows.
func TestRowsDoNotDependOnWorkersOrShards(t *testing.T) {
	e := load(t, "testdata/loss.yaml")
	one := runAll(t, e, experiment.Options{Parallel: 1})
	if len(one) != e.Runs() {
		t.Fatalf("%d rows of %d runs", len(one), e.Runs())
	}
	two := runAll(t, e, experiment.Options{Parallel: 2})
	if diff := cmp.Diff(one, two); diff != "" {
		t.Fatalf("-parallel 1 and 2 differ (-1 +2):\n%s", diff)
	}
	var shards []experiment.Row
	for i := range 3 {
		shards = append(shards, runAll(t, e, experiment.Options{Parallel: 2, Shard: i, Shards: 3})...)
	}
	sortRows(shards)
	if diff := cmp.Diff(one, shards); diff != "" {
		t.Fatalf("three shards differ from the whole (-whole +shards):\n%s", diff)
	}
}

// TestReadyExperimentsLoad: every experiment under scenarios/experiments
// builds, every configuration at every point checked.
func TestReadyExperimentsLoad(t *testing.T) {
	for _, name := range []string{"loss", "pause-length", "partition-shape"} {
		e := load(t, "../scenarios/experiments/"+name+".yaml")
		t.Logf("%s: %d configurations x %d points x %d seeds", name, len(e.Configs), len(e.Points), len(e.Seeds.List))
	}
}

// TestEveryConfigurationMeetsTheSameFaults: the base crashes the leader
// at a moment drawn per seed; at one point and seed, that moment is the
// same whatever the configuration, which is what makes runs comparable
// pair by pair.
func TestEveryConfigurationMeetsTheSameFaults(t *testing.T) {
	e := load(t, "testdata/loss.yaml")
	rows := runAll(t, e, experiment.Options{Parallel: 2})
	crashAt := map[string]int64{} // by point and seed
	for _, r := range rows {
		if len(r.Recoveries) == 0 {
			t.Fatalf("%s %v seed %d: no fault", r.Config, r.Point, r.Seed)
		}
		k := r.Key().Point + " " + fmt.Sprint(r.Seed)
		at := r.Recoveries[0].AtNS
		if first, ok := crashAt[k]; ok && first != at {
			t.Errorf("%s at %s: the crash came at %d, another configuration's at %d", r.Config, k, at, first)
		}
		crashAt[k] = at
	}
	if len(crashAt) != len(e.Points)*len(e.Seeds.List) {
		t.Fatalf("%d points and seeds with a crash, want %d", len(crashAt), len(e.Points)*len(e.Seeds.List))
	}
}
