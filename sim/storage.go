package sim

import (
	"slices"
	"strings"
)

// Storage is a node's durable storage: what survives a crash. Writes are
// durable at once (as after an fsync). Store values, not pointers to state
// the node keeps mutating, or the "durable" copy changes with it. A pointer
// the node writes through only when it means to persist is a disk of its
// own, and saves an allocation per write (protocols/raft keeps one).
type Storage struct {
	values map[string]any
}

// NewStorage returns empty storage, for tests that drive a node directly.
func NewStorage() *Storage { return &Storage{values: map[string]any{}} }

// Get returns the value stored under key.
func (s *Storage) Get(key string) (any, bool) {
	v, ok := s.values[key]
	return v, ok
}

// Put stores v under key.
func (s *Storage) Put(key string, v any) { s.values[key] = v }

// Delete removes key.
func (s *Storage) Delete(key string) { delete(s.values, key) }

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
func (s *Storage) PutUint64(key string, v uint64) { s.values[key] = v }

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
