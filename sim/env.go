package sim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// WallEpoch is what every wall clock reads at true time 0, before offsets:
// a fixed date, so that runs do not depend on when they happen.
var WallEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// nodeEnv is the Env of one node incarnation.
type nodeEnv struct {
	sim *Sim
	n   *nodeState
}

func (e *nodeEnv) ID() NodeID                 { return e.n.id }
func (e *nodeEnv) Name(id NodeID) string      { return e.sim.roster.Name(id) }
func (e *nodeEnv) Peers() []NodeID            { return e.sim.roster.Peers() }
func (e *nodeEnv) Rand() *rand.Rand           { return e.n.rng }
func (e *nodeEnv) Storage() *Storage          { return e.n.storage }
func (e *nodeEnv) Send(to NodeID, m Message)  { e.sim.send(e.n.id, to, m) }
func (e *nodeEnv) StopTimer(id TimerID)       { e.sim.stopTimer(e.n, id) }
func (e *nodeEnv) Lead(gen Generation)        { e.sim.lead(e.n, gen) }
func (e *nodeEnv) StepDown()                  { e.sim.stepDown(e.n) }
func (e *nodeEnv) OutOfService(reason string) { e.sim.outOfService(e.n, reason) }
func (e *nodeEnv) Commit(act ActRef)          { e.sim.commit(e.n, act) }
func (e *nodeEnv) Mono() time.Duration        { return e.n.clock.Mono(int64(e.sim.now)) }
func (e *nodeEnv) Wall() time.Time            { return WallEpoch.Add(e.n.clock.Wall(int64(e.sim.now))) }
func (e *nodeEnv) Service(name string) NodeID { return e.sim.service(name) }

func (e *nodeEnv) SetTimer(d time.Duration, tag string) TimerID {
	return e.sim.setTimer(e.n, d, tag, false)
}

func (e *nodeEnv) Logf(format string, args ...any) {
	if e.sim.wantsLogs() {
		e.sim.publishLog(e.n.id, fmt.Sprintf(format, args...))
	}
}

// service looks up a service node the protocol declared.
func (s *Sim) service(name string) NodeID {
	id, ok := s.roster.ID(name)
	if !ok || s.roster.IsParticipant(id) {
		return NoNode
	}
	return id
}
