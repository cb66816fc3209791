package cli

import (
	"fmt"
	"io"
	"runtime/debug"
)

// versionCommand prints what the binary was built from: the module's
// version (devel for a build in the checkout), the VCS revision and time,
// and whether the tree had changes, as the Go toolchain recorded them.
func versionCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", "version", stderr)
	if _, err := parseInterspersed(fs, args); err != nil {
		return &exitError{code: 2}
	}
	if fs.NArg() != 0 {
		return usageError("version takes no arguments")
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(stdout, "electsim (no build information)")
		return nil
	}
	fmt.Fprintf(stdout, "electsim %s %s\n", info.Main.Version, info.GoVersion)
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		modified := ""
		if settings["vcs.modified"] == "true" {
			modified = ", with changes not committed"
		}
		fmt.Fprintf(stdout, "revision %s (%s)%s\n", rev, settings["vcs.time"], modified)
	}
	if rev := settings["vcs.revision"]; rev == "" {
		fmt.Fprintln(stdout, "revision unknown (built with -buildvcs=false, or outside a checkout)")
	}
	// A module that builds its own electsim (cli.Main) depends on this one.
	for _, dep := range info.Deps {
		if dep.Path == modulePath {
			fmt.Fprintf(stdout, "%s %s, in %s\n", modulePath, dep.Version, info.Main.Path)
		}
	}
	return nil
}

const modulePath = "github.com/electsim/electsim"
