package properties

import (
	"fmt"
	"strings"

	"github.com/electsim/electsim/sim"
	"github.com/electsim/electsim/store"
)

// NoLostWrites is the property that no write acknowledged to its client
// goes missing: after the run, the merge of every replica of the store
// (scenario store:) holds every write acknowledged within the client's
// timeout. Without a store it holds trivially.
const NoLostWrites = "no-lost-writes"

// noLostWrites checks NoLostWrites on the kernel's KindWriteLost events.
// It remembers each write's event, to name the lost write's and the one
// that beat it in the violation: 16 bytes a write, in runs with a store.
type noLostWrites struct {
	roster    *sim.Roster
	writes    map[uint64]int64 // write number -> its KindWrite event
	violation *Violation
}

// NewNoLostWrites checks no-lost-writes.
func NewNoLostWrites(r *sim.Roster) Checker {
	return &noLostWrites{roster: r, writes: map[uint64]int64{}}
}

func (c *noLostWrites) Name() string          { return NoLostWrites }
func (c *noLostWrites) Violation() *Violation { return c.violation }

func (c *noLostWrites) Observe(e *sim.Event) {
	if e.Kind == sim.KindWrite && c.violation == nil {
		c.writes[uint64(e.Value)] = e.Index
	}
	if e.Kind != sim.KindWriteLost || c.violation != nil {
		return
	}
	nodes := []sim.NodeID{e.Node}
	if e.Peer != sim.NoNode && e.Peer != e.Node {
		nodes = append(nodes, e.Peer)
	}
	gens := []sim.Generation{e.Gen}
	var events []int64
	if at, ok := c.writes[uint64(e.Value)]; ok {
		events = append(events, at)
	}
	if lw, ok := e.Msg.(sim.LostWrite); ok && lw.BeatenBy != 0 {
		if lw.BeatenByGen != e.Gen {
			gens = append(gens, lw.BeatenByGen)
		}
		if at, ok := c.writes[lw.BeatenBy]; ok {
			events = append(events, at)
		}
	}
	c.writes = nil // the first violation is all this checker reports
	c.violation = &Violation{
		Property: NoLostWrites,
		Nodes:    nodes,
		Gens:     gens,
		Times:    []sim.Time{e.At},
		Index:    e.Index,
		Events:   append(events, e.Index),
		Detail:   fmt.Sprintf("%s's write %d was acknowledged, and the final merge of the replicas does not hold it: %s", c.roster.Name(e.Node), e.Value, e.Tag),
	}
}

// StoreMetrics are what a run with a replicated store cost in data. The
// JSON names are a public contract.
type StoreMetrics struct {
	// Merge is the store's merge rule: lww or vector; Writers who writes:
	// leader or all (the workload's writers).
	Merge   string `json:"merge"`
	Writers string `json:"writers"`
	// WritesIssued counts the writes coordinated: a leader's acts (a
	// committing protocol's once committed), or with writers: all, every
	// participant's.
	WritesIssued int64 `json:"writes_issued"`
	// WritesAcked counts the writes acknowledged to their client: held by
	// W replicas within the workload's timeout.
	WritesAcked int64 `json:"writes_acked"`
	// WritesLost counts the acknowledged writes the final merge of every
	// replica does not hold: what a client was told was stored and is not.
	// A write that a later write knew of and kept is not lost.
	WritesLost int64 `json:"writes_lost"`
	// WritesLostToSkew counts the lost writes that were later in true time
	// than the write that beat them: lost because a clock ran behind, not
	// because of a race or a partition.
	WritesLostToSkew int64 `json:"writes_lost_to_skew"`
	// WritesLostInSplitBrain counts the lost writes that were made while
	// two or more nodes believed they led: what the split brain, rather
	// than a race or a clock, cost in data. With writers: all no leader
	// writes, and it is 0.
	WritesLostInSplitBrain int64 `json:"writes_lost_in_split_brain"`
	// Conflicts counts the conflicts resolved under the vector merge: each
	// write that read two or more concurrent versions (siblings) of its
	// key and merged them, and each key the final merge found with
	// siblings. Two nodes that resolve the same siblings each count, as
	// each did the work (and their merges may conflict again).
	Conflicts int64 `json:"conflicts"`
}

// storeMeter counts StoreMetrics. It keeps the writes made during a
// split brain as a set of runs of write numbers (a split brain's writes
// are mostly consecutive), to tell the lost ones apart at the end.
type storeMeter struct {
	m       StoreMetrics
	lead    *leadership
	inSplit store.Set
}

func (s *storeMeter) Observe(e *sim.Event) {
	switch e.Kind {
	case sim.KindWrite:
		s.m.WritesIssued++
		if s.lead != nil && s.lead.believers >= 2 && s.m.Writers != sim.WritersAll {
			s.inSplit = s.inSplit.With(uint64(e.Value))
		}
	case sim.KindActApplied:
		if e.Accepted && e.Tag == sim.ActAcked {
			s.m.WritesAcked++
		}
	case sim.KindWriteLost:
		s.m.WritesLost++
		if strings.HasPrefix(e.Tag, sim.LostToSkew) {
			s.m.WritesLostToSkew++
		}
		if s.inSplit.Contains(uint64(e.Value)) {
			s.m.WritesLostInSplitBrain++
		}
	case sim.KindConflict:
		s.m.Conflicts++
	}
}
