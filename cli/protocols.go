package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/all"
)

func protocolsCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("protocols", "protocols", stderr)
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2}
	}
	if fs.NArg() != 0 {
		return usageError("protocols takes no arguments")
	}
	for _, spec := range protocols.All() {
		fmt.Fprintf(stdout, "%s\n    %s\n", spec.Name, spec.Doc)
		for _, p := range spec.Params {
			kind := p.Kind.String()
			if p.Kind == protocols.Enum {
				kind = strings.Join(p.Enum, "|")
			}
			unit := ""
			if p.Unit != "" {
				unit = " " + p.Unit
			}
			fmt.Fprintf(stdout, "    %-22s %-10s default %s%s: %s\n", p.Name, kind, p.FormatDefault(), unit, p.Doc)
		}
	}
	return nil
}
