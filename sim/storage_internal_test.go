package sim

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestCrashKeepsExactlyTheDurableWrites checks the disk's promise to a
// protocol: after a crash, storage holds what the writes durable by then
// left it, no more and no less, and the crash counts the writes it undid.
// Writes come in batches whose durable times never go down, as the
// kernel's disk makes them; some are durable at once (no disk latency).
func TestCrashKeepsExactlyTheDurableWrites(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		type write struct {
			key     string
			value   int
			del     bool
			durable Time
		}
		var (
			writes []write
			next   Time // the durable time of the write being made
		)
		st := NewStorage()
		st.write = func() Time { return next }
		batches := rapid.IntRange(0, 8).Draw(t, "batches")
		for b := range batches {
			next += Time(rapid.IntRange(0, 3).Draw(t, fmt.Sprintf("batch %d later by", b)))
			for i := range rapid.IntRange(1, 4).Draw(t, fmt.Sprintf("batch %d writes", b)) {
				w := write{
					key:     rapid.SampledFrom([]string{"a", "b", "c"}).Draw(t, fmt.Sprintf("batch %d write %d key", b, i)),
					value:   b*10 + i,
					del:     rapid.Bool().Draw(t, fmt.Sprintf("batch %d write %d deletes", b, i)),
					durable: next,
				}
				writes = append(writes, w)
				if w.del {
					st.Delete(w.key)
				} else {
					st.Put(w.key, w.value)
				}
			}
		}
		crashAt := Time(rapid.IntRange(0, int(next)+1).Draw(t, "crash at"))

		want := map[string]any{}
		lost := 0
		for _, w := range writes {
			switch {
			case w.durable != 0 && w.durable > crashAt:
				lost++
			case w.del:
				delete(want, w.key)
			default:
				want[w.key] = w.value
			}
		}
		if got := st.lose(crashAt); got != lost {
			t.Fatalf("crash at %d undid %d writes, want %d", crashAt, got, lost)
		}
		if diff := cmp.Diff(want, st.snapshot()); diff != "" {
			t.Fatalf("storage after a crash at %d (-durable writes' state +got):\n%s", crashAt, diff)
		}
	})
}
