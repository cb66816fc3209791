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
	values map[string]any
	// write, when set, is told of every write before it is made, and
	// returns when it becomes durable (the kernel's disk).
	write func() Time
	// undo holds the writes not yet durable, oldest first, to undo at a
	// crash.
	undo []undoWrite
}

// undoWrite is what a write replaced, and when the write becomes durable.
type undoWrite struct {
	key     string
	old     any
	existed bool
	durable Time
}

// NewStorage returns empty storage, for tests that drive a node directly.
func NewStorage() *Storage { return &Storage{values: map[string]any{}} }

// Get returns the value stored under key.
func (s *Storage) Get(key string) (any, bool) {
	v, ok := s.values[key]
	return v, ok
}

// Put stores v under key.
func (s *Storage) Put(key string, v any) {
	s.written(key)
	s.values[key] = v
}

// Delete removes key.
func (s *Storage) Delete(key string) {
	s.written(key)
	delete(s.values, key)
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
	old, existed := s.values[key]
	s.undo = append(s.undo, undoWrite{key: key, old: old, existed: existed, durable: durable})
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
			s.values[u.key] = u.old
		} else {
			delete(s.values, u.key)
		}
		lost++
	}
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
	}
}

// Uint64 returns the uint64 stored under key, or 0 when there is none. It
// panics if another type is stored there: that is a protocol bug.
func (s *Storage) Uint64(key string) uint64 {
	v, ok := s.values[key]
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
