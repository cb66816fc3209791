package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/sim"
)

// TestLateBootDoesNotReviveACrashedNode: a restart before a node's boot
// brings it up early; crashed after that, it stays down when its boot time
// comes (the boot is a first start, and it had one), and the trace says the
// boot changed nothing.
func TestLateBootDoesNotReviveACrashedNode(t *testing.T) {
	scn := baseScenario(3, 20*time.Second)
	scn.Boot = map[string]sim.Span{"n3": sim.Fixed(10 * time.Second)}
	scn.Faults = []sim.Fault{
		{At: sim.Fixed(2 * time.Second), Restart: "n3"},
		{At: sim.Fixed(5 * time.Second), Crash: "n3"},
	}
	_, rec := run(t, scn, protocolOf(func(sim.NodeID) *funcNode { return &funcNode{} }), 1)
	if boots := rec.of(sim.KindBoot); len(boots) != 0 {
		t.Errorf("n3 booted at %v after its crash at 5s; want it down", boots[0].At)
	}
	ignored := rec.of(sim.KindFaultIgnored)
	if len(ignored) != 1 || !strings.Contains(ignored[0].Tag, "boot n3") || ignored[0].At != sim.Time(10*time.Second) {
		t.Errorf("ignored %+v; want the boot of n3 at 10s, changing nothing", ignored)
	}
}
