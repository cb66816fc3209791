package experiment

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// RunFunc runs one seed of a scenario: properties.Run, as electsim run
// does, so that an experiment's run is the run of that seed.
type RunFunc func(scn *sim.Scenario, p sim.Protocol, seed uint64, observers ...sim.Observer) (*properties.Outcome, error)

// Options say how to run an experiment.
type Options struct {
	// Parallel is how many runs go at once; at least 1.
	Parallel int
	// Shard and Shards pick every Shards-th run, from the Shard-th (0 and
	// 0, or 0 and 1: every run). Shards of one experiment, merged, are the
	// whole.
	Shard, Shards int
	// Done reports the runs already in a results file, which a resumed
	// sweep skips.
	Done func(Key) bool
	// Run runs one seed; properties.Run if nil.
	Run RunFunc
}

// Jobs lists the runs the options select, in order.
func (e *Experiment) Jobs(opts Options) []Job {
	var jobs []Job
	for i := range e.Runs() {
		if opts.Shards > 1 && i%opts.Shards != opts.Shard {
			continue
		}
		j := e.Job(i)
		if opts.Done != nil && opts.Done(e.JobKey(j)) {
			continue
		}
		jobs = append(jobs, j)
	}
	return jobs
}

// Run runs the jobs on opts.Parallel workers and hands each finished row
// to emit, from one goroutine, in the order the runs finish. Each run is
// single-threaded inside and deterministic, so a row does not depend on the
// workers. When ctx is done no new run starts; the runs under way finish
// and are emitted, and Run returns ctx's error.
func (e *Experiment) Run(ctx context.Context, jobs []Job, opts Options, emit func(*Row)) error {
	run := opts.Run
	if run == nil {
		run = properties.Run
	}
	parallel := max(opts.Parallel, 1)
	todo := make(chan Job)
	rows := make(chan *Row)
	var wg sync.WaitGroup
	for range min(parallel, len(jobs)) {
		wg.Go(func() {
			for j := range todo {
				rows <- e.runOne(j, run)
			}
		})
	}
	go func() {
		defer close(todo)
		for _, j := range jobs {
			if ctx.Err() != nil {
				return // a worker free at the moment of cancelling takes no more
			}
			select {
			case <-ctx.Done():
				return
			case todo <- j:
			}
		}
	}()
	go func() {
		wg.Wait()
		close(rows)
	}()
	for r := range rows {
		emit(r)
	}
	return ctx.Err()
}

// runOne runs one job. The kernel already turns a protocol's panic into
// the run's error; this also catches one anywhere else on the run's way
// (the checkers' report), so that one bad run costs the sweep nothing but
// itself.
func (e *Experiment) runOne(j Job, run RunFunc) (r *Row) {
	r = e.emptyRow(j)
	defer func() {
		if v := recover(); v != nil {
			r = e.emptyRow(j)
			r.Error = fmt.Sprintf("panic outside the simulation (seed %d): %v\n%s", j.Seed, v, debug.Stack())
		}
	}()
	// A clone per run: no run shares a scenario another goroutine reads.
	c := e.cells[j.Config][j.Point]
	out, err := run(c.scn.Clone(), c.proto, j.Seed)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	rep := out.Report
	r.TraceHash, r.Events, r.OK, r.Error = rep.TraceHash, rep.Events, rep.OK, rep.Error
	if v := rep.Violated(); v != nil {
		r.Violated = v
	}
	for name, p := range rep.Properties {
		r.Properties[name] = p.OK
	}
	r.Metrics, r.Recoveries, r.Skipped, r.Ignored = &rep.Metrics, rep.Recoveries, rep.Skipped, rep.Ignored
	r.PeakMemoryBytes = rep.PeakMemoryBytes
	return r
}

func (e *Experiment) emptyRow(j Job) *Row {
	return &Row{
		Experiment: e.Hash, Config: e.Configs[j.Config].Name, Point: e.PointValues(j.Point), Axes: e.variedNames(),
		ConfigIndex: j.Config, PointIndex: j.Point, Seed: j.Seed,
		Violated: []string{}, Properties: map[string]bool{},
		Recoveries: []properties.Recovery{}, Skipped: []properties.SkippedFault{}, Ignored: []properties.IgnoredFault{},
	}
}

// variedNames names the varied axes, in order.
func (e *Experiment) variedNames() []string {
	names := []string{}
	for _, a := range e.Axes {
		if a.Varied() {
			names = append(names, a.Name)
		}
	}
	return names
}
