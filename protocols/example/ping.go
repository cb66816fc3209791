package example

import (
	"time"

	"github.com/electsim/electsim/sim"
)

// PingMsg and PongMsg carry nothing, so sending them allocates nothing: the
// ping load measures the kernel, not the protocol.
type (
	PingMsg struct{}
	PongMsg struct{}
)

// Ping returns the ping protocol: every participant pings every other one
// each interval and answers pings with pongs.
func Ping(interval time.Duration) sim.Protocol {
	return sim.Protocol{
		Name: "example/ping",
		New: func(sim.NodeID, string) sim.Node {
			return &pingNode{interval: interval}
		},
	}
}

type pingNode struct {
	env      sim.Env
	interval time.Duration
	pongs    int // volatile: gone after a crash
}

func (p *pingNode) Start(env sim.Env) {
	p.env = env
	env.SetTimer(p.interval, "ping")
}

func (p *pingNode) Fire(sim.Timer) {
	for _, peer := range p.env.Peers() {
		if peer != p.env.ID() {
			p.env.Send(peer, PingMsg{})
		}
	}
	p.env.SetTimer(p.interval, "ping")
}

func (p *pingNode) Deliver(from sim.NodeID, m sim.Message) {
	switch m.(type) {
	case PingMsg:
		p.env.Send(from, PongMsg{})
	case PongMsg:
		p.pongs++
	}
}
