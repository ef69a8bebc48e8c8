package sqltrace_test

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// burnCPU spins until this thread has used d of CPU time, so the CPU burnt
// is known even on a loaded machine.
func burnCPU(d time.Duration) int64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU()
	n := int64(0)
	for threadCPU()-start < d {
		for range 10_000 {
			n++
		}
	}
	return n
}

func threadCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
