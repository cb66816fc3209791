package experiment

import (
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

// TestRangesListTheirValues: decimal steps give decimal values (0.3, not
// 0.30000000000000004), the end is included when a step lands on it, and
// durations stay durations.
func TestRangesListTheirValues(t *testing.T) {
	for _, tc := range []struct {
		r    RangeSpec
		want []string
	}{
		{RangeSpec{From: "0", To: "0.3", Step: "0.1"}, []string{"0", "0.1", "0.2", "0.3"}},
		{RangeSpec{From: "1", To: "10", Step: "4"}, []string{"1", "5", "9"}},
		{RangeSpec{From: "100ms", To: "1s", Step: "300ms"}, []string{"100ms", "400ms", "700ms", "1s"}},
		{RangeSpec{From: "0.5", To: "0.5", Step: "1"}, []string{"0.5"}},
	} {
		vals, err := expandRange(&tc.r)
		if err != nil {
			t.Fatalf("%+v: %v", tc.r, err)
		}
		var got []string
		for _, v := range vals {
			got = append(got, v.Text)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.r, diff)
		}
	}
}

// TestRangesStayInBounds: whatever the numbers, a range's values rise from
// from, never pass to by more than rounding, and number at most
// MaxAxisSize.
func TestRangesStayInBounds(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		from := rapid.Float64Range(-1e6, 1e6).Draw(t, "from")
		to := from + rapid.Float64Range(0, 1e6).Draw(t, "span")
		step := rapid.Float64Range(1e-6, 1e6).Draw(t, "step")
		vals, err := numberRange(from, to, step, -1)
		if err != nil {
			return // too many values: refused
		}
		if len(vals) == 0 || len(vals) > MaxAxisSize {
			t.Fatalf("%d values", len(vals))
		}
		for i, v := range vals {
			if i > 0 && v.Num <= vals[i-1].Num {
				t.Fatalf("values do not rise: %v then %v", vals[i-1].Num, v.Num)
			}
			if v.Num > to+step*1e-6 {
				t.Fatalf("%v is beyond to %v", v.Num, to)
			}
		}
	})
}

// TestSetPathWritesOneField: a path reaches into mappings and lists, adds
// what is missing, and leaves the rest (and the original) as it was.
func TestSetPathWritesOneField(t *testing.T) {
	var doc yaml.MapSlice
	if err := yaml.UnmarshalWithOptions([]byte("name: x\nfaults:\n  - {at: 1s, crash: n1}\n"), &doc, yaml.UseOrderedMap()); err != nil {
		t.Fatal(err)
	}
	out, err := setPath(doc, "faults[0].for", "2s")
	if err == nil {
		out, err = setPath(out, "network.latency.value", "3ms")
	}
	if err != nil {
		t.Fatal(err)
	}
	got, _ := yaml.Marshal(out)
	want := "name: x\nfaults:\n- at: 1s\n  crash: n1\n  for: 2s\nnetwork:\n  latency:\n    value: 3ms\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	orig, _ := yaml.Marshal(doc)
	if string(orig) != "name: x\nfaults:\n- at: 1s\n  crash: n1\n" {
		t.Errorf("the original changed:\n%s", orig)
	}
	for path, want := range map[string]string{
		"faults[1].for": "faults has no item [1] in the base scenario",
		"name.first":    "name is not a mapping in the base scenario",
		"faults[x]":     "want an index",
		"[0]":           "does not start with a field name",
	} {
		if _, err := setPath(doc, path, 1); err == nil || !contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", path, err, want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
