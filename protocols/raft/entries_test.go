package raft

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// copyOf is a copy of a sequence taken at some step (as storage or a
// message takes one) and the entries it held then.
type copyOf struct {
	seq     entrySeq
	slice   []Entry // a slice handed out then, as a message's entries
	entries []Entry
	lo      int // where slice starts in entries
}

// TestEntrySeqActsAsASliceAndCopiesStayAsTheyWere: under any mix of
// pushes, truncations, compactions (dropFront) and restores (own), the
// chunked sequence holds what a plain slice would; and every copy taken
// along the way, and every slice handed out, still reads as it did when
// it was taken. That is what lets storage and messages share the log's
// chunks without copying them.
func TestEntrySeqActsAsASliceAndCopiesStayAsTheyWere(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var s entrySeq
		var model []Entry
		var copies []copyOf
		next := uint64(1)
		for range rapid.IntRange(0, 60).Draw(t, "steps") {
			switch rapid.IntRange(0, 5).Draw(t, "op") {
			case 0, 1: // a run of appends, often across a chunk's end
				for range rapid.IntRange(1, 3*chunkLen).Draw(t, "pushes") {
					e := Entry{Term: Term(next)}
					e.Act.ID = next
					next++
					s.push(e)
					model = append(model, e)
				}
			case 2:
				keep := rapid.IntRange(0, len(model)).Draw(t, "keep")
				s.truncate(keep)
				model = model[:keep:keep]
			case 3:
				k := rapid.IntRange(0, len(model)).Draw(t, "drop")
				s.dropFront(k)
				model = model[k:]
			case 4:
				s = s.own()
			case 5:
				lo := rapid.IntRange(0, len(model)).Draw(t, "lo")
				hi := rapid.IntRange(lo, len(model)).Draw(t, "hi")
				copies = append(copies, copyOf{seq: s, slice: s.slice(lo, hi), entries: slices.Clone(model), lo: lo})
			}
			if got := contents(s); !entriesEqual(got, model) {
				t.Fatalf("the sequence holds %v, a slice would hold %v", got, model)
			}
			// Memory: the chunks the entries need, no more; a dropped
			// chunk is not held.
			if need := (s.off + s.n + chunkMask) >> chunkShift; len(s.chunks) != need || s.off >= chunkLen {
				t.Fatalf("%d chunks (first at %d) hold %d entries, which need %d", len(s.chunks), s.off, s.n, need)
			}
			for i, c := range copies {
				if got := contents(c.seq); !entriesEqual(got, c.entries) {
					t.Fatalf("copy %d changed: %v, taken as %v", i, got, c.entries)
				}
				if want := c.entries[c.lo : c.lo+len(c.slice)]; !entriesEqual(c.slice, want) {
					t.Fatalf("slice %d changed: %v, handed out as %v", i, c.slice, want)
				}
			}
		}
	})
}

func contents(s entrySeq) []Entry {
	out := make([]Entry, 0, s.len())
	for k := range s.len() {
		out = append(out, *s.at(k))
	}
	return out
}

func entriesEqual(a, b []Entry) bool { return slices.Equal(a, b) }

// TestEntrySliceSharesWithinAChunk: a message's entries within one chunk
// are the chunk itself, allocated nothing; across a chunk's end they are a
// copy, capped so that appending to them cannot reach the log.
func TestEntrySliceSharesWithinAChunk(t *testing.T) {
	var s entrySeq
	for i := range 3 * chunkLen {
		s.push(Entry{Term: Term(i)})
	}
	within := s.slice(chunkLen+1, chunkLen+64)
	if &within[0] != s.at(chunkLen+1) || cap(within) != len(within) {
		t.Errorf("a slice within a chunk is a copy, or not capped")
	}
	across := s.slice(chunkLen-8, chunkLen+8)
	if len(across) != 16 || across[0].Term != chunkLen-8 || across[15].Term != chunkLen+7 || cap(across) != len(across) {
		t.Errorf("a slice across a chunk's end holds %v", across)
	}
	if n := testing.AllocsPerRun(100, func() { _ = s.slice(chunkLen+1, chunkLen+64) }); n != 0 {
		t.Errorf("a slice within a chunk allocates %v times", n)
	}
}
