package sqltrace_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/internal/vocab"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// TestExplainRunsNoUserFunction is the case on the servers it was
// found on: MariaDB evaluates a stored function while explaining, and
// PostgreSQL's planner evaluates a STABLE function (which may call one that
// writes) while planning. The application's statements call such a
// function; the background EXPLAIN must not call it again. A second round
// declares the function pure (explain.WithPureFunctions): the EXPLAIN then
// reaches the server, and its read-only transaction must stop the write.
func TestExplainRunsNoUserFunction(t *testing.T) {
	for _, server := range []struct {
		name   string
		driver string
		dsn    func(testing.TB) string
		setup  []string
		lookup string // calls sf_f with one argument
		in     string // an IN lookup calling sf_f, two arguments
	}{
		{
			name: "mariadb", driver: "mysql", dsn: testenv.MySQLDSN,
			setup: []string{
				"DROP FUNCTION IF EXISTS sf_f",
				"DROP TABLE IF EXISTS sf_t, sf_log",
				"CREATE TABLE sf_t (id INT PRIMARY KEY, v INT)",
				"CREATE TABLE sf_log (n INT)",
				"INSERT INTO sf_t VALUES (1, 1), (2, 2), (3, 3)",
				`CREATE FUNCTION sf_f(x INT) RETURNS INT DETERMINISTIC MODIFIES SQL DATA
				 BEGIN INSERT INTO sf_log VALUES (x); RETURN x; END`,
			},
			lookup: "SELECT * FROM sf_t WHERE id = sf_f(?)",
			in:     "SELECT * FROM sf_t WHERE id IN (sf_f(?), ?)",
		},
		{
			name: "postgresql", driver: "pgx", dsn: testenv.PostgresDSN,
			setup: []string{
				"DROP TABLE IF EXISTS sf_t, sf_log",
				"CREATE TABLE sf_t (id INT PRIMARY KEY, v INT)",
				"CREATE TABLE sf_log (n INT)",
				"INSERT INTO sf_t VALUES (1, 1), (2, 2), (3, 3)",
				`CREATE OR REPLACE FUNCTION sf_ins(x INT) RETURNS INT VOLATILE LANGUAGE plpgsql
				 AS $$ BEGIN INSERT INTO sf_log VALUES (x); RETURN x; END $$`,
				`CREATE OR REPLACE FUNCTION sf_f(x INT) RETURNS INT STABLE LANGUAGE plpgsql
				 AS $$ BEGIN RETURN sf_ins(x); END $$`,
			},
			lookup: "SELECT * FROM sf_t WHERE id = sf_f($1)",
			in:     "SELECT * FROM sf_t WHERE id IN (sf_f($1), $2)",
		},
	} {
		t.Run(server.name, func(t *testing.T) {
			dsn := server.dsn(t)
			admin, err := sql.Open(server.driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			for _, q := range server.setup {
				if _, err := admin.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			logRows := func() int {
				var n int
				if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM sf_log").Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}

			// run executes both statements through sqltrace with every
			// statement qualifying for EXPLAIN, waits for the explains, and
			// returns the log rows the explains added (the application's
			// own calls are counted before).
			run := func(extra ...explain.Option) (added int, skipped int64) {
				tel := testenv.NewTelemetry(t)
				pending := sqltrace.NewPendingExplains()
				db, err := sqltrace.Open(server.driver, dsn,
					sqltrace.WithTracerProvider(tel.TracerProvider), sqltrace.WithMeterProvider(tel.MeterProvider),
					sqltrace.WithPendingExplains(pending),
					sqltrace.WithSlowThreshold(time.Nanosecond),
					sqltrace.WithExplain(append([]explain.Option{explain.WithDedupeTTL(time.Nanosecond),
						explain.WithRateLimit(1000, 1000)}, extra...)...))
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				for i, q := range []string{server.lookup, server.in} {
					args := []any{1}
					if i == 1 {
						args = append(args, 2)
					}
					rows, err := db.QueryContext(ctx, q, args...)
					if err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					for rows.Next() {
					}
					if err := rows.Close(); err != nil {
						t.Fatal(err)
					}
				}
				before := logRows()
				if err := pending.Wait(ctx); err != nil {
					t.Fatalf("explains still in flight: %v", err)
				}
				skipped = tel.Counter(t, vocab.MetricExplainRequests, "reason", string(vocab.SkipFunction))
				return logRows() - before, skipped
			}

			added, skipped := run()
			if added != 0 {
				t.Errorf("the background EXPLAIN called the user's function: %d log rows added", added)
			}
			if skipped < 2 {
				t.Errorf("%d statements skipped for their function, want 2", skipped)
			}

			// Declared pure, the statements pass the allow-list and reach
			// the server, where the second layer holds: the EXPLAIN runs
			// in a read-only transaction, so the function cannot write.
			added, skipped = run(explain.WithPureFunctions("sf_f"))
			if skipped != 0 {
				t.Errorf("declared pure, %d statements were still skipped: the second layer is not exercised", skipped)
			}
			if added != 0 {
				t.Errorf("declared pure, the function wrote %d log rows through the read-only EXPLAIN", added)
			}
		})
	}
}
