package cli

import (
	"fmt"
	"io"

	"github.com/electsim/electsim/experiment"
	"github.com/electsim/electsim/sim"
)

const mergeSynopsis = "merge -o merged.jsonl SHARD.jsonl..."

// mergeCommand combines the results files of a sweep's shards into one,
// refusing rows of another experiment and runs given twice.
func mergeCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", mergeSynopsis, stderr)
	out := fs.String("o", "", "write the merged rows to this file (- for standard output)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: 2}
	}
	if len(files) == 0 || *out == "" {
		fs.Usage()
		return usageError("merge takes -o and one or more results files")
	}
	var results []experiment.Results
	for _, name := range files {
		rows, partial, err := readResultsFile(name)
		if err != nil {
			return badInput(err)
		}
		if partial {
			fmt.Fprintf(stderr, "electsim: warning: %s ends with a partial row (a sweep killed while writing), left out: resume that sweep first\n", name)
		}
		results = append(results, experiment.Results{Name: name, Rows: rows})
	}
	merged, err := experiment.Merge(results)
	if err != nil {
		return badInput(err)
	}
	err = writeAtomic(*out, stdout, func(w io.Writer) error {
		for i := range merged {
			if err := experiment.WriteRow(w, &merged[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if *out != "-" {
		fmt.Fprintf(stdout, "%d rows from %d files in %s\n", len(merged), len(files), *out)
	}
	return nil
}

// readResults reads a results file whole; a last line a kill cut off is
// left out.
func readResults(name string) ([]experiment.Row, error) {
	rows, _, err := readResultsFile(name)
	return rows, err
}

// readResultsFile reads a results file and says whether it ended with a
// partial row, which it leaves out. A results file grows with its runs, so
// it has no size limit; each row (line) has one, experiment.MaxRowBytes.
// It must be a regular file: a FIFO or /dev/zero is refused by name.
func readResultsFile(name string) (rows []experiment.Row, partial bool, err error) {
	f, err := sim.OpenFile(name, "results")
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	rows, complete, err := experiment.ReadRows(name, f)
	if err != nil {
		return nil, false, err
	}
	info, err := f.Stat()
	return rows, err == nil && info.Size() > complete, err
}
