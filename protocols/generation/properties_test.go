package generation_test

import (
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"
)

// everyFault is the whole fault space a generation clock meets.
var everyFault = properties.FaultSpace{
	Kinds:    []string{properties.FaultPartition, properties.FaultHeal, properties.FaultCrash, properties.FaultRestart, properties.FaultPause, properties.FaultCut, properties.FaultClockStep, properties.FaultDrift, properties.FaultLink},
	PauseMax: 5 * time.Second,
}

// TestAtMostOneLeaderPerGeneration: with the generation persisted before
// every promise, no fault schedule gives a generation two leaders, by acts
// or by beliefs.
func TestAtMostOneLeaderPerGeneration(t *testing.T) {
	base := scenario(5, 20*time.Second)
	base.Expect.Properties = []string{properties.SingleLeader, properties.SingleBelief}
	properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: everyFault, Checks: 500})
}

// TestAtMostOneLeaderPerGenerationWithSlowDisks: the same when a write
// takes 1-20ms: a promise leaves only once its generation is durable, and a
// crash before then loses both.
func TestAtMostOneLeaderPerGenerationWithSlowDisks(t *testing.T) {
	base := scenario(5, 20*time.Second)
	disk := network.Uniform(time.Millisecond, 20*time.Millisecond)
	base.Disk.Latency = &disk
	base.Expect.Properties = []string{properties.SingleLeader, properties.SingleBelief}
	properties.Check(t, base, protocoltest.Build(t, base), properties.Options{Space: everyFault, Checks: 500})
}

// TestGenerationKeptInMemoryIsCaught: with persist: false a crash and
// restart lets a voter promise one generation twice. The search finds two
// leaders in one generation and shrinks the schedule to at most 3 faults.
func TestGenerationKeptInMemoryIsCaught(t *testing.T) {
	base := scenario(3, 3*time.Second)
	base.Protocol.Params = map[string]any{"persist": false}
	base.Expect.Properties = []string{properties.SingleLeader}
	found := properties.Hunt(t, base, protocoltest.Build(t, base), properties.Options{
		Space: properties.FaultSpace{
			Kinds:        []string{properties.FaultPartition, properties.FaultCrash},
			RestartAfter: time.Second,
		},
		Checks: 20000,
	})
	protocoltest.RequireShrunk(t, found, "two leaders of one generation with persist: false", 3)
	protocoltest.RequireCause(t, found, "the restart that lost the promise", sim.KindRestart)
}
