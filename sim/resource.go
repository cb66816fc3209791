package sim

// resourceNode is the service that leaders act on: a storage system, say,
// that a scheduler writes to. With fencing it rejects an act whose
// generation is below the highest it has accepted (a fencing token check, as
// Kleppmann 2016 and Chubby's sequencers describe). Its fencing state is
// durable, so a crash of the resource does not reopen the door to stale acts.
type resourceNode struct {
	sim     *Sim
	env     Env
	fenced  bool
	highest Generation // highest generation accepted
	owner   NodeID     // the node whose act set highest
}

const (
	storeHighest = "fence.highest"
	storeOwner   = "fence.owner"
)

func (r *resourceNode) Start(env Env) {
	r.env = env
	r.highest = Generation(env.Storage().Uint64(storeHighest))
	r.owner = NodeID(env.Storage().Uint64(storeOwner))
}

func (r *resourceNode) Deliver(sender NodeID, m Message) {
	act, ok := m.(Act)
	if !ok {
		return // only acts mean anything to the resource
	}
	from := act.By // the node whose act it is, whoever sent it
	if from == NoNode {
		from = sender
	}
	accepted := !r.fenced || act.Gen >= r.highest
	tag := ""
	if act.Gen == r.highest && r.owner != NoNode && from != r.owner {
		tag = "conflict" // a second node acting in the highest generation
	}
	if accepted && act.Gen > r.highest {
		r.highest, r.owner = act.Gen, from
		r.env.Storage().PutUint64(storeHighest, uint64(act.Gen))
		r.env.Storage().PutUint64(storeOwner, uint64(from))
	} else if accepted && r.owner == NoNode {
		r.owner = from
		r.env.Storage().PutUint64(storeOwner, uint64(from))
	}
	// An act sent at once left its node the instant it was issued; a
	// committed one says when it was.
	issued := r.sim.sentAt
	if act.Committed {
		issued = act.Issued
	}
	r.sim.publish(Event{Kind: KindActApplied, Node: r.env.ID(), Peer: from, Gen: act.Gen, Accepted: accepted, Tag: tag, Value: int64(issued)})
}

func (r *resourceNode) Fire(Timer) {}
