package store

import (
	"math"
	"strconv"
	"strings"
)

// Set is a set of write numbers, kept as sorted, disjoint, non-adjacent
// runs: a key written by one leader at a time holds a handful of runs
// however many writes it has seen, and a lost write shows as a hole. A Set
// is immutable once built; operations return new sets and share nothing
// that they would later change.
type Set struct {
	runs []run
}

// run is the writes lo..hi, both included.
type run struct{ lo, hi uint64 }

// runBytes is what one run costs in memory.
const runBytes = 16

// Of returns the set of the given writes.
func Of(writes ...uint64) Set {
	var s Set
	for _, w := range writes {
		s = s.With(w)
	}
	return s
}

// Len is how many writes the set holds.
func (s Set) Len() int {
	n := 0
	for _, r := range s.runs {
		n += int(r.hi - r.lo + 1)
	}
	return n
}

// Empty reports whether the set holds no write.
func (s Set) Empty() bool { return len(s.runs) == 0 }

// Contains reports whether w is in the set.
func (s Set) Contains(w uint64) bool {
	i := s.search(w)
	return i < len(s.runs) && s.runs[i].lo <= w
}

// search is the index of the first run that ends at or after w.
func (s Set) search(w uint64) int {
	lo, hi := 0, len(s.runs)
	for lo < hi {
		mid := (lo + hi) / 2
		if s.runs[mid].hi < w {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// With returns the set with w added.
func (s Set) With(w uint64) Set {
	if s.Contains(w) {
		return s
	}
	return s.Union(Set{runs: []run{{w, w}}})
}

// Union returns the writes in either set.
func (s Set) Union(o Set) Set {
	if len(o.runs) == 0 {
		return s
	}
	if len(s.runs) == 0 {
		return o
	}
	out := make([]run, 0, len(s.runs)+len(o.runs))
	i, j := 0, 0
	for i < len(s.runs) || j < len(o.runs) {
		var next run
		if j == len(o.runs) || (i < len(s.runs) && s.runs[i].lo <= o.runs[j].lo) {
			next, i = s.runs[i], i+1
		} else {
			next, j = o.runs[j], j+1
		}
		if n := len(out); n > 0 && (out[n-1].hi == math.MaxUint64 || next.lo <= out[n-1].hi+1) {
			out[n-1].hi = max(out[n-1].hi, next.hi)
			continue
		}
		out = append(out, next)
	}
	return Set{runs: out}
}

// Minus returns the writes in s that are not in o.
func (s Set) Minus(o Set) Set {
	var out []run
	j := 0
	for _, r := range s.runs {
		lo, covered := r.lo, false // covered: o holds all of r from lo on
		for j < len(o.runs) && o.runs[j].hi < lo {
			j++
		}
		for k := j; k < len(o.runs) && o.runs[k].lo <= r.hi; k++ {
			if o.runs[k].lo > lo {
				out = append(out, run{lo, o.runs[k].lo - 1})
			}
			if o.runs[k].hi >= r.hi {
				covered = true
				break
			}
			lo = o.runs[k].hi + 1 // below r.hi, so no wrap
		}
		if !covered {
			out = append(out, run{lo, r.hi})
		}
	}
	return Set{runs: out}
}

// Each calls f for every write in the set, in increasing order, until f
// returns false.
func (s Set) Each(f func(w uint64) bool) {
	for _, r := range s.runs {
		for w := r.lo; ; w++ {
			if !f(w) {
				return
			}
			if w == r.hi {
				break
			}
		}
	}
}

// Equal reports whether both sets hold the same writes.
func (s Set) Equal(o Set) bool {
	if len(s.runs) != len(o.runs) {
		return false
	}
	for i := range s.runs {
		if s.runs[i] != o.runs[i] {
			return false
		}
	}
	return true
}

// Bytes is what the set costs in memory.
func (s Set) Bytes() int64 { return int64(len(s.runs)) * runBytes }

// String is "1-40,43,45-50"; the empty set is "-".
func (s Set) String() string {
	if len(s.runs) == 0 {
		return "-"
	}
	var b strings.Builder
	for i, r := range s.runs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(r.lo, 10))
		if r.hi != r.lo {
			b.WriteByte('-')
			b.WriteString(strconv.FormatUint(r.hi, 10))
		}
	}
	return b.String()
}

// MarshalText writes the set as String does, so a trace shows it short.
func (s Set) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
