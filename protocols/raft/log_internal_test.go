package raft

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/sim"
)

// TestFindConflictByTermSearchesAsTheScanDid: the binary search gives the
// index etcd's backward scan gives, on any log whose terms never go down,
// compacted or not.
func TestFindConflictByTermSearchesAsTheScanDid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		l := raftLog{first: rapid.Uint64Range(1, 50).Draw(t, "first")}
		term := Term(rapid.Uint64Range(0, 3).Draw(t, "start"))
		var entries []Entry
		for range rapid.IntRange(0, 600).Draw(t, "len") {
			term += Term(rapid.Uint64Range(0, 2).Draw(t, "step"))
			entries = append(entries, Entry{Term: term})
			l.entries.push(Entry{Term: term})
		}
		index := rapid.Uint64Range(0, l.lastIndex()).Draw(t, "index")
		want := Term(rapid.Uint64Range(0, uint64(term)+1).Draw(t, "term"))
		scan := index
		for ; scan >= l.first; scan-- {
			if entries[scan-l.first].Term <= want {
				break
			}
		}
		if got := l.findConflictByTerm(index, want); got != scan {
			t.Fatalf("findConflictByTerm(%d, %d) = %d, the scan gives %d (first %d, %v)", index, want, got, scan, l.first, entries)
		}
	})
}

// TestStoredLogCountsItsEntries: the log Raft stores says how many bytes
// it holds (sim.MemorySized), so that limits.max_memory sees a log that
// grows, where any other stored value counts a fixed 64 bytes.
func TestStoredLogCountsItsEntries(t *testing.T) {
	var _ sim.MemorySized = logState{}
	var short, long logState
	for range 10 {
		short.Entries.push(Entry{})
	}
	for range 10_000 {
		long.Entries.push(Entry{})
	}
	small, big := short.MemoryBytes(), long.MemoryBytes()
	if per := (big - small) / 9_990; per < 24 {
		t.Errorf("a stored log counts %d bytes an entry (%d for 10, %d for 10,000), want an entry's size, at least 24", per, small, big)
	}
}
