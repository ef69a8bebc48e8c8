package sqltrace

import (
	"runtime"
	"testing"
	"time"
)

// TestTrackerMapsDoNotGrowUnderChurn: a long-running service sees new
// scopes all the time, so the tracker's maps see inserts and deletes
// forever. Their memory must stay that of the live entries: Go maps keep
// the room of deleted entries, and a map that only ever evicts grows.
func TestTrackerMapsDoNotGrowUnderChurn(t *testing.T) {
	const entries = 4096
	tr := newTracker(entries, time.Hour)
	now := time.Now()
	observe := func(from, to int) {
		for i := from; i < to; i++ {
			tr.observe(read(trackKey{scope: scopeN(i / 4), fp: uint64(i % 4)}, uint64(i), time.Microsecond, now))
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	observe(0, 4*entries) // full, and evicting
	full := heap()
	observe(4*entries, 150*entries)
	churned := heap()
	t.Logf("tracker of %d entries: %d KiB when full, %d KiB after %d more new keys", entries, full>>10, churned>>10, 146*entries)
	if bound := full*5/4 + 256<<10; churned > bound {
		t.Errorf("heap grew from %d to %d KiB under churn (bound %d KiB)", full>>10, churned>>10, bound>>10)
	}
	runtime.KeepAlive(tr)
}

// BenchmarkTrackerNewScopes is the tracker's worst case: every statement
// under a scope never seen before, so that shards evict all the time.
func BenchmarkTrackerNewScopes(b *testing.B) {
	tr := newTracker(0, 0)
	now := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		tr.observe(read(trackKey{scope: scopeN(i), fp: 42}, uint64(i), time.Microsecond, now))
	}
}
