package sim_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/electsim/electsim/sim"
)

// maxDecodeBytes bounds what reading a hostile file may allocate: far
// below what any of them would take unbounded (gigabytes), far above what
// a refusal costs.
const maxDecodeBytes = 64 << 20

// maxErrorBytes bounds an error message: it quotes at most 200 bytes of
// the input, however large that is.
const maxErrorBytes = 600

// head is a valid scenario in four lines; a case adds its mischief from
// line 5 on.
const head = "name: t\nnodes: 5\nduration: 30s\nprotocol: {name: x}\n"

// hostile is what the reader does with input meant to hurt: each case is
// refused with its error (the file shows as hostile.yaml, or as FILE for a
// path of its own), in bounded memory, and never panics. It is the one
// place that says what hostile input gets.
var hostile = []struct {
	name string
	text func() string             // the file's content, or
	path func(t *testing.T) string // a path to read instead
	want string                    // a part of the error
	skip string                    // why the case cannot run yet
}{
	// Aliases: a billion values in a few lines, or a value that holds itself.
	{name: "alias bomb in values", text: func() string { return head + "faults:\n" + bomb(listItem, "f", "{at: 1s, heal: true}") },
		want: "hostile.yaml:6:5: faults[0]: anchors (&f0) are refused: write each value out"},
	{name: "alias bomb in protocol parameters", text: func() string {
		return strings.Replace(head, "protocol: {name: x}\n", "protocol:\n  name: x\n", 1) + bomb(key, "p", "lol")
	},
		want: "hostile.yaml:6:7: protocol.p0: anchors (&p0) are refused"},
	{name: "recursive alias", text: text(head + "description: &a [*a]\n"),
		want: "hostile.yaml:5:14: description: anchors (&a) are refused"},
	{name: "alias of nothing", text: text(head + "description: *nowhere\n"),
		want: "hostile.yaml:5:14: description: aliases (*nowhere) are refused"},
	{name: "merge key", text: text(head + "network:\n  <<: {loss: 0.2}\n"),
		want: "hostile.yaml:6:3: network: merge keys (<<) are refused"},

	// Nesting, which go-yaml's parser pays for with the square of the depth.
	{name: "40,000 brackets", text: func() string { return head + "description: " + strings.Repeat("[", 40_000) + "\n" },
		want: "hostile.yaml:5: lists and mappings nest more than 64 deep"},
	{name: "40,000 braces", text: func() string { return head + "description: " + strings.Repeat("{a: ", 40_000) + "\n" },
		want: "hostile.yaml:5: lists and mappings nest more than 64 deep"},
	{name: "40,000 nested lists on a line", text: func() string { return head + "description:\n  " + strings.Repeat("- ", 40_000) + "x\n" },
		want: "hostile.yaml:6: lists and mappings nest more than 64 deep"},
	{name: "1,000 indented mappings", text: func() string { return head + indented(1_000) },
		want: "hostile.yaml:69: lists and mappings nest more than 64 deep"},

	// Size and count.
	{name: "a file over the size limit", text: func() string { return head + "description: " + strings.Repeat("x", sim.MaxScenarioBytes) + "\n" },
		want: "hostile.yaml: larger than 1 MiB"},
	{name: "85,000 faults", text: func() string { return head + "faults:\n" + strings.Repeat("  - {at: 1s, crash: n1}\n", 85_000) },
		want: "hostile.yaml: larger than 1 MiB"},
	{name: "40,000 faults, within the size limit", text: func() string { return head + "faults:\n" + strings.Repeat("  - {at: 1s, crash: n1}\n", 40_000) },
		want: "hostile.yaml:10004: more than 100000 YAML tokens"},
	{name: "an indented mapping of 30,000 keys", text: func() string { return head + "boot:\n" + keys("  ", 30_000) },
		want: fmt.Sprintf("more than %d keys", sim.MaxScenarioKeys)},
	{name: "200,000 commas", text: func() string { return head + "description: [" + strings.Repeat(",", 200_000) + "]\n" },
		want: "hostile.yaml:5: more than 100000 YAML tokens"},
	{name: "40,000 tagged lists on a line", text: func() string { return head + "description:\n  " + strings.Repeat("- !t ", 40_000) + "x\n" },
		want: "hostile.yaml:6: lists and mappings nest more than 64 deep"},
	{name: "brackets after a quote in a plain text", text: func() string { return head + "description: x \"\nnetwork: " + strings.Repeat("[", 40_000) + "\n" },
		want: "hostile.yaml:6: lists and mappings nest more than 64 deep"},
	{name: "brackets after a quote on a continuation line", text: func() string { return head + "description: x\n  \"\nnetwork: " + strings.Repeat("[", 40_000) + "\n" },
		want: "hostile.yaml:7: lists and mappings nest more than 64 deep"},
	{name: "keys after a block scalar ends early", text: func() string { return head + "description: |\n      x\n  y\n" + keys("", 20_000) },
		want: fmt.Sprintf("more than %d keys", sim.MaxScenarioKeys)},
	{name: "a million comments", text: func() string { return head + strings.Repeat("#\n", 500_000) },
		want: "more than 100000 YAML tokens"},
	{name: "200,000 documents", text: func() string { return strings.Repeat("---\n", 200_000) },
		want: "more than 100000 YAML tokens"},
	{name: "a huge text where a number belongs", text: func() string { return strings.Replace(head, "5", `"`+strings.Repeat("x", 500_000)+`"`, 1) },
		want: `hostile.yaml:2:8: nodes: want a whole number, got "xxxx`},

	// Paths that are not files.
	{name: "/dev/zero", path: device("/dev/zero"), want: "FILE: is a device, not a scenario file"},
	{name: "/dev/urandom", path: device("/dev/urandom"), want: "FILE: is a device, not a scenario file"},
	{name: "a directory", path: func(t *testing.T) string { return t.TempDir() }, want: "FILE: is a directory, not a scenario file"},
	{name: "a FIFO", path: fifo, want: "FILE: is a named pipe (FIFO), not a scenario file"},
	{name: "no such file", path: func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope.yaml") },
		want: "open FILE: no such file or directory"},

	// Numbers that do not fit.
	{name: "seed 2^64", text: text(head + "seed: 18446744073709551616\n"),
		want: "hostile.yaml:5:7: seed: want a whole number from 0 to 18446744073709551615, got 18446744073709551616"},
	{name: "seed 2^64 quoted", text: text(head + "seed: '18446744073709551616'\n"),
		want: "hostile.yaml:5:7: seed: want a whole number from 0 to 18446744073709551615"},
	{name: "negative seed", text: text(head + "seed: -1\n"),
		want: "hostile.yaml:5:7: seed: want a whole number from 0 to 18446744073709551615, got -1"},
	{name: "nodes 1e30", text: text(strings.Replace(head, "nodes: 5", "nodes: 1e30", 1)),
		want: "hostile.yaml:2:8: nodes: want a whole number from -9223372036854775808 to 9223372036854775807, got 1e30"},
	{name: "a billion nodes", text: text(strings.Replace(head, "nodes: 5", "nodes: 1000000000", 1)),
		want: "hostile.yaml:2:1: nodes: must be 1..1024, got 1000000000"},
	{name: "a duration past int64", text: text(head + "workload: {act_every: 3000000h}\n"),
		want: `hostile.yaml:5:23: workload.act_every: "3000000h" is longer than the longest duration`},
	{name: "a fault time past int64", text: text(head + "faults:\n  - {at: 3000000h, heal: true}\n"),
		want: `hostile.yaml:6:10: faults[0].at: want a duration such as "150ms", or a range such as "4s..4.05s", got "3000000h"`},
	{name: "a probability past float64", text: text(head + "network: {loss: 1e999}\n"),
		want: "hostile.yaml:5:17: network.loss: 1e999 is beyond the largest number"},
	{name: "a count past int64", text: text(head + "limits: {max_events: 99999999999999999999}\n"),
		want: "hostile.yaml:5:22: limits.max_events: want a whole number from"},

	// Text that would rewrite the terminal it is printed on.
	{name: "escape sequences in the name", text: text("name: \"\\e[2J\\e[HALL PROPERTIES OK\"\nnodes: 5\nduration: 30s\nprotocol: {name: x}\n"),
		want: `hostile.yaml:1:7: name: text holds the control character "\x1b": write plain text`},
	{name: "a line break in the name", text: text("name: \"t\\nALL PROPERTIES OK\"\nnodes: 5\nduration: 30s\nprotocol: {name: x}\n"),
		want: `hostile.yaml:1:1: name: want a name on one line, got "t\nALL PROPERTIES OK"`},
	{name: "a carriage return in the name", text: text("name: \"t\\rALL OK\"\nnodes: 5\nduration: 30s\nprotocol: {name: x}\n"),
		want: `hostile.yaml:1:7: name: text holds the control character "\r"`},
	{name: "a right-to-left override in the description", text: text(head + "description: \"a\\u202eb\"\n"),
		want: `hostile.yaml:5:14: description: text holds the control character "\u202e"`},
	{name: "a NUL byte", text: text(head + "description: a\x00b\n"),
		want: `hostile.yaml:5:14: description: text holds the control character "\x00"`},
	{name: "a bell in a parameter name", text: text(strings.Replace(head, "{name: x}", "{name: x, \"\\a\": 1}", 1)),
		want: `hostile.yaml:4:21: protocol: text holds the control character "\a"`},
	{name: "an escape in a parameter", text: text(strings.Replace(head, "{name: x}", "{name: x, p: \"\\e[2J\"}", 1)),
		want: `hostile.yaml:4:24: protocol.p: text holds the control character "\x1b"`},

	// What the decoder and validator refuse anyway.
	{name: "a tag", text: text(head + "network: !!map {loss: 0.1}\n"),
		want: "hostile.yaml:5:10: network: YAML tags such as !!map have no use in a scenario"},
	{name: "a duplicated key", text: text(head + "nodes: 6\n"),
		want: `hostile.yaml:5:1: mapping key "nodes" already defined at [2:1]`},
	{name: "a string where a number belongs", text: text(strings.Replace(head, "nodes: 5", "nodes: five", 1)),
		want: `hostile.yaml:2:8: nodes: want a whole number, got "five"`},
	{name: "a fraction where a whole number belongs", text: text(strings.Replace(head, "nodes: 5", "nodes: 5.5", 1)),
		want: "hostile.yaml:2:8: nodes: want a whole number, got 5.5"},
	{name: "an unknown field", text: text(head + "colour: red\n"),
		want: `hostile.yaml:5:1: colour: unknown field "colour"`},
	{name: "a negative latency", text: text(head + "network:\n  latency: {dist: constant, value: -1ms}\n"),
		want: "hostile.yaml:6:29: network.latency.value: latency must not be negative"},
	{name: "loss 2", text: text(head + "network: {loss: 2}\n"),
		want: "hostile.yaml:5:11: network.loss: probability 2 is outside [0, 1]"},
	{name: "a node that does not exist", text: text(head + "faults:\n  - {at: 1s, crash: n9}\n"),
		want: `hostile.yaml:6:14: faults[0].crash: unknown node "n9"`},
	{name: "a fault after the end", text: text(head + "faults:\n  - {at: 31s, heal: true}\n"),
		want: "hostile.yaml:6:6: faults[0].at: fault at 31s is outside the run [0, 30s)"},
	{name: "an unterminated quote", text: text(head + "description: \"forever\n" + strings.Repeat("x ", 1000)),
		want: "hostile.yaml:5:14: could not find end character of double-quoted text"},
}

