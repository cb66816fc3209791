// Package examples holds a protocol written outside electsim (bully/) and
// its command (cmd/electsim-bully/), and checks that the README's Go
// compiles and runs from a module that is not electsim's.
package examples

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEGoBlocksCompileAndRun writes each Go block of the README into
// a package of this module and vets it; a block with a test runs (-short).
// A block that is only declarations (the Node interface) compiles against
// package sim.
func TestREADMEGoBlocksCompileAndRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the README's Go with the go command")
	}
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(data), -1)
	if len(blocks) == 0 {
		t.Fatal("the README has no Go block")
	}
	for i, b := range blocks {
		text := b[1]
		dir, err := os.MkdirTemp(".", "readme-block-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		name := "block.go"
		switch {
		case strings.Contains(text, "func Test"):
			name = "block_test.go"
		case !strings.HasPrefix(text, "package "):
			text = "package block\n\nimport \"github.com/electsim/electsim/sim\"\n\nvar _ sim.Env\n\n" + text
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"vet", "./" + dir}
		if name == "block_test.go" {
			args = []string{"test", "-short", "-count=1", "./" + dir}
		}
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			t.Errorf("README Go block %d: go %s: %v\n%s\n%s", i, strings.Join(args, " "), err, out, b[1])
		}
	}
}
