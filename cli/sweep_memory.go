package cli

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryShare is how much of the machine's memory (or the container's
// limit) a sweep lets the Go heap reach before the collector works harder.
const memoryShare = 0.75

// memoryBackstop sets the Go runtime's memory limit, unless GOMEMLIMIT
// says otherwise, to a share of the memory the process may use, and
// returns what puts it back. A sweep raises GOGC (lessGC), which lets the
// heap grow to five times what is live: with a run near its
// limits.max_memory that could exceed the machine. The limit makes the
// collector reclaim sooner instead. It is a backstop only: it never stops
// a run and changes no result; each run's own accounting
// (limits.max_memory) is what bounds it.
func memoryBackstop() (restore func()) {
	total := machineMemory()
	if os.Getenv("GOMEMLIMIT") != "" || total <= 0 {
		return func() {}
	}
	old := debug.SetMemoryLimit(int64(float64(total) * memoryShare))
	return func() { debug.SetMemoryLimit(old) }
}

// machineMemory is the memory this process may use: the smaller of the
// machine's (Linux's /proc/meminfo) and its cgroup's limit, in bytes, or
// 0 where neither can be read.
func machineMemory() int64 {
	total := int64(0)
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		total = memTotal(data)
	}
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// "max" (no limit) does not parse; v1 writes a huge number for none.
		if limit, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil && limit > 0 && (total == 0 || limit < total) {
			total = limit
		}
	}
	return total
}

// memTotal reads MemTotal, in bytes, from /proc/meminfo's text.
func memTotal(meminfo []byte) int64 {
	sc := bufio.NewScanner(bytes.NewReader(meminfo))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && fields[0] == "MemTotal:" && fields[2] == "kB" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil && kb > 0 {
				return kb << 10
			}
		}
	}
	return 0
}
