package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

const plotSynopsis = "plot RESULTS.jsonl -o DIR"

// plotCommand draws the comparison charts of a results file, which a sweep
// (-out) or a merge wrote: results can be drawn again without running them.
func plotCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plot", plotSynopsis, stderr)
	dir := fs.String("o", "", "write the charts to this directory")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: 2}
	}
	if len(files) != 1 || *dir == "" {
		fs.Usage()
		return usageError("plot takes one results file and -o DIR")
	}
	rows, err := readResults(files[0])
	if err != nil {
		return badInput(err)
	}
	if len(rows) == 0 {
		return badInput(fmt.Errorf("%s holds no rows", files[0]))
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return badInput(err)
	}
	title := strings.TrimSuffix(filepath.Base(files[0]), filepath.Ext(files[0]))
	paths, err := drawComparison(rows, title, *dir)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return nil
}
