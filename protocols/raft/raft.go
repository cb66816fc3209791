// Package raft models Raft's leader election as etcd-io/raft implements it
// (seed 002; Ongaro's thesis, chapters 3 and 9): terms, RequestVote with the
// current term and vote persisted before any answer, randomized election
// timeouts in [election_timeout_min, election_timeout_max), heartbeats, and
// etcd's options:
//
//   - prevote: a would-be candidate first asks whether it could win,
//     without raising anyone's term (thesis 9.6), so a node that cannot win
//     cannot depose a working leader either;
//   - check_quorum: a leader that has not heard from a quorum within an
//     election timeout steps down, and a follower that heard from its leader
//     within the election timeout ignores (pre)votes: it is "in lease";
//   - leader_lease: the leader acts only until the send time of the last
//     heartbeat a quorum acknowledged plus election_timeout_min / drift_bound,
//     on its own clock (thesis 6.4.1). drift_bound is the largest ratio of
//     two clocks' rates the lease tolerates: a leader whose clock runs slower
//     than that, relative to a voter's, acts after a new leader can exist.
//
// The generation is the term. There is no log replication beyond what
// voting needs: a new leader appends an empty entry, as etcd's does, and
// then a client write every write_every (at heartbeat time); heartbeats
// carry the leader's last index and term, which followers adopt. So the
// up-to-date check of an election compares real logs, and a node cut off
// from a busy leader falls behind.
//
// Known bugs: persist: false keeps the term and vote in memory only, so a
// voter that crashes and restarts between two candidates' requests votes
// twice in one term and two nodes lead it (single-belief-per-generation).
// leader_lease acts after a new leader has acted when a clock drifts beyond
// drift_bound, or without check_quorum (followers then vote while the lease
// lasts), or when a voter restarts inside the lease: it forgets having
// heard from the leader and votes at once. etcd-io/raft's Step reads the
// same way; TiKV met it as tikv/tikv#15035 (testdata/leader_lease.txt shows
// it). restart_wait, TiKV's proposed fix, makes a (re)started node refuse
// votes for an election timeout. And the liveness traps: without prevote, Howard and Abraham's
// scenario 1 and Cloudflare's November 2020 outage depose leaders again and
// again.
//
// Simplified: no log entries beyond the tail, no configuration changes, no
// leadership transfer; a leader's heartbeat is a whole append round.
package raft

