// Package raft models Raft as etcd-io/raft implements it (seed 002; the
// Raft paper, Ongaro & Ousterhout 2014, and Ongaro's thesis, chapters 3 and
// 9): terms, RequestVote with the term and vote persisted before any
// answer, randomized election timeouts in [election_timeout_min,
// election_timeout_max), and log replication with commit (replication.go):
// the leader appends each act as a log entry and sends each follower what
// it lacks; a follower that lacks the entry before them rejects the append
// with a hint and the leader backs off; an entry commits once a quorum
// holds it and it is of the leader's term (paper, figure 8), and only then
// does its act reach the resource. Logs grow unequal when messages are lost
// or cut, so the up-to-date check decides elections; initial_logs gives
// nodes unequal logs from the start (paper, section 9.3). The generation is
// the term.
//
// Options, with etcd's behaviour the default:
//
//   - commit (default true): acts are proposals that take effect once
//     committed. false is "act on belief": a leader's acts go to the
//     resource at once, committed or not, as before replication was
//     modelled.
//   - prevote: a would-be candidate first asks whether it could win,
//     without raising anyone's term (thesis 9.6), so a node that cannot win
//     cannot depose a working leader either;
//   - check_quorum: a leader that has not heard from a quorum within an
//     election timeout steps down, and a follower that heard from its leader
//     within the election timeout ignores (pre)votes: it is "in lease";
//   - prevote_refusal: "etcd" refuses pre-votes while a leader was heard
//     recently only with check_quorum on (etcd's inLease; its
//     testdata/prevote.txt says so); "thesis" always does (thesis 9.6);
//   - election_timer: "etcd" restarts the election timer on every term
//     change (etcd's reset(term)); "paper" only on hearing from a current
//     leader, granting a vote or standing (paper figure 2 and section 5.2,
//     thesis 3.4; LogCabin), so a node that refuses a higher-term
//     candidate keeps counting towards its own election;
//   - commit_notify: "paper" (the default, unlike the others: it keeps the
//     runs and figures of the model before the option) lets followers
//     learn the commit index with the next append or heartbeat (paper
//     section 5.3); "etcd" sends every follower an append as soon as the
//     leader's commit index moves, as etcd-io/raft does (bcastAppend after
//     maybeCommit), half again as many messages;
//   - leader_lease: the leader acts only until the send time of the last
//     heartbeat a quorum acknowledged plus election_timeout_min / drift_bound,
//     on its own clock (thesis 6.4.1). drift_bound is the largest ratio of
//     two clocks' rates the lease tolerates: a leader whose clock runs slower
//     than that, relative to a voter's, acts after a new leader can exist.
//     Its acts are lease reads: served at once, without a commit.
//
// Durable state goes through the node's Storage, so a disk that takes time
// (the scenario's disk section) holds a node's answers until its term, vote
// and entries are written, as etcd's Ready contract requires.
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
// votes for an election timeout. And the liveness traps: without prevote,
// Howard and Abraham's scenario 1 and Cloudflare's November 2020 outage
// depose leaders again and again.
//
// # The paper's election experiment
//
// scenarios/raft-figure16.yaml repeats the paper's section 9.3 measurement
// (five servers, a broadcast time of about 15ms, the leader crashed at a
// random moment of its heartbeat interval). A candidate here persists its
// term and vote before its requests leave, as etcd's Ready contract (and
// LogCabin) require, so its requests leave one durable write (about 11ms)
// after its timeout, and every follower whose timeout falls in that window
// stands too and splits the vote. So a few milliseconds of spread are not
// enough here: with 150-155ms the median time without a leader is 4.6s
// over 1,000 trials (the paper: 287ms); with the same 15ms all on the
// network, no disk, it is 1.7s. From 25ms of spread on, an election takes a
// round or two: 150-200ms, median 167ms and worst 1.5s (the paper's worst
// with 50ms of spread: 513ms); 150-300ms, median 172ms, worst 629ms.
// 12-24ms cannot keep a leader with a 15ms broadcast time: a vote takes
// two writes and two hops, longer than the timeout, so leaders are elected
// but last only 4-16ms, and almost no trial has a leader to crash (the
// paper measured 35ms on average there, which a 15ms broadcast time would
// not allow). With identical timeouts (150-150ms) no first leader is ever
// elected.
//
// Simplified: no configuration changes, no leadership transfer, no flow
// control windows; a leader's heartbeat is an append round. A log compacts applied
// entries beyond 1,024 and sends a follower further behind a snapshot that
// carries only the index and term it ends at.
package raft

import (
	"fmt"
	"maps"
	"slices"
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
	// empty entry each new leader appends and by its acts.
	WriteEvery time.Duration
	// Commit makes acts proposals that take effect once committed; false
	// acts on belief.
	Commit bool
	// TimerRule is when a follower restarts its election timer.
	TimerRule string
	// PreVoteRefusal is when a node refuses a pre-vote for having heard
	// from a leader recently.
	PreVoteRefusal string
	// CommitNotify is how followers learn the commit index: with the next
	// append (NotifyPaper) or at once (NotifyEtcd).
	CommitNotify string
	// InitialLogs gives nodes, by name, the terms of the entries their
	// logs start with, before their first start.
	InitialLogs map[string][]Term
}

