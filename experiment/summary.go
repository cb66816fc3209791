package experiment

import (
	"slices"

	"github.com/electsim/electsim/properties"
)

// Summary sums up the runs of one configuration at one point. The metrics
// are over the measured runs, those that reached their end (a violation
// does not stop a run); they are zero when none did.
type Summary struct {
	Runs     int `json:"runs"`
	Failed   int `json:"failed"`
	Violated int `json:"violated"` // runs that broke an expected property
	// ViolatedProperties counts the runs that broke each property.
	ViolatedProperties map[string]int `json:"violated_properties"`
	Measured           int            `json:"measured"`
	AvailabilityMean   float64        `json:"availability_mean"`
	AvailabilityMin    float64        `json:"availability_min"`
	SplitBrainMeanNS   int64          `json:"split_brain_mean_ns"`
	SplitBrainMaxNS    int64          `json:"split_brain_max_ns"`
	StaleActsMean      float64        `json:"stale_acts_mean"`
	LeaderChangesMean  float64        `json:"leader_changes_mean"`
	// FirstLeaderMeanNS is over the measured runs that elected a leader,
	// -1 when none did; NoLeaderRuns counts those that did not.
	FirstLeaderMeanNS int64 `json:"first_leader_mean_ns"`
	NoLeaderRuns      int   `json:"no_leader_runs"`
	// LeaderlessMeanNS is the mean time without a leader once the first
	// was elected (leaderless_ns), over the runs that elected one; -1 when
	// none did. A run that never elected has no such time: the wait for
	// the first leader is FirstLeaderMeanNS's.
	LeaderlessMeanNS int64 `json:"leaderless_mean_ns"`
	// NewLeader sums up the time to a new leader over every fault of the
	// measured runs that was followed by one (NewLeaderFaults of them);
	// NoNewLeaderFaults counts those that were not. -1 when none was.
	NewLeaderFaults   int `json:"new_leader_faults"`
	NoNewLeaderFaults int `json:"no_new_leader_faults"`
	// SkippedFaults counts the faults skipped for a role nobody held (a
	// crash of the leader when there was none): no trial at all.
	SkippedFaults     int   `json:"skipped_faults"`
	NewLeaderMedianNS int64 `json:"new_leader_median_ns"`
	NewLeaderMeanNS   int64 `json:"new_leader_mean_ns"`
	NewLeaderMaxNS    int64 `json:"new_leader_max_ns"`
	// Store sums up what the measured runs with a replicated store cost
	// in data; absent when none had one.
	Store *StoreSummary `json:"store,omitempty"`
}

// StoreSummary is the data a configuration lost at one point: means over
// the measured runs with a store (properties.StoreMetrics).
type StoreSummary struct {
	Runs            int     `json:"runs"`
	WritesAckedMean float64 `json:"writes_acked_mean"`
	WritesLostMean  float64 `json:"writes_lost_mean"`
	WritesLostMax   int64   `json:"writes_lost_max"`
	LostToSkewMean  float64 `json:"writes_lost_to_skew_mean"`
	LostInSplitMean float64 `json:"writes_lost_in_split_brain_mean"`
	ConflictsMean   float64 `json:"conflicts_mean"`
	// LostShareMean is the mean share of acknowledged writes lost, 0..1.
	LostShareMean float64 `json:"lost_share_mean"`
}

// add counts one run's store metrics in the sums; finish turns them into
// means.
func (s *StoreSummary) add(m *properties.StoreMetrics) {
	s.Runs++
	s.WritesAckedMean += float64(m.WritesAcked)
	s.WritesLostMean += float64(m.WritesLost)
	s.WritesLostMax = max(s.WritesLostMax, m.WritesLost)
	s.LostToSkewMean += float64(m.WritesLostToSkew)
	s.LostInSplitMean += float64(m.WritesLostInSplitBrain)
	s.ConflictsMean += float64(m.Conflicts)
	if m.WritesAcked > 0 {
		s.LostShareMean += float64(m.WritesLost) / float64(m.WritesAcked)
	}
}

func (s *StoreSummary) finish() {
	n := float64(s.Runs)
	s.WritesAckedMean /= n
	s.WritesLostMean /= n
	s.LostToSkewMean /= n
	s.LostInSplitMean /= n
	s.ConflictsMean /= n
	s.LostShareMean /= n
}

