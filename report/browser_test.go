package report_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestInBrowser opens a report in headless Chromium with .ci/browser-test,
// when ELECTSIM_BROWSER=1: it builds the command and may install Chromium,
// too slow and too far outside Go for every go test.
func TestInBrowser(t *testing.T) {
	if os.Getenv("ELECTSIM_BROWSER") != "1" {
		t.Skip("set ELECTSIM_BROWSER=1 to open a report in headless Chromium (.ci/browser-test)")
	}
	out, err := exec.Command("bash", "../.ci/browser-test").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if text := string(out); strings.Contains(text, "skipping the browser test") {
		t.Skip(strings.TrimSpace(text))
	}
	t.Logf("%s", out)
}
