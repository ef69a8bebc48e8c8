package resource

import (
	"context"
	"database/sql"
	"runtime"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// openSQLite opens a private in-memory SQLite database on one connection.
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:rs_snapshot?mode=memory")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	return db
}

// countTo is a recursive CTE that burns CPU inside SQLite and returns one
// row.
const countTo = `WITH RECURSIVE rs_c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM rs_c WHERE x < ?)
SELECT sum(x) FROM rs_c`

// sumTo runs countTo on the calling goroutine's OS thread and returns the
// thread CPU time the statement took. modernc.org/sqlite is pure Go and
// database/sql runs the query on the caller's goroutine, so the thread
// clock measures the statement independently of Take and Since.
func sumTo(t *testing.T, db *sql.DB, n int64) time.Duration {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadCPU(t)
	var sum int64
	if err := db.QueryRowContext(context.Background(), countTo, n).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if want := n * (n + 1) / 2; sum != want {
		t.Fatalf("sum = %d, want %d", sum, want)
	}
	return threadCPU(t) - start
}

func TestSnapshotAroundSQLiteStatement(t *testing.T) {
	db := openSQLite(t)
	// Size the CTE so that the statement burns ≥ 200 ms on this machine,
	// with or without the race detector.
	const probe = 20_000
	sumTo(t, db, probe) // warm up
	perRow := max(sumTo(t, db, probe)/probe, time.Nanosecond)
	rows := min(int64(300*time.Millisecond/perRow), 1<<31)

	tests := []struct {
		name string
		run  func(t *testing.T) spent
	}{
		{"recursive CTE burns CPU", func(t *testing.T) spent {
			burnt := sumTo(t, db, rows)
			if burnt < 200*time.Millisecond {
				t.Logf("statement burnt only %v (rows=%d)", burnt, rows)
			}
			return spent{cpu: burnt, userShare: 0.7}
		}},
		{"2048 rows of 2 KiB text", func(t *testing.T) spent {
			const n, size = 2048, 2048
			rs, err := db.Query(`WITH RECURSIVE rs_c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM rs_c WHERE x < ?)
SELECT hex(zeroblob(?)) FROM rs_c`, n, size/2)
			if err != nil {
				t.Fatal(err)
			}
			defer rs.Close()
			texts := make([]string, 0, n) // 32 KiB of headers, counted below
			for rs.Next() {
				var s string
				if err := rs.Scan(&s); err != nil {
					t.Fatal(err)
				}
				texts = append(texts, s)
			}
			if err := rs.Err(); err != nil {
				t.Fatal(err)
			}
			if len(texts) != n || len(texts[0]) != size {
				t.Fatalf("got %d rows of %d bytes", len(texts), len(texts[0]))
			}
			// Only the strings are known exactly; small objects of the last
			// per-P cache may not be counted yet, hence the 64 KiB margin.
			return spent{heap: n*size - 64<<10}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, work, outer := measure(t, tt.run)
			if work.cpu > 0 {
				checkDelta(t, d, work, outer)
				return
			}
			t.Logf("delta: %v", d)
			if d.HeapAllocBytes < work.heap {
				t.Errorf("HeapAllocBytes = %d, want ≥ %d", d.HeapAllocBytes, work.heap)
			}
			// database/sql and the driver allocate per row besides the
			// strings; they must not double the bill.
			if limit := 2*work.heap + heapAbove; d.HeapAllocBytes > limit {
				t.Errorf("HeapAllocBytes = %d, want ≤ %d", d.HeapAllocBytes, limit)
			}
		})
	}
}
