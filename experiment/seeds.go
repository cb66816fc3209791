package experiment

import (
	"fmt"
	"strconv"
	"strings"
)

// Seeds are an experiment's seeds, in the order given, and how they were
// written ("1-20").
type Seeds struct {
	Text string
	List []uint64
}

// ParseSeeds reads single seeds and inclusive ranges: "1-20", "1,2,7",
// "1-5,9". A seed given twice is an error.
func ParseSeeds(s string) (Seeds, error) {
	var seeds []uint64
	given := map[uint64]bool{}
	for item := range strings.SplitSeq(s, ",") {
		lo, hi, err := parseSeedItem(strings.TrimSpace(item))
		if err != nil {
			return Seeds{}, err
		}
		if hi-lo >= MaxRuns || len(seeds)+int(hi-lo) >= MaxRuns {
			return Seeds{}, fmt.Errorf("more than %d seeds", MaxRuns)
		}
		for seed := lo; ; seed++ {
			if given[seed] {
				return Seeds{}, fmt.Errorf("seed %d is given twice", seed)
			}
			given[seed] = true
			seeds = append(seeds, seed)
			if seed == hi {
				break
			}
		}
	}
	return Seeds{Text: s, List: seeds}, nil
}

// parseSeedItem reads "7" or "1-20".
func parseSeedItem(item string) (lo, hi uint64, err error) {
	loText, hiText, isRange := strings.Cut(item, "-")
	if !isRange {
		hiText = loText
	}
	lo, errLo := strconv.ParseUint(loText, 10, 64)
	hi, errHi := strconv.ParseUint(hiText, 10, 64)
	switch {
	case errLo != nil || errHi != nil:
		return 0, 0, fmt.Errorf("want seeds such as 1-20 or 1,2,7, got %q", item)
	case hi < lo:
		return 0, 0, fmt.Errorf("the range %s runs backwards", item)
	}
	return lo, hi, nil
}
