//go:build !unix

package resource

import "time"

// readCPU reads the process's user and system CPU time through gopsutil,
// tens of microseconds per call. The peak resident set size is not read:
// it would cost another call of the same order.
func readCPU() (user, system time.Duration, maxRSS uint64, ok bool) {
	p, err := self()
	if err != nil {
		return 0, 0, 0, false
	}
	t, err := p.Times()
	if err != nil {
		return 0, 0, 0, false
	}
	return seconds(t.User), seconds(t.System), 0, true
}

func seconds(s float64) time.Duration {
	return time.Duration(s * float64(time.Second))
}
