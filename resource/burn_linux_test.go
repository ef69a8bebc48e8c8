//go:build linux

package resource

import (
	"runtime"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// threadCPU is the CPU time of the calling OS thread: an independent
// measure of the work a test does, to compare the process-wide deltas with.
func threadCPU(t testing.TB) time.Duration {
	t.Helper()
	d, err := threadCPUTime()
	if err != nil {
		t.Fatalf("clock_gettime(CLOCK_THREAD_CPUTIME_ID): %v", err)
	}
	return d
}

func threadCPUTime() (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, err
	}
	return time.Duration(ts.Nano()), nil
}

var spinSink uint64

// burnUserCPU spins in user mode until the calling thread has used d of CPU
// time and returns the CPU time it used. It allocates nothing.
func burnUserCPU(t testing.TB, d time.Duration) time.Duration {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU(t)
	x := spinSink
	for threadCPU(t)-start < d {
		for i := range uint64(200_000) {
			x = x*31 + i
		}
	}
	spinSink = x
	return threadCPU(t) - start
}

var zeroPage [1 << 16]byte

// burnSystemCPU reads /dev/zero, which the kernel answers by clearing
// memory: system time. It returns the thread CPU time used.
func burnSystemCPU(t testing.TB, d time.Duration) time.Duration {
	t.Helper()
	fd, err := unix.Open("/dev/zero", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no /dev/zero: %v", err)
	}
	defer unix.Close(fd)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU(t)
	for threadCPU(t)-start < d {
		for range 16 {
			// A raw read: unix.Read would tell the race detector about
			// the buffer, which costs user time.
			_, _, errno := unix.Syscall(unix.SYS_READ, uintptr(fd),
				uintptr(unsafe.Pointer(&zeroPage[0])), uintptr(len(zeroPage)))
			if errno != 0 {
				t.Fatalf("read /dev/zero: %v", errno)
			}
		}
	}
	return threadCPU(t) - start
}
