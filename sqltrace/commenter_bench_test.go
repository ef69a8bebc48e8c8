package sqltrace_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// nopDriver runs every statement directly and instantly: a benchmark of it
// measures the wrapper alone.
type nopDriver struct{ minimalDriver }

func (d *nopDriver) Open(string) (driver.Conn, error) {
	return &nopConn{minimalConn{d: &d.minimalDriver}}, nil
}

type nopConn struct{ minimalConn }

func (c *nopConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}

func (c *nopConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return &valueRows{values: []driver.Value{int64(1)}}, nil
}

// benchmarkDirectExec runs a sampled statement executed directly (the
// calls the commenter comments).
func benchmarkDirectExec(b *testing.B, opts ...sqltrace.Option) {
	tp := sdktrace.NewTracerProvider() // sampled, recording, exported nowhere
	defer tp.Shutdown(context.Background())
	opts = append([]sqltrace.Option{sqltrace.WithTracerProvider(tp), sqltrace.WithoutExplain()}, opts...)
	db := sql.OpenDB(sqltrace.WrapConnector(dsnConnector{&nopDriver{}}, opts...))
	defer db.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.ExecContext(ctx, "UPDATE accounts SET balance = balance + 1 WHERE id = 42"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDirectExec is the commenter's off path: compare it with the
// commit before WithSQLCommenter existed.
func BenchmarkDirectExec(b *testing.B) { benchmarkDirectExec(b) }

// BenchmarkDirectQuery is the same for a query, whose run lives on the heap
// until its rows close.
func BenchmarkDirectQuery(b *testing.B) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	db := sql.OpenDB(sqltrace.WrapConnector(dsnConnector{&nopDriver{}}, sqltrace.WithTracerProvider(tp), sqltrace.WithoutExplain()))
	defer db.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		var v int64
		if err := db.QueryRowContext(ctx, "SELECT balance FROM accounts WHERE id = 42").Scan(&v); err != nil {
			b.Fatal(err)
		}
	}
}
