package sqltrace_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// copyDriver behaves like lib/pq's COPY: preparing "COPY ... FROM STDIN"
// returns a statement whose Exec buffers one row per call and, called
// without arguments, ends the COPY and reports the rows.
type copyDriver struct {
	failRow int // the row whose Exec fails (1-based), 0 for none
}

func (d *copyDriver) Open(string) (driver.Conn, error) { return &copyConn{d: d}, nil }

type copyConn struct{ d *copyDriver }

func (c *copyConn) Prepare(query string) (driver.Stmt, error) {
	return &copyInStmt{failRow: c.d.failRow}, nil
}
func (c *copyConn) Close() error              { return nil }
func (c *copyConn) Begin() (driver.Tx, error) { return minimalTx{}, nil }

type copyInStmt struct {
	failRow int
	rows    int64
	done    bool
	closed  bool
}

var errCopyRow = errors.New("copy: bad row")

func (s *copyInStmt) Close() error {
	s.closed = true
	return nil
}
func (s *copyInStmt) NumInput() int { return -1 }
func (s *copyInStmt) Exec(args []driver.Value) (driver.Result, error) {
	if len(args) == 0 {
		s.done = true
		if s.failRow > 0 && s.rows >= int64(s.failRow) {
			return driver.RowsAffected(0), errCopyRow
		}
		return driver.RowsAffected(s.rows), nil
	}
	s.rows++
	if s.failRow > 0 && s.rows >= int64(s.failRow) {
		return nil, errCopyRow
	}
	return driver.RowsAffected(0), nil
}
func (s *copyInStmt) Query([]driver.Value) (driver.Rows, error) {
	return nil, errors.New("not supported")
}

func openCopyDB(t *testing.T, tel *telemetry, d *copyDriver) *sql.DB {
	t.Helper()
	db := sqltrace.OpenDB(dsnConnector{d}, tel.options(sqltrace.WithSystem(sqltrace.SystemPostgreSQL))...)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestCopyFromStdinIsOneSpan(t *testing.T) {
	tel := newTelemetry(t)
	db := openCopyDB(t, tel, &copyDriver{})
	ctx := context.Background()
	for round := range 2 { // the statement serves a second COPY after the first
		tel.reset()
		stmt, err := db.PrepareContext(ctx, `COPY "public"."items" ("id", "name") FROM STDIN`)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 50 {
			if _, err := stmt.ExecContext(ctx, i, fmt.Sprint("row ", i)); err != nil {
				t.Fatal(err)
			}
		}
		res, err := stmt.ExecContext(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 50 {
			t.Errorf("round %d: RowsAffected = %d, want the driver's 50", round, n)
		}
		stmt.Close()
		spans := tel.spans.Ended()
		if len(spans) != 1 || spans[0].Name() != "COPY public.items" {
			t.Fatalf("round %d: spans %q, want one COPY public.items", round, tel.names())
		}
		s := spans[0]
		for key, want := range map[string]string{
			"sqlsight.rows_affected": "50", "db.operation.name": "COPY",
			"db.collection.name": "public.items", "db.query.summary": "COPY public.items",
		} {
			if v, _ := attr(s, key); v.Emit() != want {
				t.Errorf("%s = %q, want %q", key, v.Emit(), want)
			}
		}
	}
}

func TestCopyRowErrorEndsTheSpan(t *testing.T) {
	tel := newTelemetry(t)
	db := openCopyDB(t, tel, &copyDriver{failRow: 3})
	ctx := context.Background()
	stmt, err := db.PrepareContext(ctx, "copy items from stdin")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	var firstErr error
	for i := range 5 {
		if _, err := stmt.ExecContext(ctx, i); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if _, err := stmt.ExecContext(ctx); !errors.Is(err, errCopyRow) {
		t.Errorf("final Exec: %v, want the driver's error", err)
	}
	if !errors.Is(firstErr, errCopyRow) {
		t.Errorf("row error %v, want the driver's error unchanged", firstErr)
	}
	spans := tel.spans.Ended()
	if len(spans) != 1 || spans[0].Name() != "COPY items" {
		t.Fatalf("spans %q, want one COPY items", tel.names())
	}
	if v, _ := attr(spans[0], "error.type"); v.AsString() != "_OTHER" {
		t.Errorf("error.type = %q", v.AsString())
	}
	if v, _ := attr(spans[0], "sqlsight.rows_affected"); v.AsInt64() != 2 {
		t.Errorf("rows_affected = %d, want the 2 rows sent before the error", v.AsInt64())
	}
}

func TestCopyClosedWithoutEndIsOneSpan(t *testing.T) {
	tel := newTelemetry(t)
	db := openCopyDB(t, tel, &copyDriver{})
	ctx := context.Background()
	stmt, err := db.PrepareContext(ctx, "COPY items (id) FROM STDIN")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		if _, err := stmt.ExecContext(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := stmt.Close(); err != nil {
		t.Fatal(err)
	}
	spans := tel.spans.Ended()
	if len(spans) != 1 || spans[0].Name() != "COPY items" {
		t.Fatalf("spans %q, want one COPY items", tel.names())
	}
	if v, _ := attr(spans[0], "sqlsight.rows_affected"); v.AsInt64() != 7 {
		t.Errorf("rows_affected = %d, want 7", v.AsInt64())
	}
}

// A COPY to the client is an ordinary statement: one span per execution.
func TestCopyToStdoutIsNotGrouped(t *testing.T) {
	tel := newTelemetry(t)
	db := openCopyDB(t, tel, &copyDriver{})
	stmt, err := db.Prepare("COPY items TO STDOUT")
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	for range 2 {
		if _, err := stmt.Exec(1); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tel.spans.Ended()); n != 2 {
		t.Errorf("%d spans, want 2", n)
	}
}
