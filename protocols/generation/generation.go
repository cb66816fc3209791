// Package generation is the generation clock of seed 001: a leader is
// whoever a majority promised a generation number higher than any it had
// seen, and the number rides on everything the leader does, so the rest of
// the system can tell the newest leader from a zombie.
//
// It models the epoch of Kafka's controller, the HDFS NameNode's epoch,
// ZooKeeper's acceptedEpoch/currentEpoch and Cassandra's gossip generation.
// Every participant keeps maxSeen, the highest generation it has seen or
// promised. A follower that hears no heartbeat for a randomized election
// timeout proposes maxSeen+1; a node promises a proposal only if it is
// higher than its maxSeen, so two candidates cannot both collect a majority
// for one generation. A leader heartbeats its generation; anyone who has
// seen a higher one answers with a Reject that sends the stale leader back
// to following.
//
// What it simplifies: there is no log, no replication and no check-quorum.
// A leader cut off from the others keeps believing it leads until it hears
// of a higher generation; its acts carry its old generation, which is what
// a fencing resource (a scenario setting, resource.fencing: generation)
// rejects.
// There is no pre-vote either: a follower cut off from the others keeps
// proposing higher generations, and when it returns its proposal unseats
// the leader.
//
// The known bug is persist: false. maxSeen then lives only in memory, as in
// ZOOKEEPER-2307, where the epoch was updated in memory before it reached the
// file: a voter that crashes and restarts forgets what it promised and
// promises the same generation to a second candidate, and two nodes lead
// one generation. scenarios/generation-restart-no-persist.yaml tells the
// story. With persist: true (the default) maxSeen is written to storage
// before the node answers or acts on it, and read back at start.
package generation

import (
	"fmt"
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// Config is the protocol's timing and whether it persists its generation.
type Config struct {
	Heartbeat          time.Duration // between a leader's heartbeats
	ElectionTimeoutMin time.Duration // a follower's silence before it stands is drawn
	ElectionTimeoutMax time.Duration // uniformly from [min, max]
	// Persist writes maxSeen to storage before the node answers or acts on
	// it. False is the known bug (ZOOKEEPER-2307).
	Persist bool
}

// DefaultConfig is what a scenario gets when it sets no parameter.
func DefaultConfig() Config {
	return Config{
		Heartbeat:          100 * time.Millisecond,
		ElectionTimeoutMin: time.Second,
		ElectionTimeoutMax: 2 * time.Second,
		Persist:            true,
	}
}

// New returns the generation-clock protocol. It panics on a config that
// cannot run (the registry's Check rejects those first).
func New(cfg Config) sim.Protocol {
	if cfg.Heartbeat <= 0 || cfg.ElectionTimeoutMin <= 0 || cfg.ElectionTimeoutMax < cfg.ElectionTimeoutMin {
		panic(fmt.Sprintf("generation: bad config %+v", cfg))
	}
	return sim.Protocol{
		Name: "generation",
		New:  func(sim.NodeID, string) sim.Node { return &node{cfg: cfg} },
	}
}

const (
	minDuration = float64(time.Microsecond)
	maxDuration = float64(time.Hour)
)

func init() {
	d := DefaultConfig()
	protocols.Register(protocols.Spec{
		Name: "generation",
		Doc:  "generation clock (seed 001): a majority promises each new generation; persist: false is ZOOKEEPER-2307",
		Params: []protocols.Param{
			{Name: "heartbeat", Kind: protocols.Duration, Default: d.Heartbeat, Doc: "time between a leader's heartbeats", Min: minDuration, Max: maxDuration},
			{Name: "election_timeout_min", Kind: protocols.Duration, Default: d.ElectionTimeoutMin, Doc: "shortest silence before a follower stands", Min: minDuration, Max: maxDuration},
			{Name: "election_timeout_max", Kind: protocols.Duration, Default: d.ElectionTimeoutMax, Doc: "longest silence before a follower stands", Min: minDuration, Max: maxDuration},
			{Name: "persist", Kind: protocols.Bool, Default: d.Persist, Doc: "write the highest generation to storage before acting on it (false: the ZOOKEEPER-2307 bug)"},
		},
		Check: check,
		Build: func(v *protocols.Values) sim.Protocol {
			return New(Config{
				Heartbeat:          v.Duration("heartbeat"),
				ElectionTimeoutMin: v.Duration("election_timeout_min"),
				ElectionTimeoutMax: v.Duration("election_timeout_max"),
				Persist:            v.Bool("persist"),
			})
		},
	})
}

func check(v *protocols.Values) error {
	lo, hi := v.Duration("election_timeout_min"), v.Duration("election_timeout_max")
	if hi < lo {
		return v.Errorf("election_timeout_max", "is %v, below election_timeout_min %v", hi, lo)
	}
	if hb := v.Duration("heartbeat"); hb >= lo {
		v.Warnf("heartbeat", "%v is not below election_timeout_min %v: followers will stand against a live leader", hb, lo)
	}
	return nil
}
