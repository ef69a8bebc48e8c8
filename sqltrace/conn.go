package sqltrace

import (
	"context"
	"database/sql/driver"
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
//
// Where sqlmw's unconditional interfaces behave like database/sql's own
// fallbacks (Pinger, SessionResetter, Validator, the connection's
// NamedValueChecker) they are passed through.
type conn struct {
	sqlmwConn
	raw     driver.Conn
	canExec bool
}

func newConn(wrapped, raw driver.Conn) driver.Conn {
	w, ok := wrapped.(sqlmwConn)
	if !ok { // a future sqlmw without these interfaces: do not trace rather than break
		return raw
	}
	_, execCtx := raw.(driver.ExecerContext)
	_, exec := raw.(driver.Execer) //nolint:staticcheck // the legacy interface is what sqlmw falls back to
	return &conn{sqlmwConn: w, raw: raw, canExec: execCtx || exec}
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
