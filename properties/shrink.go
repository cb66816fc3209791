package properties

import (
	"flag"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/electsim/electsim/sim"
)

// This file is the search's own half: finding a failing case by running
// rapid's draws directly, and shrinking it on the concrete schedule, by
// deterministic replays of the counterexample with faults taken off or
// made simpler. Rapid's own shrinker works on the bits its draws consumed
// and reruns the property thousands of times; here each candidate is one
// replay of the same seed, and a run that only has to say whether it
// failed carries only the checkers that decide it.

// probe runs candidate schedules for one search. When the properties that
// must hold are all safety checkers (no liveness bound, no bound on a
// metric, no outcome), a candidate runs with those checkers alone: no
// metrics, no leadership list, no report.
type probe struct {
	p       sim.Protocol
	opts    Options
	must    []string
	cheap   bool
	workers int // runs at once: GOMAXPROCS
	runs    int // candidate runs, for the record
}

func newProbe(base *sim.Scenario, p sim.Protocol, opts Options, must []string) *probe {
	pr := &probe{p: p, opts: opts, must: must, workers: runtime.GOMAXPROCS(0)}
	e := base.Expect
	pr.cheap = e.Liveness == 0 && e.MaxSplitBrain == nil && e.MinAvailability == nil && len(expectedOutcomes(e)) == 0
	for _, name := range must {
		if !slices.Contains(safetyNames, name) {
			pr.cheap = false
		}
	}
	return pr
}

// safetyNames are the properties a checker decides as the run goes.
var safetyNames = []string{SingleLeader, SingleBelief, SingleCommit, FencedResource}

// fails runs scn with its seed and, if it violates a property that must
// hold or does not finish, returns the expanded scenario it ran (roles
// resolved to the nodes they named, ready to shrink further); nil if it
// held or does not build.
func (pr *probe) fails(scn *sim.Scenario) *sim.Scenario {
	if !pr.cheap {
		out, err := RunWith(scn, pr.p, scn.Seed, pr.opts)
		if err != nil || !failed(out) {
			return nil
		}
		return out.Scenario
	}
	s, err := sim.New(scn, pr.p, scn.Seed)
	if err != nil {
		return nil
	}
	obs := &checkersOnly{}
	for _, name := range pr.must {
		obs.add(name, s.Roster())
	}
	for _, c := range pr.opts.Checkers {
		obs.checkers = append(obs.checkers, c(s.Roster()))
	}
	s.Observe(obs)
	res := s.Run()
	if res.Err == nil && !obs.violated() {
		return nil
	}
	saved := s.Scenario().Clone()
	saved.Seed = scn.Seed
	return saved
}

// try replays one candidate and returns it if it fails, else nil.
func (pr *probe) try(c *sim.Scenario) *sim.Scenario {
	pr.runs++
	if pr.fails(c) == nil {
		return nil
	}
	return c
}

// first runs the candidates 0..n-1 that candidate makes (nil: none at that
// index) and returns the index of the first that fails, in index order,
// with the expanded scenario its run gave; -1 when none fails. Candidates
// run in batches, up to workers at once, each run in a goroutine of its
// own (a run itself stays on one): a batch is made in index order on the
// calling goroutine, and the lowest failing index of the first batch with
// one wins, so the answer is the one a sequential loop would give.
func (pr *probe) first(n int, candidate func(i int) *sim.Scenario) (int, *sim.Scenario) {
	batch := max(pr.workers, 1) * 4
	if pr.workers <= 1 {
		batch = 1
	}
	scns := make([]*sim.Scenario, batch)
	out := make([]*sim.Scenario, batch)
	for lo := 0; lo < n; lo += batch {
		m := min(batch, n-lo)
		for i := range m {
			scns[i], out[i] = candidate(lo+i), nil
			if scns[i] != nil {
				pr.runs++
			}
		}
		if m == 1 || pr.workers <= 1 {
			for i := range m {
				if scns[i] != nil {
					if out[i] = pr.fails(scns[i]); out[i] != nil {
						return lo + i, out[i]
					}
				}
			}
			continue
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(pr.workers, m) {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < m; i = int(next.Add(1) - 1) {
					if scns[i] != nil {
						out[i] = pr.fails(scns[i])
					}
				}
			})
		}
		wg.Wait()
		for i := range m {
			if out[i] != nil {
				return lo + i, out[i]
			}
		}
	}
	return -1, nil
}

