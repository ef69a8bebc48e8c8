package faults

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// scanSource is a database and a query returning many rows.
type scanSource struct {
	name       string
	connector  func(t *testing.T) func() driver.Connector
	manyRows   string
	fewRowsArg string // a query with one placeholder
}

func scanSources() []scanSource {
	return []scanSource{
		{
			name: "sqlite",
			connector: func(t *testing.T) func() driver.Connector {
				dsn := "file:" + filepath.Join(t.TempDir(), "cancel.db")
				return func() driver.Connector {
					c, err := sqlite.NewConnector(dsn)
					if err != nil {
						t.Fatal(err)
					}
					return c
				}
			},
			manyRows:   "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) SELECT x FROM c",
			fewRowsArg: "SELECT ? + 1",
		},
		{
			name: "mariadb",
			connector: func(t *testing.T) func() driver.Connector {
				testenv.MySQLDSN(t) // skips when unset
				return func() driver.Connector {
					up, _ := servers()[0].connectors(t)
					return up
				}
			},
			manyRows:   "SELECT seq FROM seq_1_to_1000000",
			fewRowsArg: "SELECT ? + 1",
		},
		{
			name: "postgresql",
			connector: func(t *testing.T) func() driver.Connector {
				testenv.PostgresDSN(t)
				return func() driver.Connector {
					up, _ := servers()[1].connectors(t)
					return up
				}
			},
			manyRows:   "SELECT generate_series(1, 1000000)",
			fewRowsArg: "SELECT $1::int + 1",
		},
	}
}

// TestCancelMidScan cancels a statement's context in the middle of a row
// scan, raw and wrapped: the application must see the same error, the
// connection must go back to the pool, and the pool must serve the next
// statement. The wrapped statement's span must end.
func TestCancelMidScan(t *testing.T) {
	for _, src := range scanSources() {
		t.Run(src.name, func(t *testing.T) {
			newConnector := src.connector(t)
			type result struct {
				read  int
				err   string
				close string
				next  string
			}
			run := func(db *sql.DB) result {
				var r result
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				within(t, 30*time.Second, "the cancelled scan", func() {
					rows, err := db.QueryContext(ctx, src.manyRows)
					if err != nil {
						r.err = "query: " + driverErrorClass(err)
						return
					}
					for rows.Next() {
						r.read++
						if r.read == 100 {
							cancel()
						}
						if r.read > 1_000_000 {
							break
						}
					}
					r.err = driverErrorClass(rows.Err())
					if err := rows.Close(); err != nil {
						r.close = driverErrorClass(err)
					}
				})
				// Wait for the connection back in the pool.
				testenv.WaitFor(t, 10*time.Second, func() bool { return db.Stats().InUse == 0 })
				var n int
				err := db.QueryRowContext(context.Background(), src.fewRowsArg, 41).Scan(&n)
				r.next = fmt.Sprintf("%d %v", n, err)
				return r
			}
			raw := sql.OpenDB(newConnector())
			defer raw.Close()
			want := run(raw)

			tel := testenv.NewTelemetry(t)
			db := sqltrace.OpenDB(newConnector(), options(tel)...)
			defer db.Close()
			got := run(db)
			if want.read < 100 || want.read >= 1_000_000 {
				t.Fatalf("raw read %d rows: the cancel did not land mid-scan", want.read)
			}
			// How many rows arrive after the cancel depends on buffering;
			// what the application is told does not.
			if got.err != want.err || got.close != want.close || got.next != want.next {
				t.Errorf("wrapped %+v, raw %+v", got, want)
			}
			if got.err != "context.Canceled" {
				t.Errorf("rows.Err() is %q, want context.Canceled", got.err)
			}
			// The scan's span ends, and says it was cancelled, whoever
			// noticed first: the driver's Next, or database/sql closing the
			// rows when the context ended.
			var scan sdktrace.ReadOnlySpan
			// Wait for the scan's span to end.
			testenv.WaitFor(t, 10*time.Second, func() bool {
				for _, s := range tel.Spans.Ended() {
					for _, kv := range s.Attributes() {
						if kv.Key == "db.response.returned_rows" && kv.Value.AsInt64() >= 100 {
							scan = s
							return true
						}
					}
				}
				return false
			})
			if st := scan.Status(); st.Code != codes.Error || st.Description != "context.Canceled" {
				t.Errorf("the cancelled scan's span has status %v, want Error context.Canceled", st)
			}
			t.Logf("raw %+v; wrapped %+v", want, got)
		})
	}
}
