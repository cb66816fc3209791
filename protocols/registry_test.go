package protocols_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/example"
	"github.com/electsim/electsim/sim"
)

func scenario(t *testing.T, protocol string) *sim.Scenario {
	t.Helper()
	text := "name: t\nnodes: 3\nduration: 10s\nprotocol:\n" + protocol
	scn, err := sim.Parse("t.yaml", []byte(text))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return scn
}

func TestParametersAreCheckedAtTheirLine(t *testing.T) {
	for _, tc := range []struct {
		protocol string
		want     string
	}{
		{"  name: raft-ish\n", `t.yaml:5:3: protocol.name: unknown protocol "raft-ish"`},
		{"  name: example/beacon\n  intreval: 1s\n", `t.yaml:6:3: protocol.intreval: example/beacon has no parameter "intreval" (did you mean interval? it has: interval, timeout_min, timeout_max; electsim protocols example/beacon describes them)`},
		{"  name: example/beacon\n  interval: 100\n", `t.yaml:6:3: protocol.interval: want a duration with its unit`},
		{"  name: example/beacon\n  interval: 10 parsecs\n", `protocol.interval: want a duration such as "150ms"`},
		{"  name: example/beacon\n  interval: -1s\n", `protocol.interval: -1s is outside [1µs, 1h0m0s]`},
		{"  name: example/beacon\n  timeout_min: 2s\n  timeout_max: 1s\n", `t.yaml:7:3: protocol.timeout_max: is below timeout_min`},
		{"  name: example/ping\n  interval: true\n", `want a duration with its unit, such as "150ms" or "2s", got true`},
	} {
		_, _, err := protocols.ForScenario(scenario(t, tc.protocol))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("protocol block\n%s: error %v, want %q", tc.protocol, err, tc.want)
		}
	}
}

func TestDefaultsFillWhatIsLeftOut(t *testing.T) {
	spec, _ := protocols.Lookup("example/beacon")
	v, err := spec.Values(scenario(t, "  name: example/beacon\n  timeout_max: 900ms\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Duration("interval") != 100*time.Millisecond || v.Duration("timeout_max") != 900*time.Millisecond {
		t.Fatalf("interval %v (want the default 100ms), timeout_max %v (want the given 900ms)", v.Duration("interval"), v.Duration("timeout_max"))
	}
}

func TestEveryKindParses(t *testing.T) {
	params := []protocols.Param{
		{Name: "d", Kind: protocols.Duration, Default: time.Second},
		{Name: "b", Kind: protocols.Bool, Default: false},
		{Name: "i", Kind: protocols.Int, Default: int64(3), Min: 1, Max: 10},
		{Name: "f", Kind: protocols.Float, Default: 0.5, Min: 0, Max: 1},
		{Name: "e", Kind: protocols.Enum, Default: "send", Enum: []string{"send", "receipt"}},
	}
	protocols.Register(protocols.Spec{Name: "test/kinds", Params: params, Build: func(*protocols.Values) sim.Protocol { return sim.Protocol{} }})
	spec, _ := protocols.Lookup("test/kinds")
	v, err := spec.Values(scenario(t, "  name: test/kinds\n  d: 2s\n  b: true\n  i: 7\n  f: 1\n  e: receipt\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Duration("d") != 2*time.Second || !v.Bool("b") || v.Int("i") != 7 || v.Float("f") != 1 || v.String("e") != "receipt" {
		t.Fatalf("values %v %v %v %v %v", v.Duration("d"), v.Bool("b"), v.Int("i"), v.Float("f"), v.String("e"))
	}
	for _, bad := range []string{"  i: 2.5\n", "  i: 11\n", "  f: 2\n", "  e: later\n", "  b: 1\n", "  i: yes\n"} {
		if _, err := spec.Values(scenario(t, "  name: test/kinds\n"+bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestRegisterRejectsMistakes(t *testing.T) {
	build := func(*protocols.Values) sim.Protocol { return sim.Protocol{} }
	for name, spec := range map[string]protocols.Spec{
		"a duplicate name": {Name: "example/ping", Build: build},
		"no build":         {Name: "test/nobuild"},
		"a bad default":    {Name: "test/baddefault", Build: build, Params: []protocols.Param{{Name: "d", Kind: protocols.Duration, Default: 5}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register with %s did not panic", name)
				}
			}()
			protocols.Register(spec)
		}()
	}
}

func TestAllIsSortedByName(t *testing.T) {
	names := protocols.Names()
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Fatalf("names not sorted: %v", names)
		}
	}
}

// TestCarryKeepsTheParametersTheOtherProtocolHas: a scenario written for
// one protocol, run with another, keeps the parameters both have.
func TestCarryKeepsTheParametersTheOtherProtocolHas(t *testing.T) {
	build := func(*protocols.Values) sim.Protocol { return sim.Protocol{} }
	protocols.Register(protocols.Spec{Name: "test/carry-a", Build: build, Params: []protocols.Param{
		{Name: "heartbeat", Kind: protocols.Duration, Default: time.Second}, {Name: "prevote", Kind: protocols.Bool, Default: false}}})
	protocols.Register(protocols.Spec{Name: "test/carry-b", Build: build, Params: []protocols.Param{{Name: "heartbeat", Kind: protocols.Duration, Default: time.Second}}})
	from := sim.ProtocolSpec{Name: "test/carry-a", Params: map[string]any{"heartbeat": "50ms", "prevote": true}}
	for _, tc := range []struct {
		to   string
		want map[string]any
	}{
		{"test/carry-a", map[string]any{"heartbeat": "50ms", "prevote": true}},
		{"test/carry-b", map[string]any{"heartbeat": "50ms"}},
		{"test/nosuch", map[string]any{}},
	} {
		got := protocols.Carry(from, tc.to)
		if got.Name != tc.to || !reflect.DeepEqual(got.Params, tc.want) {
			t.Errorf("to %s: %+v, want params %v", tc.to, got, tc.want)
		}
	}
}

// TestALowerBoundAlone: a parameter with Min and no Max is bounded below
// only.
func TestALowerBoundAlone(t *testing.T) {
	protocols.Register(protocols.Spec{Name: "test/lower-bound", Build: func(*protocols.Values) sim.Protocol { return sim.Protocol{} },
		Params: []protocols.Param{{Name: "heartbeat", Kind: protocols.Duration, Default: 100 * time.Millisecond, Min: float64(time.Millisecond)}}})
	for value, want := range map[string]string{"1h": "", "500us": "500µs is below 1ms"} {
		scn, err := sim.Parse("t.yaml", []byte("name: t\nnodes: 3\nduration: 1s\nprotocol: {name: test/lower-bound, heartbeat: "+value+"}\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = protocols.ForScenario(scn)
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("heartbeat %s: %v, want %q", value, err, want)
		}
	}
}
