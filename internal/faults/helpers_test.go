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
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// telemetry records what a wrapped database emits.
type telemetry struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newTelemetry(t *testing.T) *telemetry {
	tel := &telemetry{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	t.Cleanup(func() {
		_ = tel.tp.Shutdown(context.Background())
		_ = tel.mp.Shutdown(context.Background())
	})
	return tel
}

func (tel *telemetry) options(extra ...sqltrace.Option) []sqltrace.Option {
	return append([]sqltrace.Option{sqltrace.WithTracerProvider(tel.tp), sqltrace.WithMeterProvider(tel.mp)}, extra...)
}

// counter returns the sum of the int64 counter name over the data points
// that have attribute key=value.
func (tel *telemetry) counter(t *testing.T, name, key, value string) int64 {
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			sum, ok := m.Data.(metricdata.Sum[int64])
			if m.Name != name || !ok {
				continue
			}
			for _, dp := range sum.DataPoints {
				if v, ok := dp.Attributes.Value(attribute.Key(key)); ok && v.AsString() == value {
					n += dp.Value
				}
			}
		}
	}
	return n
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
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

func mysqlDSN(t *testing.T) string {
	dsn := os.Getenv("SQLSIGHT_MYSQL_DSN")
	if dsn == "" {
		t.Skip("MariaDB fault tests skipped: set SQLSIGHT_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' to run them")
	}
	return dsn
}

func postgresDSN(t *testing.T) string {
	dsn := os.Getenv("SQLSIGHT_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL fault tests skipped: set SQLSIGHT_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' to run them")
	}
	return dsn
}

// tableName returns a table name no concurrent test run uses.
func tableName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano()%1_000_000)
}
