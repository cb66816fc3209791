package experiment

import (
	"fmt"
	"strings"

	"github.com/electsim/electsim/sim"
)

// docOrigin places errors on the lines of an experiment file.
type docOrigin struct {
	doc  *sim.Document
	file string
	spec *Spec
}

func (d docOrigin) errorf(field, format string, args ...any) error {
	return d.doc.Errorf(field, format, args...)
}

func (d docOrigin) axis(k, j int) string {
	if d.spec.Axes[k].Range != nil {
		return fmt.Sprintf("axes[%d].range", k)
	}
	return fmt.Sprintf("axes[%d].values[%d]", k, j)
}

func (d docOrigin) valueNamed() bool { return false }

func (d docOrigin) config(c int) string { return fmt.Sprintf("configurations[%d]", c) }

func (d docOrigin) configGiven() bool { return true }

// flagOrigin names the flags of a sweep by flags in its errors.
type flagOrigin struct {
	file   string
	axes   []string   // each axis's -set key
	values [][]string // and its values as typed
	// protocols are the configurations' protocols; given says -protocols
	// named them (else the one is the scenario's).
	protocols []string
	given     bool
}

func (f flagOrigin) errorf(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	switch {
	case field == "base":
		return fmt.Errorf("%s", msg)
	case field == "seeds":
		return fmt.Errorf("-seeds: %s", msg)
	case strings.HasPrefix(field, "-protocols "):
		flag, _, _ := strings.Cut(field, ".") // "-protocols raft.protocol": the flag is enough
		return fmt.Errorf("%s: %s", flag, msg)
	case strings.HasPrefix(field, "-"): // "-set store.w": the key is a path
		return fmt.Errorf("%s: %s", field, msg)
	}
	return fmt.Errorf("%s: %s", f.file, msg)
}

// axis names the flag with the one value a problem is about, as run's
// -set would: -set store.w=9.
func (f flagOrigin) axis(k, j int) string {
	if j < len(f.values[k]) {
		return "-set " + f.axes[k] + "=" + f.values[k][j]
	}
	return "-set " + f.axes[k]
}

// valueNamed: the flag names the value already.
func (f flagOrigin) valueNamed() bool { return true }

func (f flagOrigin) config(c int) string { return "-protocols " + f.protocols[c] }

func (f flagOrigin) configGiven() bool { return f.given }