// checkersOnly is the observer of a cheap candidate run.
type checkersOnly struct{ checkers []Checker }

func (o *checkersOnly) add(name string, r *sim.Roster) {
	switch name {
	case SingleLeader:
		o.checkers = append(o.checkers, NewSingleLeader(r))
	case SingleBelief:
		o.checkers = append(o.checkers, NewSingleBelief(r))
	case SingleCommit:
		o.checkers = append(o.checkers, NewSingleCommit(r))
	case FencedResource:
		o.checkers = append(o.checkers, NewFencedResource(r))
	}
}

func (o *checkersOnly) Observe(e *sim.Event) {
	for _, c := range o.checkers {
		c.Observe(e)
	}
}

func (o *checkersOnly) violated() bool {
	for _, c := range o.checkers {
		if c.Violation() != nil {
			return true
		}
	}
	return false
}

// find runs the cases rapid.Check would run, in its order and from its
// seed (-rapid.seed, or a random one), and returns the expanded scenario
// of the first that fails, or nil when every case held. It draws each case
// as rapid does (Generator.Example of the same stream) and leaves
// shrinking to shrink.
func (s *search) find() *sim.Scenario {
	i, failing := s.probe.first(s.checkCount(), func(iter int) *sim.Scenario {
		// rapid's findBug adds the iteration to its seed before each case:
		// the seed of case iter is the first plus 0+1+...+iter.
		seed := s.seed + uint64(iter)*uint64(iter+1)/2
		scn := s.gen.Example(int(seed))
		scn.Expect.Properties = s.must
		return scn
	})
	if i < 0 {
		s.cases = s.checkCount()
		return nil
	}
	s.cases = i + 1
	return failing
}

// checkCount is how many cases rapid.Check would run: Options.Checks or
// -rapid.checks, whichever is larger, a fifth of it under -short unless
// the search is whole (Hunt's first search).
func (s *search) checkCount() int {
	n := s.opts.Checks
	if fl := flag.Lookup("rapid.checks"); fl != nil {
		checksFlag.Lock()
		value := fl.Value.String()
		checksFlag.Unlock()
		if cur, err := strconv.Atoi(value); err == nil {
			n = max(n, cur)
		}
	}
	if testing.Testing() && testing.Short() && !s.whole {
		n /= 5
	}
	return n
}

// searchSeed is rapid's -rapid.seed, or a random seed when it is 0 (as
// rapid picks one).
func searchSeed() uint64 {
	if fl := flag.Lookup("rapid.seed"); fl != nil {
		if seed, err := strconv.ParseUint(fl.Value.String(), 10, 64); err == nil && seed != 0 {
			return seed
		}
	}
	return rand.Uint64()
}

// shrink makes a failing schedule as small as replays can: it drops the
// drawn faults that the failure does not need, moves each remaining
// fault's numbers towards the simplest (earliest, shortest, smallest)
// value that still fails, and then tries each fault's removal again under
// other seeds (a fault that only set the timing up for the others is
// often not needed under another draw of latencies and timeouts),
// repeating while a fault goes. Every step is a replay, so the same
// failing schedule always shrinks to the same result, which is minimal
// against the removal of one or two faults under its seed.
func (s *search) shrink(scn *sim.Scenario) *sim.Scenario {
	for {
		scn = s.simplify(s.dropFaults(scn))
		// Simpler numbers may free a fault; then other seeds may.
		if c := s.dropStep(scn); c != nil {
			scn = c
			continue
		}
		if c := s.dropReseeded(scn); c != nil {
			scn = c
			continue
		}
		return scn
	}
}

