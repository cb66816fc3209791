package bully

import (
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// Spec registers the protocol by name for scenario and experiment files:
// protocols.Register(bully.Spec), or cli.Main(bully.Spec) for a command.
var Spec = protocols.Spec{
	Name: "bully",
	Doc:  "the bully algorithm (an example from outside electsim): the highest ID heard leads",
	Params: []protocols.Param{
		{Name: "heartbeat", Kind: protocols.Duration, Default: 100 * time.Millisecond, Doc: "time between a coordinator's announcements",
			Min: float64(time.Millisecond), Max: float64(time.Hour)},
		{Name: "timeout", Kind: protocols.Duration, Default: 500 * time.Millisecond, Doc: "silence of every higher node after which a node stands",
			Min: float64(time.Millisecond), Max: float64(time.Hour)},
		{Name: "unique_generations", Kind: protocols.Bool, Default: true, Doc: "make a round's generation unique per node (false: a known bug)"},
		{Name: "persist", Kind: protocols.Bool, Default: true, Doc: "keep the round in storage (false: a known bug)"},
	},
	Check: func(v *protocols.Values) error {
		if nodes := v.Scenario().Nodes; nodes > maxIDs {
			return v.Scenario().Errorf("nodes", "bully supports at most %d nodes, got %d", maxIDs, nodes)
		}
		if v.Duration("timeout") <= v.Duration("heartbeat") {
			return v.Errorf("timeout", "%v is not above the heartbeat %v: every node would stand between two announcements",
				v.Duration("timeout"), v.Duration("heartbeat"))
		}
		return nil
	},
	Build: func(v *protocols.Values) sim.Protocol {
		return New(Config{Heartbeat: v.Duration("heartbeat"), Timeout: v.Duration("timeout"),
			UniqueGenerations: v.Bool("unique_generations"), Persist: v.Bool("persist")})
	},
}
