package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

// sweepConfig is one configuration: a protocol and its parameters, the
// scenario with them applied and the protocol built from it.
type sweepConfig struct {
	protocol string
	set      []string // key=value, every -set in order
	varied   []string // the values of the varied parameters, in -set order
	scn      *sim.Scenario
	proto    sim.Protocol
}

// variedLabel names the configuration's varied parameters: "prevote=false".
func (c *sweepConfig) variedLabel(axes []setAxis) string {
	var parts []string
	i := 0
	for _, a := range axes {
		if a.varied() {
			parts = append(parts, a.key+"="+c.varied[i])
			i++
		}
	}
	return strings.Join(parts, " ")
}

// label names the configuration: "raft prevote=false".
func (c *sweepConfig) label(axes []setAxis) string {
	return strings.TrimSpace(c.protocol + " " + c.variedLabel(axes))
}

// params are the parameters the -set flags gave, as the scenario holds them.
func (c *sweepConfig) params() map[string]any {
	out := map[string]any{}
	for _, kv := range c.set {
		key, _, _ := strings.Cut(kv, "=")
		out[key] = c.scn.Protocol.Params[key]
	}
	return out
}

// runFunc runs one seed of a configuration; properties.Run, as electsim run
// does, so that a sweep's run is the run of that seed.
type runFunc func(scn *sim.Scenario, p sim.Protocol, seed uint64, observers ...sim.Observer) (*properties.Outcome, error)

// sweepPlan is a checked sweep, ready to run.
type sweepPlan struct {
	file    string
	base    *sim.Scenario
	axes    []setAxis
	configs []*sweepConfig
	seeds   []uint64
	run     runFunc
}

func (pl *sweepPlan) runs() int { return len(pl.configs) * len(pl.seeds) }

// job is the i-th run: configurations in order, each over every seed.
func (pl *sweepPlan) job(i int) (*sweepConfig, uint64) {
	return pl.configs[i/len(pl.seeds)], pl.seeds[i%len(pl.seeds)]
}

// planSweep loads the scenario and builds every configuration's protocol,
// so that a bad protocol, parameter or scenario stops the sweep before any
// run. Every failure is bad input.
func planSweep(opts *sweepOptions, stderr io.Writer) (*sweepPlan, error) {
	base, err := sim.Load(opts.file)
	if err != nil {
		return nil, badInput(err)
	}
	if err := properties.CheckExpect(base); err != nil {
		return nil, badInput(err)
	}
	names := opts.protocols
	if len(names) == 0 {
		names = []string{base.Protocol.Name}
	}
	combine := crossProduct
	if opts.paired {
		combine = pairs
	}
	configs := len(names)
	for _, a := range opts.sets {
		if opts.paired {
			configs = len(names) * len(pairs(opts.sets))
			break
		}
		if configs *= len(a.values); configs > maxSweepRuns {
			break // and stop before the product overflows
		}
	}
	if configs*len(opts.seeds.seeds) > maxSweepRuns {
		return nil, usageError("the sweep has more than %d runs (%d configurations x %d seeds)", maxSweepRuns, configs, len(opts.seeds.seeds))
	}
	pl := &sweepPlan{file: opts.file, base: base, axes: opts.sets, seeds: opts.seeds.seeds, run: properties.Run}
	warned := map[string]bool{}
	for _, name := range names {
		for _, set := range combine(opts.sets) {
			c, warnings, err := buildConfig(base, name, set, pl.seeds[0])
			if err != nil {
				return nil, badInput(err)
			}
			c.varied = variedValues(opts.sets, set)
			pl.configs = append(pl.configs, c)
			for _, w := range warnings {
				if !warned[w] {
					warned[w] = true
					fmt.Fprintf(stderr, "electsim: warning: %s: %s\n", c.label(opts.sets), w)
				}
			}
		}
	}
	return pl, nil
}

// crossProduct lists every choice of one value per -set, as key=value
// lists, the last -set varying fastest.
func crossProduct(axes []setAxis) [][]string {
	out := [][]string{nil}
	for _, a := range axes {
		var next [][]string
		for _, prefix := range out {
			for _, v := range a.values {
				next = append(next, append(slices.Clone(prefix), a.key+"="+v))
			}
		}
		out = next
	}
	return out
}

// pairs lists the -set values value by value: the first of every list,
// then the second, ...; a -set of one value goes with each.
func pairs(axes []setAxis) [][]string {
	n := 1
	for _, a := range axes {
		n = max(n, len(a.values))
	}
	out := make([][]string, n)
	for i := range out {
		for _, a := range axes {
			out[i] = append(out[i], a.key+"="+a.values[min(i, len(a.values)-1)])
		}
	}
	return out
}

func variedValues(axes []setAxis, set []string) []string {
	var out []string
	for i, a := range axes {
		if a.varied() {
			_, v, _ := strings.Cut(set[i], "=")
			out = append(out, v)
		}
	}
	return out
}

// buildConfig applies a configuration to a clone of the scenario, as
// electsim run's -protocol and -set do, and builds its protocol once. A
// trial sim.New with the first seed checks the scenario against it.
func buildConfig(base *sim.Scenario, protocol string, set []string, seed uint64) (*sweepConfig, []string, error) {
	scn := base.Clone()
	over := overrides{protocol: protocol, params: set}
	if err := over.apply(scn); err != nil {
		return nil, nil, err
	}
	proto, warnings, err := protocols.ForScenario(scn)
	if err != nil {
		return nil, nil, err
	}
	if _, err := sim.New(scn, proto, seed); err != nil {
		return nil, nil, err
	}
	return &sweepConfig{protocol: protocol, set: set, scn: scn, proto: proto}, warnings, nil
}
