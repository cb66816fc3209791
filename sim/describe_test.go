package sim_test

import (
	"testing"

	"github.com/electsim/electsim/sim"
)

type inner struct {
	Version uint64
	Members []int
}

type withPointer struct {
	Membership *inner
	Tags       map[string]int
	Next       *withPointer
}

// TestDescribeMessageReadsTheSameEveryRun: a message with pointers and a
// map reads by what they hold, not by addresses or map order, which %+v
// would print and which differ from run to run.
func TestDescribeMessageReadsTheSameEveryRun(t *testing.T) {
	for _, c := range []struct {
		msg  sim.Message
		want string
	}{
		{withPointer{Membership: &inner{Version: 2, Members: []int{1, 3}}, Tags: map[string]int{"b": 2, "a": 1}},
			"sim_test.withPointer{Membership:&{Version:2 Members:[1 3]} Tags:map[a:1 b:2] Next:<nil>}"},
		{inner{Version: 3}, "sim_test.inner{Version:3 Members:[]}"},
		{"ping", "string(ping)"},
		{nil, "<nil>"},
	} {
		if got := sim.DescribeMessage(c.msg); got != c.want {
			t.Errorf("DescribeMessage(%#v) = %q, want %q", c.msg, got, c.want)
		}
	}
	loop := &withPointer{}
	loop.Next = loop // a message that refers to itself still ends
	if got := sim.DescribeMessage(loop); len(got) > 400 {
		t.Errorf("a self-referring message reads %d bytes: %q", len(got), got)
	}
}
