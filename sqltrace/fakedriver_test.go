package sqltrace_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
	_ "modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// The fakes below stand for what a real database cannot show: a driver
// with none of the optional interfaces, a driver.ErrBadConn on demand, a
// legacy ColumnConverter.

// minimalDriver implements only driver.Driver, driver.Conn, driver.Stmt:
// no contexts, no Execer/Queryer, no NamedValueChecker.
type minimalDriver struct {
	badConns atomic.Int32 // the next N QueryContext calls fail with ErrBadConn
	opened   atomic.Int32
	convert  bool // statements implement ColumnConverter
}

func (d *minimalDriver) Open(string) (driver.Conn, error) {
	d.opened.Add(1)
	return &minimalConn{d: d}, nil
}

type minimalConn struct{ d *minimalDriver }

func (c *minimalConn) Prepare(query string) (driver.Stmt, error) {
	if c.d.convert {
		return &convertingStmt{minimalStmt{query: query}}, nil
	}
	return &minimalStmt{query: query}, nil
}
func (c *minimalConn) Close() error              { return nil }
func (c *minimalConn) Begin() (driver.Tx, error) { return minimalTx{}, nil }

type minimalTx struct{}

func (minimalTx) Commit() error   { return nil }
func (minimalTx) Rollback() error { return nil }

type minimalStmt struct {
	query string
	last  []driver.Value
}

func (s *minimalStmt) Close() error  { return nil }
func (s *minimalStmt) NumInput() int { return -1 }
func (s *minimalStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.last = args
	return driver.RowsAffected(1), nil
}
func (s *minimalStmt) Query(args []driver.Value) (driver.Rows, error) {
	return &valueRows{values: args}, nil
}

// convertingStmt has a legacy ColumnConverter that turns every argument
// into the string "converted".
type convertingStmt struct{ minimalStmt }

func (s *convertingStmt) ColumnConverter(int) driver.ValueConverter { return convertAll{} }

type convertAll struct{}

func (convertAll) ConvertValue(any) (driver.Value, error) { return "converted", nil }

// valueRows returns its values as one row.
type valueRows struct {
	values []driver.Value
	done   bool
}

func (r *valueRows) Columns() []string {
	cols := make([]string, len(r.values))
	for i := range cols {
		cols[i] = "c"
	}
	return cols
}
func (r *valueRows) Close() error { return nil }
func (r *valueRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	copy(dest, r.values)
	return nil
}

func TestMinimalDriverWorksThroughWrapper(t *testing.T) {
	tel := newTelemetry(t)
	db := sql.OpenDB(sqltrace.WrapConnector(dsnConnector{&minimalDriver{}}, tel.options()...))
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "UPDATE t SET a = ? WHERE id = ?", 1, 2); err != nil {
		t.Fatalf("exec without Execer: %v", err)
	}
	var got int64
	if err := db.QueryRowContext(ctx, "SELECT ?", int64(7)).Scan(&got); err != nil || got != 7 {
		t.Fatalf("query without Queryer: %v %d", err, got)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"UPDATE t", "SELECT", "BEGIN", "COMMIT"} {
		if len(tel.ended(name)) != 1 {
			t.Errorf("no %q span (spans %v)", name, tel.names())
		}
	}
}

// TestColumnConverterIsHonoured: database/sql uses a statement's
// ColumnConverter when no NamedValueChecker exists; sqlmw's statement would
// bypass it.
func TestColumnConverterIsHonoured(t *testing.T) {
	for _, wrapped := range []bool{false, true} {
		var c driver.Connector = dsnConnector{&minimalDriver{convert: true}}
		if wrapped {
			c = sqltrace.WrapConnector(c)
		}
		db := sql.OpenDB(c)
		var got string
		if err := db.QueryRow("SELECT ?", 42).Scan(&got); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if got != "converted" {
			t.Errorf("wrapped=%v: argument arrived as %q, want the ColumnConverter's %q", wrapped, got, "converted")
		}
	}
}

// badConnDriver fails the first N QueryContext calls with ErrBadConn.
type badConnDriver struct {
	minimalDriver
	failures atomic.Int32
	calls    atomic.Int32
}

func (d *badConnDriver) Open(string) (driver.Conn, error) {
	d.opened.Add(1)
	return &badConn{minimalConn{d: &d.minimalDriver}, d}, nil
}

type badConn struct {
	minimalConn
	d *badConnDriver
}

func (c *badConn) QueryContext(_ context.Context, _ string, args []driver.NamedValue) (driver.Rows, error) {
	c.d.calls.Add(1)
	if c.d.failures.Add(-1) >= 0 {
		return nil, driver.ErrBadConn
	}
	vals := make([]driver.Value, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	return &valueRows{values: vals}, nil
}

func TestErrBadConnIsRetried(t *testing.T) {
	run := func(wrap bool) (calls, opened int32, err error) {
		d := &badConnDriver{}
		d.failures.Store(2)
		var c driver.Connector = dsnConnector{d}
		if wrap {
			c = sqltrace.WrapConnector(c)
		}
		db := sql.OpenDB(c)
		defer db.Close()
		var v int64
		err = db.QueryRow("SELECT ?", int64(1)).Scan(&v)
		return d.calls.Load(), d.opened.Load(), err
	}
	rawCalls, rawOpened, rawErr := run(false)
	calls, opened, err := run(true)
	if rawErr != nil || err != nil {
		t.Fatalf("errors raw=%v wrapped=%v", rawErr, err)
	}
	if calls != rawCalls || opened != rawOpened {
		t.Fatalf("wrapped: %d calls on %d connections; raw: %d calls on %d connections", calls, opened, rawCalls, rawOpened)
	}
}

// TestErrorsComeBackUnchanged checks identity, not just errors.Is.
func TestErrorsComeBackUnchanged(t *testing.T) {
	d := &badConnDriver{}
	d.failures.Store(1 << 20) // always bad: database/sql gives up with ErrBadConn
	db := sql.OpenDB(sqltrace.WrapConnector(dsnConnector{d}))
	defer db.Close()
	_, err := db.Query("SELECT 1")
	if !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("error %v, want driver.ErrBadConn", err)
	}
}

