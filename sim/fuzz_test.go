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
