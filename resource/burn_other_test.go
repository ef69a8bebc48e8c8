//go:build !linux

package resource

import (
	"errors"
	"testing"
	"time"
)

// The CPU-accuracy tests need a per-thread CPU clock to compare with; they
// are written for Linux.

func threadCPU(t testing.TB) time.Duration {
	t.Skip("per-thread CPU clock only wired up on linux")
	return 0
}

func burnUserCPU(t testing.TB, _ time.Duration) time.Duration   { return threadCPU(t) }
func burnSystemCPU(t testing.TB, _ time.Duration) time.Duration { return threadCPU(t) }

func threadCPUTime() (time.Duration, error) {
	return 0, errors.New("per-thread CPU clock only wired up on linux")
}
