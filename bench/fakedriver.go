package bench

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"sync/atomic"
)

// RowCount, passed as the last argument of a query, is the number of rows
// the fake driver returns (one when absent). It travels through the
// driver's NamedValueChecker, as driver-specific argument types do.
type RowCount int64

// MaxRows bounds RowCount: the preset rows are built once, at start.
const MaxRows = 1024

// FakeName is the name column of every preset row.
const FakeName = "sqlsight"

// presetIDs and presetName are boxed once so that filling a row copies
// interface values and allocates nothing.
var (
	presetIDs  [MaxRows]driver.Value
	presetName driver.Value = FakeName
	columns                 = []string{"id", "name"}
	// oneRow is a shared driver.Result: its conversion to an interface is
	// done once, not per Exec.
	oneRow driver.Result = driver.RowsAffected(1)
)

func init() {
	for i := range presetIDs {
		presetIDs[i] = int64(i + 1)
	}
}

// errTooManyRows is returned for a RowCount above MaxRows.
var errTooManyRows = errors.New("bench: RowCount above MaxRows")

// FakeDriver is an in-process driver that answers every statement at once:
// queries return preset rows (id 1..n, name FakeName), writes affect one
// row. It implements the modern interfaces database/sql prefers
// (DriverContext, Connector, ConnBeginTx, ConnPrepareContext,
// QueryerContext, ExecerContext, NamedValueChecker, SessionResetter,
// Validator), so no legacy fallback is measured.
type FakeDriver struct{}

var (
	_ driver.Driver        = FakeDriver{}
	_ driver.DriverContext = FakeDriver{}
)

// Open opens a connection; name is ignored.
func (FakeDriver) Open(string) (driver.Conn, error) { return &fakeConn{}, nil }

// OpenConnector returns a connector; name is ignored.
func (FakeDriver) OpenConnector(string) (driver.Connector, error) { return &FakeConnector{}, nil }

// FakeConnector opens fake connections and counts them.
type FakeConnector struct {
	opened atomic.Int64
}

// Connect opens a connection.
func (c *FakeConnector) Connect(context.Context) (driver.Conn, error) {
	c.opened.Add(1)
	return &fakeConn{}, nil
}

// Driver returns FakeDriver.
func (c *FakeConnector) Driver() driver.Driver { return FakeDriver{} }

// Opened is the number of connections opened so far.
func (c *FakeConnector) Opened() int64 { return c.opened.Load() }

// fakeConn serves one connection. database/sql uses a connection from one
// goroutine at a time, so its reusable rows need no lock.
type fakeConn struct {
	rows      fakeRows
	rowsInUse bool
}

var (
	_ driver.Conn               = (*fakeConn)(nil)
	_ driver.ConnBeginTx        = (*fakeConn)(nil)
	_ driver.ConnPrepareContext = (*fakeConn)(nil)
	_ driver.QueryerContext     = (*fakeConn)(nil)
	_ driver.ExecerContext      = (*fakeConn)(nil)
	_ driver.NamedValueChecker  = (*fakeConn)(nil)
	_ driver.Pinger             = (*fakeConn)(nil)
	_ driver.SessionResetter    = (*fakeConn)(nil)
	_ driver.Validator          = (*fakeConn)(nil)
)

func (c *fakeConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *fakeConn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return &fakeStmt{conn: c}, nil
}

func (c *fakeConn) Close() error { return nil }

func (c *fakeConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *fakeConn) BeginTx(context.Context, driver.TxOptions) (driver.Tx, error) {
	return fakeTx{}, nil
}

func (c *fakeConn) QueryContext(_ context.Context, _ string, args []driver.NamedValue) (driver.Rows, error) {
	return c.query(args)
}

func (c *fakeConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return oneRow, nil
}

// CheckNamedValue keeps RowCount as it is and leaves every other argument
// to database/sql's default conversion.
func (c *fakeConn) CheckNamedValue(nv *driver.NamedValue) error {
	if _, ok := nv.Value.(RowCount); ok {
		return nil
	}
	return driver.ErrSkip
}

func (c *fakeConn) Ping(context.Context) error         { return nil }
func (c *fakeConn) ResetSession(context.Context) error { return nil }
func (c *fakeConn) IsValid() bool                      { return true }

// query returns the connection's reusable rows, or new ones when a
// previous result is still open on this connection (inside a transaction).
func (c *fakeConn) query(args []driver.NamedValue) (driver.Rows, error) {
	n := int64(1)
	if len(args) > 0 {
		if rc, ok := args[len(args)-1].Value.(RowCount); ok {
			n = int64(rc)
		}
	}
	if n < 0 || n > MaxRows {
		return nil, errTooManyRows
	}
	r := &c.rows
	if c.rowsInUse {
		r = &fakeRows{}
	} else {
		c.rowsInUse = true
		r.conn = c
	}
	r.n, r.next = int(n), 0
	return r, nil
}

type fakeStmt struct{ conn *fakeConn }

var (
	_ driver.Stmt             = (*fakeStmt)(nil)
	_ driver.StmtQueryContext = (*fakeStmt)(nil)
	_ driver.StmtExecContext  = (*fakeStmt)(nil)
)

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }

func (s *fakeStmt) Exec([]driver.Value) (driver.Result, error) { return oneRow, nil }

func (s *fakeStmt) Query(args []driver.Value) (driver.Rows, error) {
	named := make([]driver.NamedValue, len(args))
	for i, v := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return s.conn.query(named)
}

func (s *fakeStmt) ExecContext(context.Context, []driver.NamedValue) (driver.Result, error) {
	return oneRow, nil
}

func (s *fakeStmt) QueryContext(_ context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.conn.query(args)
}

type fakeTx struct{}

func (fakeTx) Commit() error   { return nil }
func (fakeTx) Rollback() error { return nil }

// fakeRows yields rows id = 1..n with name FakeName.
type fakeRows struct {
	conn    *fakeConn // set when these are the connection's reusable rows
	n, next int
}

func (r *fakeRows) Columns() []string { return columns }

func (r *fakeRows) Close() error {
	if r.conn != nil {
		r.conn.rowsInUse = false
	}
	return nil
}

func (r *fakeRows) Next(dest []driver.Value) error {
	if r.next >= r.n {
		return io.EOF
	}
	dest[0] = presetIDs[r.next]
	dest[1] = presetName
	r.next++
	return nil
}
