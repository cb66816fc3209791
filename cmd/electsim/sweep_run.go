package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/electsim/electsim/properties"
)

// sweepRun is one run of a sweep. The JSON names are a public contract, and
// seed, trace_hash, ok, error and metrics mean what they mean in
// electsim run -json.
type sweepRun struct {
	Seed      uint64 `json:"seed"`
	TraceHash string `json:"trace_hash"`
	Events    int64  `json:"events"`
	OK        bool   `json:"ok"`
	Error     string `json:"error,omitempty"`
	// Violated lists the expected properties the run broke.
	Violated []string `json:"violated"`
	// Metrics is null when the run failed before it could report.
	Metrics *properties.Metrics `json:"metrics"`
	// Recoveries are what each fault cost, and Skipped the faults skipped
	// for a role nobody held, as in electsim run -json.
	Recoveries []properties.Recovery     `json:"recoveries"`
	Skipped    []properties.SkippedFault `json:"skipped_faults"`
}

// failed says the run did not reach its end: a limit, a panic.
func (r *sweepRun) failed() bool { return r.Error != "" }

// runAll runs every run of the plan on parallel goroutines. Each run is
// single-threaded inside and writes only its own slot, so the results come
// back in plan order whatever the scheduling.
func (pl *sweepPlan) runAll(parallel int, tick func()) []sweepRun {
	out := make([]sweepRun, pl.runs())
	pool(len(out), parallel, func(i int) {
		out[i] = pl.runOne(i)
		tick()
	})
	return out
}

// pool calls do(0..n-1) from parallel goroutines and returns when all
// calls have.
func pool(n, parallel int, do func(i int)) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, n) {
		wg.Go(func() {
			for i := range jobs {
				do(i)
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// runOne runs the i-th run. The kernel already turns a protocol's panic
// into the run's error; this also catches one anywhere else on the run's
// way (building it, the checkers' report), so that one bad run costs the
// sweep nothing but itself.
func (pl *sweepPlan) runOne(i int) (r sweepRun) {
	c, seed := pl.job(i)
	defer func() {
		if v := recover(); v != nil {
			r = sweepRun{Seed: seed, Violated: []string{}, Recoveries: []properties.Recovery{}, Skipped: []properties.SkippedFault{},
				Error: fmt.Sprintf("panic outside the simulation (seed %d): %v\n%s", seed, v, debug.Stack())}
		}
	}()
	// A clone per run: no run shares a scenario another goroutine reads.
	out, err := pl.run(c.scn.Clone(), c.proto, seed)
	if err != nil {
		return sweepRun{Seed: seed, Violated: []string{}, Recoveries: []properties.Recovery{}, Skipped: []properties.SkippedFault{}, Error: err.Error()}
	}
	rep := out.Report
	violated := rep.Violated()
	if violated == nil {
		violated = []string{}
	}
	return sweepRun{
		Seed: seed, TraceHash: rep.TraceHash, Events: rep.Events,
		OK: rep.OK, Error: rep.Error, Violated: violated, Metrics: &rep.Metrics, Recoveries: rep.Recoveries, Skipped: rep.Skipped,
	}
}

// progress is a bar on stderr while the runs go. It draws only on a
// terminal: a log file or a pipe gets no control codes and no bytes.
type progress struct {
	p   *mpb.Progress
	bar *mpb.Bar
}

func newProgress(stderr io.Writer, total int) *progress {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	p := mpb.New(mpb.WithOutput(f), mpb.WithWidth(40), mpb.WithRefreshRate(150*time.Millisecond))
	bar := p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name("sweep "), decor.CountersNoUnit("%d/%d runs", decor.WCSyncWidth)),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO, decor.WCSyncSpace)),
	)
	return &progress{p: p, bar: bar}
}

func (pr *progress) tick() {
	if pr.bar != nil {
		pr.bar.Increment()
	}
}

// wait lets the bar draw its last state before the results print.
func (pr *progress) wait() {
	if pr.p != nil {
		pr.p.Wait()
	}
}
