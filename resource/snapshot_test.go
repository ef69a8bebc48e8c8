package resource

import (
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.uber.org/goleak"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Tolerances of the accuracy tests. CPU and heap deltas are process-wide:
// the GC, the runtime's background goroutines and, on a loaded machine, any
// amount of delay add to them. So CPU is bounded from below by the work's
// own thread CPU time, and from above only by what the machine could have
// given the process in a wall time that contains both counter readings.
const (
	// cpuBelow: getrusage splits CPU time into user and system from clock
	// ticks and keeps both monotonic, which can shift a few ms.
	cpuBelow = 5 * time.Millisecond
	// cpuSlackPerCPU is added to the upper bound for each CPU: getrusage
	// brings only the calling thread's CPU time up to date; a thread
	// running on another CPU is counted as of its last scheduler tick
	// (10 ms at HZ=100, the coarsest common setting), so up to a tick of
	// its work before the first reading can land in the delta.
	cpuSlackPerCPU = 10 * time.Millisecond
	// heapAbove: small objects allocated before the first snapshot are
	// counted when their per-P cache is refilled or flushed by a GC,
	// possibly inside the measured block. The tests run a GC before the
	// first snapshot, which flushes the caches, to keep this margin small.
	heapAbove = 512 << 10
)

// spent is the work a block did, measured independently of the package.
type spent struct {
	cpu         time.Duration // thread CPU time burnt; 0: none on purpose
	userShare   float64       // at least this share of cpu is user time
	systemShare float64       // at least this share of cpu is system time
	heap        uint64        // heap bytes allocated, exactly
	wall        time.Duration // at least this much wall time passed
}

type workload struct {
	name string
	run  func(t *testing.T) spent
}

var (
	heapSink  [][]byte
	deltaSink Delta
)

// allocate puts n heap bytes in large objects, which the runtime counts
// exactly (whole pages, n must be a multiple of the 64 KiB chunk).
func allocate(n int) spent {
	const chunk = 64 << 10
	heapSink = make([][]byte, 0, n/chunk) // slice header array: below chunk, counted in heapAbove
	for range n / chunk {
		heapSink = append(heapSink, make([]byte, chunk))
	}
	return spent{heap: uint64(n)}
}

// workloads burn a known amount of CPU (≥ 200 ms) and allocate a known
// number of bytes; the Take/Since and Track tests check the deltas of each.
var workloads = []workload{
	{"idle", func(*testing.T) spent { return spent{} }},
	{"sleep 50ms", func(*testing.T) spent {
		time.Sleep(50 * time.Millisecond) // the workload itself, not synchronisation
		return spent{wall: 50 * time.Millisecond}
	}},
	{"user cpu 200ms", func(t *testing.T) spent {
		return spent{cpu: burnUserCPU(t, 200*time.Millisecond), userShare: 0.6}
	}},
	{"system cpu 200ms", func(t *testing.T) spent {
		// Linux splits the exact CPU total between user and system by
		// sampling ticks; on a loaded machine a system-heavy loop has read as
		// little as 24 % system. A tenth (five ticks at 250 Hz) still
		// catches swapped or dropped fields.
		return spent{cpu: burnSystemCPU(t, 200*time.Millisecond), systemShare: 0.1}
	}},
	{"heap 16MiB", func(*testing.T) spent { return allocate(16 << 20) }},
	{"user cpu 200ms and heap 8MiB", func(t *testing.T) spent {
		s := allocate(8 << 20)
		s.cpu, s.userShare = burnUserCPU(t, 200*time.Millisecond), 0.6
		return s
	}},
}

// measure runs work between Take and Since. Besides the delta it returns
// the wall time around both: Take reads the counters before its clock and
// Since after its own, so the CPU counters span more than d.Elapsed (Take's
// heap reading, or a preemption between a counter and the clock, while the
// GC runs on the other CPUs), and only the outer wall time bounds them.
func measure(t *testing.T, work func(t *testing.T) spent) (d Delta, w spent, outer time.Duration) {
	t.Helper()
	before := time.Now()
	start := Take()
	w = work(t)
	d = Since(start)
	return d, w, time.Since(before)
}

// checkDelta compares d with the work measured independently; wall is a
// wall time that contains both counter readings of d.
func checkDelta(t *testing.T, d Delta, w spent, wall time.Duration) {
	t.Helper()
	t.Logf("delta: %v (work: cpu=%v heap=%d; wall around the readings %v)", d, w.cpu, w.heap, wall)
	if got := d.CPU(); got < w.cpu-cpuBelow {
		t.Errorf("CPU = %v, want ≥ %v, the work's own thread CPU (-%v)", got, w.cpu, cpuBelow)
	}
	// All CPUs busy for the whole window is the most the process can use.
	cpus := time.Duration(runtime.NumCPU())
	if got, limit := d.CPU(), cpus*(wall+cpuSlackPerCPU); got > limit {
		t.Errorf("CPU = %v, want ≤ %v (%d CPUs for %v, +%v each)", got, limit, runtime.NumCPU(), wall, cpuSlackPerCPU)
	}
	if want := time.Duration(w.userShare * float64(w.cpu)); d.UserCPU < want {
		t.Errorf("UserCPU = %v, want ≥ %v", d.UserCPU, want)
	}
	if want := time.Duration(w.systemShare * float64(w.cpu)); d.SystemCPU < want {
		t.Errorf("SystemCPU = %v, want ≥ %v", d.SystemCPU, want)
	}
	if d.HeapAllocBytes < w.heap || d.HeapAllocBytes > w.heap+heapAbove {
		t.Errorf("HeapAllocBytes = %d, want %d within [0, +%d]", d.HeapAllocBytes, w.heap, heapAbove)
	}
}

func TestTakeSince(t *testing.T) {
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			t.Cleanup(func() { heapSink = nil })
			runtime.GC() // flush the per-P allocation caches; see heapAbove
			d, work, outer := measure(t, w.run)
			checkDelta(t, d, work, outer)
			if d.Elapsed < work.wall || d.Elapsed < work.cpu/2 {
				t.Errorf("Elapsed = %v, want ≥ %v and ≥ half of %v CPU", d.Elapsed, work.wall, work.cpu)
			}
		})
	}
}

