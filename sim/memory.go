package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// A run bounds its memory by its own accounting, not by asking the Go
// runtime: what the runtime reports depends on the garbage collector's
// timing and on every other run in the process, so a limit on it would
// stop the same run at different events from one try to the next. The
// kernel instead keeps a running total of the bytes it holds for the run,
// updated where they are added and freed (a few integer adds per event),
// and stops the run with a LimitError "max_memory" when the total exceeds
// limits.max_memory. The same scenario and seed stop at the same event.
//
// The sizes are fixed numbers, those of a 64-bit build, so that the total
// does not depend on the machine either. What the kernel cannot see is not
// counted: a protocol's own volatile state and the contents of its
// messages beyond a fixed allowance.
//
// The process's real use is a multiple of the total: the queue is a slice
// that grows by copying (for a moment the old and the new array are both
// live: 2.25 times the items), and the collector lets the heap grow past
// what is live (GOGC). Measured on a run whose queue dominates (64 Raft
// nodes with a 1µs heartbeat), the resident size was 4 times the
// accounted peak with the default GOGC, and 2 to 2.5 times under a Go
// memory limit (debug.SetMemoryLimit, GOMEMLIMIT), which makes the
// collector reclaim the old arrays at once. The memory limit is only a
// backstop, though: it makes the collector work harder, it never stops a
// run, and what it sees is the whole process, not one run. The accounting
// is what bounds a run.
const (
	itemBytes      = 64 // an item held for a paused node: a delivery, a timer expiry...
	queuedBytes    = 96 // a queued item: the item in the queue's slab, its heap entry, its free-list index
	messageBytes   = 64 // a message's own value, on the wire or held
	timerSlotBytes = 72 // a live timer
	nodeBytes      = 2048
	linkBytes      = 256 // one directed link's settings and random stream, once in use
	linkIndexBytes = 4   // a pair of nodes' entry in the network's link index
	// faultBytes is one fault a run holds: the Fault and what it points
	// to, a partition or another change. A run holds its written faults,
	// and of a nemesis's only the few drawn ahead and those begun and not
	// yet ended (see faultStream). It compiles a fault (a partition's
	// relation, its text) only when its time comes, and holds none of
	// that afterwards.
	faultBytes = 256
	// faultEntryBytes is a fault or a fault's end waiting in the schedule's
	// heap (see faultSchedule): a handful, however many faults there are.
	faultEntryBytes = 32
	// A stored entry costs its key, its value (see storedBytes) and this.
	storageEntryBytes = 64
	undoWriteBytes    = 48 // a write not yet durable, kept to undo at a crash
)

// DefaultMaxMemory is limits.max_memory when a scenario gives none: 2 GiB
// of accounted memory per run. It is sized for a sweep on a 2-core
// machine with 24 GiB, one run per core: at 2.5 times the accounted total
// (see above) two runs at the limit hold about 10 GiB, which leaves room
// for the collector's headroom and the sweep itself. An ordinary run
// accounts for a few MiB; the limit is there for the runaway ones.
const DefaultMaxMemory = 2 << 30

// MemorySized is a stored value that says how many bytes it holds: a
// protocol that stores a log implements it on the value it stores, so
// that limits.max_memory sees the log grow. Other values count by their
// type (see storedBytes).
type MemorySized interface {
	MemoryBytes() int64
}

// storedBytes is what a value in Storage counts for: text and []byte their
// length, a number or a bool 8, a MemorySized what it says, anything else
// a fixed 64.
func storedBytes(v any) int64 {
	switch v := v.(type) {
	case string:
		return int64(len(v))
	case []byte:
		return int64(len(v))
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return 8
	case MemorySized:
		return max(v.MemoryBytes(), 0)
	}
	return 64
}

// accounted is the run's memory as the kernel counts it: the queue, the
// messages in flight, the links in use (the network makes a link's state
// when it first carries a message) and everything else the running total
// holds.
func (s *Sim) accounted() int64 {
	return s.memory + int64(len(s.queue.items))*queuedBytes + int64(s.inFlight)*messageBytes +
		int64(s.net.LinksInUse())*linkBytes
}

