package properties

import "time"

// maxSlotWindow bounds the slots a slotWindow keeps (128 KiB of bits), so
// that memory stays fixed whatever the workload's timeout and act_every.
const maxSlotWindow = 1 << 20

// slotWindow counts the act slots that had an act, each once, though acts
// may be accepted out of the order they were issued in (two leaders, a
// commit that waited): a bit for each of the latest slots, as many as an
// act can be late by and still count.
type slotWindow struct {
	latest int64 // the highest slot marked; -1 before any
	bits   []uint64
	count  int64
}

// newSlotWindow sizes the window to cover acts accepted up to lateBy
// after they were issued, within maxSlotWindow.
func newSlotWindow(slot, lateBy time.Duration) slotWindow {
	n := int64(64)
	if slot > 0 {
		n = min(max(int64(lateBy/slot)+2, 64), maxSlotWindow)
	}
	return slotWindow{latest: -1, bits: make([]uint64, (n+63)/64)}
}

func (w *slotWindow) len() int64 { return int64(len(w.bits)) * 64 }

// mark counts a slot unless it was counted already or is too old.
func (w *slotWindow) mark(slot int64) {
	if slot > w.latest {
		// Slots that scroll out of the window are cleared for reuse.
		for s := max(w.latest+1, slot-w.len()+1); s <= slot; s++ {
			w.bits[w.index(s)] &^= 1 << (s % 64)
		}
		w.latest = slot
	}
	if slot <= w.latest-w.len() || w.bits[w.index(slot)]&(1<<(slot%64)) != 0 {
		return
	}
	w.bits[w.index(slot)] |= 1 << (slot % 64)
	w.count++
}

func (w *slotWindow) index(slot int64) int { return int(slot%w.len()) / 64 }

// countFrom returns how many counted slots are at or after slot (within
// the window): the partial last slot of a run, to leave out.
func (w *slotWindow) countFrom(slot int64) int64 {
	n := int64(0)
	for s := max(slot, w.latest-w.len()+1, 0); s <= w.latest; s++ {
		if w.bits[w.index(s)]&(1<<(s%64)) != 0 {
			n++
		}
	}
	return n
}
