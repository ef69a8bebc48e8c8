// Package testenv holds what sqlsight's tests share: the database DSNs read
// from the environment, in-memory OpenTelemetry providers, and waiting on a
// condition with a deadline instead of sleeping.
//
//	dsn := testenv.MySQLDSN(t) // skips t when SQLSIGHT_MYSQL_DSN is unset
//	tel := testenv.NewTelemetry(t)
//	db, _ := sqltrace.Open("mysql", dsn,
//		sqltrace.WithTracerProvider(tel.TracerProvider),
//		sqltrace.WithMeterProvider(tel.MeterProvider))
//	testenv.WaitFor(t, 10*time.Second, func() bool { return len(tel.Spans.Ended()) > 0 })
//
// It is imported by tests only; it may use the OpenTelemetry SDK.
package testenv

import (
	"context"
	"os"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// The environment variables that name the test databases.
const (
	EnvMySQLDSN    = "SQLSIGHT_MYSQL_DSN"
	EnvPostgresDSN = "SQLSIGHT_POSTGRES_DSN"
)

// MySQLDSN returns the MariaDB/MySQL DSN of SQLSIGHT_MYSQL_DSN, or skips t
// with a message saying how to run the test when it is unset.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	return dsn(t, EnvMySQLDSN, "root@tcp(127.0.0.1:3306)/test")
}

// PostgresDSN returns the PostgreSQL DSN of SQLSIGHT_POSTGRES_DSN, or skips
// t with a message saying how to run the test when it is unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	return dsn(t, EnvPostgresDSN, "postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
}

func dsn(t testing.TB, env, example string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		t.Skipf("%s not set: set %s='%s' to run this test against a real server", env, env, example)
	}
	return v
}

// Telemetry is an in-memory tracer and meter provider pair: every ended
// span lands in Spans, and Metrics collects on demand.
type Telemetry struct {
	Spans          *tracetest.SpanRecorder
	TracerProvider *sdktrace.TracerProvider
	Metrics        *sdkmetric.ManualReader
	MeterProvider  *sdkmetric.MeterProvider
}

// NewTelemetry returns providers that are shut down when the test ends.
func NewTelemetry(t testing.TB) *Telemetry {
	tel := &Telemetry{Spans: tracetest.NewSpanRecorder(), Metrics: sdkmetric.NewManualReader()}
	tel.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.Spans))
	tel.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.Metrics))
	t.Cleanup(func() {
		_ = tel.TracerProvider.Shutdown(context.Background())
		_ = tel.MeterProvider.Shutdown(context.Background())
	})
	return tel
}

// Collect returns the metrics of one collection, by instrument name.
func (tel *Telemetry) Collect(t testing.TB) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.Metrics.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect metrics: %v", err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// Counter returns the sum of the int64 counter name over the data points
// whose attribute key has value ("" key: all data points).
func (tel *Telemetry) Counter(t testing.TB, name string, key attribute.Key, value string) int64 {
	t.Helper()
	sum, ok := tel.Collect(t)[name].Data.(metricdata.Sum[int64])
	if !ok {
		return 0
	}
	var n int64
	for _, dp := range sum.DataPoints {
		if key == "" {
			n += dp.Value
		} else if v, ok := dp.Attributes.Value(key); ok && v.AsString() == value {
			n += dp.Value
		}
	}
	return n
}

// WaitFor polls cond until it holds, and fails t if it still does not after
// timeout. Tests wait on the state they need, never for a fixed time: on a
// loaded machine any fixed sleep is too short once.
func WaitFor(t testing.TB, timeout time.Duration, cond func() bool) {
	t.Helper()
	if !Eventually(timeout, cond) {
		t.Fatalf("condition not met within %v", timeout)
	}
}

// Eventually is WaitFor without a test: it reports whether cond held
// before timeout.
func Eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			return cond()
		}
		time.Sleep(pause) // polling interval, not synchronisation
		pause = min(2*pause, 20*time.Millisecond)
	}
	return true
}