// dropFaults drops faults while one or two can go.
func (s *search) dropFaults(scn *sim.Scenario) *sim.Scenario {
	for {
		c := s.dropStep(scn)
		if c == nil {
			return scn
		}
		scn = c
	}
}

// dropStep drops one fault if one can go, else two, else returns nil.
func (s *search) dropStep(scn *sim.Scenario) *sim.Scenario {
	if c := s.dropOne(scn); c != nil {
		return c
	}
	return s.dropTwo(scn)
}

// dropOne tries each drawn fault's removal, the latest first (a fault
// late in the run is the likeliest to come after the violation and change
// nothing).
func (s *search) dropOne(scn *sim.Scenario) *sim.Scenario {
	order := s.byTimeDesc(scn)
	return s.firstWithout(len(order), func(k int) (*sim.Scenario, []int) { return scn, []int{order[k]} })
}

// dropTwo tries each pair's removal, in the same order.
func (s *search) dropTwo(scn *sim.Scenario) *sim.Scenario {
	order := s.byTimeDesc(scn)
	var pairs [][]int
	for a, i := range order {
		for _, j := range order[a+1:] {
			pairs = append(pairs, []int{i, j})
		}
	}
	return s.firstWithout(len(pairs), func(k int) (*sim.Scenario, []int) { return scn, pairs[k] })
}

// reseeds is how many seeds dropReseeded tries for each fault: 0 and up.
const reseeds = 32

// dropReseeded tries each drawn fault's removal under the seeds 0 to
// reseeds-1, the latest fault first.
func (s *search) dropReseeded(scn *sim.Scenario) *sim.Scenario {
	order := s.byTimeDesc(scn)
	return s.firstWithout(len(order)*reseeds, func(k int) (*sim.Scenario, []int) {
		seed := uint64(k % reseeds)
		if seed == scn.Seed {
			return nil, nil // dropOne tried it
		}
		c := scn.Clone()
		c.Seed = seed
		return c, []int{order[k/reseeds]}
	})
}

// firstWithout runs the candidates that candidate names, each a schedule
// with the faults at some indexes removed, and returns the first that
// still fails, or nil. Shrinking keeps the schedule it ran, not the run's
// expansion of it, which lists the faults in time order: the indexes of
// the faults stay put while their times move.
func (s *search) firstWithout(n int, candidate func(k int) (*sim.Scenario, []int)) *sim.Scenario {
	cands := make([]*sim.Scenario, n)
	i, _ := s.probe.first(n, func(k int) *sim.Scenario {
		scn, indexes := candidate(k)
		if scn == nil {
			return nil
		}
		cands[k] = without(scn, indexes...)
		return cands[k]
	})
	if i < 0 {
		return nil
	}
	return cands[i]
}

// byTimeDesc lists the indexes of the drawn faults, latest first (of two
// at one time, the later in the list first).
func (s *search) byTimeDesc(scn *sim.Scenario) []int {
	var idx []int
	for i := len(s.base.Faults); i < len(scn.Faults); i++ {
		idx = append(idx, i)
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if fa, fb := scn.Faults[a].At.Min, scn.Faults[b].At.Min; fa != fb {
			return -compare(fa, fb)
		}
		return -compare(a, b)
	})
	return idx
}

