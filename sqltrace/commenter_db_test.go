package sqltrace_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/otel/propagation"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// serverActivity is how a test reads the text of a running statement.
type serverActivity struct {
	name string
	// open returns the traced database and an untraced one to watch it.
	open func(t *testing.T, opts ...sqltrace.Option) (traced, raw *sql.DB)
	// sleep is a one-second statement; %s is a marker that makes it unique.
	sleep string
	// activity selects the text (and PostgreSQL's query_id, 0 elsewhere)
	// of running statements whose text contains its one argument.
	activity string
	// withArg is a statement with one argument.
	withArg string
}

func serverActivities() []serverActivity {
	return []serverActivity{
		{
			name: "postgresql",
			open: func(t *testing.T, opts ...sqltrace.Option) (*sql.DB, *sql.DB) {
				cfg, err := pgx.ParseConfig(testenv.PostgresDSN(t))
				if err != nil {
					t.Fatal(err)
				}
				// query_id in pg_stat_activity is pg_stat_statements' key:
				// comparing it shows whether comments change the key.
				cfg.RuntimeParams["compute_query_id"] = "on"
				traced := sqltrace.OpenDB(stdlib.GetConnector(*cfg), opts...)
				t.Cleanup(func() { traced.Close() })
				return traced, postgresBackend().openRaw(t)
			},
			sleep:   "SELECT pg_sleep(1) AS %s",
			withArg: "SELECT $1::int",
			// query_id is set after parse analysis, a moment after the
			// text shows as active: wait for it, not for the text alone.
			activity: "SELECT query, query_id FROM pg_stat_activity " +
				"WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND strpos(query, $1) > 0 AND query_id IS NOT NULL",
		},
		{
			name: "mariadb",
			open: func(t *testing.T, opts ...sqltrace.Option) (*sql.DB, *sql.DB) {
				cfg, err := mysql.ParseDSN(testenv.MySQLDSN(t))
				if err != nil {
					t.Fatal(err)
				}
				connector, err := mysql.NewConnector(cfg)
				if err != nil {
					t.Fatal(err)
				}
				traced := sqltrace.OpenDB(connector, opts...)
				t.Cleanup(func() { traced.Close() })
				return traced, mysqlBackend().openRaw(t)
			},
			sleep:   "SELECT SLEEP(1) AS %s",
			withArg: "SELECT ?",
			activity: "SELECT info, 0 FROM information_schema.processlist " +
				"WHERE id <> CONNECTION_ID() AND command <> 'Sleep' AND LOCATE(?, info) > 0",
		},
	}
}

// runningText runs call in a goroutine and returns the text (and query
// ID) the server shows for the running statement, polled until it shows
// up; then it waits for call to return.
func runningText(t *testing.T, raw *sql.DB, activity, marker string, call func() error) (text string, queryID int64) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	testenv.WaitFor(t, 10*time.Second, func() bool {
		err := raw.QueryRow(activity, marker).Scan(&text, &queryID)
		return err == nil
	}) // the statement in the server's activity
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return text, queryID
}

// TestSQLCommenterOnServer: while a one-second statement runs, the server
// shows its text with a traceparent naming the statement's own span; a
// prepared statement is shown as the application wrote it; the span's
// attributes carry no comment.
func TestSQLCommenterOnServer(t *testing.T) {
	for _, s := range serverActivities() {
		t.Run(s.name, func(t *testing.T) {
			tel := newTelemetry(t)
			db, raw := s.open(t, tel.options(sqltrace.WithSQLCommenter(
				sqltrace.CommentPropagator(propagation.TraceContext{}),
				sqltrace.CommentApplication("sqlsight-test")))...)
			marker := fmt.Sprintf("budgets_%d", time.Now().UnixNano())
			query := fmt.Sprintf(s.sleep, marker)
			ctx := context.Background()

			text, commentedID := runningText(t, raw, s.activity, marker, func() error {
				_, err := db.ExecContext(ctx, query)
				return err
			})
			t.Logf("the server shows: %s", text)
			if !strings.HasPrefix(text, query+" /*application='sqlsight-test',traceparent='00-") {
				t.Fatalf("server shows %q", text)
			}
			spans := tel.spans.Ended()
			if len(spans) == 0 {
				t.Fatal("no span")
			}
			last := spans[len(spans)-1]
			commentedSpan(t, text, last)
			for _, kv := range last.Attributes() {
				if strings.Contains(kv.Value.Emit(), "/*") {
					t.Errorf("attribute %s carries the comment: %s", kv.Key, kv.Value.Emit())
				}
			}

			stmt, err := db.PrepareContext(ctx, query)
			if err != nil {
				t.Fatal(err)
			}
			defer stmt.Close()
			text, preparedID := runningText(t, raw, s.activity, marker, func() error {
				_, err := stmt.ExecContext(ctx)
				return err
			})
			if text != query {
				t.Fatalf("the prepared statement shows as %q, want %q", text, query)
			}

			// Statements with arguments: go-sql-driver/mysql (without
			// interpolateParams) answers driver.ErrSkip and database/sql
			// prepares them; pgx runs them directly. Either way, one span
			// each, and the result is right.
			tel.reset()
			for i := range 3 {
				var v int
				if err := db.QueryRowContext(ctx, s.withArg, i).Scan(&v); err != nil || v != i {
					t.Fatalf("%s with %d: %d, %v", s.withArg, i, v, err)
				}
			}
			if n := len(tel.spans.Ended()); n != 3 {
				t.Errorf("%d spans for 3 statements with arguments: %v", n, tel.names())
			}

			if commentedID != preparedID {
				t.Errorf("query_id with the comment %d, without %d", commentedID, preparedID)
			} else if commentedID != 0 {
				t.Logf("query_id %d with and without the comment: pg_stat_statements' key ignores it", commentedID)
			}
		})
	}
}