func text(s string) func() string { return func() string { return s } }

// bomb is the billion laughs: nine levels of lists, each ten of the one
// before, each level a list item or a key (entry says which).
func bomb(entry func(name string) string, name, leaf string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s&%s0 [%s]\n", entry(name+"0"), name, strings.Repeat(leaf+", ", 9)+leaf)
	for i := 1; i < 9; i++ {
		alias := fmt.Sprintf("*%s%d", name, i-1)
		fmt.Fprintf(&b, "%s&%s%d [%s]\n", entry(fmt.Sprint(name, i)), name, i, strings.Repeat(alias+", ", 9)+alias)
	}
	return b.String()
}

func listItem(string) string { return "  - " }

func key(name string) string { return "  " + name + ": " }

// indented nests n mappings by indentation, a key a line.
func indented(n int) string {
	var b strings.Builder
	b.WriteString("clocks:\n")
	for i := 1; i <= n; i++ {
		b.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	return b.String()
}

// keys is n keys of a mapping, each a line under indent.
func keys(indent string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%sk%d: 1\n", indent, i)
	}
	return b.String()
}

func device(path string) func(t *testing.T) string {
	return func(t *testing.T) string {
		if _, err := os.Stat(path); err != nil {
			t.Skipf("no %s here", path)
		}
		return path
	}
}

