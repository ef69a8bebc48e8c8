package sqltrace

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// read is one successful read of k's fingerprint with the given values.
func read(k trackKey, values uint64, d time.Duration, now time.Time) *execution {
	return &execution{key: k, role: roleRead, values: values, d: d, now: now.UnixNano(), ok: true,
		nPlusOne: DefaultNPlusOneThreshold, repeatedWrite: DefaultRepeatedWriteThreshold}
}

func scopeN(i int) scopeKey {
	var k scopeKey
	k.trace[0] = 1
	for b := range 8 {
		k.span[b] = byte(i >> (8 * b))
	}
	return k
}

// TestTrackerMemoryIsBounded runs 1,000,000 statements across 100,000
// parents through the tracker and checks entries and heap stay bounded.
func TestTrackerMemoryIsBounded(t *testing.T) {
	const entries = DefaultTrackerEntries
	tr := newTracker(entries, DefaultTrackerIdle)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	now := time.Now()
	for i := range 1_000_000 {
		parent := i / 10 // 100,000 parents, 10 statements each
		tr.observe(read(trackKey{scope: scopeN(parent), fp: uint64(i % 3)}, uint64(i), time.Microsecond, now))
	}
	if n := tr.len(); n > entries {
		t.Fatalf("%d entries, bound %d", n, entries)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// An entry costs about 200 bytes with its map slot; 64Ki entries stay
	// well under 32 MiB.
	const bound = 32 << 20
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > bound {
		t.Fatalf("heap grew by %d bytes, bound %d", grown, bound)
	}
	runtime.KeepAlive(tr)
}

func TestTrackerForgetsIdleScopes(t *testing.T) {
	tr := newTracker(trackerShards*4, time.Second)
	start := time.Now()
	for i := range 1000 {
		tr.observe(read(trackKey{scope: scopeN(i), fp: 1}, 0, 0, start.Add(time.Duration(i)*time.Second)))
	}
	if n := tr.len(); n > trackerShards*4 {
		t.Fatalf("%d entries over the bound", n)
	}
}

func TestTrackerCountsPerScope(t *testing.T) {
	tr := newTracker(0, 0)
	now := time.Now()
	a := trackKey{scope: scopeN(1), fp: 7}
	b := trackKey{scope: scopeN(2), fp: 7}
	for i := range 3 {
		tr.observe(read(a, uint64(i), 0, now))
	}
	if o := tr.observe(read(b, 9, 0, now)); o.count != 1 || o.hits != 0 {
		t.Fatalf("second scope sees %+v", o)
	}
	if o := tr.observe(read(a, 1, 0, now)); o.count != 4 || o.hits != kindBit(KindDuplicateQuery) || o.claimed != o.hits || o.loop != KindNPlusOne {
		t.Fatalf("first scope sees %+v", o)
	}
	if hit, claimed := tr.sameStack(a, KindNPlusOne, 77, false); hit || claimed {
		t.Fatal("the execution before the threshold claimed")
	}
	if o := tr.observe(read(a, 9, 0, now)); o.count != 5 || o.hits != 0 || o.loop != KindNPlusOne {
		t.Fatalf("first scope, 5th read: %+v", o)
	}
	if hit, claimed := tr.sameStack(a, KindNPlusOne, 77, true); !hit || !claimed {
		t.Fatal("the 5th read from the same stack is no loop")
	}
	if o := tr.observe(read(a, 1, 0, now)); o.hits != kindBit(KindNPlusOne)|kindBit(KindDuplicateQuery) || o.claimed != 0 {
		t.Fatalf("first scope, kinds delivered once: %+v", o)
	}
}

// TestTrackerLoopNeedsOneStack: executions from different call stacks are
// not a loop however many they are.
func TestTrackerLoopNeedsOneStack(t *testing.T) {
	tr := newTracker(0, 0)
	now := time.Now()
	k := trackKey{scope: scopeN(1), fp: 7}
	write := func() observation {
		return tr.observe(&execution{key: k, role: roleSingleWrite, now: now.UnixNano(), ok: true, repeatedWrite: 5})
	}
	for i := range 8 {
		o := write()
		if (i >= 3) != (o.loop == KindRepeatedWrite) {
			t.Fatalf("write %d: loop %q", i+1, o.loop)
		}
		if o.loop != "" {
			if hit, _ := tr.sameStack(k, o.loop, uint64(100+i), o.count >= 5); hit {
				t.Fatalf("write %d from a new stack is a loop", i+1)
			}
		}
	}
	o := write()
	if hit, claimed := tr.sameStack(k, o.loop, 107, true); !hit || !claimed { // the last write's stack
		t.Fatal("a stack seen again is no loop")
	}
	if o := write(); o.loop != "" || !o.hits.has(KindRepeatedWrite) || o.claimed != 0 {
		t.Fatalf("after delivery: %+v", o)
	}
}

func BenchmarkDetector(b *testing.B) {
	tr := newTracker(0, 0)
	now := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			tr.observe(read(trackKey{scope: scopeN(i % 1000), fp: 42}, uint64(i), time.Microsecond, now))
		}
	})
}

// BenchmarkValuesHash is what hashing a statement's text adds to a read
// when the statement cache did not hash it already (the arguments were
// hashed before).
func BenchmarkValuesHash(b *testing.B) {
	q := "SELECT id, name, email FROM customer WHERE tenant_id = 42 AND id = 123456"
	for b.Loop() {
		_ = valuesHash(0x1234, 0, q)
	}
}

// TestTrackerScopeStatesAreBounded: every write records its tables in its
// scope's state; a process sees endless scopes.
func TestTrackerScopeStatesAreBounded(t *testing.T) {
	const entries = 4096
	tr := newTracker(entries, time.Hour)
	now := time.Now().UnixNano()
	tables := []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	for i := range 100_000 {
		tr.observe(&execution{key: trackKey{scope: scopeN(i), fp: 3}, now: now, ok: true, wrote: tables})
		tr.endTransaction(scopeN(i), now)
	}
	if n := tr.scopeStates(); n > entries {
		t.Fatalf("%d scope states, bound %d", n, entries)
	}
}

func TestExplainIndexIsBounded(t *testing.T) {
	var e explainState
	info := &sqlinfo.Info{Tables: make([]sqlinfo.TableRef, 50)}
	for i := range 3 * maxExplained {
		fp := fmt.Sprintf("%016x", i)
		e.prepare(fp, info, Location{}, waiter{hasScope: true, scope: scopeN(i)})
		for j := range 3 * maxWaiters {
			e.wait(fp, scopeN(1_000_000+j), trace.SpanContext{})
		}
		if i%2 == 0 { // half never get a verdict
			e.settle(fp)
		}
	}
	e.idxMu.Lock()
	defer e.idxMu.Unlock()
	if len(e.index) > maxExplained || !e.lossy {
		t.Fatalf("%d entries (bound %d), lossy=%v", len(e.index), maxExplained, e.lossy)
	}
	for fp, x := range e.index {
		if len(x.waiting) > maxWaiters || len(x.tables) > maxReadTables {
			t.Fatalf("%s: %d waiters, %d tables", fp, len(x.waiting), len(x.tables))
		}
	}
}
