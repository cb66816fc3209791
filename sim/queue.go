package sim

// itemKind is what a queued item does when its time comes.
type itemKind uint8

const (
	itemDeliver itemKind = iota + 1 // a message arrives at node
	itemTimer                       // a timer of node expires (ref: TimerID)
	itemFault                       // a scripted fault (ref: its index and flags, see faultEntry.ref)
	itemResume                      // node's pause ends (ref: pause epoch)
	itemBoot                        // node starts late
	itemSend                        // node sends msg to from, its disk done (ref: incarnation)
)

// item is one event to come: what the kernel pushes, pops, and holds for
// a paused node.
type item struct {
	at   Time
	seq  uint64 // order of scheduling: ties at one time run in this order
	kind itemKind
	node NodeID // the node it happens at
	from NodeID // sender, for deliveries
	ref  uint64 // see itemKind; for a delivery, the true time it was sent
	sent int64  // for a delivery, the Index of its send event
	msg  Message
}

func (a *qitem) before(b *qitem) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

// qitem is a heap entry: an item's order and where the item waits. The
// heap holds no pointers and little else, so moving entries up and down
// costs the garbage collector nothing (no write barriers, no scanning) and
// copies 24 bytes.
type qitem struct {
	at   Time
	seq  uint64
	slot uint32 // the item's index in slab
}

// queue is a binary min-heap of items ordered by (at, seq). The heap and
// the slab of items are slices that grow to the run's peak and are reused,
// so the steady state allocates nothing.
type queue struct {
	items []qitem
	slab  []item   // the queued items; a free one is zero, its message collected
	free  []uint32 // free indices of slab, reused last freed first
}

func (q *queue) len() int { return len(q.items) }

func (q *queue) peek() *qitem { return &q.items[0] }

func (q *queue) push(it item) {
	var i uint32
	if n := len(q.free); n > 0 {
		i, q.free = q.free[n-1], q.free[:n-1]
		q.slab[i] = it
	} else {
		i = uint32(len(q.slab))
		q.slab = append(q.slab, it)
	}
	q.items = append(q.items, qitem{at: it.at, seq: it.seq, slot: i})
	q.up(len(q.items) - 1)
}

// pop removes the earliest item and returns it.
func (q *queue) pop() item {
	top := q.items[0]
	last := len(q.items) - 1
	q.items[0] = q.items[last]
	q.items = q.items[:last]
	if last > 0 {
		q.down(0)
	}
	it := q.slab[top.slot]
	q.slab[top.slot] = item{} // let the message be collected once handled
	q.free = append(q.free, top.slot)
	return it
}

func (q *queue) up(i int) {
	it := q.items[i]
	for i > 0 {
		parent := (i - 1) / 2
		if !it.before(&q.items[parent]) {
			break
		}
		q.items[i] = q.items[parent]
		i = parent
	}
	q.items[i] = it
}

func (q *queue) down(i int) {
	n := len(q.items)
	it := q.items[i]
	for {
		child := 2*i + 1
		if child >= n {
			break
		}
		if right := child + 1; right < n && q.items[right].before(&q.items[child]) {
			child = right
		}
		if !q.items[child].before(&it) {
			break
		}
		q.items[i] = q.items[child]
		i = child
	}
	q.items[i] = it
}
