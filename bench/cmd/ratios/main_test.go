package main

import (
	"strings"
	"testing"
)

// TestMediansOfBenchmarkLines: each benchmark's sim-s/s is the median of
// its runs, the mean of the middle two for an even count (not the upper
// one, which leaned every ratio the optimistic way), by name without the
// -cpu suffix.
func TestMediansOfBenchmarkLines(t *testing.T) {
	raw := `goos: linux
BenchmarkEventLoop-2    	20	59754709 ns/op	100 sim-s/s
BenchmarkEventLoop-2    	20	59754709 ns/op	200 sim-s/s
BenchmarkBareHeapLoop   	20	59754709 ns/op	300 sim-s/s
BenchmarkBareHeapLoop   	20	59754709 ns/op	100 sim-s/s
BenchmarkBareHeapLoop   	20	59754709 ns/op	500 sim-s/s
`
	got, err := simSecondsPerSecond(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got["EventLoop"] != 150 || got["BareHeapLoop"] != 300 {
		t.Fatalf("medians %v, want EventLoop 150 (of 100, 200) and BareHeapLoop 300 (of 100, 300, 500)", got)
	}
}
