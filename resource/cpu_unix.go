//go:build unix

package resource

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// maxRSSUnit converts ru_maxrss to bytes: darwin reports bytes, the other
// unix systems kilobytes.
func maxRSSUnit() uint64 {
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return 1
	}
	return 1024
}

// readCPU reads the process's user and system CPU time and peak resident
// set size with one getrusage(RUSAGE_SELF) call (about 0.5 µs).
func readCPU() (user, system time.Duration, maxRSS uint64, ok bool) {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, 0, false
	}
	if ru.Maxrss > 0 {
		maxRSS = uint64(ru.Maxrss) * maxRSSUnit()
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano()), maxRSS, true
}
