package sim_test

import (
	"fmt"
	"time"

	"pgregory.net/rapid"

	"github.com/electsim/electsim/network"
	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/protocols/example"
	_ "github.com/electsim/electsim/protocols/generation"
	_ "github.com/electsim/electsim/protocols/lease"
	_ "github.com/electsim/electsim/protocols/raft"
	_ "github.com/electsim/electsim/protocols/routing"
	"github.com/electsim/electsim/sim"
)

// drawProtocol picks a protocol with drawn parameters: the kernel's test
// protocols, and the real ones through the registry, so that determinism
// is held to for every protocol the project ships. It returns the
// scenario's protocol block with the protocol it builds.
func drawProtocol(t *rapid.T) (sim.ProtocolSpec, sim.Protocol) {
	ms := func(label string, lo, hi int) time.Duration {
		return time.Duration(rapid.IntRange(lo, hi).Draw(t, label)) * time.Millisecond
	}
	flag := func(name string) bool { return rapid.Bool().Draw(t, name) }
	var spec sim.ProtocolSpec
	switch name := rapid.SampledFrom([]string{"beacon", "ping", "counter", "raft", "routing", "lease", "generation"}).Draw(t, "protocol"); name {
	case "beacon":
		lo := ms("timeout_min", 20, 300)
		p := example.Beacon(example.BeaconConfig{Interval: ms("interval", 5, 100), TimeoutMin: lo, TimeoutMax: lo + ms("spread", 0, 300)})
		return sim.ProtocolSpec{Name: p.Name}, p
	case "ping":
		p := example.Ping(ms("interval", 20, 200))
		return sim.ProtocolSpec{Name: p.Name}, p
	case "counter":
		p := example.Counter(ms("tick", 5, 100))
		return sim.ProtocolSpec{Name: p.Name}, p
	case "raft", "routing":
		spec = sim.ProtocolSpec{Name: name, Params: map[string]any{
			"prevote": flag("prevote"), "check_quorum": flag("check_quorum"), "leader_lease": flag("leader_lease"),
			"persist": flag("persist"), "election_timeout_min": "300ms", "election_timeout_max": "600ms",
		}}
	case "lease":
		spec = sim.ProtocolSpec{Name: name, Params: map[string]any{
			"ttl": "1s", "fenced": flag("fenced"), "act_check": flag("act_check"),
			"deadline_from": rapid.SampledFrom([]string{"receipt", "send"}).Draw(t, "deadline_from"),
		}}
	default:
		spec = sim.ProtocolSpec{Name: name, Params: map[string]any{"persist": flag("persist")}}
	}
	p, _, err := protocols.ForScenario(&sim.Scenario{Protocol: spec})
	if err != nil {
		t.Fatalf("protocol %v: %v", spec, err)
	}
	return spec, p
}

func nodeName(i int) string { return fmt.Sprintf("n%d", i) }