func compare[T int | time.Duration](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// without returns a copy of scn with the faults at the given indexes
// removed.
func without(scn *sim.Scenario, indexes ...int) *sim.Scenario {
	c := scn.Clone()
	c.TraceHash = ""
	idx := slices.Clone(indexes)
	slices.Sort(idx)
	for k := len(idx) - 1; k >= 0; k-- {
		c.Faults = slices.Delete(c.Faults, idx[k], idx[k]+1)
	}
	return c
}

// simplify tries seed 0, then moves each drawn fault's numbers towards
// their simplest values, keeping each change after which the schedule
// still fails.
func (s *search) simplify(scn *sim.Scenario) *sim.Scenario {
	if scn.Seed != 0 {
		c := scn.Clone()
		c.Seed, c.TraceHash = 0, ""
		if s.probe.try(c) != nil {
			scn = c
		}
	}
	for i := len(s.base.Faults); i < len(scn.Faults); i++ {
		for _, field := range faultFields(scn.Faults[i]) {
			scn = s.lower(scn, i, field)
		}
	}
	return scn
}

// faultField is one number of a fault that can be made simpler, counted
// in steps (a millisecond for a time, a ppm for a drift): its value, the
// simplest value it may take, and how to set it on a copy of the fault.
type faultField struct {
	get func(f sim.Fault) int64
	min int64
	set func(f *sim.Fault, v int64)
}

// faultFields lists the numbers of a drawn fault, each towards the
// generator's own simplest value: the fault earlier (at 0), a downtime,
// partition or pause shorter (1ms, the least drawn), a clock step or a
// drift change smaller. A range, or a time not in whole milliseconds, is
// left alone.
func faultFields(f sim.Fault) []faultField {
	var out []faultField
	if wholeMS(f.At.Min) && f.At.Min == f.At.Max {
		out = append(out, faultField{
			get: func(f sim.Fault) int64 { return msOf(f.At.Min) },
			set: func(f *sim.Fault, v int64) { f.At = sim.Fixed(msDur(v)) },
		})
	}
	if wholeMS(f.For.Min) && f.For.Min == f.For.Max && f.For.Min > 0 {
		out = append(out, faultField{
			get: func(f sim.Fault) int64 { return msOf(f.For.Min) }, min: 1,
			set: func(f *sim.Fault, v int64) { f.For = sim.Fixed(msDur(v)) },
		})
	}
	if p := f.Pause; p != nil && wholeMS(p.For.Min) && p.For.Min == p.For.Max {
		out = append(out, faultField{
			get: func(f sim.Fault) int64 { return msOf(f.Pause.For.Min) }, min: 1,
			set: func(f *sim.Fault, v int64) {
				p := *f.Pause
				p.For = sim.Fixed(msDur(v))
				f.Pause = &p
			},
		})
	}
	if c := f.ClockStep; c != nil && wholeMS(c.By) {
		sign := signOf(int64(c.By))
		out = append(out, faultField{
			get: func(f sim.Fault) int64 { return sign * msOf(f.ClockStep.By) },
			set: func(f *sim.Fault, v int64) {
				c := *f.ClockStep
				c.By = msDur(sign * v)
				f.ClockStep = &c
			},
		})
	}
	if d := f.Drift; d != nil && !d.Reset && d.PPM == float64(int64(d.PPM)) {
		sign := signOf(int64(d.PPM))
		out = append(out, faultField{
			get: func(f sim.Fault) int64 { return sign * int64(f.Drift.PPM) },
			set: func(f *sim.Fault, v int64) {
				c := *f.Drift
				c.PPM = float64(sign * v)
				f.Drift = &c
			},
		})
	}
	return out
}

func wholeMS(d time.Duration) bool { return d%time.Millisecond == 0 }
func msOf(d time.Duration) int64   { return int64(d / time.Millisecond) }
func msDur(v int64) time.Duration  { return time.Duration(v) * time.Millisecond }
func signOf(v int64) int64 {
	if v < 0 {
		return -1
	}
	return 1
}

// lower moves one number of fault i towards its simplest value: it tries
// the simplest, then bisects between the largest value known to hold and
// the smallest known to fail, and keeps the smallest value that failed.
// Failing need not be monotone in the number; every value kept was run.
func (s *search) lower(scn *sim.Scenario, i int, field faultField) *sim.Scenario {
	try := func(v int64) *sim.Scenario {
		c := scn.Clone()
		c.TraceHash = ""
		field.set(&c.Faults[i], v)
		return s.probe.try(c)
	}
	held, failing := field.min, field.get(scn.Faults[i])
	if failing <= held {
		return scn
	}
	if c := try(held); c != nil {
		return c
	}
	for failing-held > 1 {
		mid := held + (failing-held)/2
		if c := try(mid); c != nil {
			scn, failing = c, mid
		} else {
			held = mid
		}
	}
	return scn
}
