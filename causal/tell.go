package causal

import (
	"fmt"
	"slices"
	"time"

	"github.com/electsim/electsim/sim"
)

// teller words the events of a story.
type teller struct {
	roster *sim.Roster
	target Target
}

func (t teller) name(id sim.NodeID) string {
	if id == sim.NoNode {
		return "the network"
	}
	return t.roster.Name(id)
}

// tell says what an event means; story is the whole story, for the
// promises that contradict an earlier one.
func (t teller) tell(e sim.Event, story []sim.Event) string {
	n, p := t.name(e.Node), t.name(e.Peer)
	switch e.Kind {
	case sim.KindLead:
		return fmt.Sprintf("%s believes it leads generation %d", n, e.Gen)
	case sim.KindStepDown:
		return fmt.Sprintf("%s steps down from generation %d", n, e.Gen)
	case sim.KindActIssued:
		return fmt.Sprintf("%s acts in generation %d%s", n, e.Gen, firstNote(e, t.target))
	case sim.KindActWithheld:
		return fmt.Sprintf("%s holds back an act in generation %d (its own check at act time)", n, e.Gen)
	case sim.KindActCommitted:
		if e.Peer == e.Node {
			p = "its own"
		} else {
			p += "'s"
		}
		return fmt.Sprintf("%s commits %s act in generation %d", n, p, e.Gen)
	case sim.KindActApplied:
		if e.Tag == sim.ActAcked {
			return fmt.Sprintf("the store acknowledges %s's write of generation %d at %s: W replicas hold it%s", p, e.Gen, n, firstNote(e, t.target))
		}
		verdict := "rejects"
		if e.Accepted {
			verdict = "accepts"
		}
		if n != "resource" {
			n = "the resource (" + n + ")"
		} else {
			n = "the resource"
		}
		return fmt.Sprintf("%s %s %s's act in generation %d%s", n, verdict, p, e.Gen, firstNote(e, t.target))
	case sim.KindWrite:
		return fmt.Sprintf("%s writes %s's act in generation %d to the store (write %d, %s)", n, p, e.Gen, e.Value, e.Tag)
	case sim.KindWriteLost:
		return fmt.Sprintf("the final merge of the replicas has lost %s's write %d of generation %d: %s", n, e.Value, e.Gen, e.Tag)
	case sim.KindDeliver:
		return t.promise(e, story)
	case sim.KindLog:
		return fmt.Sprintf("%s notes: %s", n, e.Tag)
	}
	return t.fault(e)
}

// firstNote marks an act the story keeps as the first of its kind.
func firstNote(e sim.Event, target Target) string {
	if slices.Contains(target.Events, e.Index) {
		return ""
	}
	return " (its first there)"
}

// promise words a promise's delivery, and says when its sender had made
// another node the same promise, or led that generation itself, and
// whether it restarted in between.
func (t teller) promise(e sim.Event, story []sim.Event) string {
	gen, _ := promised(e.Msg)
	text := fmt.Sprintf("%s receives %s's promise in generation %d: %s (sent at %s)",
		t.name(e.Node), t.name(e.Peer), gen, sim.DescribeMessage(e.Msg), sim.HumanTime(sim.Time(e.Value)))
	if before := contradicted(story, e, gen); before != nil {
		if before.Kind == sim.KindLead {
			text += fmt.Sprintf("; %s had led generation %d itself (#%d)", t.name(e.Peer), gen, before.Index)
		} else {
			text += fmt.Sprintf("; %s had promised generation %d to %s (#%d)", t.name(e.Peer), gen, t.name(before.Node), before.Index)
		}
		if r := restartBetween(story, e.Peer, before.Index, e.Index); r != nil {
			text += fmt.Sprintf(", and its restart (#%d) lost that", r.Index)
		}
	}
	return text
}

// contradicted finds the earlier event of the story that the promise e, in
// gen, contradicts: its sender's promise of gen to another node, or its
// sender's own leadership of gen.
func contradicted(story []sim.Event, e sim.Event, gen sim.Generation) *sim.Event {
	for i := range story {
		other := &story[i]
		if other.Index >= e.Index {
			break
		}
		if other.Kind == sim.KindLead && other.Node == e.Peer && other.Gen == gen {
			return other
		}
		g, ok := promised(other.Msg)
		if other.Kind == sim.KindDeliver && ok && g == gen && other.Peer == e.Peer && other.Node != e.Node {
			return other
		}
	}
	return nil
}

// restartBetween finds a restart of node between two events of the story.
func restartBetween(story []sim.Event, node sim.NodeID, from, to int64) *sim.Event {
	for i := range story {
		if e := &story[i]; e.Kind == sim.KindRestart && e.Node == node && e.Index > from && e.Index < to {
			return e
		}
	}
	return nil
}

// fault words a fault, a late boot or a node leaving service.
func (t teller) fault(e sim.Event) string {
	n := t.name(e.Node)
	switch e.Kind {
	case sim.KindCrash:
		text := fmt.Sprintf("%s crashes: what it kept only in memory is lost", n)
		if e.Value > 0 {
			text += fmt.Sprintf(", and %d write(s) not yet durable", e.Value)
		}
		return text
	case sim.KindRestart:
		return fmt.Sprintf("%s restarts from its storage alone", n)
	case sim.KindPause:
		return fmt.Sprintf("%s is paused for %s: it runs nothing, its clock runs on", n, sim.Human(time.Duration(e.Value)))
	case sim.KindResume:
		return fmt.Sprintf("%s resumes: what came meanwhile runs now, on the state from before", n)
	case sim.KindClockStep:
		return fmt.Sprintf("%s's wall clock steps by %s", n, sim.Human(time.Duration(e.Value)))
	case sim.KindDrift:
		return fmt.Sprintf("%s's clock drift becomes %+.0f ppm", n, float64(e.Value)/1000)
	case sim.KindBoot:
		return fmt.Sprintf("%s boots", n)
	case sim.KindOutOfService:
		return fmt.Sprintf("%s takes itself out of service: %s", n, e.Tag)
	case sim.KindHeal:
		return "the network heals"
	case sim.KindFaultIgnored:
		return fmt.Sprintf("a fault changed nothing: %s", e.Tag)
	}
	return fmt.Sprintf("%s: %s %s", n, e.Kind, e.Tag)
}
