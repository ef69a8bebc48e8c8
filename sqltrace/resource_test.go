package sqltrace_test

import (
	"context"
	"database/sql/driver"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/sqltrace"
)

var registerBurn sync.Once

// burnFunction registers sqlsight_burn(ms, bytes) with SQLite: it burns
// ms milliseconds of CPU time and allocates bytes on the Go heap, inside
// the statement, so the statement's cost is known.
func burnFunction(t *testing.T) {
	registerBurn.Do(func() {
		err := sqlite.RegisterScalarFunction("sqlsight_burn", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			ms, _ := args[0].(int64)
			size, _ := args[1].(int64)
			sink = make([]byte, size)
			for i := range sink {
				sink[i] = byte(i)
			}
			return burnCPU(time.Duration(ms) * time.Millisecond), nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

var sink []byte

// TestStatementCPUAndHeapDelta: SQLite runs in the process, so a statement
// that burns 250 ms of CPU and allocates 8 MiB in SQLite shows both on its
// span.
func TestStatementCPUAndHeapDelta(t *testing.T) {
	burnFunction(t)
	tel := newTelemetry(t)
	db := sqliteBackend().open(t, tel.options()...)
	const burnMS, size = 250, 8 << 20
	var n int64
	if err := db.QueryRowContext(context.Background(), "SELECT sqlsight_burn(?, ?)", burnMS, size).Scan(&n); err != nil {
		t.Fatal(err)
	}
	s := tel.ended("SELECT")
	if len(s) != 1 {
		t.Fatalf("spans %v", tel.names())
	}
	user, _ := attr(s[0], "sqlsight.cpu.user_ms")
	sys, _ := attr(s[0], "sqlsight.cpu.system_ms")
	cpu := user.AsFloat64() + sys.AsFloat64()
	// Tolerance: 95% of the burn (the kernel's accounting is exact in total
	// on Linux; other goroutines only add to it).
	if cpu < 0.95*burnMS {
		t.Fatalf("cpu %.1f ms for a %d ms busy loop", cpu, burnMS)
	}
	if heap, _ := attr(s[0], "sqlsight.mem.heap_alloc_bytes"); heap.AsInt64() < size {
		t.Fatalf("heap delta %d bytes for an %d-byte allocation", heap.AsInt64(), size)
	}
	if c, ok := attr(s[0], "sqlsight.concurrent_statements"); !ok || c.AsInt64() < 1 {
		t.Fatalf("sqlsight.concurrent_statements = %v", c.AsInterface())
	}
}

// TestStatementHeapDelta: MariaDB works in its own process; what the
// application pays is the heap for the result it reads.
func TestStatementHeapDelta(t *testing.T) {
	tel := newTelemetry(t)
	db := mysqlBackend().open(t, tel.options()...)
	const size = 4 << 20
	var blob []byte
	if err := db.QueryRowContext(context.Background(), "SELECT REPEAT('x', ?)", size).Scan(&blob); err != nil {
		t.Fatal(err)
	}
	s := tel.ended("SELECT")
	if len(s) != 1 {
		t.Fatalf("spans %v", tel.names())
	}
	heap, _ := attr(s[0], "sqlsight.mem.heap_alloc_bytes")
	if heap.AsInt64() < size {
		t.Fatalf("heap delta %d bytes for a %d-byte result", heap.AsInt64(), size)
	}
}

func TestWithoutResourceDeltas(t *testing.T) {
	tel := newTelemetry(t)
	db := sqliteBackend().open(t, tel.options(sqltrace.WithoutResourceDeltas())...)
	if _, err := db.ExecContext(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	for _, kv := range tel.spans.Ended()[0].Attributes() {
		if strings.HasPrefix(string(kv.Key), "sqlsight.cpu") || strings.HasPrefix(string(kv.Key), "sqlsight.mem") {
			t.Fatalf("%s recorded with WithoutResourceDeltas", kv.Key)
		}
	}
}

// TestConcurrentStatementsWithDeltas runs 32 goroutines of statements with
// deltas on; -race checks the snapshots and the in-flight counter.
func TestConcurrentStatementsWithDeltas(t *testing.T) {
	tel := newTelemetry(t)
	db := sqliteBackend().open(t, tel.options()...)
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				var v int
				if err := db.QueryRowContext(context.Background(), "SELECT ? + ?", g, i).Scan(&v); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := len(tel.ended("SELECT")); n != 32*20 {
		t.Fatalf("%d spans, want %d", n, 32*20)
	}
}

// TestDeltasOnStatementsWorthMeasuring: a text's first execution records
// deltas; later ones only when the previous execution reached the minimum
// driver time; BEGIN and COMMIT never.
func TestDeltasOnStatementsWorthMeasuring(t *testing.T) {
	run := func(opts ...sqltrace.Option) []bool {
		tel := newTelemetry(t)
		db := sqliteBackend().open(t, tel.options(opts...)...)
		ctx := context.Background()
		for range 3 {
			var v int
			if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&v); err != nil {
				t.Fatal(err)
			}
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		var got []bool
		for _, s := range tel.spans.Ended() {
			_, ok := attr(s, "sqlsight.cpu.user_ms")
			got = append(got, ok)
		}
		return got
	}
	// SELECT ×3, BEGIN, COMMIT
	if got := run(sqltrace.WithResourceDeltaMin(time.Hour)); !slices.Equal(got, []bool{true, false, false, false, false}) {
		t.Errorf("min 1h: deltas on %v", got)
	}
	if got := run(sqltrace.WithResourceDeltaMin(0)); !slices.Equal(got, []bool{true, true, true, false, false}) {
		t.Errorf("min 0: deltas on %v", got)
	}
}