// Summarize sums rows up.
func Summarize(runs []Row) Summary {
	s := Summary{Runs: len(runs), ViolatedProperties: map[string]int{}, FirstLeaderMeanNS: -1}
	var availability, staleActs, changes float64
	var splitBrainNS, firstLeaderNS, elected, leaderlessNS int64
	var newLeader []int64
	for _, r := range runs {
		if len(r.Violated) > 0 {
			s.Violated++
		}
		for _, name := range r.Violated {
			s.ViolatedProperties[name]++
		}
		if r.Failed() || r.Metrics == nil {
			s.Failed++
			continue
		}
		m := r.Metrics
		if s.Measured == 0 || m.Availability < s.AvailabilityMin {
			s.AvailabilityMin = m.Availability
		}
		s.Measured++
		availability += m.Availability
		splitBrainNS += m.SplitBrainNS
		s.SplitBrainMaxNS = max(s.SplitBrainMaxNS, m.SplitBrainNS)
		staleActs += float64(m.StaleActs)
		if m.Store != nil {
			if s.Store == nil {
				s.Store = &StoreSummary{}
			}
			s.Store.add(m.Store)
		}
		changes += float64(m.LeaderChanges)
		for _, rec := range r.Recoveries {
			if rec.NewLeaderNS < 0 {
				s.NoNewLeaderFaults++
			} else {
				newLeader = append(newLeader, rec.NewLeaderNS)
			}
		}
		s.SkippedFaults += len(r.Skipped)
		if m.FirstLeaderNS < 0 {
			s.NoLeaderRuns++
		} else {
			firstLeaderNS += m.FirstLeaderNS
			leaderlessNS += m.LeaderlessNS
			elected++
		}
	}
	if s.Measured > 0 {
		n := float64(s.Measured)
		s.AvailabilityMean, s.StaleActsMean, s.LeaderChangesMean = availability/n, staleActs/n, changes/n
		s.SplitBrainMeanNS = splitBrainNS / int64(s.Measured)
	}
	s.LeaderlessMeanNS = -1
	if elected > 0 {
		s.FirstLeaderMeanNS = firstLeaderNS / elected
		s.LeaderlessMeanNS = leaderlessNS / elected
	}
	if s.Store != nil {
		s.Store.finish()
	}
	s.summarizeNewLeader(newLeader)
	return s
}

// summarizeNewLeader takes the median, mean and maximum of the times to a
// new leader.
func (s *Summary) summarizeNewLeader(times []int64) {
	s.NewLeaderFaults = len(times)
	s.NewLeaderMedianNS, s.NewLeaderMeanNS, s.NewLeaderMaxNS = -1, -1, -1
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	var sum int64
	for _, t := range times {
		sum += t
	}
	mid := len(times) / 2
	s.NewLeaderMedianNS = times[mid]
	if len(times)%2 == 0 {
		s.NewLeaderMedianNS = (times[mid-1] + times[mid]) / 2
	}
	s.NewLeaderMeanNS, s.NewLeaderMaxNS = sum/int64(len(times)), times[len(times)-1]
}

// Group is the rows of one configuration at one point, in seed order, and
// their summary.
type Group struct {
	Config, Point int
	Rows          []Row
	Summary       Summary
}

// Groups sorts rows of this experiment into its configurations and points,
// in the experiment's order; each group's rows go in the order of the
// seeds. A row of another experiment, or of a configuration or point it
// does not have, is left out. Groups with no row are left out too (a shard,
// an interrupted sweep).
func (e *Experiment) Groups(rows []Row) []Group {
	index := map[Key]int{}
	for i := range e.Runs() {
		index[e.JobKey(e.Job(i))] = i
	}
	byRun := make([]*Row, e.Runs())
	for i := range rows {
		if r := &rows[i]; r.Experiment == e.Hash {
			if at, ok := index[r.Key()]; ok {
				byRun[at] = r
			}
		}
	}
	var groups []Group
	n := len(e.Seeds.List)
	for start := 0; start < len(byRun); start += n {
		j := e.Job(start)
		g := Group{Config: j.Config, Point: j.Point}
		for _, r := range byRun[start : start+n] {
			if r != nil {
				g.Rows = append(g.Rows, *r)
			}
		}
		if len(g.Rows) > 0 {
			g.Summary = Summarize(g.Rows)
			groups = append(groups, g)
		}
	}
	return groups
}
