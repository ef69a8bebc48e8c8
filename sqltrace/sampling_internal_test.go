package sqltrace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// probeConnector's connections call exec during ExecContext: the test looks
// at the wrapper's state while the driver runs.
type probeConnector struct{ exec func() }

func (c probeConnector) Connect(context.Context) (driver.Conn, error) { return probeConn(c), nil }
func (c probeConnector) Driver() driver.Driver                        { return nil }

type probeConn probeConnector

func (c probeConn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (c probeConn) Close() error                        { return nil }
func (c probeConn) Begin() (driver.Tx, error)           { return nil, driver.ErrSkip }
func (c probeConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	c.exec()
	return driver.RowsAffected(1), nil
}

// TestSamplerAskedBeforeSnapshots: a root statement the sampler drops takes
// no CPU/heap snapshot (it would count itself in flight while the driver
// runs); one it records does.
func TestSamplerAskedBeforeSnapshots(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sampler  sdktrace.Sampler
		inFlight int64
	}{
		{"dropped", sdktrace.NeverSample(), 0},
		{"recorded", sdktrace.AlwaysSample(), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(tc.sampler), sdktrace.WithSpanProcessor(rec))
			defer tp.Shutdown(context.Background())
			var (
				c    *connector
				seen []int64
			)
			probe := probeConnector{exec: func() { seen = append(seen, c.inst.inFlight.Load()) }}
			c = WrapConnector(probe, WithTracerProvider(tp), WithResourceDeltaMin(0), WithSystem(SystemSQLite)).(*connector)
			db := sql.OpenDB(c)
			defer db.Close()
			for i := range 3 {
				if _, err := db.Exec("UPDATE t SET a = ? WHERE id = 1", i); err != nil {
					t.Fatal(err)
				}
			}
			for i, n := range seen {
				if n != tc.inFlight {
					t.Errorf("execution %d: %d statements counted in flight during the call, want %d", i, n, tc.inFlight)
				}
			}
			if len(seen) != 3 || c.inst.inFlight.Load() != 0 {
				t.Fatalf("%d calls, %d in flight after them", len(seen), c.inst.inFlight.Load())
			}
		})
	}
}
