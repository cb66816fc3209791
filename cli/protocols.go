package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/all"
)

// protocolJSON is one protocol as protocols -json prints it. The JSON
// names are a public contract.
type protocolJSON struct {
	Name   string      `json:"name"`
	Doc    string      `json:"doc"`
	Params []paramJSON `json:"params"`
}

type paramJSON struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Default string   `json:"default"` // as a scenario writes it
	Unit    string   `json:"unit,omitempty"`
	Enum    []string `json:"enum,omitempty"`
	Doc     string   `json:"doc"`
}

func protocolsCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("protocols", "protocols [NAME...] [-json]", stderr)
	asJSON := fs.Bool("json", false, "print a JSON list instead of the text")
	names, err := parseInterspersed(fs, args)
	if err != nil {
		return &exitError{code: 2}
	}
	specs := protocols.All()
	if len(names) > 0 {
		specs = nil
		for _, name := range names {
			spec, ok := protocols.Lookup(name)
			if !ok {
				var known []string
				for _, s := range protocols.All() {
					known = append(known, s.Name)
				}
				return usageError("unknown protocol %q (known: %s)", name, strings.Join(known, ", "))
			}
			specs = append(specs, spec)
		}
	}
	if *asJSON {
		out := []protocolJSON{}
		for _, spec := range specs {
			p := protocolJSON{Name: spec.Name, Doc: spec.Doc, Params: []paramJSON{}}
			for _, param := range spec.Params {
				p.Params = append(p.Params, paramJSON{Name: param.Name, Kind: param.Kind.String(), Default: param.FormatDefault(),
					Unit: param.Unit, Enum: param.Enum, Doc: param.Doc})
			}
			out = append(out, p)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, spec := range specs {
		fmt.Fprintf(stdout, "%s\n    %s\n", spec.Name, spec.Doc)
		for _, p := range spec.Params {
			kind := p.Kind.String()
			switch {
			case p.Kind == protocols.Enum && len(p.Enum) > 8:
				kind = fmt.Sprintf("%s|...|%s", p.Enum[0], p.Enum[len(p.Enum)-1]) // a participant: n1..n64
			case p.Kind == protocols.Enum:
				kind = strings.Join(p.Enum, "|")
			}
			unit := ""
			if p.Unit != "" && p.Kind != protocols.Duration { // a duration shows its own
				unit = " " + p.Unit
			}
			fmt.Fprintf(stdout, "    %-22s %-10s default %s%s: %s\n", p.Name, kind, p.FormatDefault(), unit, p.Doc)
		}
	}
	return nil
}
