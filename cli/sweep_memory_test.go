package cli

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestMemTotal(t *testing.T) {
	meminfo := []byte("MemTotal:       24683548 kB\nMemFree:        22000000 kB\n")
	if got := memTotal(meminfo); got != 24683548<<10 {
		t.Fatalf("MemTotal read as %d bytes", got)
	}
	if got := memTotal([]byte("nothing here\n")); got != 0 {
		t.Fatalf("no MemTotal read as %d", got)
	}
}

// TestMemoryBackstopPutsTheLimitBack: the sweep's memory limit is a share
// of the machine's, and is undone after; GOMEMLIMIT wins.
func TestMemoryBackstopPutsTheLimitBack(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" || machineMemory() <= 0 {
		t.Skip("GOMEMLIMIT is set, or this system does not say its memory")
	}
	before := debug.SetMemoryLimit(-1)
	restore := memoryBackstop()
	during := debug.SetMemoryLimit(-1)
	restore()
	if after := debug.SetMemoryLimit(-1); after != before {
		t.Fatalf("the limit was %d before, %d after", before, after)
	}
	if want := int64(float64(machineMemory()) * memoryShare); during != want {
		t.Fatalf("the limit during a sweep is %d, want %d", during, want)
	}
}