// Election timer rules.
const (
	TimerEtcd  = "etcd"  // restart on every term change
	TimerPaper = "paper" // restart on hearing a leader, granting a vote, standing
)

// Commit index notices (see replication.go).
const (
	NotifyPaper = "paper" // with the next append or heartbeat
	NotifyEtcd  = "etcd"  // an append to every follower as soon as it moves
)

// Pre-vote refusal rules.
const (
	RefuseEtcd   = "etcd"   // only with check_quorum, while in lease
	RefuseThesis = "thesis" // whenever a leader was heard within the minimum election timeout
)

// Defaults are seed 002's timings: a 100ms heartbeat and election timeouts
// from 1s to 2s (etcd's [ET, 2ET)), with the term and vote persisted.
var Defaults = Config{
	Heartbeat: 100 * time.Millisecond, ElectionTimeoutMin: time.Second, ElectionTimeoutMax: 2 * time.Second,
	DriftBound: 1.05, Persist: true, WriteEvery: 100 * time.Millisecond,
	Commit: true, TimerRule: TimerEtcd, PreVoteRefusal: RefuseEtcd, CommitNotify: NotifyPaper,
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
		{Name: "commit", Kind: protocols.Bool, Default: true, Doc: "acts take effect once committed (false: act on belief)"},
		{Name: "election_timer", Kind: protocols.Enum, Default: TimerEtcd, Enum: []string{TimerEtcd, TimerPaper},
			Doc: "restart the election timer on every term change (etcd) or only on hearing a leader, granting a vote, standing (paper)"},
		{Name: "prevote_refusal", Kind: protocols.Enum, Default: RefuseEtcd, Enum: []string{RefuseEtcd, RefuseThesis},
			Doc: "with prevote: refuse pre-votes after hearing a leader only with check_quorum (etcd) or always (thesis)"},
		{Name: "commit_notify", Kind: protocols.Enum, Default: NotifyPaper, Enum: []string{NotifyPaper, NotifyEtcd},
			Doc: "followers learn the commit index with the next append or heartbeat (paper) or from an append sent to all as soon as it moves (etcd)"},
		{Name: "initial_logs", Kind: protocols.IntLists, Default: map[string][]int64{}, Min: 1, Max: 1 << 32,
			Doc: "the terms of the entries each node's log starts with: {n1: [1, 1, 2], n2: [1]}"},
	}
}

// ConfigOf reads a Config from checked parameters.
func ConfigOf(v *protocols.Values) Config {
	return Config{
		Heartbeat: v.Duration("heartbeat"), ElectionTimeoutMin: v.Duration("election_timeout_min"),
		ElectionTimeoutMax: v.Duration("election_timeout_max"), PreVote: v.Bool("prevote"),
		CheckQuorum: v.Bool("check_quorum"), LeaderLease: v.Bool("leader_lease"),
		DriftBound: v.Float("drift_bound"), Persist: v.Bool("persist"), WriteEvery: v.Duration("write_every"),
		RestartWait: v.Bool("restart_wait"), Commit: v.Bool("commit"),
		TimerRule: v.String("election_timer"), PreVoteRefusal: v.String("prevote_refusal"),
		CommitNotify: v.String("commit_notify"),
		InitialLogs:  initialLogs(v.IntLists("initial_logs")),
	}
}

func initialLogs(lists map[string][]int64) map[string][]Term {
	out := make(map[string][]Term, len(lists))
	for name, list := range lists {
		for _, t := range list {
			out[name] = append(out[name], Term(t))
		}
	}
	return out
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
	if c.PreVoteRefusal == RefuseThesis && !c.PreVote {
		v.Warnf("prevote_refusal", "thesis changes nothing without prevote: there are no pre-votes to refuse")
	}
	return checkInitialLogs(v, c.InitialLogs)
}

// checkInitialLogs: initial logs are for participants, and a log's terms
// never go down.
func checkInitialLogs(v *protocols.Values, logs map[string][]Term) error {
	nodes := v.Scenario().Nodes
	for _, name := range slices.Sorted(maps.Keys(logs)) {
		var id int
		if _, err := fmt.Sscanf(name, "n%d", &id); err != nil || id < 1 || id > nodes || name != fmt.Sprintf("n%d", id) {
			return v.Errorf("initial_logs", "%q is not a participant (n1..n%d)", name, nodes)
		}
		for i, t := range logs[name] {
			if i > 0 && t < logs[name][i-1] {
				return v.Errorf("initial_logs", "%s: terms go down at entry %d (%d after %d): a log's terms never do", name, i+1, t, logs[name][i-1])
			}
		}
	}
	return nil
}

func init() {
	protocols.Register(protocols.Spec{
		Name:   "raft",
		Doc:    "Raft as etcd-io/raft does it: elections with PreVote, CheckQuorum and a leader lease; log replication and commit",
		Params: Params(),
		Check:  Check,
		Build:  func(v *protocols.Values) sim.Protocol { return New(ConfigOf(v)) },
	})
}
