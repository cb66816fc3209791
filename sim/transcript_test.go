package sim_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/electsim/electsim/sim"
)

// TestTranscripts runs the kernel's stories in testdata/transcripts, in
// the style of etcd-io/raft's interaction tests: each runs a scenario (the
// command's input) with the scribe protocol below and prints, one line per
// event, what happened. Regenerate with -rewrite, then read the diff.
//
//	run [seed=1] [kinds=send,deliver,...]
//	    runs the scenario and prints its events of those kinds (default:
//	    every kind but timers) and the nodes' log lines.
func TestTranscripts(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "transcripts", "*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
				if d.Cmd != "run" {
					t.Fatalf("%s: unknown command %q", d.Pos, d.Cmd)
				}
				return transcriptRun(t, d)
			})
		})
	}
}

func transcriptRun(t *testing.T, d *datadriven.TestData) string {
	seed, kinds := uint64(1), []string(nil)
	for _, arg := range d.CmdArgs {
		switch arg.Key {
		case "seed":
			arg.Scan(t, 0, &seed)
		case "kinds":
			for _, v := range arg.Vals {
				kinds = append(kinds, strings.Split(v, ",")...)
			}
		default:
			t.Fatalf("%s: unknown option %q", d.Pos, arg.Key)
		}
	}
	scn, err := sim.Parse(d.Pos, []byte(d.Input))
	if err != nil {
		t.Fatalf("%s: %v", d.Pos, err)
	}
	s, err := sim.New(scn, scribe(), seed)
	if err != nil {
		t.Fatalf("%s: %v", d.Pos, err)
	}
	var out strings.Builder
	s.Observe(sim.ObserverFunc(func(e *sim.Event) {
		if (len(kinds) == 0 && e.Kind != sim.KindTimer) || slices.Contains(kinds, e.Kind.String()) {
			out.WriteString(sim.FormatEvent(s.Roster(), e) + "\n")
		}
	}))
	s.OnLog(func(at sim.Time, node sim.NodeID, line string) {
		fmt.Fprintf(&out, "        %15s  %-9s %s\n", time.Duration(at), s.Roster().Name(node), line)
	})
	if res := s.Run(); res.Err != nil {
		t.Fatalf("%s: %v", d.Pos, res.Err)
	}
	return out.String()
}

// Note is what the scribe sends: its count.
type Note struct{ Count uint64 }

func (n Note) String() string { return fmt.Sprintf("Note %d", n.Count) }

// scribe is the transcripts' protocol: every 10ms each participant counts
// one up, writes the count to its storage and sends it to the next
// participant, which writes down what it heard. At start it logs what its
// storage held, so a restart shows what a crash kept.
func scribe() sim.Protocol {
	return sim.Protocol{Name: "scribe", New: func(sim.NodeID, string) sim.Node { return &scribeNode{} }}
}

type scribeNode struct {
	env   sim.Env
	count uint64
}

func (n *scribeNode) Start(env sim.Env) {
	n.env = env
	if env.ID() > sim.NodeID(len(env.Peers())) {
		return // a service
	}
	n.count = env.Storage().Uint64("count")
	env.Logf("starts with count=%d heard=%d", n.count, env.Storage().Uint64("heard"))
	env.SetTimer(10*time.Millisecond, "tick")
}

func (n *scribeNode) Deliver(from sim.NodeID, m sim.Message) {
	if note, ok := m.(Note); ok {
		n.env.Storage().PutUint64("heard", note.Count)
	}
}

func (n *scribeNode) Fire(sim.Timer) {
	n.count++
	n.env.Storage().PutUint64("count", n.count)
	peers := n.env.Peers()
	next := peers[int(n.env.ID())%len(peers)]
	n.env.Send(next, Note{Count: n.count})
	n.env.SetTimer(10*time.Millisecond, "tick")
}
