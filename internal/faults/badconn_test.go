package faults

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// The fake driver below stands for what a real database cannot be made to
// do on demand: answer driver.ErrBadConn from any one call, report a
// connection invalid, or lack the optional interfaces. Every call is
// logged, so that the raw and the wrapped driver can be compared call for
// call: database/sql must retry exactly as it does without the wrapper.

// faultDriver fails the next n calls of a kind with driver.ErrBadConn.
type faultDriver struct {
	mu      sync.Mutex
	fail    map[string]int // call kind -> failures left
	invalid bool           // IsValid reports false
	log     []string
	conns   int
	legacy  bool // connections have none of the optional interfaces
}

func (d *faultDriver) call(conn int, kind string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log = append(d.log, fmt.Sprintf("conn%d.%s", conn, kind))
	if d.fail[kind] > 0 {
		d.fail[kind]--
		d.log[len(d.log)-1] += "=ErrBadConn"
		return driver.ErrBadConn
	}
	return nil
}

func (d *faultDriver) Open(string) (driver.Conn, error) {
	d.mu.Lock()
	d.conns++
	id := d.conns
	d.mu.Unlock()
	if err := d.call(id, "open"); err != nil {
		return nil, err
	}
	base := &legacyConn{d: d, id: id}
	if d.legacy {
		return base, nil
	}
	return &fullConn{base}, nil
}

// legacyConn has only driver.Conn's methods.
type legacyConn struct {
	d  *faultDriver
	id int
}

func (c *legacyConn) Prepare(query string) (driver.Stmt, error) {
	if err := c.d.call(c.id, "prepare"); err != nil {
		return nil, err
	}
	return &fakeStmt{c: c, query: query}, nil
}
func (c *legacyConn) Close() error { return c.d.call(c.id, "close") }
func (c *legacyConn) Begin() (driver.Tx, error) { //nolint:staticcheck // the legacy call is the point
	if err := c.d.call(c.id, "begin"); err != nil {
		return nil, err
	}
	return fakeTx{c}, nil
}

// fullConn adds the context-aware and optional interfaces.
type fullConn struct{ *legacyConn }

func (c *fullConn) PrepareContext(_ context.Context, query string) (driver.Stmt, error) {
	return c.Prepare(query)
}
func (c *fullConn) BeginTx(_ context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if err := c.d.call(c.id, fmt.Sprintf("beginTx(ro=%v,iso=%d)", opts.ReadOnly, opts.Isolation)); err != nil {
		return nil, err
	}
	return fakeTx{c.legacyConn}, nil
}
func (c *fullConn) ExecContext(_ context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.d.call(c.id, "exec"); err != nil {
		return nil, err
	}
	return driver.RowsAffected(len(args)), nil
}
func (c *fullConn) QueryContext(_ context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.d.call(c.id, "query"); err != nil {
		return nil, err
	}
	return &fakeRows{c: c.legacyConn, n: 2}, nil
}
func (c *fullConn) Ping(context.Context) error { return c.d.call(c.id, "ping") }
func (c *fullConn) ResetSession(context.Context) error {
	return c.d.call(c.id, "reset")
}
func (c *fullConn) IsValid() bool {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.d.log = append(c.d.log, fmt.Sprintf("conn%d.isValid=%v", c.id, !c.d.invalid))
	return !c.d.invalid
}

type fakeTx struct{ c *legacyConn }

func (tx fakeTx) Commit() error   { return tx.c.d.call(tx.c.id, "commit") }
func (tx fakeTx) Rollback() error { return tx.c.d.call(tx.c.id, "rollback") }

type fakeStmt struct {
	c     *legacyConn
	query string
}

func (s *fakeStmt) Close() error  { return s.c.d.call(s.c.id, "stmtClose") }
func (s *fakeStmt) NumInput() int { return -1 }
func (s *fakeStmt) Exec(args []driver.Value) (driver.Result, error) { //nolint:staticcheck
	if err := s.c.d.call(s.c.id, "stmtExec"); err != nil {
		return nil, err
	}
	return driver.RowsAffected(len(args)), nil
}
func (s *fakeStmt) Query(args []driver.Value) (driver.Rows, error) { //nolint:staticcheck
	if err := s.c.d.call(s.c.id, "stmtQuery"); err != nil {
		return nil, err
	}
	return &fakeRows{c: s.c, n: 2}, nil
}

type fakeRows struct {
	c *legacyConn
	n int
}

func (r *fakeRows) Columns() []string { return []string{"v"} }
func (r *fakeRows) Close() error      { return r.c.d.call(r.c.id, "rowsClose") }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.n == 0 {
		return io.EOF
	}
	r.n--
	dest[0] = int64(r.n)
	return nil
}

type fakeConnector struct{ d *faultDriver }

func (c fakeConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("") }
func (c fakeConnector) Driver() driver.Driver                        { return c.d }

