//go:build !linux

package sqltrace_test

import "time"

// burnCPU spins for d of wall time; without per-thread CPU accounting this
// is the closest measure.
func burnCPU(d time.Duration) int64 {
	deadline := time.Now().Add(d)
	n := int64(0)
	for time.Now().Before(deadline) {
		n++
	}
	return n
}
