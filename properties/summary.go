package properties

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/electsim/electsim/sim"
)

// Bounds on the lists the summary prints; -json has them all.
const (
	maxLeadershipLines = 8
	maxFaultLines      = 8
)

// WriteSummary writes the report for people, a few lines per subject:
// the run, who led when, the acts, the faults and what each cost, and
// every property's verdict.
func (r *Report) WriteSummary(w io.Writer) {
	m := r.Metrics
	fmt.Fprintf(w, "scenario    %s (protocol %s, seed %d)\n", sim.Printable(r.Scenario), sim.Printable(r.Protocol), r.Seed)
	fmt.Fprintf(w, "run         %s of true time, %s, trace %s\n", readable(r.DurationNS), plural(r.Events, "event", "events"), r.TraceHash)
	r.writeLeaders(w)
	proposals := ""
	if n := m.ActsCommitted + m.ActsUncommitted; n > 0 {
		proposals = fmt.Sprintf(" (%d proposed: %d committed, %d not)", n, m.ActsCommitted, m.ActsUncommitted)
	}
	if m.Store == nil || m.ActsIssued > 0 { // with writers: all, the writes line says it
		fmt.Fprintf(w, "acts        %d issued%s, %d accepted, %d rejected, %d withheld, %d lost\n",
			m.ActsIssued, proposals, m.ActsAccepted, m.ActsRejected, m.ActsWithheld, m.ActsDropped)
	}
	fmt.Fprintf(w, "split brain %s, %s\n", readable(m.SplitBrainNS), plural(m.StaleActs, "stale act", "stale acts"))
	if st := m.Store; st != nil {
		conflicts := "" // last-write-wins keeps no siblings to count
		if st.Merge != "lww" {
			conflicts = ", " + plural(st.Conflicts, "conflict", "conflicts") + " resolved"
		}
		split := "" // with writers: all no leader writes
		if st.Writers != sim.WritersAll {
			split = fmt.Sprintf(", %d made in split brain", st.WritesLostInSplitBrain)
		}
		fmt.Fprintf(w, "writes      %d issued, %d acknowledged in time (%d not), %d of them lost (%d to clock skew%s)%s\n",
			st.WritesIssued, st.WritesAcked, st.WritesIssued-st.WritesAcked, st.WritesLost, st.WritesLostToSkew, split, conflicts)
	}
	if r.byWrites {
		fmt.Fprintf(w, "available   %.1f%% of %s (acknowledged within %s)\n", 100*m.Availability, plural(r.writes, "write", "writes"), sim.Human(r.actTimeout))
	} else {
		fmt.Fprintf(w, "available   %.1f%% of %s (an act accepted within %s)\n", 100*m.Availability, plural(r.actSlots, "act slot", "act slots"), sim.Human(r.actTimeout))
	}
	fmt.Fprintf(w, "messages    %d sent, %d dropped\n", m.MessagesSent, m.MessagesDropped)
	if len(r.UserMetrics) > 0 {
		var parts []string
		for _, name := range slices.Sorted(maps.Keys(r.UserMetrics)) {
			parts = append(parts, fmt.Sprintf("%s %s", name, strconv.FormatFloat(r.UserMetrics[name], 'g', 6, 64)))
		}
		fmt.Fprintf(w, "your metrics %s\n", strings.Join(parts, ", "))
	}
	r.writeFaults(w)
	r.writeProperties(w)
	if r.Error != "" {
		fmt.Fprintf(w, "run failed  %s\n", strings.TrimSpace(r.Error))
	}
}

// readable is sim.Human for a time in nanoseconds, as reports keep times.
func readable(ns int64) string { return sim.Human(time.Duration(ns)) }

// roles shows what a fault's roles resolved to: briefly where the fault
// names one node and a role became it ("crash n3" with "leader=n3" reads
// "crash n3 (leader)"), in full where it names several ("partition halves
// [n4 n2] [n3 n1 n5] (leader=n2)").
func roles(fault, role string) string {
	if role == "" {
		return fault
	}
	words := strings.Fields(fault)
	if len(words) == 2 && role == strings.SplitN(role, "=", 2)[0]+"="+words[1] {
		return fault + " (" + strings.SplitN(role, "=", 2)[0] + ")"
	}
	return fault + " (" + role + ")"
}

