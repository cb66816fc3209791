package plots_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/electsim/electsim/plots"
	"github.com/electsim/electsim/properties"
	"github.com/electsim/electsim/protocols"
	_ "github.com/electsim/electsim/protocols/raft"
	"github.com/electsim/electsim/sim"
)

var sweepOut = flag.String("sweep.out", "", "also write the howard-scenario-1 availability chart here (.svg or .png), to look at")

// howardSweep runs scenarios/howard-scenario-1.yaml with and without
// prevote over a few seeds, as electsim sweep would, and adds a
// configuration whose runs all failed.
func howardSweep(t *testing.T) []plots.SweepConfig {
	t.Helper()
	var configs []plots.SweepConfig
	for _, prevote := range []bool{false, true} {
		scn, err := sim.Load("../scenarios/howard-scenario-1.yaml")
		if err != nil {
			t.Fatal(err)
		}
		scn.Protocol.Params["prevote"] = prevote
		p, _, err := protocols.ForScenario(scn)
		if err != nil {
			t.Fatal(err)
		}
		c := plots.SweepConfig{Protocol: "raft", Params: map[bool]string{false: "prevote=false", true: "prevote=true"}[prevote]}
		for seed := uint64(1); seed <= 5; seed++ {
			out, err := properties.Run(scn, p, seed)
			if err != nil {
				t.Fatal(err)
			}
			c.Availability = append(c.Availability, out.Report.Metrics.Availability)
		}
		configs = append(configs, c)
	}
	return append(configs, plots.SweepConfig{Protocol: "broken", Params: "x=1 y=2", Failed: 5})
}

func renderSweep(t *testing.T, configs []plots.SweepConfig, format string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := plots.Availability(configs, "howard-scenario-1, seeds 1-5").Render(&b, format); err != nil {
		t.Fatalf("Render %s: %v", format, err)
	}
	if b.Len() == 0 {
		t.Fatalf("Render %s wrote nothing", format)
	}
	return b.Bytes()
}

func TestAvailabilitySVGIsWellFormedAndLabelsEachColumn(t *testing.T) {
	svg := renderSweep(t, howardSweep(t), "svg")
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		_, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
	}
	for _, want := range []string{">raft<", ">prevote=false<", ">prevote=true<", ">broken<", ">x=1<", ">y=2<", ">5 failed<", ">mean ", ">worst ", ">howard-scenario-1, seeds 1-5<"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
}

func TestAvailabilityRendersTheSameBytesTwice(t *testing.T) {
	configs := howardSweep(t)
	first, second := renderSweep(t, configs, "svg"), renderSweep(t, howardSweep(t), "svg")
	if !bytes.Equal(first, second) {
		t.Fatal("two renders of the same sweep differ")
	}
	if !bytes.Equal(renderSweep(t, configs, "png"), renderSweep(t, configs, "png")) {
		t.Fatal("two PNG renders of the same sweep differ")
	}
}

func TestAvailabilityPNG(t *testing.T) {
	configs := howardSweep(t)
	chart := plots.Availability(configs, "howard-scenario-1")
	chart.DPI = 72
	var b bytes.Buffer
	if err := chart.Render(&b, "png"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&b)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	// Three columns: 1.6in + 3 x 1.3in = 5.5in wide, 4.5in high, at 72 dpi.
	if got := img.Bounds().Size(); got.X != 396 || got.Y != 324 {
		t.Errorf("PNG is %v, want 396x324", got)
	}
	if *sweepOut != "" {
		format := strings.TrimPrefix(filepath.Ext(*sweepOut), ".")
		if err := os.WriteFile(*sweepOut, renderSweep(t, configs, format), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAvailabilityRejectsAnUnknownFormat(t *testing.T) {
	err := plots.Availability(nil, "").Render(io.Discard, "pdf")
	if err == nil || !strings.Contains(err.Error(), `unknown format "pdf"`) {
		t.Fatalf("Render pdf: %v, want an unknown-format error", err)
	}
}
