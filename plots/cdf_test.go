package plots_test

import (
	"bytes"
	"image/png"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/plot/plotter"

	"github.com/electsim/electsim/plots"
)

// TestCDFPointsAreTheShareOfAllTrials: each distinct time, once, with the
// share of every trial ended by then; trials that never ended count in the
// whole, so the curve stops below 1.
func TestCDFPointsAreTheShareOfAllTrials(t *testing.T) {
	ms := time.Millisecond
	s := plots.CDFSeries{Label: "150-300ms", Times: []time.Duration{3 * ms, ms, 2 * ms, 2 * ms}, Missing: 1}
	want := plotter.XYs{{X: 1, Y: 0.2}, {X: 2, Y: 0.6}, {X: 3, Y: 0.8}}
	if diff := cmp.Diff(want, s.Points()); diff != "" {
		t.Fatalf("points (-want +got):\n%s", diff)
	}
	// Skipped trials never began: they are not in the whole.
	s.Skipped = 5
	if diff := cmp.Diff(want, s.Points()); diff != "" {
		t.Fatalf("points with skipped trials (-want +got):\n%s", diff)
	}
	if got := (plots.CDFSeries{}).Points(); len(got) != 0 {
		t.Fatalf("an empty series has points %v", got)
	}
}

func TestCDFRenders(t *testing.T) {
	series := []plots.CDFSeries{
		{Label: "a", Times: []time.Duration{100 * time.Millisecond, 250 * time.Millisecond}},
		{Label: "b", Times: []time.Duration{2 * time.Second}, Missing: 3},
		{Label: "no trials"},
	}
	var first, second bytes.Buffer
	for _, b := range []*bytes.Buffer{&first, &second} {
		if err := plots.CDF(series, "title", "ms").Render(b, "png"); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatal("the same series drew two different pictures")
	}
	img, err := png.Decode(&first)
	if err != nil || img.Bounds().Dx() != 7*144 {
		t.Fatalf("not a 7in PNG at 144 dpi: %v %v", err, img.Bounds())
	}
	if err := plots.CDF(series, "t", "ms").Render(&bytes.Buffer{}, "gif"); err == nil {
		t.Fatal("gif accepted")
	}
}

// TestCDFLegendCountsTheTrials: the legend says how many trials each curve
// is drawn from, and how many never ended or never began.
func TestCDFLegendCountsTheTrials(t *testing.T) {
	series := []plots.CDFSeries{{Label: "150-151ms", Times: []time.Duration{time.Second, 2 * time.Second}, Missing: 1, Skipped: 3}}
	var svg bytes.Buffer
	if err := plots.CDF(series, "title", "ms").Render(&svg, "svg"); err != nil {
		t.Fatal(err)
	}
	if want := "150-151ms (3 trials, 1 never ended, 3 skipped)"; !bytes.Contains(svg.Bytes(), []byte(want)) {
		t.Errorf("the legend lacks %q", want)
	}
}
