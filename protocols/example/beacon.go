package example

import (
	"time"

	"github.com/electsim/electsim/sim"
)

// BeaconMsg is a leader's claim: "I lead Gen".
type BeaconMsg struct {
	Gen sim.Generation
}

// BeaconConfig sets the beacon protocol's timing.
type BeaconConfig struct {
	Interval   time.Duration // between a leader's beacons
	TimeoutMin time.Duration // a silence drawn from [TimeoutMin, TimeoutMax]
	TimeoutMax time.Duration // before a node claims
}

// Beacon returns the beacon protocol (unsafe by design; see the package doc).
func Beacon(cfg BeaconConfig) sim.Protocol {
	return sim.Protocol{
		Name: "example/beacon",
		New:  func(sim.NodeID, string) sim.Node { return &beaconNode{cfg: cfg} },
	}
}

type beaconNode struct {
	cfg     BeaconConfig
	env     sim.Env
	gen     sim.Generation // highest seen; volatile, as in a careless implementation
	leading bool
	silence sim.TimerID
	beat    sim.TimerID
}

func (b *beaconNode) Start(env sim.Env) {
	b.env = env
	b.resetSilence()
}

func (b *beaconNode) resetSilence() {
	b.env.StopTimer(b.silence)
	spread := int64(b.cfg.TimeoutMax - b.cfg.TimeoutMin)
	b.silence = b.env.SetTimer(b.cfg.TimeoutMin+time.Duration(b.env.Rand().Int64N(spread+1)), "silence")
}

func (b *beaconNode) Fire(t sim.Timer) {
	switch t.Tag {
	case "silence":
		b.gen++
		b.leading = true
		b.env.Lead(b.gen)
		b.beacon()
	case "beat":
		if b.leading {
			b.beacon()
		}
	}
}

func (b *beaconNode) beacon() {
	for _, peer := range b.env.Peers() {
		if peer != b.env.ID() {
			b.env.Send(peer, BeaconMsg{Gen: b.gen})
		}
	}
	b.beat = b.env.SetTimer(b.cfg.Interval, "beat")
}

func (b *beaconNode) Deliver(from sim.NodeID, m sim.Message) {
	msg, ok := m.(BeaconMsg)
	if !ok || msg.Gen < b.gen {
		return
	}
	if msg.Gen == b.gen && b.leading && from > b.env.ID() {
		return // a tie: the lower ID keeps it
	}
	b.gen = msg.Gen
	if b.leading {
		b.leading = false
		b.env.StopTimer(b.beat)
		b.env.StepDown()
	}
	b.resetSilence()
}