func TestSinceZeroSnapshot(t *testing.T) {
	if d := Since(Snapshot{}); d != (Delta{}) {
		t.Errorf("Since(Snapshot{}) = %+v, want the zero Delta", d)
	}
}

func TestTakeSinceAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	allocs := testing.AllocsPerRun(1000, func() {
		deltaSink = Since(Take())
	})
	if allocs != 0 {
		t.Errorf("Take+Since: %v allocations, want 0", allocs)
	}
	buf := make([]attribute.KeyValue, 0, 3)
	d := Since(Take())
	allocs = testing.AllocsPerRun(1000, func() {
		buf = d.AppendAttributes(buf[:0])
	})
	if allocs != 0 {
		t.Errorf("AppendAttributes with room: %v allocations, want 0", allocs)
	}
}

func TestPeakRSSGrowth(t *testing.T) {
	if Take().maxRSS == 0 {
		t.Skip("peak RSS not reported on this platform")
	}
	// Touching fresh memory raises the resident set; if it was already
	// higher before, the peak need not move, so only the upper bound holds.
	const size = 64 << 20
	start := Take()
	b := make([]byte, size)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	d := Since(start)
	heapSink = [][]byte{b}
	t.Cleanup(func() { heapSink = nil })
	limit := uint64(size + 32<<20)
	if raceEnabled {
		limit *= 4 // the race detector's shadow memory is resident too
	}
	if d.PeakRSSGrowthBytes > limit {
		t.Errorf("PeakRSSGrowthBytes = %d, want ≤ %d", d.PeakRSSGrowthBytes, limit)
	}
	t.Logf("peak RSS growth after touching %d MiB: %d MiB", size>>20, d.PeakRSSGrowthBytes>>20)
}

