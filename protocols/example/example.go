// Package example holds three small protocols that exercise the kernel and
// the checkers. None of them is a real election protocol, and beacon is
// deliberately unsafe.
//
//   - example/ping: every participant pings every other one at an interval
//     and answers pings; nobody leads. A message-heavy load for benchmarks.
//   - example/beacon: a participant that hears no beacon for a randomized
//     timeout claims leadership of the highest generation it has seen plus
//     one and beacons it. There is no quorum, so a partition gives two
//     leaders, and two claims at once give two leaders of one generation:
//     the checkers must catch both.
//   - example/counter: every node counts its boots in durable storage and
//     its ticks in memory; n1 leads the generation of its boot count. It
//     shows what a crash keeps (storage) and loses (everything else).
package example

import (
	"time"

	"github.com/electsim/electsim/protocols"
	"github.com/electsim/electsim/sim"
)

func init() {
	protocols.Register(protocols.Spec{
		Name: "example/ping",
		Doc:  "every participant pings every other one; nobody leads (a load for benchmarks)",
		Params: []protocols.Param{
			{Name: "interval", Kind: protocols.Duration, Default: 100 * time.Millisecond, Doc: "time between pings", Min: float64(time.Microsecond), Max: float64(time.Hour)},
		},
		Build: func(v *protocols.Values) sim.Protocol {
			return Ping(v.Duration("interval"))
		},
	})
	protocols.Register(protocols.Spec{
		Name: "example/beacon",
		Doc:  "claim leadership after a silence, beacon it, defer to higher generations (unsafe: no quorum)",
		Params: []protocols.Param{
			{Name: "interval", Kind: protocols.Duration, Default: 100 * time.Millisecond, Doc: "time between a leader's beacons", Min: float64(time.Microsecond), Max: float64(time.Hour)},
			{Name: "timeout_min", Kind: protocols.Duration, Default: 300 * time.Millisecond, Doc: "shortest silence before claiming", Min: float64(time.Microsecond), Max: float64(time.Hour)},
			{Name: "timeout_max", Kind: protocols.Duration, Default: 600 * time.Millisecond, Doc: "longest silence before claiming", Min: float64(time.Microsecond), Max: float64(time.Hour)},
		},
		Check: func(v *protocols.Values) error {
			if v.Duration("timeout_max") < v.Duration("timeout_min") {
				return v.Errorf("timeout_max", "is below timeout_min")
			}
			return nil
		},
		Build: func(v *protocols.Values) sim.Protocol {
			return Beacon(BeaconConfig{Interval: v.Duration("interval"), TimeoutMin: v.Duration("timeout_min"), TimeoutMax: v.Duration("timeout_max")})
		},
	})
	protocols.Register(protocols.Spec{
		Name: "example/counter",
		Doc:  "count boots in storage and ticks in memory; n1 leads the generation of its boot count",
		Params: []protocols.Param{
			{Name: "tick", Kind: protocols.Duration, Default: 100 * time.Millisecond, Doc: "time between ticks", Min: float64(time.Microsecond), Max: float64(time.Hour)},
		},
		Build: func(v *protocols.Values) sim.Protocol { return Counter(v.Duration("tick")) },
	})
}
