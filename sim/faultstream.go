package sim

import "container/heap"

// faultStream hands out an expanded scenario's faults in Expand's order:
// by start time, the written faults first at a tie, then the nemesis's in
// the order drawn. It draws the nemesis's faults only as they are taken,
// so it holds the written faults and a handful drawn ahead, however long
// the run: a nemesis that faults every few seconds for days costs no more
// memory than one for a minute.
type faultStream struct {
	written []Fault      // sorted by start time, stably
	next    int          // the next written fault
	plan    *nemesisPlan // nil without a nemesis, and once it has drawn all
	ahead   drawnFaults  // drawn and not yet taken
	drawn   int          // faults drawn so far: each one's place in the order drawn
	count   int          // faults in the whole stream
	ends    int          // how many of them end inside the run (see faultSchedule)
}

// pop takes the next fault, or returns false at the end.
func (fs *faultStream) pop() (Fault, bool) {
	fs.drawAhead()
	written := fs.next < len(fs.written)
	switch {
	case written && (len(fs.ahead) == 0 || fs.written[fs.next].At.Min <= fs.ahead[0].At.Min):
		fs.next++
		return fs.written[fs.next-1], true
	case len(fs.ahead) > 0:
		return heap.Pop(&fs.ahead).(drawnFault).Fault, true
	}
	return Fault{}, false
}

// drawAhead draws until the first of the faults drawn ahead is sure to
// come before any still to draw: every fault drawn later begins at or
// after the latest draw's time, and at a tie comes after, drawn later.
func (fs *faultStream) drawAhead() {
	for fs.plan != nil && (len(fs.ahead) == 0 || fs.ahead[0].At.Min > fs.plan.t) {
		more, _ := fs.plan.step() // the same draws passed checkNemesis
		for _, f := range fs.plan.out {
			heap.Push(&fs.ahead, drawnFault{Fault: f, order: fs.drawn})
			fs.drawn++
		}
		fs.plan.take()
		if !more {
			fs.plan = nil
		}
	}
}

// all takes every fault left.
func (fs *faultStream) all() []Fault {
	out := make([]Fault, 0, fs.count)
	for f, ok := fs.pop(); ok; f, ok = fs.pop() {
		out = append(out, f)
	}
	return out
}

// held is how many faults the stream holds: the written ones and those
// drawn ahead.
func (fs *faultStream) held() int { return len(fs.written) + len(fs.ahead) }

type drawnFault struct {
	Fault
	order int
}

// drawnFaults orders the faults drawn ahead for container/heap: by start
// time, then in the order drawn.
type drawnFaults []drawnFault

func (h drawnFaults) Len() int { return len(h) }
func (h drawnFaults) Less(i, j int) bool {
	return h[i].At.Min < h[j].At.Min || (h[i].At.Min == h[j].At.Min && h[i].order < h[j].order)
}
func (h drawnFaults) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *drawnFaults) Push(x any)   { *h = append(*h, x.(drawnFault)) }
func (h *drawnFaults) Pop() any {
	old := *h
	f := old[len(old)-1]
	old[len(old)-1] = drawnFault{}
	*h = old[:len(old)-1]
	return f
}
