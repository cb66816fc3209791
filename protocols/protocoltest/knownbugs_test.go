package protocoltest

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"
)

// knownBugs are the tests that prove a search finds a known bug: each
// runs properties.Hunt and logs, through RequireShrunk, how long the
// search took to find the bug and to shrink it.
var knownBugs = []struct{ pkg, test string }{
	{"raft", "TestVoteKeptInMemoryIsCaught"},
	{"raft", "TestLeaseBeyondItsDriftBoundIsCaught"},
	{"raft", "TestLeaseRestartHoleIsCaught"},
	{"lease", "TestUnfencedLeaseUnderPausesIsCaught"},
	{"lease", "TestReceiptDeadlineWithDriftIsCaught"},
	{"generation", "TestGenerationKeptInMemoryIsCaught"},
	{"sbr", "TestStaticQuorumOversizedIsCaught"},
	{"sbr", "TestKeepMajorityMembershipChangeOnOneSideIsCaught"},
}

var firstSeed = flag.Uint64("knownbugs.seed", 1, "BenchmarkKnownBugSearch: the -rapid.seed of a bug's first search; each further one takes the next")

// BenchmarkKnownBugSearch times each known-bug search end to end, found
// and shrunk, as its own test runs it: the test binary of the protocol's
// package runs the one test with -rapid.seed set, so that each iteration
// is a reproducible search (the n-th iteration of a bug uses seed
// -knownbugs.seed + n - 1), and its ns/op is the find and shrink time the
// test logs (not the build, the replay check or the causal story after
// it). For the median of five, one search per seed 1..5:
//
//	go test ./protocols/protocoltest -run '^$' -bench KnownBugSearch -benchtime 1x -count 5 | tee searches.txt
//	benchstat searches.txt
func BenchmarkKnownBugSearch(b *testing.B) {
	for _, bug := range knownBugs {
		b.Run(bug.pkg+"/"+bug.test, func(b *testing.B) {
			bin := testBinary(b, bug.pkg)
			var total time.Duration
			var cpu time.Duration
			var cases, faults, runs int
			for range b.N {
				seed := nextSeed(bug.test)
				r := runSearch(b, bin, bug.pkg, bug.test, seed)
				total += r.search
				cpu += r.cpu
				cases += r.cases
				faults += r.faults
				runs += r.runs
			}
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/op")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(runs)/float64(b.N), "runs/op")
			b.ReportMetric(float64(cases)/float64(b.N), "cases/op")
			b.ReportMetric(float64(faults)/float64(b.N), "faults/op")
		})
	}
}

var (
	seedsMu sync.Mutex
	seeds   = map[string]uint64{}
)

// nextSeed returns the rapid seed of a bug's next search: -knownbugs.seed,
// then one more each time, across -count repetitions.
func nextSeed(test string) uint64 {
	seedsMu.Lock()
	defer seedsMu.Unlock()
	s, ok := seeds[test]
	if !ok {
		s = *firstSeed
	}
	seeds[test] = s + 1
	return s
}

var (
	binariesMu sync.Mutex
	binaries   = map[string]string{}
	binDir     string
)

// testBinary builds the test binary of protocols/<pkg> once.
func testBinary(b *testing.B, pkg string) string {
	b.Helper()
	binariesMu.Lock()
	defer binariesMu.Unlock()
	if bin, ok := binaries[pkg]; ok {
		return bin
	}
	if binDir == "" {
		dir, err := os.MkdirTemp("", "knownbugs")
		if err != nil {
			b.Fatal(err)
		}
		binDir = dir // left for the OS to clean: the binaries serve every -count
	}
	bin := filepath.Join(binDir, pkg+".test")
	cmd := exec.Command("go", "test", "-c", "-o", bin, "./"+pkg)
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("building the tests of protocols/%s: %v\n%s", pkg, err, out)
	}
	binaries[pkg] = bin
	return bin
}

var (
	searchLine = regexp.MustCompile(`found after (\d+) cases in (\S+), shrunk in (\S+) to (\d+) faults`)
	runsLine   = regexp.MustCompile(`\((\d+) runs in all`)
)

// search is what one known-bug test told of its search.
type search struct {
	search, cpu         time.Duration // find and shrink, as logged; the test process's CPU time
	cases, faults, runs int           // runs: 0 where the test does not log them
}

// runSearch runs one known-bug test with a rapid seed and returns the
// find and shrink time it logged, the cases before the find, the faults it
// shrank to and the runs it made; and the CPU time of the whole test
// process, a measure that other work on the machine disturbs less.
func runSearch(b *testing.B, bin, pkg, test string, seed uint64) search {
	b.Helper()
	cmd := exec.Command(bin, "-test.run", "^"+test+"$", "-test.v", "-test.count=1", fmt.Sprintf("-rapid.seed=%d", seed))
	cmd.Dir = filepath.Join("..", pkg)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%s with -rapid.seed=%d: %v\n%s", test, seed, err, out)
	}
	m := searchLine.FindSubmatch(out)
	if m == nil {
		b.Fatalf("%s with -rapid.seed=%d logged no search time:\n%s", test, seed, out)
	}
	find, err1 := time.ParseDuration(string(m[2]))
	shrink, err2 := time.ParseDuration(string(m[3]))
	if err1 != nil || err2 != nil {
		b.Fatalf("%s: unreadable times in %q", test, m[0])
	}
	r := search{search: find + shrink, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	fmt.Sscan(string(m[1]), &r.cases)
	fmt.Sscan(string(m[4]), &r.faults)
	if m := runsLine.FindSubmatch(out); m != nil {
		fmt.Sscan(string(m[1]), &r.runs)
	}
	return r
}
