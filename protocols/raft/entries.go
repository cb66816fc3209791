package raft

import "unsafe"

// A log's entries live in chunks of chunkLen, allocated one at a time as
// the log grows and dropped whole as it compacts. With one array per log,
// every compaction copied the kept entries into a fresh 6,144-entry array
// while the old one was still held by storage and messages in flight: all
// nodes compact at nearly the same index, so for a moment a 5-node cluster
// held twice its logs, and the longer a run, the likelier a collection
// caught that moment and set the heap's next goal by it, so that a long
// run's peak memory grew with its length.
const (
	chunkShift = 8
	chunkLen   = 1 << chunkShift
	chunkMask  = chunkLen - 1
)

type chunk [chunkLen]Entry

const entrySize = int64(unsafe.Sizeof(Entry{}))

// entrySeq is a sequence of entries in chunks. A copy of it (the log as
// stored, the entries of a message in flight) stays as it was whatever the
// original does next, because no position a copy covers is ever written
// again: appends write past the end, a truncation copies the chunk it cuts
// into, and the chunk list is copied whenever one of its elements would
// change. So the log shares its entries without copying them, as an array
// that is never changed in place did before.
type entrySeq struct {
	chunks []*chunk
	off    int // the position of the first entry in chunks[0]
	n      int // how many entries
}

func (s *entrySeq) len() int { return s.n }

// at returns the k-th entry, 0 <= k < len.
func (s *entrySeq) at(k int) *Entry {
	p := s.off + k
	return &s.chunks[p>>chunkShift][p&chunkMask]
}

// push appends one entry.
func (s *entrySeq) push(e Entry) {
	p := s.off + s.n
	if p>>chunkShift == len(s.chunks) {
		// Beyond the length of every copy of the list: they do not see it.
		s.chunks = append(s.chunks, new(chunk))
	}
	s.chunks[p>>chunkShift][p&chunkMask] = e
	s.n++
}

// truncate keeps the first keep entries. The chunk the cut falls in is
// copied (see own), so that the entries pushed next do not overwrite what
// a copy of the sequence still holds.
func (s *entrySeq) truncate(keep int) {
	if keep < s.n {
		s.n = keep
		*s = s.own()
	}
}

// dropFront drops the first k entries, and the chunks that held only
// them.
func (s *entrySeq) dropFront(k int) {
	k = min(k, s.n)
	s.off += k
	s.n -= k
	drop := s.off >> chunkShift
	if drop > 0 {
		// A new list, so that the dropped chunks are not kept alive by
		// the old list's array.
		s.chunks = append([]*chunk(nil), s.chunks[drop:]...)
		s.off -= drop << chunkShift
	}
}

// slice returns the entries [a, b), capped so that no append through it
// reaches the sequence. Within one chunk it shares the chunk; across a
// chunk's end it is a copy.
func (s *entrySeq) slice(a, b int) []Entry {
	if a >= b {
		return nil
	}
	pa, pb := s.off+a, s.off+b-1
	if pa>>chunkShift == pb>>chunkShift {
		c := s.chunks[pa>>chunkShift]
		return c[pa&chunkMask : pb&chunkMask+1 : pb&chunkMask+1]
	}
	out := make([]Entry, 0, b-a)
	for p := pa; p <= pb; {
		c, lo := s.chunks[p>>chunkShift], p&chunkMask
		hi := min(chunkLen, lo+pb-p+1)
		out = append(out, c[lo:hi]...)
		p += hi - lo
	}
	return out
}

// own returns a sequence with the same entries that shares no chunk it
// may write into: the chunk list and the last, partly filled chunk are
// copied. A truncated log and a log restored from storage take their
// entries this way, so that what they append cannot reach a chunk that a
// stored copy or a message (sent before a crash) still reads.
func (s entrySeq) own() entrySeq {
	if s.n == 0 {
		return entrySeq{}
	}
	end := s.off + s.n
	chunks := append([]*chunk(nil), s.chunks[:(end+chunkMask)>>chunkShift]...)
	if end&chunkMask != 0 {
		last := *chunks[len(chunks)-1]
		chunks[len(chunks)-1] = &last
	}
	return entrySeq{chunks: chunks, off: s.off, n: s.n}
}

// bytes is the memory its chunks take.
func (s entrySeq) bytes() int64 {
	return int64(len(s.chunks)) * int64(chunkLen) * entrySize
}
