package properties_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols/example"
	"github.com/electsim/electsim/sim"
)

// failingT records what Check does to a test, instead of failing this one.
type failingT struct {
	testing.TB
	failed   bool
	logs     []string
	cleanups []func()
}

func (f *failingT) Name() string                      { return "TestCheckSavesTheShrunkFailure" }
func (f *failingT) Helper()                           {}
func (f *failingT) Errorf(format string, args ...any) { f.failed = true }
func (f *failingT) Error(args ...any)                 { f.failed = true }
func (f *failingT) Fatalf(format string, args ...any) { f.failed = true }
func (f *failingT) Fatal(args ...any)                 { f.failed = true }
func (f *failingT) Fail()                             { f.failed = true }
func (f *failingT) FailNow()                          { f.failed = true }
func (f *failingT) Failed() bool                      { return f.failed }
func (f *failingT) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }
func (f *failingT) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *failingT) Log(args ...any) { f.logs = append(f.logs, fmt.Sprint(args...)) }

// TestCheckSavesTheShrunkFailure: a protocol that breaks a property makes
// Check fail the test, save the shrunk scenario as a file that parses back
// with its seed and trace hash, and say how to replay it.
func TestCheckSavesTheShrunkFailure(t *testing.T) {
	base := &sim.Scenario{
		Name: "beacon", Nodes: 5, Duration: 10 * time.Second,
		Protocol: sim.ProtocolSpec{Name: "example/beacon"},
		Expect:   sim.Expect{Properties: []string{properties.FencedResource}},
	}
	dir := t.TempDir()
	ft := &failingT{TB: t}
	properties.Check(ft, base, example.Beacon(example.BeaconConfig{Interval: 100 * time.Millisecond, TimeoutMin: 300 * time.Millisecond, TimeoutMax: 600 * time.Millisecond}),
		properties.Options{Space: properties.FaultSpace{Kinds: []string{properties.FaultPartition}, HealAfter: 5 * time.Second}, FailureDir: dir})
	for _, fn := range ft.cleanups {
		fn()
	}
	if !ft.failed {
		t.Fatal("Check passed a protocol without a quorum under partitions")
	}
	path := filepath.Join(dir, ft.Name()+".yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no saved failure: %v\nlogs: %v", err, ft.logs)
	}
	saved, err := sim.Parse(path, data)
	if err != nil {
		t.Fatalf("the saved failure does not parse: %v\n%s", err, data)
	}
	if saved.TraceHash == "" || len(saved.Faults) == 0 || len(saved.Faults) > 3 {
		t.Fatalf("saved scenario has trace hash %q and %d faults, want a hash and 1..3 faults:\n%s", saved.TraceHash, len(saved.Faults), data)
	}
	if logs := strings.Join(ft.logs, "\n"); !strings.Contains(logs, "electsim replay "+filepath.Join(dir, ft.Name()+".yaml")) {
		t.Fatalf("the log does not say how to replay it:\n%s", logs)
	}
}

// TestChecksInParallelSubtests: Check sets rapid's -rapid.checks while its
// search runs; two Checks in parallel subtests must take turns, not race on
// the flag (go test -race fails this test without the turn-taking).
func TestChecksInParallelSubtests(t *testing.T) {
	for _, checks := range []int{40, 60} {
		t.Run(fmt.Sprintf("checks=%d", checks), func(t *testing.T) {
			t.Parallel()
			base := &sim.Scenario{Name: "ping", Nodes: 3, Duration: 2 * time.Second, Protocol: sim.ProtocolSpec{Name: "example/ping"}}
			properties.Check(t, base, example.Ping(100*time.Millisecond), properties.Options{
				Space: properties.FaultSpace{Kinds: []string{properties.FaultCrash}, RestartAfter: time.Second}, Checks: checks,
			})
		})
	}
}

// TestCheckSaysWhenOnlyTheTestReplays: a protocol built in Go with
// settings its scenario cannot say (the beacon at 50ms, where the file's
// parameters give the registry's 100ms) makes another run under electsim
// replay; the log must not send the reader there, and says why.
func TestCheckSaysWhenOnlyTheTestReplays(t *testing.T) {
	base := &sim.Scenario{
		Name: "beacon", Nodes: 5, Duration: 10 * time.Second,
		Protocol: sim.ProtocolSpec{Name: "example/beacon"},
		Expect:   sim.Expect{Properties: []string{properties.FencedResource}},
	}
	ft := &failingT{TB: t}
	properties.Check(ft, base, example.Beacon(example.BeaconConfig{Interval: 50 * time.Millisecond, TimeoutMin: 300 * time.Millisecond, TimeoutMax: 600 * time.Millisecond}),
		properties.Options{Space: properties.FaultSpace{Kinds: []string{properties.FaultPartition}, HealAfter: 5 * time.Second}, FailureDir: t.TempDir()})
	for _, fn := range ft.cleanups {
		fn()
	}
	logs := strings.Join(ft.logs, "\n")
	if !ft.failed || strings.Contains(logs, "electsim replay") || !strings.Contains(logs, "only the test replays it") {
		t.Fatalf("failed %v; the log sends the reader to electsim replay, or does not say only the test replays:\n%s", ft.failed, logs)
	}
}
