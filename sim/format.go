package sim

import (
	"fmt"
	"strings"
	"time"
)

// FormatEvent writes an event on one line, for people reading the steps
// that led to a violation, one line per event:
//
//	#   1298  35.502000000s  resource  act-applied    n1's act in gen 1 accepted
func FormatEvent(r *Roster, e *Event) string {
	var b strings.Builder
	index := fmt.Sprintf("#%7d", e.Index)
	if e.Kind == KindLog {
		index = "        " // a log line has no index of its own
	}
	fmt.Fprintf(&b, "%s %15s  %-9s %-14s ", index, seconds(e.At), nameOrNetwork(r, e.Node), e.Kind)
	b.WriteString(eventDetail(r, e))
	if e.Role != "" {
		fmt.Fprintf(&b, "  (%s)", e.Role)
	}
	return strings.TrimRight(b.String(), " ")
}

func seconds(t Time) string {
	return fmt.Sprintf("%d.%09ds", int64(t)/int64(time.Second), int64(t)%int64(time.Second))
}

func nameOrNetwork(r *Roster, id NodeID) string {
	if id == NoNode {
		return "network"
	}
	return r.Name(id)
}

// eventDetail is what an event says beyond its node and kind.
func eventDetail(r *Roster, e *Event) string {
	switch e.Kind {
	case KindSend:
		return fmt.Sprintf("-> %s  %s", r.Name(e.Peer), describeMessage(e.Msg))
	case KindDeliver:
		return fmt.Sprintf("<- %s  %s", r.Name(e.Peer), describeMessage(e.Msg))
	case KindDrop:
		return fmt.Sprintf("-> %s  %s  lost: %s", r.Name(e.Peer), describeMessage(e.Msg), e.Tag)
	case KindTimer:
		return e.Tag
	case KindLead, KindStepDown, KindActWithheld:
		return fmt.Sprintf("gen %d", e.Gen)
	case KindActIssued:
		return strings.TrimSpace(fmt.Sprintf("gen %d, act %d %s", e.Gen, e.Value, e.Tag))
	case KindActCommitted:
		return fmt.Sprintf("%s's act %d in gen %d", r.Name(e.Peer), e.Value, e.Gen)
	case KindWrite:
		if e.Gen == 0 && e.Peer == e.Node {
			return fmt.Sprintf("write %d to %s", e.Value, e.Tag)
		}
		return fmt.Sprintf("write %d to %s: %s's act in gen %d", e.Value, e.Tag, r.Name(e.Peer), e.Gen)
	case KindWriteLost:
		return fmt.Sprintf("write %d (gen %d) acknowledged, not in the final merge: %s", e.Value, e.Gen, e.Tag)
	case KindDiskWrite:
		return fmt.Sprintf("durable after %v", time.Duration(e.Value))
	case KindActApplied:
		verdict := "rejected"
		if e.Accepted {
			verdict = "accepted"
		}
		return strings.TrimSpace(fmt.Sprintf("%s's act in gen %d %s %s", r.Name(e.Peer), e.Gen, verdict, e.Tag))
	case KindCrash:
		var parts []string
		if e.Gen != 0 {
			parts = append(parts, fmt.Sprintf("ends its belief in gen %d", e.Gen))
		}
		if e.Value > 0 {
			parts = append(parts, fmt.Sprintf("lost %d write(s) not yet durable", e.Value))
		}
		return strings.Join(parts, "; ")
	case KindPause:
		return fmt.Sprintf("for %v", time.Duration(e.Value))
	case KindClockStep:
		return fmt.Sprintf("wall clock by %v", time.Duration(e.Value))
	case KindDrift:
		return fmt.Sprintf("%.3f ppm", float64(e.Value)/1000)
	}
	return e.Tag
}

// describeMessage shows a message by its own String method, or as its type
// and fields: sim.Act{Gen:2}.
func describeMessage(m Message) string {
	return DescribeMessage(m)
}

// Human writes a duration for people: rounded to three significant
// digits, then written as time.Duration writes it: "412ms", "5.47s",
// "1m25.7s", "400µs", "1ns", "0s", "-2.5s". Halves round away from zero,
// so 999.6ms reads "1s". Clocks that drift put nanoseconds of noise on
// every time they touch (5.472000002s); -json keeps the exact values.
// Every duration the summary, the checkers' details and the timeline
// show goes through Human.
func Human(d time.Duration) string { return roundSignificant(d, 3).String() }

// roundSignificant rounds d to its digits most significant decimal digits
// of nanoseconds. Where rounding up would overflow a Duration (within 0.1%
// of 292 years), it truncates instead.
func roundSignificant(d time.Duration, digits int) time.Duration {
	limit := time.Duration(1)
	for range digits {
		limit *= 10
	}
	unit := time.Duration(1)
	for d/unit >= limit || d/unit <= -limit {
		unit *= 10
	}
	if r := d.Round(unit); r%unit == 0 {
		return r
	}
	return d.Truncate(unit) // Round saturated
}
