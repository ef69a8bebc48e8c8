package sqltrace_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// TestSpansAcrossDatabases runs one suite through SQLite, MariaDB and
// PostgreSQL: span names, the conventions' attributes, rows, errors,
// transactions and prepared statements.
func TestSpansAcrossDatabases(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			tel := newTelemetry(t)
			db := b.open(t, tel.options()...)
			ctx := context.Background()
			tbl := table(t, db, "st_review", "id "+b.autoID+", n_review_id INT, reid VARCHAR(64)")

			t.Run("exec", func(t *testing.T) {
				tel.reset()
				q := fmt.Sprintf("INSERT INTO %s (n_review_id, reid) VALUES (%s, %s)", tbl, b.ph(1), b.ph(2))
				for i := range 3 {
					res, err := db.ExecContext(ctx, q, i, fmt.Sprintf("secret-%d", i))
					if err != nil {
						t.Fatal(err)
					}
					if n, _ := res.RowsAffected(); n != 1 {
						t.Fatalf("rows affected %d", n)
					}
				}
				spans := tel.ended("INSERT " + tbl)
				if len(spans) != 3 {
					t.Fatalf("%d INSERT spans, want 3; got %v", len(spans), tel.names())
				}
				s := spans[0]
				if s.SpanKind() != trace.SpanKindClient {
					t.Errorf("span kind %v", s.SpanKind())
				}
				want := map[string]any{
					"db.system.name":         b.system,
					"db.namespace":           b.namespace,
					"db.query.summary":       "INSERT " + tbl,
					"db.operation.name":      "INSERT",
					"db.collection.name":     tbl,
					"db.query.text":          q,
					"sqlsight.rows_affected": int64(1),
				}
				if b.address != "" {
					want["server.address"] = b.address
				}
				for k, v := range want {
					got, ok := attr(s, k)
					if !ok || got.AsInterface() != v {
						t.Errorf("%s = %v, want %v", k, got.AsInterface(), v)
					}
				}
				if b.address != "" {
					if p, ok := attr(s, "server.port"); !ok || p.AsInt64() == 0 {
						t.Errorf("server.port missing")
					}
				}
				if d, ok := attr(s, "sqlsight.driver_time_ms"); !ok || d.AsFloat64() <= 0 {
					t.Errorf("sqlsight.driver_time_ms = %v", d.AsInterface())
				}
				fp0, _ := attr(spans[0], "sqlsight.query.fingerprint")
				fp2, _ := attr(spans[2], "sqlsight.query.fingerprint")
				if fp0.AsString() == "" || fp0 != fp2 {
					t.Errorf("fingerprints %q and %q differ for the same statement", fp0.AsString(), fp2.AsString())
				}
				for _, kv := range s.Attributes() {
					if strings.Contains(kv.Value.Emit(), "secret-") {
						t.Errorf("argument value leaked into %s", kv.Key)
					}
				}
			})

			t.Run("literals are sanitized", func(t *testing.T) {
				tel.reset()
				if _, err := db.ExecContext(ctx, "UPDATE "+tbl+" SET reid = 'hunter2' WHERE n_review_id = 42"); err != nil {
					t.Fatal(err)
				}
				s := tel.ended("UPDATE " + tbl)
				if len(s) != 1 {
					t.Fatalf("spans %v", tel.names())
				}
				text, _ := attr(s[0], "db.query.text")
				if strings.Contains(text.AsString(), "hunter2") || strings.Contains(text.AsString(), "= 42") {
					t.Errorf("db.query.text keeps literals: %q", text.AsString())
				}
			})

			t.Run("query rows", func(t *testing.T) {
				tel.reset()
				rows, err := db.QueryContext(ctx, "SELECT n_review_id, reid FROM "+tbl+" ORDER BY n_review_id")
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for rows.Next() {
					if n == 0 && len(tel.ended("SELECT "+tbl)) != 0 {
						t.Error("query span ended while rows were being read")
					}
					n++
				}
				if err := rows.Close(); err != nil {
					t.Fatal(err)
				}
				s := tel.ended("SELECT " + tbl)
				if len(s) != 1 {
					t.Fatalf("spans %v", tel.names())
				}
				if got, _ := attr(s[0], "db.response.returned_rows"); got.AsInt64() != int64(n) || n != 3 {
					t.Errorf("returned rows %d, scanned %d", got.AsInt64(), n)
				}
			})

			t.Run("error", func(t *testing.T) {
				tel.reset()
				_, err := db.QueryContext(ctx, "SELECT * FROM st_missing_table WHERE id = "+b.ph(1), 1)
				if err == nil {
					t.Fatal("no error")
				}
				switch b.name {
				case "mariadb":
					var me *mysql.MySQLError
					if !errors.As(err, &me) || me.Number != 1146 {
						t.Errorf("errors.As(*mysql.MySQLError) failed on %v", err)
					}
				case "postgresql":
					var pe *pgconn.PgError
					if !errors.As(err, &pe) || pe.Code != "42P01" {
						t.Errorf("errors.As(*pgconn.PgError) failed on %v", err)
					}
				case "sqlite":
					var se *sqlite.Error
					if !errors.As(err, &se) {
						t.Errorf("errors.As(*sqlite.Error) failed on %v", err)
					}
				}
				s := tel.ended("SELECT st_missing_table")
				if len(s) != 1 {
					t.Fatalf("spans %v", tel.names())
				}
				if s[0].Status().Code != codes.Error {
					t.Errorf("status %v", s[0].Status())
				}
				if code, _ := attr(s[0], "db.response.status_code"); code.AsString() != b.missingTableCode {
					t.Errorf("db.response.status_code %q, want %q", code.AsString(), b.missingTableCode)
				}
				if et, _ := attr(s[0], "error.type"); et.AsString() == "" {
					t.Error("error.type missing")
				}
			})

			t.Run("transaction", func(t *testing.T) {
				tel.reset()
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, "DELETE FROM "+tbl+" WHERE n_review_id = "+b.ph(1), 0); err != nil {
					t.Fatal(err)
				}
				if err := tx.Rollback(); err != nil {
					t.Fatal(err)
				}
				tx, err = db.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				for name, want := range map[string]int{"BEGIN": 2, "ROLLBACK": 1, "COMMIT": 1, "DELETE " + tbl: 1} {
					if got := len(tel.ended(name)); got != want {
						t.Errorf("%d %s spans, want %d (spans %v)", got, name, want, tel.names())
					}
				}
			})

			t.Run("prepared statement", func(t *testing.T) {
				tel.reset()
				stmt, err := db.PrepareContext(ctx, "SELECT reid FROM "+tbl+" WHERE n_review_id = "+b.ph(1))
				if err != nil {
					t.Fatal(err)
				}
				defer stmt.Close()
				for i := range 3 {
					var reid string
					if err := stmt.QueryRowContext(ctx, i).Scan(&reid); err != nil {
						t.Fatal(err)
					}
				}
				if got := len(tel.ended("SELECT " + tbl)); got != 3 {
					t.Errorf("%d spans for 3 prepared executions (spans %v)", got, tel.names())
				}
			})

			t.Run("context cancelled", func(t *testing.T) {
				cctx, cancel := context.WithCancel(ctx)
				cancel()
				_, err := db.QueryContext(cctx, "SELECT * FROM "+tbl)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error %v, want context.Canceled", err)
				}
			})

			t.Run("parent", func(t *testing.T) {
				tel.reset()
				pctx, parent := tel.tp.Tracer("test").Start(ctx, "request")
				if _, err := db.ExecContext(pctx, "DELETE FROM "+tbl+" WHERE n_review_id = "+b.ph(1), 99); err != nil {
					t.Fatal(err)
				}
				parent.End()
				s := tel.ended("DELETE " + tbl)
				if len(s) != 1 || s[0].Parent().SpanID() != parent.SpanContext().SpanID() {
					t.Fatalf("statement span is not a child of the request span")
				}
			})
		})
	}
}

