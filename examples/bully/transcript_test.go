package bully_test

import (
	"strconv"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/electsim/electsim/protocols/protocoltest"
	"github.com/electsim/electsim/sim"

	"example.com/electsim-examples/bully"
)

// TestTranscripts runs testdata/*.txt with protocoltest's Cluster: the
// cluster's commands (tick, stabilize, isolate, crash, ...) and one of this
// test's own, add-nodes N. -rewrite regenerates them.
func TestTranscripts(t *testing.T) {
	var c *protocoltest.Cluster
	protocoltest.RunTranscript(t, "testdata/election.txt", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd == "add-nodes" {
			n, err := strconv.Atoi(d.CmdArgs[0].Key)
			if err != nil {
				t.Fatalf("%s: add-nodes N", d.Pos)
			}
			c = protocoltest.NewCluster(n, func(sim.NodeID) sim.Node { return bully.New(cfg).New(0, "") })
			c.StartAll()
		} else if !c.Run(t, d) {
			t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
		}
		return c.Output()
	})
}
