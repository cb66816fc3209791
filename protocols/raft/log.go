package raft

import (
	"fmt"
	"sort"

	"github.com/electsim/electsim/sim"
)

// Entry is one log entry: its term and, when the leader proposed an act
// (commit on), the act, which takes effect once the entry commits. An entry
// with no act is a new term's empty entry or a client write.
type Entry struct {
	Term Term
	Act  sim.ActRef
}

func (e Entry) String() string {
	if e.Act.ID == 0 {
		return fmt.Sprintf("t%d", e.Term)
	}
	return fmt.Sprintf("t%d(act %d)", e.Term, e.Act.ID)
}

// raftLog is a node's log, as etcd-io/raft's raftLog: the entries from
// first on (those before were compacted once applied, the last of them
// recorded by its term), and how far they are committed and applied.
// Entries are never changed in place (see entrySeq), so the entries handed
// out earlier (to storage, to a message in flight) stay as they were.
type raftLog struct {
	entries   entrySeq // entries.at(i) is the entry at index first+i
	first     uint64   // the index of the first entry
	snapTerm  Term     // the term of entry first-1, the last compacted
	committed uint64
	applied   uint64
}

func newLog() raftLog { return raftLog{first: 1} }

func (l *raftLog) lastIndex() uint64 { return l.first + uint64(l.entries.len()) - 1 }

func (l *raftLog) lastTerm() Term {
	t, _ := l.term(l.lastIndex())
	return t
}

// term returns the term of the entry at i, if the log knows it: index 0
// and the last compacted entry have terms too.
func (l *raftLog) term(i uint64) (Term, bool) {
	switch {
	case i+1 == l.first:
		return l.snapTerm, true
	case i+1 < l.first || i > l.lastIndex():
		return 0, false
	}
	return l.entries.at(int(i - l.first)).Term, true
}

func (l *raftLog) matchTerm(i uint64, t Term) bool {
	got, ok := l.term(i)
	return ok && got == t
}

func (l *raftLog) entry(i uint64) Entry { return *l.entries.at(int(i - l.first)) }

// slice returns the entries [lo, hi), capped so that no append through it
// reaches the log.
func (l *raftLog) slice(lo, hi uint64) []Entry {
	return l.entries.slice(int(lo-l.first), int(hi-l.first))
}

// appendAfter puts ents after index after, dropping what followed it.
func (l *raftLog) appendAfter(after uint64, ents ...Entry) {
	l.entries.truncate(int(after + 1 - l.first))
	for _, e := range ents {
		l.entries.push(e)
	}
}

// findConflict returns the index of the first of ents (which follow prev)
// that the log does not hold with the same term, or 0 when it holds them
// all (etcd's findConflict).
func (l *raftLog) findConflict(prev uint64, ents []Entry) uint64 {
	for i, e := range ents {
		if idx := prev + 1 + uint64(i); !l.matchTerm(idx, e.Term) {
			return idx
		}
	}
	return 0
}

// findConflictByTerm returns the last index at or below index whose term
// is at most term: where a leader whose entry at index has that term may
// look for a match next (etcd's fast back-off hint).
func (l *raftLog) findConflictByTerm(index uint64, term Term) uint64 {
	if index < l.first {
		return index
	}
	// Terms never go down along a log (an initial log's are checked to
	// be so), so the entries up to index of a term at most term are a
	// prefix of them: find where it ends.
	k := sort.Search(int(index-l.first+1), func(i int) bool { return l.entries.at(i).Term > term })
	return l.first + uint64(k) - 1 // first-1, whose term the log keeps, when there are none
}

// commitTo moves the commit index forward.
func (l *raftLog) commitTo(i uint64) bool {
	if i <= l.committed {
		return false
	}
	l.committed = i
	return true
}

// compact drops the applied entries up to and including i, and the
// chunks that held only them.
func (l *raftLog) compact(i uint64) {
	if i < l.first || i > l.applied {
		return
	}
	l.snapTerm = l.entry(i).Term
	l.entries.dropFront(int(i + 1 - l.first))
	l.first = i + 1
}

// restore replaces the log by a snapshot of everything up to index, whose
// last entry had term: what a follower too far behind is sent.
func (l *raftLog) restore(index uint64, term Term) {
	l.entries, l.first, l.snapTerm = entrySeq{}, index+1, term
	l.committed, l.applied = index, index
}

func (l *raftLog) tail() logTail { return logTail{Index: l.lastIndex(), Term: l.lastTerm()} }

// logTail is what the up-to-date check of an election compares: the last
// entry's index and term.
type logTail struct {
	Index uint64
	Term  Term
}

func (t logTail) String() string { return fmt.Sprintf("%d@%d", t.Index, t.Term) }