// drawScenario draws a valid scenario that uses every part of the kernel:
// latency models, loss, duplication, reordering, link overrides, drifting
// and offset clocks, jitter, fencing, scripted faults of every kind and a
// nemesis.
func drawScenario(t *rapid.T, protocol sim.ProtocolSpec) *sim.Scenario {
	nodes := rapid.IntRange(1, 7).Draw(t, "nodes")
	duration := time.Duration(rapid.IntRange(200, 3000).Draw(t, "duration ms")) * time.Millisecond
	s := &sim.Scenario{
		Name: "drawn", Nodes: nodes, Duration: duration,
		Protocol: protocol,
		Workload: sim.Workload{
			ActEvery: time.Duration(rapid.IntRange(1, 200).Draw(t, "act_every ms")) * time.Millisecond,
			Jitter:   rapid.SampledFrom([]float64{0, 0.1, 0.5}).Draw(t, "jitter"),
		},
		Network: sim.NetworkSpec{
			Latency:   drawLatency(t),
			Loss:      rapid.SampledFrom([]float64{0, 0, 0.05, 0.3}).Draw(t, "loss"),
			Duplicate: rapid.SampledFrom([]float64{0, 0, 0.1}).Draw(t, "duplicate"),
			Reorder:   rapid.Bool().Draw(t, "reorder"),
		},
		Clocks: sim.Clocks{
			DriftPPM:       rapid.SampledFrom([]float64{0, 50, -200}).Draw(t, "drift"),
			RandomDriftPPM: rapid.SampledFrom([]float64{0, 100, 10000}).Draw(t, "random drift"),
			RandomOffset:   rapid.SampledFrom([]time.Duration{0, time.Second}).Draw(t, "random offset"),
		},
		Resource: sim.ResourceSpec{Fencing: rapid.SampledFrom([]string{"", sim.FencingGeneration}).Draw(t, "fencing")},
	}
	if nodes >= 2 && rapid.Bool().Draw(t, "link override") {
		loss := 0.5
		s.Network.Links = []sim.LinkOverride{{From: "n1", To: "n2", Both: true, Loss: &loss}}
	}
	s.Faults = drawFaults(t, nodes, duration)
	s.Boot = drawBoot(t, nodes, duration)
	if rapid.Bool().Draw(t, "disk") {
		l := drawLatency(t)
		s.Disk.Latency = &l
		if rapid.Bool().Draw(t, "a disk of its own") {
			s.Disk.Nodes = map[string]network.Latency{"n1": network.Uniform(0, 20*time.Millisecond)}
		}
	}
	if rapid.Bool().Draw(t, "nemesis") {
		s.Nemesis = &sim.Nemesis{
			Interval: time.Duration(rapid.IntRange(20, 500).Draw(t, "nemesis interval ms")) * time.Millisecond,
			Kinds:    rapid.SliceOfNDistinct(rapid.SampledFrom(sim.NemesisKinds), 1, len(sim.NemesisKinds), rapid.ID).Draw(t, "nemesis kinds"),
			Quiet:    duration / 4,
			MaxFor:   duration / 3,
			MinFor:   time.Millisecond,
		}
		if rapid.Bool().Draw(t, "nemesis aims at roles") {
			s.Nemesis.Targets = []string{sim.RoleLeader, sim.RoleFollower, sim.RoleAny, "n1"}
		}
	}
	return s
}

func drawLatency(t *rapid.T) network.Latency {
	ms := time.Millisecond
	return rapid.SampledFrom([]network.Latency{
		network.Constant(ms),
		network.Uniform(ms, 10*ms),
		{Dist: "normal", Mean: 5 * ms, Stddev: 3 * ms},
		{Dist: "exponential", Mean: 3 * ms, Min: ms},
		{Dist: "lognormal", Median: 2 * ms, Sigma: 0.8},
		{Dist: "pareto", Min: ms, Alpha: 1.5, Max: 200 * ms},
	}).Draw(t, "latency")
}

// drawBoot starts some participants late, at a time or a drawn range.
func drawBoot(t *rapid.T, nodes int, duration time.Duration) map[string]sim.Span {
	boot := map[string]sim.Span{}
	for i := 1; i <= nodes; i++ {
		if rapid.IntRange(0, 3).Draw(t, "boots late") == 0 {
			boot[nodeName(i)] = drawSpan(t, "boot", 0, duration-1)
		}
	}
	return boot
}

// drawSpan draws a time in [lo, hi], or a range within it.
func drawSpan(t *rapid.T, label string, lo, hi time.Duration) sim.Span {
	a := time.Duration(rapid.Int64Range(int64(lo), int64(hi)).Draw(t, label))
	if rapid.IntRange(0, 3).Draw(t, label+" is a range") > 0 {
		return sim.Fixed(a)
	}
	return sim.Between(a, time.Duration(rapid.Int64Range(int64(a), int64(hi)).Draw(t, label+" up to")))
}

