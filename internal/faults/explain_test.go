package faults

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/internal/vocab"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// gatedConnector connects to the real server for the first allowed
// connections and to a closed port after that: the application's pool
// keeps working while every connection the EXPLAIN pool opens fails with
// the driver's own dial error.
type gatedConnector struct {
	driver.Connector
	down    driver.Connector
	allowed atomic.Int32
}

func (g *gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if g.allowed.Add(-1) >= 0 {
		return g.Connector.Connect(ctx)
	}
	return g.down.Connect(ctx)
}

// server is a real database a fault test runs on.
type server struct {
	name string
	// connectors returns a connector to the server and one of the same
	// driver to a closed port.
	connectors func(t *testing.T) (up, down driver.Connector)
	// lock takes, on the application's connection, a lock that makes
	// EXPLAIN of a SELECT on table wait; unlock releases it.
	lock, unlock []string
	ph           string
}

func servers() []server {
	return []server{
		{
			name: "mariadb",
			connectors: func(t *testing.T) (driver.Connector, driver.Connector) {
				cfg, err := mysql.ParseDSN(testenv.MySQLDSN(t))
				if err != nil {
					t.Fatal(err)
				}
				up, err := mysql.NewConnector(cfg)
				if err != nil {
					t.Fatal(err)
				}
				downCfg := cfg.Clone()
				downCfg.Net, downCfg.Addr, downCfg.Timeout = "tcp", fmt.Sprintf("127.0.0.1:%d", freePort(t)), time.Second
				down, err := mysql.NewConnector(downCfg)
				if err != nil {
					t.Fatal(err)
				}
				return up, down
			},
			lock:   []string{"LOCK TABLES {t} WRITE"},
			unlock: []string{"UNLOCK TABLES"},
			ph:     "?",
		},
		{
			name: "postgresql",
			connectors: func(t *testing.T) (driver.Connector, driver.Connector) {
				cfg, err := pgx.ParseConfig(testenv.PostgresDSN(t))
				if err != nil {
					t.Fatal(err)
				}
				down := cfg.Copy()
				down.Host, down.Port, down.ConnectTimeout, down.Fallbacks = "127.0.0.1", uint16(freePort(t)), time.Second, nil
				return stdlib.GetConnector(*cfg), stdlib.GetConnector(*down)
			},
			lock:   []string{"BEGIN", "LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE"},
			unlock: []string{"COMMIT"},
			ph:     "$1",
		},
	}
}

// TestExplainServerUnreachable: every statement asks for an EXPLAIN, and
// the EXPLAIN pool cannot reach the server. The application's statements
// must all succeed, the failures must be counted, and Close must return.
func TestExplainServerUnreachable(t *testing.T) {
	for _, s := range servers() {
		t.Run(s.name, func(t *testing.T) {
			table := createTable(t, s)
			up, down := s.connectors(t)
			gated := &gatedConnector{Connector: up, down: down}
			gated.allowed.Store(1) // the application's one connection
			tel := testenv.NewTelemetry(t)
			db := sqltrace.OpenDB(gated, options(tel, sqltrace.WithSlowThreshold(time.Nanosecond),
				sqltrace.WithExplain(explain.WithTimeout(2*time.Second), explain.WithRateLimit(100, 100)))...)
			db.SetMaxOpenConns(1)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			for i := range 20 {
				var n int
				q := fmt.Sprintf("SELECT v + %d FROM %s WHERE id = %s", i%5, table, s.ph) // five texts, one fingerprint
				if err := db.QueryRowContext(ctx, q, i%2+1).Scan(&n); err != nil {
					t.Fatalf("statement %d: %v", i, err)
				}
			}
			// Wait for the EXPLAIN failure to be counted.
			testenv.WaitFor(t, 20*time.Second, func() bool {
				return tel.Counter(t, vocab.MetricExplainRequests, vocab.MetricAttrOutcome, string(vocab.OutcomeError)) > 0
			})
			if n := tel.Counter(t, vocab.MetricExplainRequests, vocab.MetricAttrOutcome, string(vocab.OutcomeDone)); n != 0 {
				t.Errorf("%d EXPLAINs done without a server", n)
			}
			within(t, 15*time.Second, "DB.Close", func() {
				if err := db.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
		})
	}
}

// TestExplainTimesOutOnLock: the application locks a table and queries it
// on its own connection; the EXPLAIN of that query, on the sampler's own
// connection, waits for the lock. It must give up at its timeout while the
// lock is still held, without holding up the application.
func TestExplainTimesOutOnLock(t *testing.T) {
	for _, s := range servers() {
		t.Run(s.name, func(t *testing.T) {
			table := createTable(t, s)
			up, _ := s.connectors(t)
			tel := testenv.NewTelemetry(t)
			db := sqltrace.OpenDB(up, options(tel, sqltrace.WithSlowThreshold(time.Nanosecond),
				sqltrace.WithExplain(explain.WithTimeout(300*time.Millisecond)))...)
			defer db.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			expand := func(q string) string { return replaceTable(q, table) }
			for _, q := range s.lock {
				if _, err := conn.ExecContext(ctx, expand(q)); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			var v int
			if err := conn.QueryRowContext(ctx, "SELECT v FROM "+table+" WHERE id = "+s.ph, 2).Scan(&v); err != nil {
				t.Fatal(err)
			}
			// The EXPLAIN gives up while the lock is held.
			// Wait for the EXPLAIN to time out.
			testenv.WaitFor(t, 15*time.Second, func() bool {
				return tel.Counter(t, vocab.MetricExplainRequests, vocab.MetricAttrOutcome, string(vocab.OutcomeError)) > 0
			})
			// The application's connection was never held up.
			if err := conn.QueryRowContext(ctx, "SELECT v FROM "+table+" WHERE id = "+s.ph, 1).Scan(&v); err != nil {
				t.Fatal(err)
			}
			for _, q := range s.unlock {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			// The sampler counts the failure before it ends the span.
			var explainSpan sdktrace.ReadOnlySpan
			if !testenv.Eventually(15*time.Second, func() bool {
				for _, sp := range tel.Spans.Ended() {
					if strings.HasPrefix(sp.Name(), "EXPLAIN") && sp.Status().Code == codes.Error {
						explainSpan = sp
					}
				}
				return explainSpan != nil
			}) {
				t.Fatal("no failed EXPLAIN span")
			}
			t.Logf("EXPLAIN span %q: %s", explainSpan.Name(), explainSpan.Status().Description)
		})
	}
}

func replaceTable(q, table string) string {
	return strings.ReplaceAll(q, "{t}", table)
}

// createTable creates a two-row table for one test and drops it after.
func createTable(t *testing.T, s server) string {
	up, _ := s.connectors(t)
	setup := sql.OpenDB(up)
	table := tableName("ft_" + s.name[:2])
	t.Cleanup(func() {
		_, _ = setup.Exec("DROP TABLE " + table)
		setup.Close()
	})
	for _, q := range []string{"CREATE TABLE " + table + " (id INT PRIMARY KEY, v INT)", "INSERT INTO " + table + " VALUES (1, 1), (2, 2)"} {
		if _, err := setup.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return table
}
