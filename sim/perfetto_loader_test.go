package sim_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/sim"
)

// Two readers of the trace format from outside this project load a trace
// here, through Node.js: @tracerbench/trace-model turns begin/end pairs into
// slices per thread, as Perfetto does; the trace engine of Chrome DevTools'
// Performance panel (@paulirish/trace_engine) binds flows to events. Each
// is checked against this project's own reading of the same run. Perfetto's
// own importer (trace_processor) is not on any registry this project
// reaches. The test installs the readers, pinned, into the user's cache
// directory, and skips when node or npm is missing or the install fails.

// traceReaders are the npm packages the test loads traces with.
var traceReaders = []string{"@tracerbench/trace-model@8.0.0", "@paulirish/trace_engine@0.0.65"}

// loadScript prints, as JSON, the threads and slices tracerbench reads and
// the flows DevTools binds.
const loadScript = `
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
const [dir, file] = process.argv.slice(2);
const require = createRequire(path.join(dir, 'package.json'));
const trace = JSON.parse(fs.readFileSync(file, 'utf8'));

const { buildModel } = require('@tracerbench/trace-model');
const model = buildModel(JSON.parse(JSON.stringify(trace)));
const threads = {}, slices = [];
for (const p of model.processes) for (const th of p.threads) {
  threads[th.id] = th.name;
  for (const e of th.events) if (e.isComplete()) slices.push({ tid: th.id, name: e.name, start: e.start, end: e.end });
}

globalThis.DOMRect ??= class { constructor(x = 0, y = 0, w = 0, h = 0) { Object.assign(this, { x, y, width: w, height: h }); } };
const engine = await import(pathToFileURL(path.join(dir, 'node_modules/@paulirish/trace_engine/models/trace/trace.js')));
const m = engine.TraceModel.Model.createWithAllHandlers();
console.error = () => {}; // it complains of begin/end pairs on different threads of one process
await m.parse(trace.traceEvents);
const flows = m.parsedTrace().data.Flows.flows.map(f => f.map(e => ({ tid: e.tid, ts: e.ts })));
process.stdout.write(JSON.stringify({ threads, slices, flows }));
`

// loaded is what the readers saw; times in microseconds.
type loaded struct {
	Threads map[string]string `json:"threads"`
	Slices  []struct {
		Tid   int     `json:"tid"`
		Name  string  `json:"name"`
		Start float64 `json:"start"`
		End   float64 `json:"end"`
	} `json:"slices"`
	Flows [][]struct {
		Tid int     `json:"tid"`
		Ts  float64 `json:"ts"`
	} `json:"flows"`
}

func TestPerfettoLoadsInOtherReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("loads traces with npm packages: not in -short")
	}
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		t.Skip("node and npm are needed to load the trace with other readers")
	}
	dir := installTraceReaders(t, npm)
	run := runPerfetto(t, beaconStory(), beacon, 1, sim.PerfettoOptions{}, nil)
	got := loadTrace(t, node, dir, run.data)

	for id := sim.NodeID(1); int(id) <= run.roster.Len(); id++ {
		if name := got.Threads[strconv.Itoa(int(id))]; name != run.roster.Name(id) {
			t.Errorf("tracerbench names tid %d %q, want %q", id, name, run.roster.Name(id))
		}
	}
	checkLoadedSlices(t, got, run)
	checkLoadedFlows(t, got, run)
}

// installTraceReaders installs the readers once into the cache directory.
func installTraceReaders(t *testing.T, npm string) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "electsim", "trace-readers")
	installed := true
	for _, pkg := range []string{"@tracerbench/trace-model", "@paulirish/trace_engine"} {
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json")); err != nil {
			installed = false
		}
	}
	if installed {
		return dir
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := append([]string{"install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error"}, traceReaders...)
	if out, err := exec.CommandContext(ctx, npm, args...).CombinedOutput(); err != nil {
		t.Skipf("could not install the trace readers (%v) with npm: %v\n%s", traceReaders, err, out)
	}
	return dir
}

func loadTrace(t *testing.T, node, dir string, data []byte) loaded {
	t.Helper()
	tmp := t.TempDir()
	trace, script := filepath.Join(tmp, "trace.json"), filepath.Join(tmp, "load.mjs")
	if err := os.WriteFile(trace, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(loadScript), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, dir, trace)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the readers failed on the trace: %v\n%s", err, stderr.String())
	}
	var got loaded
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("reading what the readers saw: %v", err)
	}
	return got
}

// checkLoadedSlices compares tracerbench's slices with this project's
// reading, on the node tracks: tracerbench drops tid 0, the network's.
func checkLoadedSlices(t *testing.T, got loaded, run perfettoRun) {
	t.Helper()
	var want, have []string
	for _, s := range checkNesting(t, parseTrace(t, run.data)) {
		if s.tid != 0 {
			want = append(want, sliceLine(s.tid, s.name, s.begin, s.end))
		}
	}
	for _, s := range got.Slices {
		have = append(have, sliceLine(s.Tid, s.Name, nanosOf(s.Start), nanosOf(s.End)))
	}
	sort.Strings(want)
	sort.Strings(have)
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Errorf("tracerbench's slices:\n%s\nwant:\n%s", strings.Join(have, "\n"), strings.Join(want, "\n"))
	}
	if len(want) < 5 {
		t.Errorf("only %d slices on the node tracks", len(want))
	}
}

func sliceLine(tid int, name string, begin, end int64) string {
	return strings.Join([]string{itoa(int64(tid)), itoa(begin), itoa(end), name}, " ")
}

// checkLoadedFlows checks DevTools' flows: one per message that arrived,
// from the sender's track at the send to the receiver's at the first
// arrival (DevTools ends a flow at its first end, and binds it by time,
// thread and category, not by name).
func checkLoadedFlows(t *testing.T, got loaded, run perfettoRun) {
	t.Helper()
	var want, have []string
	for _, m := range expectedFlows(run) {
		if len(m.arrivals) > 0 && m.arrivals[0].at > m.at {
			a := m.arrivals[0]
			want = append(want, strings.Join([]string{itoa(int64(m.from)), itoa(int64(m.at)), itoa(int64(a.to)), itoa(int64(a.at))}, " "))
		}
	}
	for _, f := range got.Flows {
		if len(f) != 2 {
			t.Fatalf("a flow of %d events: %v", len(f), f)
		}
		have = append(have, strings.Join([]string{itoa(int64(f[0].Tid)), itoa(nanosOf(f[0].Ts)), itoa(int64(f[1].Tid)), itoa(nanosOf(f[1].Ts))}, " "))
	}
	sort.Strings(want)
	sort.Strings(have)
	if len(want) < 100 || strings.Join(have, "\n") != strings.Join(want, "\n") {
		t.Errorf("DevTools read %d flows, want %d (one per message that arrived after it left)", len(have), len(want))
	}
}

// nanosOf turns a reader's microseconds back into nanoseconds.
func nanosOf(us float64) int64 { return int64(math.Round(us * 1000)) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
