package faults

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/internal/vocab"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// TestSQLiteDefaultDSNWritesNeverBusy is the case end to end: an
// application on SQLite with the default DSN (no busy_timeout, rollback
// journal) writes 1,800 rows in a loop, reading with IN lookups between
// writes, while the background EXPLAIN explains every read it can. A write
// that fails with SQLITE_BUSY because of sqlsight fails the test; the raw
// driver has none (one connection).
func TestSQLiteDefaultDSNWritesNeverBusy(t *testing.T) {
	for _, journal := range []string{"delete", "wal"} {
		t.Run(journal, func(t *testing.T) {
			tel := testenv.NewTelemetry(t)
			path := filepath.Join(t.TempDir(), "app.db")
			db, err := sqltrace.Open("sqlite", path, options(tel,
				sqltrace.WithSlowThreshold(time.Nanosecond), // every read qualifies
				sqltrace.WithExplain(explain.WithDedupeTTL(time.Nanosecond), explain.WithRateLimit(1e6, 1000)),
			)...)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			for _, q := range []string{
				"PRAGMA journal_mode=" + journal,
				"CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)",
				"CREATE TABLE w (id INTEGER PRIMARY KEY, v INTEGER)",
			} {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			failed := 0
			var first error
			for i := 0; i < 1800; i++ {
				rows, err := db.QueryContext(ctx, "SELECT * FROM t WHERE v IN (?, ?)", i, i+1)
				if err == nil {
					rows.Close()
				}
				if _, err := db.ExecContext(ctx, "INSERT INTO w (v) VALUES (?)", i); err != nil {
					failed++
					if first == nil {
						first = err
					}
				}
			}
			if failed > 0 {
				t.Errorf("%d of 1800 writes failed, first: %v", failed, first)
			}
			done := tel.Counter(t, vocab.MetricExplainRequests, "outcome", string(vocab.OutcomeDone))
			if done < 20 {
				t.Errorf("only %d explains ran alongside the writes", done)
			}
			t.Logf("%s: %d explains done alongside 1800 writes", journal, done)
		})
	}
}
