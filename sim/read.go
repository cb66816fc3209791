package sim

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxScenarioBytes bounds a file ReadFile reads, and a text Parse reads: a
// scenario, a saved run or an experiment. A scenario is a page of YAML; a
// saved run adds its faults, which MaxScenarioTokens bounds to some ten
// thousand, in less than this. go-yaml allocates up to 100 bytes for a
// byte of text: see MaxScenarioTokens for what reading a file may cost.
const MaxScenarioBytes = 1 << 20

// ReadFile reads a scenario, saved run or experiment file, what naming it
// in errors ("scenario"). It reads only a regular file, and at most
// MaxScenarioBytes of it: a directory, a FIFO or a device such as
// /dev/zero is refused by name before a byte is read, so that a wrong path
// neither blocks nor reads without end.
func ReadFile(path, what string) ([]byte, error) {
	f, err := OpenFile(path, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxScenarioBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxScenarioBytes {
		return nil, tooLarge(path)
	}
	return data, nil
}

func tooLarge(name string) *ScenarioError {
	return &ScenarioError{File: name, Msg: fmt.Sprintf("larger than %d MiB (%d bytes), the most a scenario, saved run or experiment file may be", MaxScenarioBytes>>20, MaxScenarioBytes)}
}

// OpenFile opens a file that electsim reads (a scenario, an experiment, a
// results file) if it is a regular file; what names it in errors. The
// caller bounds what it reads. Its type is checked before the open too,
// because opening a FIFO waits for a writer.
func OpenFile(path, what string) (*os.File, error) {
	info, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Op = "open" // as the user sees it
		}
		return nil, err
	}
	if err := regular(path, what, info); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	// The path may have been replaced between the two looks.
	if info, err = f.Stat(); err == nil {
		err = regular(path, what, info)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// regular refuses anything but a regular file, saying what it is.
func regular(path, what string, info fs.FileInfo) error {
	mode := info.Mode()
	if mode.IsRegular() {
		return nil
	}
	kind := "not a regular file"
	switch {
	case mode.IsDir():
		kind = "a directory"
	case mode&fs.ModeNamedPipe != 0:
		kind = "a named pipe (FIFO)"
	case mode&fs.ModeSocket != 0:
		kind = "a socket"
	case mode&fs.ModeDevice != 0:
		kind = "a device"
	}
	return &ScenarioError{File: path, Msg: fmt.Sprintf("is %s, not a %s file", kind, what)}
}