import (
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// Config is Raft's parameters.
type Config struct {
	Heartbeat          time.Duration
	ElectionTimeoutMin time.Duration
	ElectionTimeoutMax time.Duration
	PreVote            bool
	CheckQuorum        bool
	LeaderLease        bool
	DriftBound         float64 // ratio of clock rates, >= 1
	Persist            bool
	// RestartWait makes a node that (re)starts refuse votes for an election
	// timeout, as if in a leader's lease: a voter that restarted inside a
	// lease it helped grant would otherwise vote at once.
	RestartWait bool
	// WriteEvery is how often the leader appends a client write to its log,
	// at heartbeat time; 0 is an idle cluster, whose logs only grow by the
	// empty entry each new leader appends.
	WriteEvery time.Duration
}

// Defaults are seed 002's timings: a 100ms heartbeat and election timeouts
// from 1s to 2s (etcd's [ET, 2ET)), with the term and vote persisted.
var Defaults = Config{
	Heartbeat: 100 * time.Millisecond, ElectionTimeoutMin: time.Second, ElectionTimeoutMax: 2 * time.Second,
	DriftBound: 1.05, Persist: true, WriteEvery: 100 * time.Millisecond,
}

func (c Config) leaseLength() time.Duration {
	return time.Duration(float64(c.ElectionTimeoutMin) / c.DriftBound)
}

// New returns Raft with the given configuration.
func New(cfg Config) sim.Protocol {
	return sim.Protocol{
		Name: "raft",
		New:  func(sim.NodeID, string) sim.Node { return NewNode(cfg, nil) },
	}
}

// Params are Raft's registry parameters; the routing-aware protocol shares
// them.
func Params() []protocols.Param {
	d := func(v time.Duration) float64 { return float64(v) }
	return []protocols.Param{
		{Name: "heartbeat", Kind: protocols.Duration, Default: Defaults.Heartbeat, Doc: "time between a leader's heartbeats", Min: d(time.Microsecond), Max: d(time.Hour)},
		{Name: "election_timeout_min", Kind: protocols.Duration, Default: Defaults.ElectionTimeoutMin, Doc: "shortest randomized election timeout", Min: d(time.Microsecond), Max: d(time.Hour)},
		{Name: "election_timeout_max", Kind: protocols.Duration, Default: Defaults.ElectionTimeoutMax, Doc: "election timeouts are drawn from [min, max)", Min: d(time.Microsecond), Max: d(time.Hour)},
		{Name: "prevote", Kind: protocols.Bool, Default: false, Doc: "ask whether an election could be won before raising the term"},
		{Name: "check_quorum", Kind: protocols.Bool, Default: false, Doc: "leaders step down without a quorum; followers in lease ignore votes"},
		{Name: "leader_lease", Kind: protocols.Bool, Default: false, Doc: "act only within election_timeout_min / drift_bound of a quorum-acknowledged heartbeat"},
		{Name: "drift_bound", Kind: protocols.Float, Default: Defaults.DriftBound, Doc: "largest ratio of two clocks' rates the lease tolerates", Min: 1, Max: 10},
		{Name: "persist", Kind: protocols.Bool, Default: true, Doc: "persist the term and vote before answering (false: the known bug)"},
		{Name: "restart_wait", Kind: protocols.Bool, Default: false, Doc: "after a (re)start, refuse votes for election_timeout_min (closes the lease's restart hole)"},
		{Name: "write_every", Kind: protocols.Duration, Default: Defaults.WriteEvery, Doc: "how often the leader appends a client write; 0 is an idle cluster", Min: 0, Max: d(time.Hour)},
	}
}

// ConfigOf reads a Config from checked parameters.
func ConfigOf(v *protocols.Values) Config {
	return Config{
		Heartbeat: v.Duration("heartbeat"), ElectionTimeoutMin: v.Duration("election_timeout_min"),
		ElectionTimeoutMax: v.Duration("election_timeout_max"), PreVote: v.Bool("prevote"),
		CheckQuorum: v.Bool("check_quorum"), LeaderLease: v.Bool("leader_lease"),
		DriftBound: v.Float("drift_bound"), Persist: v.Bool("persist"), WriteEvery: v.Duration("write_every"),
		RestartWait: v.Bool("restart_wait"),
	}
}

// Check rejects timings that cannot elect and warns of unsafe settings.
func Check(v *protocols.Values) error {
	c := ConfigOf(v)
	if c.ElectionTimeoutMax < c.ElectionTimeoutMin {
		return v.Errorf("election_timeout_max", "%v is below election_timeout_min %v", c.ElectionTimeoutMax, c.ElectionTimeoutMin)
	}
	if c.Heartbeat >= c.ElectionTimeoutMin {
		v.Warnf("heartbeat", "a heartbeat of %v, not shorter than the election timeout %v, lets followers time out on a healthy leader", c.Heartbeat, c.ElectionTimeoutMin)
	}
	if c.LeaderLease && !c.CheckQuorum {
		v.Warnf("leader_lease", "a leader lease without check_quorum is unsafe: followers vote while the lease lasts")
	}
	return nil
}

func init() {
	protocols.Register(protocols.Spec{
		Name:   "raft",
		Doc:    "Raft's leader election as in etcd-io/raft, with PreVote, CheckQuorum and a leader lease",
		Params: Params(),
		Check:  Check,
		Build:  func(v *protocols.Values) sim.Protocol { return New(ConfigOf(v)) },
	})
}
