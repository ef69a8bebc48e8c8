package faults

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// options wires tel into sqltrace, before extra.
func options(tel *testenv.Telemetry, extra ...sqltrace.Option) []sqltrace.Option {
	return append([]sqltrace.Option{sqltrace.WithTracerProvider(tel.TracerProvider), sqltrace.WithMeterProvider(tel.MeterProvider)}, extra...)
}

// within runs f and fails the test if it has not returned after timeout:
// the wrapper must never hang its caller.
func within(t *testing.T, timeout time.Duration, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		t.Fatalf("%s did not return within %s", what, timeout)
	}
}

// driverErrorClass names the kind of a database error as an application
// would test for it. It returns "" for an error no driver would return.
func driverErrorClass(err error) string {
	var my *mysql.MySQLError
	var pg *pgconn.PgError
	var op *net.OpError
	var errno syscall.Errno
	switch {
	case errors.Is(err, driver.ErrBadConn):
		return "driver.ErrBadConn"
	case errors.Is(err, mysql.ErrInvalidConn):
		return "mysql.ErrInvalidConn"
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	case errors.As(err, &my):
		return fmt.Sprintf("mysql.MySQLError %d", my.Number)
	case errors.As(err, &pg):
		return "pgconn.PgError " + pg.Code
	case errors.As(err, &op):
		return "net.OpError " + op.Op
	case errors.As(err, &errno):
		return "syscall.Errno " + errno.Error()
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "io.EOF"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "os.ErrDeadlineExceeded"
	}
	return ""
}

// tableName returns a table name no concurrent test run uses.
func tableName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano()%1_000_000)
}
