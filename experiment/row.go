package experiment

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/electsim/electsim/properties"
)

// Row is one finished run, a line of a results file. The JSON names are a
// public contract; seed, trace_hash, ok, error, metrics, recoveries and
// skipped_faults, ignored_faults and peak_memory_bytes mean what they mean
// in electsim run -json.
type Row struct {
	Experiment string `json:"experiment"` // the experiment's Hash
	Config     string `json:"config"`
	// Point is the value of each varied axis, by axis name; Axes names
	// them in the experiment's order.
	Point map[string]string `json:"point"`
	Axes  []string          `json:"axes"`
	// ConfigIndex and PointIndex place the run in the experiment's order,
	// which tables and charts follow (a merged file is sorted by them).
	ConfigIndex int    `json:"config_index"`
	PointIndex  int    `json:"point_index"`
	Seed        uint64 `json:"seed"`
	TraceHash   string `json:"trace_hash"`
	Events      int64  `json:"events"`
	OK          bool   `json:"ok"`
	Error       string `json:"error,omitempty"`
	// Violated lists the expected properties the run broke; Properties
	// is every property's verdict.
	Violated   []string        `json:"violated"`
	Properties map[string]bool `json:"properties"`
	// Metrics is null when the run failed before it could report.
	Metrics    *properties.Metrics       `json:"metrics"`
	Recoveries []properties.Recovery     `json:"recoveries"`
	Skipped    []properties.SkippedFault `json:"skipped_faults"`
	// Ignored are the warnings: faults that could not take effect.
	Ignored []properties.IgnoredFault `json:"ignored_faults"`
	// PeakMemoryBytes is the most memory the run accounted for at once
	// (what limits.max_memory bounds), also for a run a limit stopped.
	PeakMemoryBytes int64 `json:"peak_memory_bytes"`
}

// Failed says the run did not reach its end: a limit, a panic.
func (r *Row) Failed() bool { return r.Error != "" }

// Key identifies a run within an experiment: its configuration, point and
// seed.
type Key struct {
	Config string
	Point  string // the point's values in axis-name order: "loss=0.1 pause=5s"
	Seed   uint64
}

// Key returns the row's key.
func (r *Row) Key() Key { return Key{Config: r.Config, Point: pointText(r.Point), Seed: r.Seed} }

// JobKey returns the key of the i-th run, to match it against rows.
func (e *Experiment) JobKey(j Job) Key {
	return Key{Config: e.Configs[j.Config].Name, Point: pointText(e.PointValues(j.Point)), Seed: j.Seed}
}

func pointText(p map[string]string) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(p)) {
		parts = append(parts, name+"="+p[name])
	}
	return strings.Join(parts, " ")
}

// WriteRow writes a row as one line, in one write: a file cut off by a
// crash holds whole rows and at most one partial last line.
func WriteRow(w io.Writer, r *Row) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(line, '\n'))
	return err
}

// MaxRowBytes bounds one line of a results file.
const MaxRowBytes = 64 << 20

// ReadRows reads a results file. A last line without its newline is a row
// a crash cut off: it is dropped, and complete says how many bytes the whole
// rows take, where a resumed sweep goes on writing. Any other line that is
// not a row is an error naming the file and the line.
func ReadRows(name string, r io.Reader) (rows []Row, complete int64, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), MaxRowBytes)
	sc.Split(wholeLines)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Bytes()
		complete += int64(len(text))
		trimmed := bytes.TrimSpace(text)
		if len(trimmed) == 0 {
			continue
		}
		var row Row
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&row); err != nil {
			return nil, 0, fmt.Errorf("%s:%d: not a results row: %v", name, line, err)
		}
		if row.Experiment == "" || row.Config == "" {
			return nil, 0, fmt.Errorf("%s:%d: not a results row: no experiment or config", name, line)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return rows, complete, nil
}

// wholeLines splits at newlines and drops a last line that has none.
func wholeLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF {
		return len(data), nil, nil
	}
	return 0, nil, nil
}