// TestErrSkipIsNotRecorded uses go-sql-driver/mysql with
// interpolateParams=false: its QueryContext answers driver.ErrSkip for a
// statement with arguments and database/sql prepares it instead. Exactly
// one span, without error, must result.
func TestErrSkipIsNotRecorded(t *testing.T) {
	tel := newTelemetry(t)
	cfg, err := mysql.ParseDSN(testenv.MySQLDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.InterpolateParams = false
	db, err := sqltrace.Open("mysql", cfg.FormatDSN(), tel.options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var one int
	if err := db.QueryRowContext(context.Background(), "SELECT ? + 0", 1).Scan(&one); err != nil || one != 1 {
		t.Fatalf("scan: %v %d", err, one)
	}
	spans := tel.spans.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans (%v), want 1", len(spans), tel.names())
	}
	if spans[0].Status().Code == codes.Error {
		t.Errorf("ErrSkip recorded as an error: %v", spans[0].Status())
	}
}

// TestOpenWithDSN covers Open and Register, the DSN paths.
func TestOpenWithDSN(t *testing.T) {
	tel := newTelemetry(t)
	name, err := sqltrace.Register("pgx", tel.options()...)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(name, testenv.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	s := tel.ended("SELECT")
	if len(s) != 1 {
		t.Fatalf("spans %v", tel.names())
	}
	if v, _ := attr(s[0], "server.address"); v.AsString() != "127.0.0.1" {
		t.Errorf("server.address %q", v.AsString())
	}
	if len(tel.ended("PING")) != 0 {
		t.Error("ping traced without WithConnectionSpans")
	}
}

func TestConnectionSpans(t *testing.T) {
	tel := newTelemetry(t)
	db := sqliteBackend().open(t, tel.options(sqltrace.WithConnectionSpans())...)
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(tel.ended("CONNECT")) != 1 || len(tel.ended("PING")) != 1 {
		t.Fatalf("spans %v, want CONNECT and PING", tel.names())
	}
}

// TestPrepareHoldsNothing runs statements one after another through
// go-sql-driver/mysql's default DSN, which answers driver.ErrSkip for a
// statement with arguments: database/sql then prepares and executes. Each
// statement is alone in flight, and the span filter is told about the
// prepare as a prepare.
func TestPrepareHoldsNothing(t *testing.T) {
	tel := newTelemetry(t)
	var (
		mu      sync.Mutex
		methods = map[sqltrace.Method]int{}
	)
	filter := func(_ context.Context, m sqltrace.Method, _ string) bool {
		mu.Lock()
		methods[m]++
		mu.Unlock()
		return true
	}
	db := mysqlBackend().open(t, tel.options(sqltrace.WithResourceDeltaMin(0), sqltrace.WithSpanFilter(filter))...)
	ctx := context.Background()
	tbl := table(t, db, "ph_item", "id INT PRIMARY KEY, n INT")
	tel.reset()
	for i := range 6 {
		if _, err := db.ExecContext(ctx, "INSERT INTO "+tbl+" (id, n) VALUES (?, ?)", i, i); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT n FROM "+tbl+" WHERE id = ?", i).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	spans := tel.spans.Ended()
	if len(spans) != 12 {
		t.Fatalf("%d spans, want 12: %v", len(spans), tel.names())
	}
	for _, s := range spans {
		c, ok := attr(s, "sqlsight.concurrent_statements")
		if !ok || c.AsInt64() != 1 {
			t.Errorf("%s: sqlsight.concurrent_statements = %v, want 1", s.Name(), c.AsInterface())
		}
	}
	// Root statements start their span before the driver call; the span of
	// the call the driver skipped is the span of the execution that
	// follows, or of the prepare's error: every started span ends, once.
	tel.reset()
	if _, err := db.ExecContext(ctx, "INSERT INTO ph_missing (id) VALUES (?)", 1); err == nil {
		t.Fatal("insert into a missing table worked")
	}
	if failed := tel.spans.Ended(); len(failed) != 1 || failed[0].Status().Code != codes.Error {
		t.Errorf("prepare error: %d spans %v, want 1 with an error status", len(failed), tel.names())
	}
	if started, ended := len(tel.spans.Started()), len(tel.spans.Ended()); started != ended {
		t.Errorf("%d spans started, %d ended", started, ended)
	}
	mu.Lock()
	defer mu.Unlock()
	if methods[sqltrace.MethodPrepare] < 12 {
		t.Errorf("span filter saw %v, want 12 prepares", methods)
	}
}

// TestPrepareFilteredKeepsStatementSpan: a span filter that refuses prepares
// (but not executions) still sees the statement's failure on its span when
// the driver skipped the call and the prepare that stands in for it fails.
func TestPrepareFilteredKeepsStatementSpan(t *testing.T) {
	tel := newTelemetry(t)
	noPrepares := func(_ context.Context, m sqltrace.Method, _ string) bool { return m != sqltrace.MethodPrepare }
	db := mysqlBackend().open(t, tel.options(sqltrace.WithSpanFilter(noPrepares))...)
	if _, err := db.ExecContext(context.Background(), "INSERT INTO pf_missing (id) VALUES (?)", 1); err == nil {
		t.Fatal("insert into a missing table worked")
	}
	spans := tel.spans.Ended()
	if len(spans) != 1 || spans[0].Status().Code != codes.Error {
		t.Fatalf("%d spans %v, want 1 with an error status", len(spans), tel.names())
	}
	if started := len(tel.spans.Started()); started != 1 {
		t.Fatalf("%d spans started, want 1", started)
	}
}