// drawFaults draws scripted faults of every kind at times inside the run,
// at fixed times or ranges, naming nodes or roles.
func drawFaults(t *rapid.T, nodes int, duration time.Duration) []sim.Fault {
	count := rapid.IntRange(0, 8).Draw(t, "faults")
	plain := func(label string) string { return nodeName(rapid.IntRange(1, nodes).Draw(t, label)) }
	// node names a participant, or one of the roles that stand for one.
	node := func(label string) string {
		if rapid.IntRange(0, 2).Draw(t, label+" is a role") > 0 {
			return plain(label)
		}
		return rapid.SampledFrom([]string{sim.RoleLeader, sim.RoleFollower, sim.RoleAny}).Draw(t, label+" role")
	}
	kinds := []string{"crash", "restart", "pause", "clock_step", "drift", "heal", "cut", "link", "groups", "role groups"}
	if nodes >= 2 {
		kinds = append(kinds, "halves", "random-halves", "isolate")
	}
	if nodes >= 3 {
		kinds = append(kinds, "bridge")
	}
	if nodes >= 4 {
		kinds = append(kinds, "majorities-ring")
	}
	var out []sim.Fault
	for range count {
		f := sim.Fault{At: drawSpan(t, "at", 0, duration-1)}
		switch kind := rapid.SampledFrom(kinds).Draw(t, "kind"); kind {
		case "crash":
			f.Crash = node("node")
			if rapid.Bool().Draw(t, "restarted") {
				f.For = drawSpan(t, "for", 1, duration)
			}
		case "restart":
			f.Restart = rapid.SampledFrom([]string{plain("node"), sim.RoleCrashed}).Draw(t, "restart")
		case "pause":
			f.Pause = &sim.Pause{Node: node("node"), For: drawSpan(t, "for", time.Millisecond, 2*time.Second)}
		case "clock_step":
			f.ClockStep = &sim.ClockStep{Node: node("node"), By: time.Duration(rapid.IntRange(-2000, 2000).Draw(t, "by ms")) * time.Millisecond}
		case "drift":
			f.Drift = &sim.DriftChange{Node: node("node"), PPM: float64(rapid.IntRange(-100000, 100000).Draw(t, "ppm"))}
		case "heal":
			f.Heal = true
		case "cut":
			f.Cut = &sim.Cut{From: []string{node("from")}, To: []string{rapid.SampledFrom([]string{plain("to"), sim.RoleFollowers}).Draw(t, "to")}}
			if f.Cut.From[0] == f.Cut.To[0] {
				f.Cut.To[0] = sim.ResourceName
			}
			if rapid.IntRange(0, 3).Draw(t, "two draws") == 0 {
				// Whether the second draw has a node left depends on the
				// first: a skip that a replay must draw the same way.
				f.Cut = &sim.Cut{From: []string{sim.RoleAny, sim.RoleFollower}, To: []string{sim.ResourceName}}
			}
		case "link":
			loss := rapid.Float64Range(0, 1).Draw(t, "link loss")
			f.Link = &sim.LinkOverride{From: node("from"), To: sim.ResourceName, Loss: &loss}
		case "groups":
			groups := make([][]string, 2)
			for i := 1; i <= nodes; i++ {
				side := rapid.IntRange(0, 1).Draw(t, "side")
				groups[side] = append(groups[side], nodeName(i))
			}
			f.Partition = &sim.Partition{Groups: groups, Place: map[string]string{sim.ResourceName: "n1"}}
		case "role groups":
			f.Partition = &sim.Partition{Groups: [][]string{{sim.RoleLeader}, {sim.RoleFollowers}}, Place: map[string]string{sim.ResourceName: node("with")}}
		case "isolate":
			f.Partition = &sim.Partition{Shape: kind, Node: node("node")}
		default:
			f.Partition = &sim.Partition{Shape: kind}
			if places := leaderPlaces(kind, nodes); len(places) > 0 && rapid.Bool().Draw(t, "place the leader") {
				f.Partition.Leader = rapid.SampledFrom(places).Draw(t, "leader")
			}
		}
		out = append(out, f)
	}
	return out
}

// leaderPlaces are the places a shape can put the leader in, for a
// cluster of that size.
func leaderPlaces(shape string, nodes int) []string {
	switch {
	case shape == sim.ShapeBridge:
		return []string{sim.LeaderAtBridge, sim.LeaderOnSide}
	case (shape == sim.ShapeHalves || shape == sim.ShapeRandomHalves) && nodes%2 == 1:
		return []string{sim.LeaderOnMinority, sim.LeaderOnMajority}
	}
	return nil
}
