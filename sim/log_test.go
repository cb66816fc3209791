package sim_test

import (
	"testing"
	"time"

	"github.com/electsim/electsim/sim"
)

// logger logs at start and at each of its timers, and leads at its first.
type logger struct{ env sim.Env }

func (l *logger) Start(env sim.Env) {
	l.env = env
	env.Logf("starts")
	env.SetTimer(10*time.Millisecond, "tick")
}
func (l *logger) Deliver(sim.NodeID, sim.Message) {}
func (l *logger) Fire(sim.Timer) {
	l.env.Logf("ticks")
	l.env.Lead(sim.Generation(l.env.ID()))
}

// logRecorder is a recorder that asks for the nodes' log lines.
type logRecorder struct{ recorder }

func (*logRecorder) ObservesLogs() {}

// TestLogLinesGoToLogObserversOnly: a LogObserver sees each Env.Logf line
// as a KindLog event placed before the event that follows it; other
// observers do not see it, and logging changes neither the trace hash nor
// the events' indexes.
func TestLogLinesGoToLogObserversOnly(t *testing.T) {
	p := sim.Protocol{Name: "test", New: func(sim.NodeID, string) sim.Node { return &logger{} }}
	scn := baseScenario(2, 25*time.Millisecond)
	s, err := sim.New(scn, p, 1)
	if err != nil {
		t.Fatal(err)
	}
	plain, logs := &recorder{}, &logRecorder{}
	s.Observe(plain, logs)
	res := s.Run()
	if n := len(plain.of(sim.KindLog)); n != 0 {
		t.Errorf("a plain observer saw %d log lines", n)
	}
	lines := logs.of(sim.KindLog)
	if len(lines) != 4 { // each node starts, then ticks at 10ms
		t.Fatalf("%d log lines, want 4: %+v", len(lines), lines)
	}
	for _, l := range lines {
		if l.Tag == "ticks" && (l.Index >= int64(len(plain.events)) || plain.events[l.Index].Kind != sim.KindLead) {
			t.Errorf("a tick's log line is not placed before its lead: %+v", l)
		}
	}
	quiet, _ := run(t, scn, p, 1)
	if quiet.TraceHash != res.TraceHash || quiet.Events != res.Events {
		t.Errorf("with log observers: hash %x, %d events; without: %x, %d", res.TraceHash, res.Events, quiet.TraceHash, quiet.Events)
	}
}