// closingConnector records Close.
type closingConnector struct {
	dsnConnector
	closed atomic.Bool
}

func (c *closingConnector) Close() error { c.closed.Store(true); return nil }

func TestDBCloseClosesConnector(t *testing.T) {
	c := &closingConnector{dsnConnector: dsnConnector{&minimalDriver{}}}
	wrapped := sqltrace.WrapConnector(c)
	if _, ok := wrapped.(io.Closer); !ok {
		t.Fatal("wrapped connector is not an io.Closer")
	}
	db := sql.OpenDB(wrapped)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if !c.closed.Load() {
		t.Fatal("db.Close did not close the parent connector")
	}
}

func TestRawConnReachesDriverConnection(t *testing.T) {
	db := sql.OpenDB(sqltrace.WrapConnector(dsnConnector{&minimalDriver{}}))
	defer db.Close()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		if _, ok := sqltrace.RawConn(dc).(*minimalConn); !ok {
			t.Errorf("RawConn gave %T", sqltrace.RawConn(dc))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoGoroutineLeft opens, uses and closes a wrapped SQLite database 100
// times.
func TestNoGoroutineLeft(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	dir := t.TempDir()
	for i := range 100 {
		db, err := sqltrace.Open("sqlite", "file:"+dir+"/leak.db")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var n int
				if err := db.QueryRow("SELECT ?", i).Scan(&n); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

type dsnConnector struct{ d driver.Driver }

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("") }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

// pacedDriver returns rows slowly: the first Next takes first, every later
// one (the final io.EOF included) takes each.
type pacedDriver struct {
	rows        int
	first, each time.Duration
}

func (d *pacedDriver) Open(string) (driver.Conn, error) { return &pacedConn{d: d}, nil }

type pacedConn struct{ d *pacedDriver }

func (c *pacedConn) Prepare(query string) (driver.Stmt, error) { return &pacedStmt{d: c.d}, nil }
func (c *pacedConn) Close() error                              { return nil }
func (c *pacedConn) Begin() (driver.Tx, error)                 { return minimalTx{}, nil }

type pacedStmt struct{ d *pacedDriver }

func (s *pacedStmt) Close() error                               { return nil }
func (s *pacedStmt) NumInput() int                              { return -1 }
func (s *pacedStmt) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(0), nil }
func (s *pacedStmt) Query([]driver.Value) (driver.Rows, error)  { return &pacedRows{d: s.d}, nil }

type pacedRows struct {
	d    *pacedDriver
	next int
}

func (r *pacedRows) Columns() []string { return []string{"n"} }
func (r *pacedRows) Close() error      { return nil }
func (r *pacedRows) Next(dest []driver.Value) error {
	if r.next == 0 {
		time.Sleep(r.d.first)
	} else {
		time.Sleep(r.d.each)
	}
	if r.next == r.d.rows {
		return io.EOF
	}
	r.next++
	dest[0] = int64(r.next)
	return nil
}

// TestDriverTimeOfRows: sqlsight.driver_time_ms of a query counts the time
// in Rows.Next (timed on the first call, sampled after) and stays within
// what the query took: at least the driver's waits, at most the wall time
// around the whole read (with room for the sampling's estimate).
func TestDriverTimeOfRows(t *testing.T) {
	for _, tc := range []struct {
		name        string
		d           pacedDriver
		mustInclude time.Duration
	}{
		{"slow first row", pacedDriver{rows: 100, first: 30 * time.Millisecond}, 30 * time.Millisecond},
		{"every row", pacedDriver{rows: 60, each: time.Millisecond}, 60 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tel := newTelemetry(t)
			db := sql.OpenDB(sqltrace.WrapConnector(dsnConnector{&tc.d}, tel.options()...))
			defer db.Close()
			start := time.Now()
			rows, err := db.Query("SELECT n FROM paced")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Close(); err != nil || n != tc.d.rows {
				t.Fatalf("%d rows, %v", n, err)
			}
			wall := time.Since(start)
			s := tel.ended("SELECT paced")
			if len(s) != 1 {
				t.Fatalf("spans %v", tel.names())
			}
			v, _ := attr(s[0], "sqlsight.driver_time_ms")
			got := time.Duration(v.AsFloat64() * float64(time.Millisecond))
			if got < tc.mustInclude || got > 2*wall {
				t.Fatalf("driver time %v, want ≥ %v and ≤ 2 × the wall time %v", got, tc.mustInclude, wall)
			}
		})
	}
}
