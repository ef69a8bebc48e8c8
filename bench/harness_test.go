package bench

import (
	"context"
	"database/sql"
	"runtime"
	"testing"
	"time"
)

// maxGoroutines is the goroutine count of the high-contention parallel
// variants.
const maxGoroutines = 64

// openFake opens the fake driver with w and the telemetry of s, closing
// both when b ends. The pool keeps every connection it opens, so the
// parallel variants measure the wrapper, not connection churn.
func openFake(tb testing.TB, w Wrapper, s Sampling) (*sql.DB, *Telemetry) {
	tb.Helper()
	t := NewTelemetry(s)
	db, err := w.Open(FakeDriver{}, "", t)
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxIdleConns(2 * maxGoroutines)
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := t.Shutdown(ctx); err != nil {
			tb.Error(err)
		}
	})
	return db, t
}

// prepareOp readies op on db and runs it once, so that the first
// connection, the prepared statement and the wrappers' caches exist before
// the timer starts.
func prepareOp(tb testing.TB, db *sql.DB, op Op) func(context.Context, int64) error {
	tb.Helper()
	ctx := context.Background()
	run, release, err := op.Prepare(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := release(); err != nil {
			tb.Error(err)
		}
	})
	if err := run(ctx, 0); err != nil {
		tb.Fatalf("%s: %v", op.Name, err)
	}
	return run
}

// benchSerial runs op from one goroutine.
func benchSerial(b *testing.B, w Wrapper, s Sampling, op Op) {
	db, _ := openFake(b, w, s)
	run := prepareOp(b, db, op)
	req := NewRequests(context.Background(), s)
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		if err := run(req.Next()); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
}

// benchParallel runs op from goroutines goroutines (GOMAXPROCS when 0).
func benchParallel(b *testing.B, w Wrapper, s Sampling, op Op, goroutines int) {
	db, _ := openFake(b, w, s)
	run := prepareOp(b, db, op)
	if goroutines > 0 {
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((goroutines + procs - 1) / procs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	defer reportCPU(b, cpu)
	b.RunParallel(func(pb *testing.PB) {
		req := NewRequests(context.Background(), s)
		for pb.Next() {
			if err := run(req.Next()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// reportCPU reports the process CPU time per operation since start as
// cpu-ns/op. Unlike ns/op it does not grow when other processes take the
// machine's cores: it is what the wrappers cost, wherever they ran.
func reportCPU(b *testing.B, start time.Duration) {
	if start == 0 || b.N == 0 {
		return
	}
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}
