package resource

import (
	"fmt"
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// Snapshot is a reading of the process's cumulative counters at one instant.
// Take one before a block of code and pass it to [Since] after it. The zero
// Snapshot is not a reading; Since returns the zero Delta for it.
type Snapshot struct {
	at        time.Time // carries the monotonic clock reading
	user      time.Duration
	system    time.Duration
	heapAlloc uint64 // cumulative Go heap bytes allocated
	maxRSS    uint64 // peak resident set size in bytes; 0 when unknown
	cpuOK     bool   // user and system were read successfully
}

// Take reads the process's CPU times, cumulative Go heap allocation and, on
// unix, its peak resident set size. On unix it costs about a microsecond,
// most of it the getrusage system call, and does not allocate; elsewhere
// CPU comes from the Go runtime's estimates, which move only at each GC.
// It is safe for concurrent use.
func Take() Snapshot {
	var s Snapshot
	s.readCounters()
	s.at = time.Now() // last, so that Elapsed leaves out the reading itself
	return s
}

func (s *Snapshot) readCounters() {
	s.user, s.system, s.maxRSS, s.cpuOK = readCPU()
	s.heapAlloc = readHeapAllocBytes()
}

// Delta is what the process consumed between a [Snapshot] and a later
// reading. The values are process-wide: work done meanwhile by other
// goroutines is included.
type Delta struct {
	// UserCPU and SystemCPU are the process CPU time spent in user and
	// kernel mode, summed over all threads. They can exceed Elapsed when
	// several threads ran. On Linux the total comes from the scheduler's
	// exact accounting (reported in microseconds); the split between user
	// and system is estimated by the kernel from clock ticks.
	UserCPU, SystemCPU time.Duration
	// HeapAllocBytes is the Go heap bytes allocated by the process
	// meanwhile (difference of the cumulative runtime counter; freeing
	// does not lower it). Large objects are counted when allocated; small
	// ones when the runtime refills a per-P cache, so the reading can be
	// off by a few KiB per size class in use.
	HeapAllocBytes uint64
	// Elapsed is the wall time, from the monotonic clock.
	Elapsed time.Duration
	// PeakRSSGrowthBytes is how far the process's peak resident set size
	// rose meanwhile (getrusage ru_maxrss): non-zero when the block pushed
	// the process to a new memory high. Always 0 where the platform does
	// not report it cheaply.
	PeakRSSGrowthBytes uint64
}

// Since returns what the process consumed since s was taken. It does not
// allocate and is safe for concurrent use.
func Since(s Snapshot) Delta {
	if s.at.IsZero() {
		return Delta{}
	}
	now := Snapshot{at: time.Now()} // first, so that Elapsed leaves out the reading
	now.readCounters()
	d := Delta{
		HeapAllocBytes:     sub(now.heapAlloc, s.heapAlloc),
		Elapsed:            now.at.Sub(s.at),
		PeakRSSGrowthBytes: sub(now.maxRSS, s.maxRSS),
	}
	if s.cpuOK && now.cpuOK {
		d.UserCPU = max(now.user-s.user, 0)
		d.SystemCPU = max(now.system-s.system, 0)
	}
	return d
}

// sub is a-b for cumulative counters, 0 instead of a wrap-around.
func sub(a, b uint64) uint64 {
	if a < b {
		return 0
	}
	return a - b
}

// CPU is the total CPU time, user plus system.
func (d Delta) CPU() time.Duration { return d.UserCPU + d.SystemCPU }

// AppendAttributes appends the span attributes sqlsight.cpu.user_ms,
// sqlsight.cpu.system_ms and sqlsight.mem.heap_alloc_bytes to dst and returns the extended
// slice. It allocates only when dst lacks room for three more values.
func (d Delta) AppendAttributes(dst []attribute.KeyValue) []attribute.KeyValue {
	heap := int64(math.MaxInt64)
	if d.HeapAllocBytes < math.MaxInt64 {
		heap = int64(d.HeapAllocBytes)
	}
	return append(dst,
		vocab.AttrCPUUserMS.Float64(milliseconds(d.UserCPU)),
		vocab.AttrCPUSystemMS.Float64(milliseconds(d.SystemCPU)),
		vocab.AttrHeapAllocBytes.Int64(heap),
	)
}

func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

// String formats the delta for logs, e.g.
// "elapsed=215ms cpu.user=212ms cpu.system=3ms heap_alloc=16.0MiB".
func (d Delta) String() string {
	s := fmt.Sprintf("elapsed=%v cpu.user=%v cpu.system=%v heap_alloc=%s",
		d.Elapsed, d.UserCPU, d.SystemCPU, formatBytes(d.HeapAllocBytes))
	if d.PeakRSSGrowthBytes > 0 {
		s += " peak_rss_growth=" + formatBytes(d.PeakRSSGrowthBytes)
	}
	return s
}

func formatBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	v, suffix := float64(n)/unit, "KiB"
	for _, next := range []string{"MiB", "GiB", "TiB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, next
	}
	return fmt.Sprintf("%.1f%s", v, suffix)
}
