package experiment

import (
	"cmp"
	"fmt"
	"slices"
)

// Results are the rows of one results file.
type Results struct {
	Name string
	Rows []Row
}

// Merge combines the rows of results files, the shards of one experiment:
// every row must be of one experiment, and no run may come twice. The rows
// come back in the experiment's order, so that the merged shards of a
// sweep and the sweep run whole give the same file.
func Merge(files []Results) ([]Row, error) {
	var out []Row
	hash, from := "", ""
	seen := map[Key]string{}
	for _, f := range files {
		for i, r := range f.Rows {
			switch {
			case hash == "":
				hash, from = r.Experiment, f.Name
			case r.Experiment != hash:
				return nil, fmt.Errorf("%s: row %d is of experiment %s, %s of %s: not shards of one experiment", f.Name, i+1, r.Experiment, from, hash)
			}
			k := r.Key()
			if other, ok := seen[k]; ok {
				return nil, fmt.Errorf("%s: row %d (%s %s seed %d) is also in %s", f.Name, i+1, k.Config, k.Point, k.Seed, other)
			}
			seen[k] = f.Name
			out = append(out, r)
		}
	}
	SortRows(out)
	return out, nil
}

// SortRows sorts rows in the experiment's order: configuration, point,
// seed.
func SortRows(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.ConfigIndex, b.ConfigIndex), cmp.Compare(a.PointIndex, b.PointIndex), cmp.Compare(a.Seed, b.Seed))
	})
}
