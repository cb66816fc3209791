// Electsim runs leader-election protocols in a seeded, deterministic
// simulation of nodes, lossy links and drifting clocks, and checks that no
// two leaders act in the same generation.
//
// Usage:
//
//	electsim run FILE [-seed N] [-protocol NAME] [-set key=value]... [-json] [-save saved.yaml]
//	             [-trace out.jsonl] [-perfetto out.json] [-timeline out.svg|png]
//	electsim replay FILE [-before 30] [-trace out.jsonl] [-perfetto out.json] [-timeline out.svg|png]
//	electsim sweep FILE [-protocols raft,routing] [-seeds 1-20] [-set key=v1,v2,...]... [-paired]
//	               [-parallel N] [-json] [-plot out.svg|png] [-cdf out.svg|png]
//	electsim protocols
//
// Run runs the scenario in FILE (a YAML file; see scenarios/ for ready ones)
// with the scenario's seed, or with -seed N, and prints a summary: who led
// when (each leadership, the leader at the end, the time without a leader),
// acts issued, accepted and rejected, split-brain time, stale acts,
// availability, messages, each fault with the roles it resolved and what it
// cost (the time to a new leader, to an accepted act issued after it), the
// faults skipped for a role nobody held, and each property with its
// verdict. With -json it prints one JSON object instead, with the fields
// scenario, seed, protocol, events, trace_hash, duration_ns, metrics,
// properties, expected, recoveries, skipped_faults, leadership,
// leadership_count, leader_at_end, ok and error. -protocol and -set change
// the scenario's protocol and its parameters, to compare variants of one
// story:
//
//	electsim run scenarios/howard-scenario-1.yaml -set prevote=true
//	electsim run scenarios/bridge.yaml -protocol routing
//
// Both commands can write the run three more ways: -trace, every event as a
// line of JSON; -perfetto, a Chrome trace-event file that ui.perfetto.dev
// opens, one track per node with leadership as slices named by generation;
// -timeline, a picture of the run, one row per node over true time.
//
// Run -save writes the run as a plain scenario: the nemesis expanded into
// faults, every random choice made, the seed and the trace hash recorded.
// Replay runs such a file (and what a failing property test writes under
// testdata/failures) with the seed it records, and checks that the run's
// trace hash is the one the file records: a mismatch is an error that says
// the code or the scenario changed, so the run is a new one. It prints the
// first violation and the events that led to it, one line each.
//
// Sweep compares configurations: each protocol of -protocols (default the
// scenario's) crossed with every -set that lists several values, each run
// with every seed of -seeds (default 1-10; 1-20, 1,2,7 and 1-5,9 all
// work). A -set with one value just sets the parameter. With -paired the
// lists go value by value instead (the first of each, then the second,
// ...), so that parameters that belong together vary together:
// -paired -set election_timeout_min=12ms,25ms -set election_timeout_max=24ms,50ms.
// Every
// configuration is checked before any run starts. The runs go to -parallel
// workers (default all cores); each is the run electsim run -seed N gives,
// with the same trace hash, and the output never depends on scheduling:
//
//	electsim sweep scenarios/howard-scenario-1.yaml -set prevote=false,true -seeds 1-20
//	electsim sweep scenarios/majorities-ring.yaml -protocols raft,routing -plot ring.png
//
// It prints a row per configuration: its runs, failed runs, availability
// (mean and worst), split-brain time (mean and longest), stale acts,
// leader changes, time to the first leader and time without a leader
// (means), the time to a new leader after a fault (median, mean and
// longest, over every fault of every run, with the faults no new leader
// followed), and the runs that broke an expected property and which
// properties. The metrics are over
// the runs that reached their end. A run that fails (a limit, a panic
// anywhere in it) is listed with its seed and error, and the sweep goes on
// with the others. With -json it prints one object: scenario, and
// configurations, each with protocol, params, runs (seed, trace_hash, ok,
// error, violated, metrics and recoveries, as electsim run -json names them)
// and summary. -plot draws each configuration's availability, a point per
// run; -cdf draws the distribution of the time to a new leader after each
// fault, a curve per configuration on a logarithmic time axis, as the Raft
// paper's figure 16 does (scenarios/raft-figure16.yaml has the commands).
// A progress bar shows on stderr when stderr is a terminal. Sweep exits 1
// when any run fails or breaks an expected property.
//
// Protocols lists the registered protocols with their parameters.
//
// The same scenario and seed always give the same run, event for event, and
// the same trace hash.
//
// Exit status: 0 when the run ends and every property the scenario expects
// holds, 1 when one is violated or the run fails (a limit is hit, a protocol
// panics), 2 on bad input or usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
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
	{"sweep", "run protocols x parameters x seeds in parallel; compare availability", sweepCommand},
	{"protocols", "list the protocols and their parameters", protocolsCommand},
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("electsim: ")
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "help" {
		usage(stderr)
		return 2
	}
	for _, c := range commands {
		if c.name == args[0] {
			return report(c.run(args[1:], stdout, stderr), stderr)
		}
	}
	fmt.Fprintf(stderr, "electsim: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

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
	fmt.Fprintln(w, "\nRun 'electsim <command> -h' for a command's flags; 'go doc ./cmd/electsim' for the manual.")
}

// parseInterspersed parses flags that may come before or after the
// positional arguments, as in "electsim run FILE -seed 3".
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
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