// checkMemory stops the run once its accounted memory exceeds the limit.
// It runs after every step, and wherever a handler queues (a send, a
// timer), so that one handler cannot grow the run far past it. It
// compares against the limit only at a new peak, so the common case is
// one comparison.
func (s *Sim) checkMemory() {
	m := s.accounted()
	if m <= s.peakMemory {
		return
	}
	s.peakMemory = m
	if m > int64(s.limits.MaxMemory) && s.stop == nil {
		s.stop = &LimitError{Limit: "max_memory", Value: int64(s.limits.MaxMemory), At: s.now, Index: s.index}
	}
}

// fixedMemory is what a run holds from its start to its end, beyond its
// queue: its nodes, the network's index of their links and its faults
// (the written ones, and the few the schedule holds ready, which it keeps
// up to date in the running total as they change).
func fixedMemory(nodes int, faults faultSchedule) int64 {
	return int64(nodes)*nodeBytes + int64(nodes)*int64(nodes)*linkIndexBytes +
		faults.bytes()
}

// Bytes is an amount of memory in bytes. In a scenario it is a whole
// number, or text with a unit: "512MiB", "4GiB", "1.5GB" (KiB, MiB, GiB,
// TiB are powers of 1024; kB, MB, GB, TB powers of 1000; B is bytes).
type Bytes int64

// byteUnits are the units Bytes reads, longest first so that "GiB" is not
// read as "B".
var byteUnits = []struct {
	name string
	size int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// ParseBytes reads an amount of memory: "4GiB", "1.5GB", "1048576".
func ParseBytes(text string) (Bytes, error) {
	text = strings.TrimSpace(text)
	number, unit := text, int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(text, u.name) {
			number, unit = strings.TrimSpace(strings.TrimSuffix(text, u.name)), u.size
			break
		}
	}
	if n, err := strconv.ParseInt(number, 10, 64); err == nil && n >= 0 && n <= math.MaxInt64/unit {
		return Bytes(n * unit), nil
	}
	f, err := strconv.ParseFloat(number, 64)
	total := f * float64(unit)
	if err != nil || math.IsNaN(f) || f < 0 || total >= math.MaxInt64 || total != math.Trunc(total) {
		return 0, fmt.Errorf("want %s, got %q", bytesWanted, text)
	}
	return Bytes(total), nil
}

const bytesWanted = `a whole number of bytes, or an amount such as "512MiB" or "4GiB"`

// String writes the amount in the largest binary unit that divides it:
// "4GiB", "1536MiB", "1000B".
func (b Bytes) String() string {
	for i := 3; i >= 0; i-- {
		if u := byteUnits[i]; b != 0 && int64(b)%u.size == 0 {
			return strconv.FormatInt(int64(b)/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(b), 10) + "B"
}

// UnmarshalYAML reads a whole number of bytes or an amount with a unit.
// It takes the decoding function, as Span's does, not the bytes, which
// go-yaml renders by walking the whole file.
func (b *Bytes) UnmarshalYAML(unmarshal func(any) error) error {
	var v any
	if err := unmarshal(&v); err != nil {
		return &fieldError{"limits.max_memory", "want " + bytesWanted}
	}
	var err error
	switch v := v.(type) {
	case uint64:
		if v > math.MaxInt64 {
			return &fieldError{"limits.max_memory", fmt.Sprintf("%d bytes is more than %d", v, int64(math.MaxInt64))}
		}
		*b = Bytes(v)
	case int64:
		*b, err = ParseBytes(strconv.FormatInt(v, 10))
	case float64:
		*b, err = ParseBytes(strconv.FormatFloat(v, 'f', -1, 64))
	case string:
		*b, err = ParseBytes(v)
	default:
		err = fmt.Errorf("want %s, got %v", bytesWanted, v)
	}
	if err != nil {
		return &fieldError{"limits.max_memory", err.Error()}
	}
	return nil
}

// MarshalYAML writes the amount as String does, which ParseBytes reads
// back.
func (b Bytes) MarshalYAML() (any, error) { return b.String(), nil }
