package protocoltest

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/all"
	"github.com/electsim/electsim/sim"
)

var (
	memflat      = flag.String("memflat", "", "TestMemoryFlat: the run lengths to compare, shortest first (e.g. 1h,10h); empty skips it")
	memflatChild = flag.Duration("memflat.child", 0, "TestMemoryFlat: run one length in this process (the parent's child)")
	memflatSeed  = flag.Uint64("memflat.seed", 1, "TestMemoryFlat: the run seed")
	memflatHeap  = flag.String("memflat.heapprofile", "", "TestMemoryFlat: a directory for each run's heap profile at its end")
)

// TestMemoryFlat measures whether a run's memory stays flat in its length
// (issue 15: 10 h of true time against 1 h, peak RSS at most 1.1x). It is
// a measurement, not a test: it runs only when -memflat names the lengths,
// and asserts nothing. Each length runs in a process of its own (this test
// binary again, with -memflat.child): the same 5-node Raft cluster as the
// speed benchmarks (PreVote, CheckQuorum, acts committed, lognormal
// latency, drifting clocks) under a nemesis of partitions, crashes and
// pauses every 30 s, every checker and metric on, no trace. It prints each
// run's peak RSS (VmHWM), its live heap at the end (after a collection,
// with the run still held), the peak memory the run accounted for itself,
// and the ratios of the longest run to the shortest:
//
//	go test ./protocols/protocoltest -run '^TestMemoryFlat$' -memflat 1h,10h -v
//
// -memflat.heapprofile dir writes each run's heap profile at its end (go
// tool pprof -sample_index=inuse_space), to see what grew.
func TestMemoryFlat(t *testing.T) {
	if *memflatChild > 0 {
		memflatRun(t, *memflatChild)
		return
	}
	if *memflat == "" {
		t.Skip("a measurement: give -memflat 1h,10h to run it")
	}
	var figures []memFigure
	for _, s := range strings.Split(*memflat, ",") {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"-test.run", "^TestMemoryFlat$", "-memflat.child", d.String(), "-memflat.seed", strconv.FormatUint(*memflatSeed, 10)}
		if *memflatHeap != "" {
			args = append(args, "-memflat.heapprofile", *memflatHeap)
		}
		out, err := exec.Command(os.Args[0], args...).CombinedOutput()
		if err != nil {
			t.Fatalf("the %v run: %v\n%s", d, err, out)
		}
		i := strings.Index(string(out), "memflat ")
		if i < 0 {
			t.Fatalf("the %v run printed no figures:\n%s", d, out)
		}
		var f memFigure
		if _, err := fmt.Sscan(string(out[i+len("memflat "):]), &f.length, &f.wall, &f.events, &f.faults, &f.hwmKB, &f.heap, &f.accounted); err != nil {
			t.Fatalf("the %v run printed %q: %v", d, out, err)
		}
		figures = append(figures, f)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %10s %12s %7s %12s %12s %14s\n", "length", "wall", "events", "faults", "peak RSS", "live heap", "run accounted")
	for _, f := range figures {
		fmt.Fprintf(&b, "%-8v %10v %12d %7d %9.1f MB %9.2f MB %11.2f MB\n", f.length, f.wall.Round(time.Millisecond), f.events, f.faults,
			float64(f.hwmKB)/1024, float64(f.heap)/(1<<20), float64(f.accounted)/(1<<20))
	}
	if len(figures) >= 2 {
		a, z := figures[0], figures[len(figures)-1]
		fmt.Fprintf(&b, "%v vs %v: peak RSS %.2fx (goal at most 1.1x), live heap %.2fx, run accounted %.2fx\n", z.length, a.length,
			float64(z.hwmKB)/float64(a.hwmKB), float64(z.heap)/float64(a.heap), float64(z.accounted)/float64(a.accounted))
	}
	t.Log("\n" + b.String())
}

type memFigure struct {
	length, wall           time.Duration
	events                 int64
	faults                 int
	hwmKB, heap, accounted int64
}

// memflatScenario is the measured run.
func memflatScenario(d time.Duration) *sim.Scenario {
	return &sim.Scenario{
		Name: "memflat", Nodes: 5, Duration: d,
		Protocol: sim.ProtocolSpec{Name: "raft", Params: map[string]any{"prevote": true, "check_quorum": true}},
		Network:  sim.NetworkSpec{Latency: network.Latency{Dist: "lognormal", Median: 2 * time.Millisecond, Sigma: 0.5, Min: 500 * time.Microsecond}, Loss: 0.001},
		Clocks:   sim.Clocks{RandomDriftPPM: 100},
		Nemesis:  &sim.Nemesis{Interval: 30 * time.Second},
		Limits:   sim.Limits{MaxEvents: 1 << 40, MaxMemory: 1 << 40},
	}
}

// memflatRun runs one length and prints, after "memflat ": the length,
// the wall time, the events, the faults, the peak RSS in kB, the live heap
// at the end and the run's own accounted peak, in bytes.
func memflatRun(t *testing.T, d time.Duration) {
	if *memflatHeap != "" {
		runtime.MemProfileRate = 1 // every allocation, for a profile that adds up
	}
	scn := memflatScenario(d)
	p, _, err := protocols.ForScenario(scn)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.New(scn, p, *memflatSeed)
	if err != nil {
		t.Fatal(err)
	}
	suite := properties.Attach(s)
	start := time.Now()
	res := s.Run()
	wall := time.Since(start)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	rep := suite.Report(res)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if *memflatHeap != "" {
		f, err := os.Create(filepath.Join(*memflatHeap, fmt.Sprintf("heap-%v.pprof", d)))
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	runtime.KeepAlive(s)
	runtime.KeepAlive(suite)
	hwm, err := peakRSS()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("memflat", int64(d), int64(wall), res.Events, len(s.Scenario().Faults), hwm, ms.HeapAlloc, rep.PeakMemoryBytes)
}

// peakRSS reads the process's peak resident set size, in kB.
func peakRSS() (int64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}
