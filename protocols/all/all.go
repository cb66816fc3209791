// Package all registers every protocol electsim ships with, for a program
// or a test that finds protocols by name (scenario and experiment files):
//
//	import _ "github.com/electsim/electsim/protocols/all"
//
// A protocol registers itself when its package is imported; a module that
// adds its own imports that package beside this one.
package all

import (
	_ "github.com/electsim/electsim/protocols/example"
	_ "github.com/electsim/electsim/protocols/generation"
	_ "github.com/electsim/electsim/protocols/lease"
	_ "github.com/electsim/electsim/protocols/raft"
	_ "github.com/electsim/electsim/protocols/routing"
	_ "github.com/electsim/electsim/protocols/sbr"
)