func TestAppendAttributes(t *testing.T) {
	tests := []struct {
		name  string
		delta Delta
		dst   []attribute.KeyValue
		want  []attribute.KeyValue
	}{
		{
			name: "zero",
			want: []attribute.KeyValue{
				vocab.AttrCPUUserMS.Float64(0),
				vocab.AttrCPUSystemMS.Float64(0),
				vocab.AttrHeapAllocBytes.Int64(0),
			},
		},
		{
			name:  "fractional milliseconds",
			delta: Delta{UserCPU: 1500 * time.Microsecond, SystemCPU: 250 * time.Microsecond, HeapAllocBytes: 4096},
			want: []attribute.KeyValue{
				vocab.AttrCPUUserMS.Float64(1.5),
				vocab.AttrCPUSystemMS.Float64(0.25),
				vocab.AttrHeapAllocBytes.Int64(4096),
			},
		},
		{
			name:  "appends after existing",
			delta: Delta{UserCPU: time.Second},
			dst:   []attribute.KeyValue{attribute.String("k", "v")},
			want: []attribute.KeyValue{
				attribute.String("k", "v"),
				vocab.AttrCPUUserMS.Float64(1000),
				vocab.AttrCPUSystemMS.Float64(0),
				vocab.AttrHeapAllocBytes.Int64(0),
			},
		},
		{
			name:  "heap beyond int64 is clamped",
			delta: Delta{HeapAllocBytes: math.MaxUint64},
			want: []attribute.KeyValue{
				vocab.AttrCPUUserMS.Float64(0),
				vocab.AttrCPUSystemMS.Float64(0),
				vocab.AttrHeapAllocBytes.Int64(math.MaxInt64),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.delta.AppendAttributes(tt.dst)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d attributes %v, want %v", len(got), got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("attribute %d = %v %v, want %v %v", i, got[i].Key, got[i].Value.Emit(), tt.want[i].Key, tt.want[i].Value.Emit())
				}
			}
		})
	}
}

func TestDeltaString(t *testing.T) {
	tests := []struct {
		delta Delta
		want  string
	}{
		{Delta{}, "elapsed=0s cpu.user=0s cpu.system=0s heap_alloc=0B"},
		{
			Delta{Elapsed: 215 * time.Millisecond, UserCPU: 212 * time.Millisecond, SystemCPU: 3 * time.Millisecond, HeapAllocBytes: 16 << 20},
			"elapsed=215ms cpu.user=212ms cpu.system=3ms heap_alloc=16.0MiB",
		},
		{Delta{HeapAllocBytes: 1536}, "elapsed=0s cpu.user=0s cpu.system=0s heap_alloc=1.5KiB"},
		{Delta{HeapAllocBytes: 3 << 30, PeakRSSGrowthBytes: 1023}, "elapsed=0s cpu.user=0s cpu.system=0s heap_alloc=3.0GiB peak_rss_growth=1023B"},
		{Delta{HeapAllocBytes: math.MaxUint64}, "elapsed=0s cpu.user=0s cpu.system=0s heap_alloc=16777216.0TiB"},
	}
	for _, tt := range tests {
		if got := tt.delta.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestConcurrentSnapshots runs 32 goroutines taking snapshots at once; run
// with -race.
func TestConcurrentSnapshots(t *testing.T) {
	const goroutines, rounds = 32, 500
	var wg sync.WaitGroup
	errs := make(chan string, goroutines)
	for range goroutines {
		wg.Go(func() {
			for range rounds {
				s := Take()
				d := Since(s)
				if d.Elapsed < 0 || d.UserCPU < 0 || d.SystemCPU < 0 {
					errs <- "negative delta: " + d.String()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	var msgs []string
	for m := range errs {
		msgs = append(msgs, m)
	}
	if len(msgs) > 0 {
		t.Fatal(strings.Join(msgs, "\n"))
	}
}
