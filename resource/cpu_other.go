//go:build !unix

package resource

import (
	"runtime/metrics"
	"sync"
	"time"
)

// cpuMetrics are the Go runtime's estimates of the process's CPU time.
// They are updated at each GC, not continuously, and do not split user from
// system time: off unix a Delta's CPU is coarse and reported as user time.
// They keep this package free of any dependency beyond the standard
// library and the OpenTelemetry API.
var cpuSamplePool = sync.Pool{
	New: func() any {
		s := new([2]metrics.Sample)
		s[0].Name = "/cpu/classes/total:cpu-seconds"
		s[1].Name = "/cpu/classes/idle:cpu-seconds"
		return s
	},
}

// readCPU returns the process's busy CPU time (total minus idle) as user
// time. The peak resident set size is not known here.
func readCPU() (user, system time.Duration, maxRSS uint64, ok bool) {
	s := cpuSamplePool.Get().(*[2]metrics.Sample) // see samplePool in heap.go
	defer cpuSamplePool.Put(s)
	metrics.Read(s[:])
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 0, 0, 0, false
	}
	busy := max(s[0].Value.Float64()-s[1].Value.Float64(), 0)
	return time.Duration(busy * float64(time.Second)), 0, 0, true
}
