package lease

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/electsim/electsim/sim"
)

// coordinator is the etcd model: leases, keys attached to them, and the
// global revision. Everything it must not forget is in durable storage,
// written before it answers.
type coordinator struct {
	env    sim.Env
	rev    Revision
	next   LeaseID
	leases map[LeaseID]*leaseState
	keys   []key // live keys by create revision: keys[0] leads
	expiry map[sim.TimerID]LeaseID
}

type leaseState struct {
	record leaseRecord
	timer  sim.TimerID
}

// leaseRecord and key are what storage keeps.
type leaseRecord struct {
	ID    LeaseID
	TTL   time.Duration
	Owner sim.NodeID
}

type key struct {
	Lease LeaseID
	Rev   Revision // create revision
	Owner sim.NodeID
}

const (
	storeRev   = "coord.rev"
	storeNext  = "coord.next"
	leasesAt   = "coord.lease/"
	keysAt     = "coord.key/"
	expireTag  = "expire"
	storeWidth = 20 // zero-padded numbers keep storage keys in numeric order
)

func storeKey(prefix string, id LeaseID) string {
	return fmt.Sprintf("%s%0*d", prefix, storeWidth, id)
}

// Start restores the coordinator from storage. Every restored lease gets a
// full TTL from now, as etcd's lessor does when a new leader takes over.
func (c *coordinator) Start(env sim.Env) {
	c.env = env
	c.leases = map[LeaseID]*leaseState{}
	c.expiry = map[sim.TimerID]LeaseID{}
	st := env.Storage()
	c.rev = Revision(st.Uint64(storeRev))
	c.next = LeaseID(st.Uint64(storeNext))
	for _, k := range st.Keys(leasesAt) {
		rec, _ := st.Get(k)
		r := rec.(leaseRecord)
		c.leases[r.ID] = &leaseState{record: r}
		c.arm(r.ID)
	}
	for _, k := range st.Keys(keysAt) {
		v, _ := st.Get(k)
		c.keys = append(c.keys, v.(key))
	}
	slices.SortFunc(c.keys, func(a, b key) int { return cmp.Compare(a.Rev, b.Rev) })
}

func (c *coordinator) Deliver(from sim.NodeID, m sim.Message) {
	switch m := m.(type) {
	case Grant:
		c.grant(from, m)
	case KeepAlive:
		c.keepAlive(from, m)
	case Campaign:
		c.campaign(from, m)
	case Revoke:
		c.revoke(m.Lease)
	}
}

// Fire expires a lease whose TTL ran out on the coordinator's clock.
func (c *coordinator) Fire(t sim.Timer) {
	if id, ok := c.expiry[t.ID]; ok {
		delete(c.expiry, t.ID)
		c.revoke(id)
	}
}

func (c *coordinator) grant(from sim.NodeID, m Grant) {
	c.next++
	c.env.Storage().PutUint64(storeNext, uint64(c.next))
	rec := leaseRecord{ID: c.next, TTL: m.TTL, Owner: from}
	c.env.Storage().Put(storeKey(leasesAt, rec.ID), rec)
	c.leases[rec.ID] = &leaseState{record: rec}
	c.arm(rec.ID)
	c.env.Send(from, Granted{Req: m.Req, Lease: rec.ID, TTL: rec.TTL})
}

// arm (re)starts a lease's TTL on the coordinator's clock.
func (c *coordinator) arm(id LeaseID) {
	l := c.leases[id]
	if l.timer != 0 {
		c.env.StopTimer(l.timer)
		delete(c.expiry, l.timer)
	}
	l.timer = c.env.SetTimer(l.record.TTL, expireTag)
	c.expiry[l.timer] = id
}

func (c *coordinator) keepAlive(from sim.NodeID, m KeepAlive) {
	resp := KeepAliveResp{Lease: m.Lease, Seq: m.Seq, Leader: c.leader()}
	if l, ok := c.leases[m.Lease]; ok {
		c.arm(m.Lease)
		resp.TTL = l.record.TTL
	}
	c.env.Send(from, resp)
}

// leader is the create revision of the lowest live key, or 0.
func (c *coordinator) leader() Revision {
	if len(c.keys) == 0 {
		return 0
	}
	return c.keys[0].Rev
}

// campaign creates the lease's key unless it exists: a retried Campaign
// gets the same revision.
func (c *coordinator) campaign(from sim.NodeID, m Campaign) {
	resp := CampaignResp{Req: m.Req, Lease: m.Lease}
	if _, ok := c.leases[m.Lease]; !ok {
		resp.Gone = true
		c.env.Send(from, resp)
		return
	}
	i := slices.IndexFunc(c.keys, func(k key) bool { return k.Lease == m.Lease })
	if i < 0 {
		c.bump()
		k := key{Lease: m.Lease, Rev: c.rev, Owner: from}
		c.env.Storage().Put(storeKey(keysAt, k.Lease), k)
		c.keys = append(c.keys, k)
		i = len(c.keys) - 1
	}
	resp.Rev, resp.Leader = c.keys[i].Rev, c.leader()
	c.env.Send(from, resp)
}

// bump advances the revision, durably.
func (c *coordinator) bump() {
	c.rev++
	c.env.Storage().PutUint64(storeRev, uint64(c.rev))
}

// revoke deletes a lease and its key. If the key led, the next one's owner
// is told it leads now.
func (c *coordinator) revoke(id LeaseID) {
	l, ok := c.leases[id]
	if !ok {
		return
	}
	c.env.StopTimer(l.timer)
	delete(c.expiry, l.timer)
	delete(c.leases, id)
	c.env.Storage().Delete(storeKey(leasesAt, id))
	i := slices.IndexFunc(c.keys, func(k key) bool { return k.Lease == id })
	if i < 0 {
		return
	}
	c.bump() // a deletion is a revision too
	c.keys = slices.Delete(c.keys, i, i+1)
	c.env.Storage().Delete(storeKey(keysAt, id))
	if i == 0 && len(c.keys) > 0 {
		next := c.keys[0]
		c.env.Send(next.Owner, Elected{Lease: next.Lease, Rev: next.Rev})
	}
}
