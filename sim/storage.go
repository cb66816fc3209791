package sim

import (
	"slices"
	"strings"
)

// Storage is a node's durable storage: what survives a crash. Without a
// disk latency (the scenario's disk section) writes are durable at once, as
// after an fsync; with one, a handler's writes become durable together when
// its write completes, and a crash before then undoes them (see Disk).
// Reads always see the node's own writes. Store values, not pointers to
// state the node keeps mutating: the kernel can undo a Put, not a change
// made through a pointer.
type Storage struct {
	// values holds each key's value in a slot of its own, so that an
	// overwrite, the common write, finds the old value's size and stores
	// the new one with one lookup.
	values map[string]*storedValue
	// write, when set, is told of every write before it is made, and
	// returns when it becomes durable (the kernel's disk).
	write func() Time
	// undo holds the writes not yet durable, oldest first, to undo at a
	// crash.
	undo []undoWrite
	// bytes is where the storage adds up the memory it holds, for
	// limits.max_memory: the run's running total, or own for storage
	// made alone.
	bytes *int64
	own   int64
}

// storedValue is a value and what it counts for (storedBytes).
type storedValue struct {
	v     any
	bytes int64
}

// undoWrite is what a write replaced, and when the write becomes durable.
type undoWrite struct {
	key     string
	old     any
	existed bool
	durable Time
}

// NewStorage returns empty storage, for tests that drive a node directly.
func NewStorage() *Storage {
	s := &Storage{values: map[string]*storedValue{}}
	s.bytes = &s.own
	return s
}

// Get returns the value stored under key.
func (s *Storage) Get(key string) (any, bool) {
	if p := s.values[key]; p != nil {
		return p.v, true
	}
	return nil, false
}

// Put stores v under key. Against limits.max_memory it counts its key and
// its value as it is now: text and []byte by their length, a MemorySized
// value by what it says, others as a few words.
func (s *Storage) Put(key string, v any) {
	s.written(key)
	s.set(key, v)
}

// Delete removes key.
func (s *Storage) Delete(key string) {
	s.written(key)
	s.remove(key)
}

// set and remove change the values and keep the count of their bytes: a
// key costs storageEntryBytes and its length, its value storedBytes.
func (s *Storage) set(key string, v any) {
	p := s.values[key]
	if p == nil {
		p = &storedValue{}
		s.values[key] = p
		*s.bytes += storageEntryBytes + int64(len(key))
	}
	size := storedBytes(v)
	*s.bytes += size - p.bytes
	p.v, p.bytes = v, size
}

func (s *Storage) remove(key string) {
	if p := s.values[key]; p != nil {
		*s.bytes -= storageEntryBytes + int64(len(key)) + p.bytes
		delete(s.values, key)
	}
}

// written records, before a write to key, what to undo if the node crashes
// before the write is durable.
func (s *Storage) written(key string) {
	if s.write == nil {
		return
	}
	durable := s.write()
	if durable == 0 {
		return // durable at once
	}
	old, existed := s.Get(key)
	s.undo = append(s.undo, undoWrite{key: key, old: old, existed: existed, durable: durable})
	*s.bytes += undoWriteBytes
}

// lose undoes, newest first, every write not durable at now, and reports
// how many there were: a crash.
func (s *Storage) lose(now Time) int {
	lost := 0
	for i := len(s.undo) - 1; i >= 0; i-- {
		u := s.undo[i]
		if u.durable <= now {
			break
		}
		if u.existed {
			s.set(u.key, u.old)
		} else {
			s.remove(u.key)
		}
		lost++
	}
	*s.bytes -= int64(len(s.undo)) * undoWriteBytes
	clear(s.undo)
	s.undo = s.undo[:0]
	return lost
}

// settle forgets the undo records of writes durable by now.
func (s *Storage) settle(now Time) {
	n := 0
	for n < len(s.undo) && s.undo[n].durable <= now {
		n++
	}
	if n > 0 {
		s.undo = append(s.undo[:0], s.undo[n:]...)
		*s.bytes -= int64(n) * undoWriteBytes
	}
}

// Uint64 returns the uint64 stored under key, or 0 when there is none. It
// panics if another type is stored there: that is a protocol bug.
func (s *Storage) Uint64(key string) uint64 {
	v, ok := s.Get(key)
	if !ok {
		return 0
	}
	return v.(uint64)
}

// PutUint64 stores a uint64 under key.
func (s *Storage) PutUint64(key string, v uint64) { s.Put(key, v) }

// Keys returns the stored keys that start with prefix, sorted, so that a
// node restoring its state walks it in a fixed order.
func (s *Storage) Keys(prefix string) []string {
	var keys []string
	for k := range s.values {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
