package sim_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/all"
	"github.com/electsim/electsim/sim"
)

// flood is a protocol that, every millisecond, sends burst messages to
// every peer: over slow links they pile up in flight.
func flood(burst int) sim.Protocol {
	return protocolOf(func(sim.NodeID) *funcNode {
		tick := func(env sim.Env) {
			for _, peer := range env.Peers() {
				for range burst {
					env.Send(peer, probeMsg{})
				}
			}
			env.SetTimer(time.Millisecond, "flood")
		}
		return &funcNode{start: tick, fire: func(env sim.Env, _ sim.Timer) { tick(env) }}
	})
}

// floodScenario has every other limit far away, so that memory is the one
// that stops it.
func floodScenario(maxMemory sim.Bytes) *sim.Scenario {
	scn := baseScenario(4, time.Hour)
	scn.Network.Latency = network.Constant(10 * time.Second)
	scn.Limits = sim.Limits{MaxMemory: maxMemory, MaxInFlight: 1 << 30, MaxEvents: 1 << 40}
	return scn
}

// TestMemoryLimitStopsAFloodAtTheSameEvent: messages piling up in flight
// stop the run with max_memory, at the same event every time, with the
// peak it reached above the limit, long before its end.
func TestMemoryLimitStopsAFloodAtTheSameEvent(t *testing.T) {
	scn := floodScenario(8 << 20)
	first, _ := run(t, scn, flood(10), 1)
	var le *sim.LimitError
	if !errors.As(first.Err, &le) || le.Limit != "max_memory" || le.Value != 8<<20 {
		t.Fatalf("run ended with %v, want a max_memory limit error at 8MiB", first.Err)
	}
	if first.PeakMemory <= 8<<20 || first.End >= sim.Time(time.Minute) {
		t.Fatalf("stopped at %v with a peak of %d bytes: want it stopped early, above 8MiB", first.End, first.PeakMemory)
	}
	if !strings.Contains(first.Err.Error(), "8MiB") || !strings.Contains(first.Err.Error(), "limits.max_memory") {
		t.Errorf("the error %q does not name the limit and its value", first.Err)
	}
	for range 2 {
		again, _ := run(t, scn, flood(10), 1)
		var le2 *sim.LimitError
		if !errors.As(again.Err, &le2) || *le2 != *le || again.TraceHash != first.TraceHash || again.PeakMemory != first.PeakMemory {
			t.Fatalf("a second run stopped with %v (hash %x, peak %d), the first with %v (hash %x, peak %d)",
				again.Err, again.TraceHash, again.PeakMemory, first.Err, first.TraceHash, first.PeakMemory)
		}
	}
}

// TestMemoryLimitCountsStorage: a protocol that stores a new 1 KiB value
// every millisecond, under new keys, runs out of memory; one that
// overwrites one key does not, whatever it writes.
func TestMemoryLimitCountsStorage(t *testing.T) {
	writer := func(newKeys bool) sim.Protocol {
		return protocolOf(func(sim.NodeID) *funcNode {
			n := 0
			tick := func(env sim.Env) {
				key := "value"
				if newKeys {
					key = "value/" + time.Duration(n).String()
				}
				n++
				env.Storage().Put(key, make([]byte, 1024))
				env.SetTimer(time.Millisecond, "write")
			}
			return &funcNode{start: tick, fire: func(env sim.Env, _ sim.Timer) { tick(env) }}
		})
	}
	scn := baseScenario(1, 10*time.Second)
	scn.Limits.MaxMemory = 4 << 20
	res, _ := run(t, scn, writer(true), 1)
	var le *sim.LimitError
	if !errors.As(res.Err, &le) || le.Limit != "max_memory" {
		t.Fatalf("10,000 KiB under new keys ended with %v, want max_memory at 4MiB", res.Err)
	}
	if res, _ = run(t, scn, writer(false), 1); res.Err != nil || res.PeakMemory > 1<<20 {
		t.Fatalf("overwriting one key ended with %v, peak %d bytes: want no error and a small peak", res.Err, res.PeakMemory)
	}
}

// TestMemoryLimitChangesNoOrdinaryRun: the ready-made scenarios run to
// their end under the default limit, with the same trace as under a limit
// too large to matter, and account for far less than the default.
func TestMemoryLimitChangesNoOrdinaryRun(t *testing.T) {
	files, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			scn, err := sim.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			p, _, err := protocols.ForScenario(scn)
			if err != nil {
				t.Fatal(err)
			}
			def, _ := run(t, scn, p, scn.Seed)
			huge := scn.Clone()
			huge.Limits.MaxMemory = 1 << 50
			big, _ := run(t, huge, p, scn.Seed)
			if def.Err != nil || def.TraceHash != big.TraceHash || def.PeakMemory != big.PeakMemory {
				t.Fatalf("default limit: %v, hash %x; a huge one: hash %x", def.Err, def.TraceHash, big.TraceHash)
			}
			if def.PeakMemory > sim.DefaultMaxMemory/100 {
				t.Errorf("accounted %d bytes at the peak: more than 1%% of the default limit", def.PeakMemory)
			}
		})
	}
}

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		text string
		want sim.Bytes
		ok   bool
	}{
		{"1048576", 1 << 20, true},
		{"4GiB", 4 << 30, true},
		{"512 MiB", 512 << 20, true},
		{"1.5GiB", 3 << 29, true},
		{"2GB", 2e9, true},
		{"10kB", 10_000, true},
		{"100B", 100, true},
		{"8TiB", 8 << 40, true},
		{"0.5B", 0, false},
		{"-1GiB", 0, false},
		{"4 apples", 0, false},
		{"99999999TiB", 0, false},
		{"", 0, false},
	} {
		got, err := sim.ParseBytes(tc.text)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d, ok %v", tc.text, got, err, tc.want, tc.ok)
		}
	}
}

// TestMaxMemoryInAFile: a whole number or an amount with a unit; a bad
// one is an error at its line and field; a saved scenario reads back the
// same.
func TestMaxMemoryInAFile(t *testing.T) {
	for _, tc := range []struct {
		text string
		want sim.Bytes
	}{
		{"max_memory: 1073741824", 1 << 30},
		{"max_memory: 4GiB", 4 << 30},
		{`max_memory: "256MiB"`, 256 << 20},
	} {
		scn, err := sim.Parse("m.yaml", []byte("name: m\nnodes: 1\nduration: 1s\nprotocol: {name: test}\nlimits:\n  "+tc.text+"\n"))
		if err != nil || scn.Limits.MaxMemory != tc.want {
			t.Fatalf("%s: read %d, %v; want %d", tc.text, scn.Limits.MaxMemory, err, tc.want)
		}
		data, err := scn.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := sim.Parse("saved.yaml", data)
		if err != nil || back.Limits.MaxMemory != tc.want {
			t.Fatalf("%s saved as\n%s\nreads back %d, %v", tc.text, data, back.Limits.MaxMemory, err)
		}
	}
	_, err := sim.Parse("m.yaml", []byte("name: m\nnodes: 1\nduration: 1s\nprotocol: {name: test}\nlimits:\n  max_memory: 4 apples\n"))
	var se *sim.ScenarioError
	if !errors.As(err, &se) || se.Field != "limits.max_memory" || se.Line != 6 || !strings.Contains(se.Msg, "4GiB") {
		t.Fatalf("max_memory: 4 apples gave %v; want an error at line 6, limits.max_memory, with an example", err)
	}
}
