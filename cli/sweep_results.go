package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/electsim/electsim/experiment"
)

// resultsFile is a sweep's -out file and every row of the sweep: the rows
// a resumed sweep found there, and the rows of its runs as they finish.
type resultsFile struct {
	path    string
	stdout  io.Writer // the rows' place for -out -
	f       *os.File  // opened at the first row: an interrupted sweep leaves no empty file
	rows    []experiment.Row
	keys    map[experiment.Key]bool
	resumed int
}

// openResults checks the -out file: without -resume it must not hold rows
// already (a sweep does not overwrite results); with -resume its rows must
// be this experiment's, none twice, and a last line a kill cut off is cut
// away.
func openResults(path string, resume bool, exp *experiment.Experiment, stdout io.Writer) (*resultsFile, error) {
	r := &resultsFile{path: path, stdout: stdout, keys: map[experiment.Key]bool{}}
	if path == "" || path == "-" {
		return r, nil
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return r, nil
	case err != nil:
		return nil, badInput(err)
	case !resume && info.Size() > 0:
		return nil, usageError("%s exists: -resume goes on with it; or give another -out", path)
	case !resume:
		return r, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, badInput(err)
	}
	rows, complete, err := experiment.ReadRows(path, f)
	if err == nil {
		err = r.take(rows, exp)
	}
	if err == nil {
		err = f.Truncate(complete)
	}
	if err == nil {
		_, err = f.Seek(complete, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, badInput(err)
	}
	r.f, r.resumed = f, len(rows)
	return r, nil
}

// take adopts the rows a resumed sweep found.
func (r *resultsFile) take(rows []experiment.Row, exp *experiment.Experiment) error {
	for i := range rows {
		row := &rows[i]
		if row.Experiment != exp.Hash {
			return fmt.Errorf("%s: row %d is of another experiment (%s; this one is %s): the scenario, configurations or axes changed", r.path, i+1, row.Experiment, exp.Hash)
		}
		if k := row.Key(); r.keys[k] {
			return fmt.Errorf("%s: row %d repeats %s %s seed %d", r.path, i+1, k.Config, k.Point, k.Seed)
		} else {
			r.keys[k] = true
		}
	}
	r.rows = rows
	return nil
}

func (r *resultsFile) done(k experiment.Key) bool { return r.keys[k] }

// add keeps a finished run's row and writes it as a line of the file.
func (r *resultsFile) add(row *experiment.Row) error {
	r.rows = append(r.rows, *row)
	r.keys[row.Key()] = true
	switch r.path {
	case "":
		return nil
	case "-":
		return experiment.WriteRow(r.stdout, row)
	}
	if r.f == nil {
		f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		r.f = f
	}
	return experiment.WriteRow(r.f, row)
}

func (r *resultsFile) close() error {
	if r.f == nil {
		return nil
	}
	return r.f.Close()
}
