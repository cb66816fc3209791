package properties_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/sim"
)

// TestIgnoredFaultsAreWarnings: a fault that changed nothing is listed in
// the report, in JSON and as a warning line of the summary, and leaves the
// verdict alone; a real run's report has it too.
func TestIgnoredFaultsAreWarnings(t *testing.T) {
	s := expecting(t, sim.Expect{})
	observe(s, sim.Event{At: sim.Time(3 * sec), Kind: sim.KindFaultIgnored, Node: 2, Tag: "restart n2: n2 is up"})
	rep := s.Report(sim.Result{End: sim.Time(60 * sec)})
	if len(rep.Ignored) != 1 || rep.Ignored[0] != (properties.IgnoredFault{Fault: "restart n2: n2 is up", AtNS: int64(3 * sec)}) {
		t.Fatalf("ignored faults %+v", rep.Ignored)
	}
	if len(rep.Recoveries) != 0 || !strings.Contains(rep.Properties[properties.Liveness].Detail, "after the start") {
		t.Errorf("an ignored fault counted as a fault: recoveries %+v, liveness %+v", rep.Recoveries, rep.Properties[properties.Liveness])
	}
	summaryHas(t, rep, "warning     restart n2 at 3s changed nothing: n2 is up\n")
	data, err := json.Marshal(rep)
	if err != nil || !strings.Contains(string(data), `"ignored_faults":[{"fault":"restart n2: n2 is up","at_ns":3000000000}]`) {
		t.Fatalf("JSON %s, %v", data, err)
	}

	scn := &sim.Scenario{Name: "twice", Nodes: 2, Duration: 5 * time.Second, Protocol: sim.ProtocolSpec{Name: "idle"},
		Faults: []sim.Fault{{At: sim.Fixed(time.Second), Crash: "n1"}, {At: sim.Fixed(2 * time.Second), Crash: "n1"}}}
	out, err := properties.Run(scn, sim.Protocol{Name: "idle", New: func(sim.NodeID, string) sim.Node { return idle{} }}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Report.Ignored; len(got) != 1 || got[0].Fault != "crash n1: n1 is down" {
		t.Fatalf("a run with a second crash reports ignored faults %+v", got)
	}
	if len(rep.Ignored) == 0 || out.Report.PeakMemoryBytes <= 0 {
		t.Errorf("the report's peak memory is %d bytes", out.Report.PeakMemoryBytes)
	}
}
