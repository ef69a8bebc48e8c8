package sqltrace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// sqlmwConn is the set of interfaces sqlmw's connection implements
// unconditionally.
type sqlmwConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// conn is the connection database/sql sees. It forwards to sqlmw's
// connection and corrects where sqlmw changes the driver's behaviour:
//   - sqlmw exposes ExecerContext even when the driver has no Execer and then
//     asserts driver.Execer unchecked (a panic); we return driver.ErrSkip, as
//     database/sql expects, so it prepares the statement instead.
//   - sqlmw exposes ConnBeginTx even when the driver has none and then drops
//     the transaction options; we refuse them as database/sql does, rather
//     than begin a read-write transaction the application asked read-only.
//
// Where sqlmw's unconditional interfaces behave like database/sql's own
// fallbacks (Pinger, SessionResetter, Validator, the connection's
// NamedValueChecker) they are passed through.
type conn struct {
	sqlmwConn
	raw        driver.Conn
	canExec    bool
	canBeginTx bool
}

func newConn(wrapped, raw driver.Conn) driver.Conn {
	w, ok := wrapped.(sqlmwConn)
	if !ok { // a future sqlmw without these interfaces: do not trace rather than break
		return raw
	}
	_, execCtx := raw.(driver.ExecerContext)
	_, exec := raw.(driver.Execer) //nolint:staticcheck // the legacy interface is what sqlmw falls back to
	_, beginTx := raw.(driver.ConnBeginTx)
	return &conn{sqlmwConn: w, raw: raw, canExec: execCtx || exec, canBeginTx: beginTx}
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if !c.canBeginTx {
		if opts.Isolation != driver.IsolationLevel(sql.LevelDefault) {
			return nil, errors.New("sql: driver does not support non-default isolation level")
		}
		if opts.ReadOnly {
			return nil, errors.New("sql: driver does not support read-only transactions")
		}
	}
	return c.sqlmwConn.BeginTx(ctx, opts)
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if !c.canExec {
		return nil, driver.ErrSkip
	}
	return c.sqlmwConn.ExecContext(ctx, query, args)
}

// Unwrap returns the driver's own connection, for code that needs the
// driver's type (see RawConn).
func (c *conn) Unwrap() driver.Conn { return c.raw }

// RawConn returns the driver's own connection behind a connection handed
// out by sql.Conn.Raw, so that driver-specific calls keep working:
//
//	conn.Raw(func(dc any) error {
//		pgxConn := sqltrace.RawConn(dc).(*stdlib.Conn).Conn()
//		...
//	})
//
// Anything that is not a traced connection is returned unchanged.
func RawConn(driverConn any) any {
	if c, ok := driverConn.(interface{ Unwrap() driver.Conn }); ok {
		return c.Unwrap()
	}
	return driverConn
}
