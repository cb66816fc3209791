package sim_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/electsim/electsim/sim"
)

// FuzzParse feeds the decoder arbitrary text: it must never panic, and every
// failure, in decoding, validating or expanding, must be a scenario error
// that names the file.
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob("../scenarios/*.yaml")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no example scenarios: %v", err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, tc := range malformed {
		f.Add([]byte(tc.yaml))
	}
	f.Add([]byte(everySection))
	for _, data := range hostileSeeds() {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scn, err := sim.Parse("fuzz.yaml", data)
		if err != nil {
			checkScenarioError(t, "Parse", err)
			return
		}
		checkScenarioError(t, "Validate(nil)", scn.Validate(nil))
		checkScenarioError(t, "Validate(coord)", scn.Validate([]string{"coord"}))
		_, err = scn.Expand(nil, 1)
		checkScenarioError(t, "Expand", err)
	})
}

// hostileSeeds are the small inputs of the hostile table and more in
// their spirit, aliases and nesting most: what the fuzzer mutates into
// what the bounds must catch.
func hostileSeeds() [][]byte {
	var seeds [][]byte
	for _, tc := range hostile {
		if tc.text != nil {
			if text := tc.text(); len(text) < 4<<10 {
				seeds = append(seeds, []byte(text))
			}
		}
	}
	for _, text := range []string{
		head + "faults:\n" + bomb(listItem, "f", "{at: 1s, heal: true}"),
		head + "network: &n {loss: 0.1}\nclocks: *n\n",
		head + "network:\n  <<: *n\n",
		head + "description: &a [*a, {b: *a}]\n",
		head + "description: " + strings.Repeat("[", 70) + strings.Repeat("]", 70) + "\n",
		head + "description: " + strings.Repeat("{a: ", 63) + "1" + strings.Repeat("}", 63) + "\n",
		head + "description:\n  " + strings.Repeat("- ", 70) + "x\n",
		head + "description:\n  " + strings.Repeat("- !t &a ", 70) + "x\n",
		head + indented(70),
		head + "faults:\n" + strings.Repeat("  - {at: 1s..2s, crash: n1, for: 2s}\n", 20),
		head + "seed: 0x1_0000_0000_0000_0000\n",
		head + "description: |\n  [[[[ - - - &a *a\n  \"unclosed\n",
		head + "description: \"multi\n  line [ { \\\" \"\n",
	} {
		seeds = append(seeds, []byte(text))
	}
	return seeds
}

// checkScenarioError fails unless err is nil or a scenario error, with a
// message, that names the file.
func checkScenarioError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var one *sim.ScenarioError
	var many sim.ScenarioErrors
	if !errors.As(err, &many) && !errors.As(err, &one) {
		t.Fatalf("%s: error %T is not a scenario error: %v", what, err, err)
	}
	msg := err.Error()
	if msg == "" || !strings.Contains(msg, "fuzz.yaml") {
		t.Fatalf("%s: error does not name the file: %q", what, msg)
	}
}