func fifo(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "fifo.yaml")
	if err := exec.Command("mkfifo", path).Run(); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

func TestHostileInput(t *testing.T) {
	if len(hostile) < 30 {
		t.Fatalf("the table has %d cases", len(hostile))
	}
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			path := hostilePath(t, tc.text, tc.path)
			var err error
			allocated := allocatedBy(func() { err = loadAndValidate(path) })
			if err == nil {
				t.Fatal("no error")
			}
			checkHostileError(t, err, path, tc.want)
			if allocated > maxDecodeBytes {
				t.Errorf("reading allocated %d MB, more than %d MB", allocated>>20, maxDecodeBytes>>20)
			}
		})
	}
}

func hostilePath(t *testing.T, text func() string, path func(*testing.T) string) string {
	if path != nil {
		return path(t)
	}
	file := filepath.Join(t.TempDir(), "hostile.yaml")
	if err := os.WriteFile(file, []byte(text()), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func checkHostileError(t *testing.T, err error, path, want string) {
	t.Helper()
	msg := err.Error()
	if len(msg) > maxErrorBytes {
		t.Errorf("an error of %d bytes: %.300s...", len(msg), msg)
	}
	got := strings.ReplaceAll(msg, path, "FILE")
	want = strings.ReplaceAll(want, "hostile.yaml", "FILE")
	if !strings.Contains(got, want) {
		t.Errorf("error %q\nwant one containing %q", got, want)
	}
	var se *sim.ScenarioError
	var pe *os.PathError
	if !errors.As(err, &se) && !errors.As(err, &pe) {
		t.Errorf("error %T is neither a scenario error nor a path error", err)
	}
}

func loadAndValidate(path string) error {
	scn, err := sim.Load(path)
	if err != nil {
		return err
	}
	return scn.Validate(nil)
}

// allocatedBy returns the bytes f allocates, all goroutines counted: the
// table runs its cases one at a time.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// hostileValues is what ParseValue, which reads -set values, does with
// the same mischief: an error that quotes none of a large input.
var hostileValues = []struct{ name, text, want string }{
	{"alias bomb", "{a: &a [x, x], b: [*a, *a]}", "anchors (&a) are refused"},
	{"recursive alias", "&a [*a]", "anchors (&a) are refused"},
	{"40,000 brackets", strings.Repeat("[", 40_000), "nest more than 64 deep"},
	{"a value over the size limit", strings.Repeat("x", sim.MaxValueBytes+1), "a value is at most 65536 bytes"},
	{"an escape sequence", `"\e[2J"`, `control character "\x1b"`},
	{"null", "~", "the value is empty (null)"},
	{"two documents", "1\n---\n2", "want one value"},
}

func TestHostileValues(t *testing.T) {
	for _, tc := range hostileValues {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			allocated := allocatedBy(func() { _, err = sim.ParseValue(tc.text) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if len(err.Error()) > maxErrorBytes {
				t.Errorf("an error of %d bytes", len(err.Error()))
			}
			if allocated > maxDecodeBytes {
				t.Errorf("reading allocated %d MB", allocated>>20)
			}
		})
	}
}

// BenchmarkParseLargest reads the costliest files within the limits, to
// measure the bound the limits document (MaxScenarioTokens): go test ./sim
// -run '^$' -bench ParseLargest -benchmem.
func BenchmarkParseLargest(b *testing.B) {
	var mappings strings.Builder
	for m := range 30 {
		fmt.Fprintf(&mappings, "  m%d:\n%s", m, keys("    ", sim.MaxScenarioKeys))
	}
	files := map[string]string{
		"faults":   head + "faults:\n" + strings.Repeat("  - at: 1s\n    crash: n1\n", 14_270),
		"mappings": strings.Replace(head, "protocol: {name: x}\n", "protocol:\n  name: x\n", 1) + mappings.String(),
		"text":     head + "description: |\n" + strings.Repeat("  "+strings.Repeat("x", 97)+"\n", (sim.MaxScenarioBytes-100)/100),
	}
	for name, text := range files {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := sim.Parse("largest.yaml", []byte(text)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestPrintable: text from a file reaches a terminal with its control
// characters escaped, and an error quotes at most 200 bytes of it.
func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain, ünïcode ✓":             "plain, ünïcode ✓",
		"\x1b[2J\x1b[HALL OK":          `\x1b[2J\x1b[HALL OK`,
		"a\nb\tc\rd":                   `a\nb\tc\rd`,
		"left\u202eright":              `left\u202eright`,
		"bad \xff byte, C1 \u009b too": `bad \xff byte, C1 \u009b too`,
	} {
		if got := sim.Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("é", 1000)
	if q := sim.QuoteInput(long); len(q) > 240 || !strings.HasSuffix(q, "... (2000 bytes)") {
		t.Errorf("QuoteInput of 2000 bytes: %q", q)
	}
}
