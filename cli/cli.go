// Package cli is the electsim command as a library: the commands, their
// flags and their output. cmd/electsim calls Main with the built-in
// protocols; a module with protocols of its own calls it with them too, and
// gets the whole command, replay of its saved failures included. The
// command's manual is cmd/electsim's documentation (go doc
// github.com/electsim/electsim/cmd/electsim).
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"

	"github.com/electsim/electsim/protocols"
)

// exitError carries an exit status up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func badInput(err error) error { return &exitError{code: 2, err: err} }

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"run", "run a scenario and check its properties", runCommand},
	{"replay", "replay a saved run, check it is the same, explain its violation", replayCommand},
	{"sweep", "run an experiment: configurations x axes x seeds in parallel; compare them", sweepCommand},
	{"merge", "combine the results files of a sweep's shards", mergeCommand},
	{"plot", "draw the comparison charts of a results file", plotCommand},
	{"protocols", "list the protocols and their parameters", protocolsCommand},
	{"version", "print the module version and the source revision it was built from", versionCommand},
}

// Main runs the electsim command with os.Args and exits with its status.
// A module with protocols of its own builds its own electsim with them:
//
//	func main() { cli.Main(bully.Spec) }
//
// Each spec is registered before the command runs (as if its package
// registered it), beside the built-in protocols and any the program
// imports, so that scenario and experiment files can name it. cmd/electsim
// is Main with none.
func Main(specs ...protocols.Spec) {
	log.SetFlags(0)
	log.SetPrefix("electsim: ")
	for _, s := range specs {
		if _, ok := protocols.Lookup(s.Name); !ok { // its package may have registered it
			protocols.Register(s)
		}
	}
	os.Exit(Run(os.Args[1:], os.Stdout, os.Stderr))
}

// Run runs the command with args (without the program's name), writing to
// stdout and stderr, and returns its exit status.
func Run(args []string, stdout, stderr io.Writer) int { return runMain(args, stdout, stderr) }

func runMain(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stderr)
		return 2
	case isHelp(args[0]) || args[0] == "help" && len(args) == 1:
		usage(stdout)
		return 0
	case args[0] == "help":
		args = []string{args[1], "-h"} // help CMD is CMD -h
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		if slices.ContainsFunc(args[1:], isHelp) {
			// Asked for, the usage goes to stdout and is no error.
			c.run([]string{"-h"}, stdout, stdout)
			return 0
		}
		return report(c.run(args[1:], stdout, stderr), stderr)
	}
	fmt.Fprintf(stderr, "electsim: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func report(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && !errors.Is(ee.err, errQuiet) {
			fmt.Fprintf(stderr, "electsim: %v\n", ee.err)
		}
		return ee.code
	}
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	fmt.Fprintf(stderr, "electsim: %v\n", err)
	return 1
}

// errQuiet is a failure already explained on stdout.
var errQuiet = errors.New("failure reported above")

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: electsim <command> [arguments]")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'electsim <command> -h' for a command's flags; `go doc github.com/electsim/electsim/cmd/electsim` for the manual.")
}

// parseInterspersed parses flags that may come before or after the
// positional arguments, as in "electsim run FILE -seed 3".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.PrintDefaults()
			} else {
				fmt.Fprintf(fs.Output(), "run 'electsim %s -h' for its flags\n", fs.Name())
			}
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
