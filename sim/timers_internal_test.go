package sim

import (
	"testing"
	"time"
)

// resetter restarts one timer on every tick of another, as a Raft follower
// restarts its election timer on every heartbeat: 1s timeouts, re-armed
// every 10µs.
type resetter struct {
	env           Env
	election      TimerID
	fired, resets int
}

func (r *resetter) Start(env Env) {
	r.env = env
	r.election = env.SetTimer(time.Second, "election")
	env.SetTimer(10*time.Microsecond, "tick")
}

func (r *resetter) Fire(t Timer) {
	if t.Tag == "election" {
		r.fired++
		r.election = r.env.SetTimer(time.Second, "election")
		return
	}
	r.env.StopTimer(r.election)
	r.election = r.env.SetTimer(time.Second, "election")
	r.resets++
	if r.resets%100_000 != 0 { // let it expire now and then
		r.env.SetTimer(10*time.Microsecond, "tick")
		return
	}
	r.env.SetTimer(2*time.Second, "tick")
}

func (r *resetter) Deliver(NodeID, Message) {}

// TestRearmedTimersQueueNoItems: a timer stopped and set again later takes
// over the stopped one's queue item, so the queue holds a few items per
// node however often a timer is re-armed (it held one per re-arm), and the
// timer still fires when it is due.
func TestRearmedTimersQueueNoItems(t *testing.T) {
	scn := &Scenario{Name: "rearm", Nodes: 3, Duration: 10 * time.Second, Protocol: ProtocolSpec{Name: "resetter"},
		Clocks: Clocks{RandomDriftPPM: 200}}
	nodes := map[NodeID]*resetter{}
	s, err := New(scn, Protocol{Name: "resetter", New: func(id NodeID, _ string) Node {
		nodes[id] = &resetter{}
		return nodes[id]
	}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	most := 0
	s.Observe(ObserverFunc(func(*Event) { most = max(most, s.queue.len()) }))
	if res := s.Run(); res.Err != nil {
		t.Fatal(res.Err)
	}
	if most > 4*s.roster.Len() {
		t.Errorf("the queue held up to %d items for %d nodes, want a few per node", most, s.roster.Len())
	}
	for id, r := range nodes {
		if r.resets < 100_000 || r.fired == 0 {
			t.Errorf("node %d: %d resets, election timer fired %d times; want many resets and a pause in them that lets it fire", id, r.resets, r.fired)
		}
	}
}
