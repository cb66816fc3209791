package sbr

import (
	"fmt"
	"time"

	"github.com/electsim/electsim/sim"
)

// LeaseStore is the service node lease-majority's lease lives on ("coord"),
// modelled on the Kubernetes Lease that Akka's lease-implementation uses:
// one holder and an expiry, changed by compare-and-set. An Acquire succeeds
// when the lease is free, expired, or already the owner's; it lasts the TTL
// asked for, on the store's own clock. The holder and expiry are durable:
// a restarted store still knows who holds the lease.
const LeaseStore = "coord"

// Acquire asks the lease store for the lease on behalf of Owner, the side's
// lowest member (Akka's leader of the side holds the lease in its name);
// every member of the side asks with the same owner. Attempt is echoed, so
// that an answer to an abandoned attempt is recognised.
type Acquire struct {
	Owner   sim.NodeID
	TTL     time.Duration
	Attempt uint64
}

// AcquireResp answers an Acquire: granted or not, and who holds the lease.
type AcquireResp struct {
	Granted bool
	Holder  sim.NodeID
	Attempt uint64
}

func (m Acquire) String() string { return fmt.Sprintf("Acquire owner=n%d ttl=%v", m.Owner, m.TTL) }

func (m AcquireResp) String() string {
	if m.Granted {
		return fmt.Sprintf("AcquireResp granted, held by n%d", m.Holder)
	}
	return fmt.Sprintf("AcquireResp refused, held by n%d", m.Holder)
}

const (
	storeHolder = "lease.holder"
	storeUntil  = "lease.until"
)

// leaseStore is the lease store's node.
type leaseStore struct {
	env    sim.Env
	holder sim.NodeID
	until  time.Duration // expiry on the store's monotonic clock
}

func (s *leaseStore) Start(env sim.Env) {
	s.env = env
	s.holder = sim.NodeID(env.Storage().Uint64(storeHolder))
	// A restart loses the clock the expiry was read on: the lease runs a
	// whole TTL from the restart, as a cautious store grants it.
	if s.holder != sim.NoNode {
		s.until = env.Mono() + time.Duration(env.Storage().Uint64(storeUntil))
	}
}

func (s *leaseStore) Deliver(from sim.NodeID, m sim.Message) {
	a, ok := m.(Acquire)
	if !ok {
		return
	}
	now := s.env.Mono()
	granted := s.holder == sim.NoNode || now >= s.until || s.holder == a.Owner
	if granted {
		s.holder, s.until = a.Owner, now+a.TTL
		s.env.Storage().PutUint64(storeHolder, uint64(a.Owner))
		s.env.Storage().PutUint64(storeUntil, uint64(a.TTL))
	}
	s.env.Send(from, AcquireResp{Granted: granted, Holder: s.holder, Attempt: a.Attempt})
}

func (s *leaseStore) Fire(sim.Timer) {}
