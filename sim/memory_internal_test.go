package sim

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/network"
)

// TestAccountedSizesCoverTheRealOnes: the fixed sizes the accounting uses
// are at least those of this build, so a limit is never looser than it
// says (on a 64-bit build they are the same).
func TestAccountedSizesCoverTheRealOnes(t *testing.T) {
	for _, c := range []struct {
		name        string
		real, fixed uintptr
	}{
		{"item", unsafe.Sizeof(item{}), itemBytes},
		{"queued item", unsafe.Sizeof(item{}) + unsafe.Sizeof(qitem{}) + unsafe.Sizeof(uint32(0)), queuedBytes},
		{"timerSlot", unsafe.Sizeof(timerSlot{}), timerSlotBytes},
		{"undoWrite", unsafe.Sizeof(undoWrite{}), undoWriteBytes},
	} {
		if c.real > c.fixed {
			t.Errorf("a %s takes %d bytes, but the accounting counts %d", c.name, c.real, c.fixed)
		}
	}
}

// recount adds up, from scratch, what the running total s.memory keeps.
func recount(s *Sim) int64 {
	total := fixedMemory(s.roster.Len(), s.faults)
	for _, n := range s.nodes[1:] {
		total += int64(len(n.held))*itemBytes + int64(len(n.timers))*timerSlotBytes
		total += int64(len(n.storage.undo)) * undoWriteBytes
		for k, p := range n.storage.values {
			total += storageEntryBytes + int64(len(k)) + storedBytes(p.v)
		}
	}
	return total
}

// churner does a little of everything each time it runs, drawn from its
// stream: timers set and stopped, messages, storage written, overwritten
// and deleted.
type churner struct {
	env    Env
	timers []TimerID
}

type churnMsg struct{}

func (c *churner) Start(env Env) {
	c.env = env
	c.timers = nil
	c.churn()
}

func (c *churner) Deliver(NodeID, Message) { c.churn() }

func (c *churner) Fire(t Timer) {
	c.timers = slices.DeleteFunc(c.timers, func(id TimerID) bool { return id == t.ID })
	c.churn()
}

func (c *churner) churn() {
	r := c.env.Rand()
	switch r.IntN(5) {
	case 0:
		if len(c.timers) > 0 {
			c.env.StopTimer(c.timers[0])
			c.timers = c.timers[1:]
		}
	case 1:
		c.env.Send(NodeID(1+r.IntN(len(c.env.Peers()))), churnMsg{})
	case 2:
		c.env.Storage().Put("k"+strconv.Itoa(r.IntN(4)), make([]byte, r.IntN(100)))
	case 3:
		c.env.Storage().Delete("k" + strconv.Itoa(r.IntN(4)))
	}
	if len(c.timers) < 4 {
		c.timers = append(c.timers, c.env.SetTimer(time.Duration(1+r.IntN(20))*time.Millisecond, "churn"))
	}
}

// TestRunningTotalMatchesARecount: through pauses (which hold items),
// crashes (which drop timers, held items and writes not yet durable),
// restarts and disks, the running total always equals a fresh count.
func TestRunningTotalMatchesARecount(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := rapid.IntRange(1, 4).Draw(t, "nodes")
		scn := &Scenario{
			Name: "churn", Nodes: nodes, Duration: 2 * time.Second, Protocol: ProtocolSpec{Name: "churn"},
			Network: NetworkSpec{Latency: network.Uniform(0, 5*time.Millisecond)},
		}
		if rapid.Bool().Draw(t, "disk") {
			scn.Disk.Latency = &network.Latency{Dist: "uniform", Min: 0, Max: 10 * time.Millisecond}
		}
		for i := range rapid.IntRange(0, 6).Draw(t, "faults") {
			node := fmt.Sprintf("n%d", rapid.IntRange(1, nodes).Draw(t, fmt.Sprintf("fault %d node", i)))
			at := Fixed(time.Duration(rapid.IntRange(0, 1999).Draw(t, fmt.Sprintf("fault %d at", i))) * time.Millisecond)
			f := Fault{At: at}
			switch rapid.IntRange(0, 2).Draw(t, fmt.Sprintf("fault %d kind", i)) {
			case 0:
				f.Pause = &Pause{Node: node, For: Fixed(200 * time.Millisecond)}
			case 1:
				f.Crash, f.For = node, Fixed(100*time.Millisecond)
			case 2:
				f.Restart = node
			}
			scn.Faults = append(scn.Faults, f)
		}
		s, err := New(scn, Protocol{Name: "churn", New: func(NodeID, string) Node { return &churner{} }}, rapid.Uint64().Draw(t, "seed"))
		if err != nil {
			t.Fatal(err)
		}
		s.Observe(ObserverFunc(func(e *Event) {
			if got := recount(s); got != s.memory {
				t.Fatalf("at event %d (%v): the running total is %d bytes, a recount gives %d", e.Index, e.Kind, s.memory, got)
			}
		}))
		res := s.Run()
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if res.Events < 100 {
			t.Fatalf("only %d events: the churn died out", res.Events)
		}
		if got := recount(s); got != s.memory {
			t.Fatalf("at the end: the running total is %d bytes, a recount gives %d", s.memory, got)
		}
	})
}

// TestStorageCountsWhatItHolds: a value counts its key and its length,
// an overwrite replaces it, a delete and a crash's undo give it back.
func TestStorageCountsWhatItHolds(t *testing.T) {
	st := NewStorage()
	st.Put("a", make([]byte, 1000))
	st.Put("a", make([]byte, 10))
	if want := int64(storageEntryBytes + 1 + 10); st.own != want {
		t.Fatalf("after an overwrite: %d bytes, want %d", st.own, want)
	}
	st.Put("b", sized(5000))
	st.Delete("a")
	if want := int64(storageEntryBytes + 1 + 5000); st.own != want {
		t.Fatalf("a MemorySized value of 5000 bytes alone: %d bytes, want %d", st.own, want)
	}
	st.write = func() Time { return 10 }
	st.Put("c", "text")
	st.lose(5)
	if want := int64(storageEntryBytes + 1 + 5000); st.own != want {
		t.Fatalf("after a crash undid a write: %d bytes, want %d", st.own, want)
	}
}

type sized int64

func (s sized) MemoryBytes() int64 { return int64(s) }

// snapshot returns the stored values, for tests.
func (s *Storage) snapshot() map[string]any {
	out := make(map[string]any, len(s.values))
	for k, p := range s.values {
		out[k] = p.v
	}
	return out
}
