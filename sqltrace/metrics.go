package sqltrace

import (
	"context"
	"database/sql"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// durationBuckets are the boundaries the database conventions recommend
// for db.client.operation.duration, in seconds.
var durationBuckets = []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10}

// rowsBuckets bound db.client.response.returned_rows.
var rowsBuckets = []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000}

// instruments are the metric instruments of one instrumentation. Creating
// an instrument can fail only for invalid names; a failed one is a no-op,
// reported to the OpenTelemetry error handler.
type instruments struct {
	duration metric.Float64Histogram
	rows     metric.Int64Histogram
}

func newInstruments(m metric.Meter) *instruments {
	var err error
	ins := &instruments{}
	ins.duration, err = m.Float64Histogram(vocab.MetricOperationDuration,
		metric.WithUnit("s"),
		metric.WithDescription("Duration of database client operations."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	handle(err)
	ins.rows, err = m.Int64Histogram(vocab.MetricReturnedRows,
		metric.WithUnit("{row}"),
		metric.WithDescription("The actual number of records returned by the database operation."),
		metric.WithExplicitBucketBoundaries(rowsBuckets...))
	handle(err)
	return ins
}

func handle(err error) {
	if err != nil {
		otel.Handle(err)
	}
}

// RecordPoolMetrics publishes db.Stats() as the semantic conventions'
// db.client.connection.* metrics, read at each collection. Unregister the
// returned registration (or shut the meter provider down) when db closes.
// Options other than WithMeterProvider and WithAttributes are ignored.
// db.client.connection.idle.max is not published: database/sql does not
// expose its idle limit.
func RecordPoolMetrics(db *sql.DB, opts ...Option) (metric.Registration, error) {
	cfg := newConfig(opts)
	m := cfg.meterProvider.Meter(instrumentationName, metric.WithInstrumentationVersion(Version))
	count, err := m.Int64ObservableUpDownCounter(vocab.MetricConnectionCount, metric.WithUnit("{connection}"),
		metric.WithDescription("The number of connections that are currently in state described by the state attribute."))
	if err != nil {
		return nil, err
	}
	openMax, err := m.Int64ObservableUpDownCounter(vocab.MetricConnectionMax, metric.WithUnit("{connection}"),
		metric.WithDescription("The maximum number of open connections allowed."))
	if err != nil {
		return nil, err
	}
	waits, err := m.Int64ObservableCounter(vocab.MetricConnectionWaits, metric.WithUnit("{wait}"),
		metric.WithDescription("The total number of connections waited for."))
	if err != nil {
		return nil, err
	}
	waitTime, err := m.Float64ObservableCounter(vocab.MetricConnectionWaitTime, metric.WithUnit("s"),
		metric.WithDescription("The total time blocked waiting for a new connection."))
	if err != nil {
		return nil, err
	}
	base := attribute.NewSet(cfg.attributes...)
	idle := metric.WithAttributeSet(withAttrs(base, semconv.DBClientConnectionStateIdle))
	used := metric.WithAttributeSet(withAttrs(base, semconv.DBClientConnectionStateUsed))
	plain := metric.WithAttributeSet(base)
	return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := db.Stats()
		o.ObserveInt64(count, int64(s.Idle), idle)
		o.ObserveInt64(count, int64(s.InUse), used)
		o.ObserveInt64(openMax, int64(s.MaxOpenConnections), plain)
		o.ObserveInt64(waits, s.WaitCount, plain)
		o.ObserveFloat64(waitTime, s.WaitDuration.Seconds(), plain)
		return nil
	}, count, openMax, waits, waitTime)
}

func withAttrs(s attribute.Set, kv ...attribute.KeyValue) attribute.Set {
	return attribute.NewSet(append(s.ToSlice(), kv...)...)
}
