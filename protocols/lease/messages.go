package lease

import (
	"time"

	"github.com/electsim/electsim/sim"
)

// LeaseID names a lease; the coordinator numbers them from 1.
type LeaseID int64

// Revision is a value of the coordinator's global revision counter.
type Revision int64

// Grant asks for a lease of the given TTL (etcd LeaseGrant). Req matches
// the answer to the request.
type Grant struct {
	Req uint64
	TTL time.Duration
}

// Granted answers a Grant.
type Granted struct {
	Req   uint64
	Lease LeaseID
	TTL   time.Duration
}

// KeepAlive renews a lease (etcd LeaseKeepAlive).
type KeepAlive struct {
	Lease LeaseID
	Seq   uint64
}

// KeepAliveResp answers a KeepAlive. TTL 0 means the lease is gone. Leader
// is the create revision of the lowest live key, the watch resync.
type KeepAliveResp struct {
	Lease  LeaseID
	Seq    uint64
	TTL    time.Duration
	Leader Revision
}

// Campaign creates the key prefix/<lease> with the lease, if it does not
// exist yet (etcd's Campaign transaction), and asks who leads.
type Campaign struct {
	Req   uint64
	Lease LeaseID
}

// CampaignResp answers a Campaign: the key's create revision and the
// leader's, or Gone when the lease no longer exists.
type CampaignResp struct {
	Req    uint64
	Lease  LeaseID
	Rev    Revision
	Leader Revision
	Gone   bool
}

// Elected tells a campaigner that every key before its own is gone: it leads.
type Elected struct {
	Lease LeaseID
	Rev   Revision
}

// Revoke ends a lease and deletes its key (Session.Close, Election.Resign).
type Revoke struct {
	Lease LeaseID
}

// Promises marks the coordinator's word that a campaigner leads, for the
// causal story of a violation: the key's create revision is the generation.
func (m Elected) Promises() (sim.Generation, bool) { return sim.Generation(m.Rev), true }

// Promises: a campaign answer whose key is the lowest live one also says
// the campaigner leads.
func (m CampaignResp) Promises() (sim.Generation, bool) {
	return sim.Generation(m.Rev), !m.Gone && m.Rev == m.Leader
}
