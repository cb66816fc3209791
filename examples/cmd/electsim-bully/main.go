// Electsim-bully is the electsim command with the bully protocol beside
// the built-in ones: run, sweep and replay its scenarios.
//
//	go run ./cmd/electsim-bully run bully/testdata/partition.yaml
package main

import (
	"github.com/electsim/electsim/cli"

	"example.com/electsim-examples/bully"
)

func main() { cli.Main(bully.Spec) }
