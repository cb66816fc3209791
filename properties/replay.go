package properties

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/electsim/electsim/causal"
	"github.com/electsim/electsim/sim"
)

// ExplainedViolation is the violation a replay explains: the earliest of a
// property the run expected, which is why it failed; or, when none of
// those broke, the earliest of any. Nil when nothing broke.
func ExplainedViolation(rep *Report) *Violation {
	var out *Violation
	better := func(v *Violation) bool {
		if out == nil {
			return true
		}
		vExp, outExp := slices.Contains(rep.Expected, v.Property), slices.Contains(rep.Expected, out.Property)
		if vExp != outExp {
			return vExp
		}
		return v.Index < out.Index
	}
	for _, v := range rep.Violations() {
		if better(v) {
			out = v
		}
	}
	return out
}

// Explain writes what a replay says of a finished run of scn with p: the
// explained violation, and the before events that led to it and the event
// itself, one line each. It runs scn again to find them: by determinism
// the same run, now knowing where to look.
func Explain(w io.Writer, scn *sim.Scenario, p sim.Protocol, seed uint64, rep *Report, before int) error {
	v := ExplainedViolation(rep)
	if v == nil {
		return nil
	}
	note := ""
	if !slices.Contains(rep.Expected, v.Property) {
		note = " (the scenario does not expect it, and nothing it expects broke)"
	}
	fmt.Fprintf(w, "\n%s violated%s: %s\n", v.Property, note, v.Detail)
	story, err := Story(scn, p, seed, v)
	if err != nil {
		return err
	}
	if len(story.Steps) > 0 {
		fmt.Fprintln(w)
		story.Write(w)
		fmt.Fprintln(w)
	}
	lines, err := LeadUp(scn, p, seed, v.Index, before)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "the events before it, the nodes' log lines between them, and the event itself:\n")
	for _, line := range lines {
		fmt.Fprintln(w, line)
	}
	return nil
}

// LeadUp runs scn again with p and seed and returns the events from
// before events ahead of the one at index to it, one line each
// (sim.FormatEvent): by determinism the same run, now knowing where to
// look.
func LeadUp(scn *sim.Scenario, p sim.Protocol, seed uint64, index int64, before int) ([]string, error) {
	s, err := sim.New(scn.Clone(), p, seed)
	if err != nil {
		return nil, err
	}
	window := &eventWindow{from: index - int64(before), to: index}
	s.Observe(window)
	s.Run()
	var lines []string
	for i := range window.events {
		lines = append(lines, sim.FormatEvent(s.Roster(), &window.events[i]))
	}
	return lines, nil
}

// Story runs scn again with p and seed and tells the causal story of v: the
// events that happened before it (Lamport's relation) and touch its
// generations. By determinism the run is the one that broke the property.
func Story(scn *sim.Scenario, p sim.Protocol, seed uint64, v *Violation) (*causal.Story, error) {
	s, err := sim.New(scn.Clone(), p, seed)
	if err != nil {
		return nil, err
	}
	target := causal.Target{Events: v.Events, Gens: v.Gens, Nodes: v.Nodes}
	if len(target.Events) == 0 {
		target.Events = []int64{v.Index}
	}
	rec := causal.NewRecorder(s.Roster(), target)
	s.Observe(rec)
	s.Run()
	return rec.Story(), nil
}

// eventWindow keeps the events whose index lies in [from, to].
type eventWindow struct {
	from, to int64
	events   []sim.Event
}

// ObservesLogs makes the window a LogObserver: the nodes' log lines between
// the events are part of the story.
func (w *eventWindow) ObservesLogs() {}

func (w *eventWindow) Observe(e *sim.Event) {
	if e.Index >= w.from && e.Index <= w.to {
		w.events = append(w.events, *e)
	}
}

// HashCheck says whether a replayed run is the saved one, in a sentence:
// it matches, it does not, or the file recorded no trace hash to check
// (then same is true: nothing says otherwise).
func HashCheck(path, recorded, got string) (msg string, same bool) {
	switch {
	case recorded == "":
		return fmt.Sprintf("%s records no trace_hash, so nothing says this is the run that was saved (electsim run -save and Sim.Scenario after a run record it)", path), true
	case recorded != got:
		return fmt.Sprintf("trace hash changed: %s records %s, this run gives %s: the code or the scenario changed since it was saved, so this is a new run, not the saved one", path, recorded, got), false
	}
	return fmt.Sprintf("trace hash %s matches the file: this is the saved run, event for event", recorded), true
}

// replayFlag makes Check replay a saved failure instead of searching: go
// test -run '^TestX$' -electsim.replay=testdata/failures/TestX.yaml, the
// command Check prints when it saves one. It works in any module, with the
// protocol the test passes to Check.
var replayFlag = flag.String("electsim.replay", "", "replay this saved failure in the test that saved it, instead of searching")

// replayInTest replays the saved failure at path with p, logs what the
// electsim replay command prints, and fails t as the run fails.
func replayInTest(t testing.TB, path string, p sim.Protocol, opts Options) {
	t.Helper()
	if filepath.Base(path) != fileName(t.Name())+".yaml" {
		t.Skipf("-electsim.replay=%s is another test's failure", path)
	}
	scn, err := sim.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if scn.Protocol.Name != p.Name && p.Name != "" {
		t.Fatalf("%s ran protocol %q; this test passes %q", path, scn.Protocol.Name, p.Name)
	}
	out, err := RunWith(scn, p, scn.Seed, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "replaying %s with seed %d\n", path, scn.Seed)
	if err := Explain(&b, scn, p, scn.Seed, out.Report, 30); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(&b)
	out.Report.WriteSummary(&b)
	msg, same := HashCheck(path, scn.TraceHash, out.Report.TraceHash)
	fmt.Fprintln(&b, msg)
	t.Log(b.String())
	if !same || !out.Report.OK {
		t.Fail()
	}
}

// runPattern is a go test -run pattern that selects exactly the test (or
// subtest) named.
func runPattern(testName string) string {
	parts := strings.Split(testName, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