// TestErrBadConnRetries runs the same calls with driver.ErrBadConn from
// each kind of driver call, raw and wrapped, and compares the driver's call
// logs, the connections opened and the errors returned.
func TestErrBadConnRetries(t *testing.T) {
	ctx := context.Background()
	use := func(db *sql.DB) error { // leaves a used connection in the pool
		rows, err := db.QueryContext(ctx, "SELECT 1")
		if err != nil {
			return err
		}
		return rows.Close()
	}
	tests := []struct {
		name   string
		fail   map[string]int
		legacy bool
		// invalid makes IsValid report false.
		invalid bool
		run     func(db *sql.DB) error
	}{
		{name: "exec once", fail: map[string]int{"exec": 1}, run: func(db *sql.DB) error {
			_, err := db.ExecContext(ctx, "UPDATE t SET a = ?", 1)
			return err
		}},
		{name: "exec every time", fail: map[string]int{"exec": 100}, run: func(db *sql.DB) error {
			_, err := db.ExecContext(ctx, "UPDATE t SET a = ?", 1)
			return err
		}},
		{name: "query twice", fail: map[string]int{"query": 2}, run: func(db *sql.DB) error {
			var v int
			return db.QueryRowContext(ctx, "SELECT ?", 1).Scan(&v)
		}},
		{name: "begin", fail: map[string]int{"beginTx(ro=false,iso=0)": 1}, run: func(db *sql.DB) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			return tx.Commit()
		}},
		{name: "begin every time", fail: map[string]int{"beginTx(ro=false,iso=0)": 100}, run: func(db *sql.DB) error {
			_, err := db.BeginTx(ctx, nil)
			return err
		}},
		{name: "reset session", fail: map[string]int{"reset": 1}, run: func(db *sql.DB) error {
			if err := use(db); err != nil {
				return err
			}
			_, err := db.ExecContext(ctx, "DELETE FROM t")
			return err
		}},
		{name: "reset session every time", fail: map[string]int{"reset": 100}, run: func(db *sql.DB) error {
			for range 3 {
				if err := use(db); err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "connection invalid", invalid: true, run: func(db *sql.DB) error {
			for range 3 {
				if err := use(db); err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "prepare", fail: map[string]int{"prepare": 1}, run: func(db *sql.DB) error {
			stmt, err := db.PrepareContext(ctx, "SELECT ?")
			if err != nil {
				return err
			}
			defer stmt.Close()
			_, err = stmt.ExecContext(ctx, 1)
			return err
		}},
		{name: "prepared statement exec", fail: map[string]int{"stmtExec": 1}, run: func(db *sql.DB) error {
			stmt, err := db.PrepareContext(ctx, "UPDATE t SET a = ?")
			if err != nil {
				return err
			}
			defer stmt.Close()
			_, err = stmt.ExecContext(ctx, 1)
			return err
		}},
		{name: "ping", fail: map[string]int{"ping": 1}, run: func(db *sql.DB) error {
			return db.PingContext(ctx)
		}},
		{name: "open", fail: map[string]int{"open": 2}, run: func(db *sql.DB) error {
			_, err := db.ExecContext(ctx, "DELETE FROM t")
			return err
		}},
		{name: "legacy exec through prepare", legacy: true, fail: map[string]int{"stmtExec": 1}, run: func(db *sql.DB) error {
			_, err := db.ExecContext(ctx, "UPDATE t SET a = ?", 1)
			return err
		}},
		{name: "legacy query", legacy: true, fail: map[string]int{"stmtQuery": 2}, run: func(db *sql.DB) error {
			var v int
			return db.QueryRowContext(ctx, "SELECT ?", 1).Scan(&v)
		}},
		{name: "legacy begin", legacy: true, fail: map[string]int{"begin": 1}, run: func(db *sql.DB) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			return tx.Rollback()
		}},
		// A driver without ConnBeginTx cannot honour transaction options:
		// database/sql refuses them rather than run a read-write
		// transaction the application believes read-only.
		{name: "legacy read-only transaction", legacy: true, run: func(db *sql.DB) error {
			tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			if err != nil {
				return err
			}
			return tx.Rollback()
		}},
		{name: "legacy isolation level", legacy: true, run: func(db *sql.DB) error {
			tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
			if err != nil {
				return err
			}
			return tx.Rollback()
		}},
		{name: "read-only transaction", run: func(db *sql.DB) error {
			tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelSerializable})
			if err != nil {
				return err
			}
			return tx.Commit()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := func(wrap bool) (log []string, conns int, err error) {
				d := &faultDriver{fail: map[string]int{}, legacy: tc.legacy, invalid: tc.invalid}
				for k, v := range tc.fail {
					d.fail[k] = v
				}
				var c driver.Connector = fakeConnector{d}
				if wrap {
					tel := testenv.NewTelemetry(t)
					c = sqltrace.WrapConnector(c, options(tel)...)
				}
				db := sql.OpenDB(c)
				db.SetMaxIdleConns(4)
				err = tc.run(db)
				db.Close()
				d.mu.Lock()
				defer d.mu.Unlock()
				return slices.Clone(d.log), d.conns, err
			}
			rawLog, rawConns, rawErr := run(false)
			log, conns, err := run(true)
			if fmt.Sprint(rawErr) != fmt.Sprint(err) {
				t.Errorf("error: raw %v, wrapped %v", rawErr, err)
			}
			if conns != rawConns {
				t.Errorf("connections opened: raw %d, wrapped %d", rawConns, conns)
			}
			if !slices.Equal(rawLog, log) {
				t.Errorf("driver calls differ:\n raw:     %s\n wrapped: %s", strings.Join(rawLog, " "), strings.Join(log, " "))
			}
		})
	}
}