// plural writes a count and its noun: "0 changes", "1 change", "2 changes".
func plural[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// writeLeaders says who led when: the first leader, the changes, the
// leader at the end and the time without one, then each leadership.
func (r *Report) writeLeaders(w io.Writer) {
	m := r.Metrics
	if m.FirstLeaderNS < 0 {
		fmt.Fprintf(w, "leaders     none elected\n")
		return
	}
	end := "no leader at the end"
	if l := r.LeaderAtEnd; l != nil {
		end = fmt.Sprintf("%s leads gen %d at the end", l.Node, l.Gen)
	}
	without := fmt.Sprintf("%s without a leader", readable(m.LeaderlessNS))
	if m.LongestLeaderlessNS != m.LeaderlessNS {
		without += fmt.Sprintf(" (at most %s at a stretch)", readable(m.LongestLeaderlessNS))
	}
	fmt.Fprintf(w, "leaders     first at %s, %s after it; %s; %s\n",
		readable(m.FirstLeaderNS), plural(m.LeaderChanges, "change", "changes"), end, without)
	for i, l := range r.Leadership {
		if i == maxLeadershipLines {
			fmt.Fprintf(w, "            ... %d more (see -json)\n", r.LeadershipCount-int64(i))
			break
		}
		until := fmt.Sprintf("until %s (%s)", readable(l.ToNS), l.Ended)
		switch l.Ended {
		case EndedRunEnd:
			until = "to the end"
		case EndedReplaced:
			until = fmt.Sprintf("until %s, then in a newer generation", readable(l.ToNS))
		}
		fmt.Fprintf(w, "            %s %s leads gen %d, %s\n", readable(l.FromNS), l.Node, l.Gen, until)
	}
}

// writeFaults lists each fault with what it cost, the skipped ones, and,
// as warnings, the ones that changed nothing.
func (r *Report) writeFaults(w io.Writer) {
	writeList(w, "faults", len(r.Recoveries), func(i int) string {
		rec := r.Recoveries[i]
		return fmt.Sprintf("%s at %s: %s; %s", roles(rec.Fault, rec.Role), readable(rec.AtNS), newLeader(rec), recovered(rec))
	})
	writeList(w, "skipped", len(r.Skipped), func(i int) string {
		return fmt.Sprintf("%s at %s", r.Skipped[i].Fault, readable(r.Skipped[i].AtNS))
	})
	writeList(w, "warning", len(r.Ignored), func(i int) string {
		// "restart n2: n2 is up" reads "restart n2 at 3s changed nothing: n2 is up".
		what, why, _ := strings.Cut(r.Ignored[i].Fault, ": ")
		return fmt.Sprintf("%s at %s changed nothing: %s", what, readable(r.Ignored[i].AtNS), why)
	})
}

// writeList writes up to maxFaultLines lines under a label, then how many
// more -json has.
func writeList(w io.Writer, label string, n int, line func(i int) string) {
	for i := range min(n, maxFaultLines) {
		if i > 0 {
			label = ""
		}
		fmt.Fprintf(w, "%-11s %s\n", label, line(i))
	}
	if n > maxFaultLines {
		fmt.Fprintf(w, "            ... %d more (see -json)\n", n-maxFaultLines)
	}
}

func newLeader(rec Recovery) string {
	if rec.NewLeaderNS < 0 {
		return "no new leader"
	}
	return fmt.Sprintf("%s leads gen %d after %s", rec.NewLeader, rec.NewLeaderGen, readable(rec.NewLeaderNS))
}

func recovered(rec Recovery) string {
	if rec.RecoveryNS < 0 {
		return "no act issued after it was accepted"
	}
	return fmt.Sprintf("an act issued after it accepted after %s", readable(rec.RecoveryNS))
}

// writeProperties gives every property's verdict: the four every run
// checks, then the bounds and outcomes the scenario states, with their
// details.
func (r *Report) writeProperties(w io.Writer) {
	fmt.Fprintln(w, "properties")
	names := slices.Clone(Names)
	for _, name := range r.Expected {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, name := range names {
		p := r.Properties[name]
		if name == NoLostWrites && r.Metrics.Store == nil && !slices.Contains(r.Expected, name) {
			continue // without a store it holds by definition: -json still says so
		}
		verdict := "ok  "
		if !p.OK {
			verdict = "FAIL"
		}
		expected := " "
		if slices.Contains(r.Expected, name) {
			expected = "*"
		}
		fmt.Fprintf(w, "  %s %s %s", verdict, expected, name)
		// A property not judged (liveness in a run that ended inside its
		// bound) holds, but says why it could not be checked.
		if !p.OK || !slices.Contains(Names, name) || strings.HasPrefix(p.Detail, notJudged) {
			fmt.Fprintf(w, ": %s", p.Detail)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "  (* expected by the scenario)")
}
