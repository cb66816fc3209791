// Package lease models leader election on an etcd lease, as etcd's
// clientv3/concurrency package does it (seed 000): concurrency.Session and
// concurrency.Election over a coordinator that keeps leases and keys.
//
// The coordinator (service node "coord") is a model of etcd's lessor and
// key space: a lease has a TTL timed on the coordinator's own clock and is
// renewed by a keepalive; a key is attached to a lease and dies with it; a
// global revision, kept in durable storage, numbers every change, and a key
// remembers the revision that created it. The leader is the live key with
// the lowest create revision; when it goes, the owner of the next one is
// told (etcd's Campaign waits for the deletion of every earlier key). After
// a restart the coordinator restores its leases from storage and gives each
// a full TTL from then on, as a new etcd leader's lessor does (Promote).
//
// A participant is a client: it grants a session lease, sends a keepalive
// keepalive after each response (TTL/3 by default, as clientv3 does) and
// every 500ms while none comes back; it keeps a local deadline, response
// receipt + TTL as the etcd client sets it, checked every check_every (once
// a second, as the client does); it campaigns by creating the key
// prefix/<lease>; it leads the generation equal to its key's create revision
// (etcd's Election.Rev); when its session is lost it steps down, revokes
// its lease (Session.Close) and starts a new session and campaign.
//
// etcd's documentation says a lease does not give mutual exclusion: the
// server and the client time it on different clocks, and the client learns
// nothing while it is paused or cut off. The revision is the fencing token a
// resource must check. The known bugs this package lets you show:
//   - fenced: false, the default: a leader that pauses longer than its TTL
//     resumes and acts on stale belief, and the resource accepts it
//     (scenarios/lease-gc-pause.yaml); fenced: true makes the resource
//     reject acts older than the highest revision it has seen.
//   - deadline_from: receipt (etcd's choice): the deadline starts when the
//     response arrives, later than the coordinator started its TTL, so a
//     slow response or a slow clock keeps the client believing after the
//     coordinator has expired the lease; send starts it when the keepalive
//     was sent, which is safe without drift.
//   - act_check: false (the default, as an application that waits on
//     Session.Done): the client acts on belief between deadline checks;
//     act_check: true re-checks the deadline, less margin, against its own
//     clock before every act, which is safe only while its clock's drift
//     stays within the margin (scenarios/lease-clock-drift.yaml).
//
// Parameters are checked at their line in the scenario: a TTL outside 1ms to
// 24h or a margin that leaves nothing of the TTL is an error; a keepalive not
// shorter than the TTL, or a deadline check rarer than it, is allowed with a
// warning, so that the misconfiguration itself can be studied.
//
// Simplified: one etcd server rather than a Raft group (partition, crash or
// pause the coordinator to model its unavailability); the watch stream is
// modelled as a push to the new leader on deletion plus a resync on every
// keepalive response, standing in for the stream's reliable delivery; lease
// IDs are a counter.
package lease

import (
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// Deadline origins.
const (
	FromReceipt = "receipt" // when the keepalive response arrives, as etcd's client does
	FromSend    = "send"    // when the keepalive that was answered was sent
)

// CoordinatorName is the coordinator service node.
const CoordinatorName = "coord"

// Config is the lease protocol's parameters.
type Config struct {
	TTL          time.Duration
	Keepalive    time.Duration // 0: TTL/3
	DeadlineFrom string
	Margin       time.Duration // step down this long before the local deadline
	CheckEvery   time.Duration // 0: exactly at the deadline
	ActCheck     bool
	Fenced       bool
}

// Defaults are etcd's: a 60 s TTL, keepalives every TTL/3, a deadline from
// receipt checked once a second, no margin, no fencing.
var Defaults = Config{TTL: 60 * time.Second, DeadlineFrom: FromReceipt, CheckEvery: time.Second}

// keepaliveRetry is how often a client resends a keepalive that has had no
// answer: etcd's client send loop ticks every 500ms.
const keepaliveRetry = 500 * time.Millisecond

// requestRetry is how long a client waits for a grant or campaign answer
// before asking again.
const requestRetry = time.Second

func (c Config) keepalive() time.Duration {
	if c.Keepalive == 0 {
		return c.TTL / 3
	}
	return c.Keepalive
}

// New returns the lease protocol.
func New(cfg Config) sim.Protocol {
	p := sim.Protocol{
		Name:     "lease",
		Services: []string{CoordinatorName},
		New: func(id sim.NodeID, name string) sim.Node {
			if name == CoordinatorName {
				return &coordinator{}
			}
			return &client{cfg: cfg}
		},
	}
	if cfg.Fenced {
		p.Fencing = sim.FencingGeneration
	}
	return p
}

func init() {
	d := func(v time.Duration) float64 { return float64(v) }
	protocols.Register(protocols.Spec{
		Name: "lease",
		Doc:  "etcd concurrency.Election: a session lease with keepalives; the lowest create revision leads",
		Params: []protocols.Param{
			{Name: "ttl", Kind: protocols.Duration, Default: Defaults.TTL, Doc: "session lease TTL, on the coordinator's clock", Min: d(time.Millisecond), Max: d(24 * time.Hour)},
			{Name: "keepalive", Kind: protocols.Duration, Default: time.Duration(0), Doc: "time from a keepalive response to the next keepalive; 0 is ttl/3", Min: 0, Max: d(24 * time.Hour)},
			{Name: "deadline_from", Kind: protocols.Enum, Default: FromReceipt, Enum: []string{FromReceipt, FromSend}, Doc: "when the client's local TTL starts: response receipt (etcd) or keepalive send"},
			{Name: "margin", Kind: protocols.Duration, Default: time.Duration(0), Doc: "step down this long before the local deadline", Min: 0, Max: d(24 * time.Hour)},
			{Name: "check_every", Kind: protocols.Duration, Default: Defaults.CheckEvery, Doc: "how often the client checks its deadline; 0 is exactly at it", Min: 0, Max: d(time.Hour)},
			{Name: "act_check", Kind: protocols.Bool, Default: false, Doc: "re-check the deadline against the local clock before every act"},
			{Name: "fenced", Kind: protocols.Bool, Default: false, Doc: "acts carry the revision and the resource rejects older ones"},
		},
		Check: check,
		Build: func(v *protocols.Values) sim.Protocol { return New(configOf(v)) },
	})
}

func configOf(v *protocols.Values) Config {
	return Config{
		TTL: v.Duration("ttl"), Keepalive: v.Duration("keepalive"), DeadlineFrom: v.String("deadline_from"),
		Margin: v.Duration("margin"), CheckEvery: v.Duration("check_every"), ActCheck: v.Bool("act_check"), Fenced: v.Bool("fenced"),
	}
}

// check rejects settings that cannot work and warns of those that work
// badly. A keepalive at or beyond the TTL is allowed, with a warning, so that
// the misconfiguration itself can be studied.
func check(v *protocols.Values) error {
	c := configOf(v)
	if c.Margin >= c.TTL {
		return v.Errorf("margin", "margin %v leaves nothing of the ttl %v", c.Margin, c.TTL)
	}
	if c.keepalive() >= c.TTL {
		v.Warnf("keepalive", "keepalive %v is not shorter than the ttl %v: sessions will expire between keepalives", c.keepalive(), c.TTL)
	}
	if c.CheckEvery > c.TTL {
		v.Warnf("check_every", "checking the deadline every %v, longer than the ttl %v, lets a client lead long after its session ended", c.CheckEvery, c.TTL)
	}
	return nil
}
