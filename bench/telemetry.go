package bench

import (
	"context"
	"errors"
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Telemetry is the OpenTelemetry SDK every traced wrapper of one benchmark
// shares: a real tracer provider whose batch processor hands spans to an
// exporter that drops them, and a real meter provider whose reader is never
// collected, so recording costs what it costs in production and nothing
// leaves the process. Samplings with NoopMeter get the API's no-op meter
// provider instead: what an application that exports no metrics pays.
type Telemetry struct {
	Tracer   *sdktrace.TracerProvider
	Meter    metric.MeterProvider
	exporter *discardExporter
}

// NewTelemetry builds the providers of sampling s.
func NewTelemetry(s Sampling) *Telemetry {
	e := &discardExporter{}
	var mp metric.MeterProvider = noop.NewMeterProvider()
	if !s.NoopMeter {
		mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	}
	return &Telemetry{
		Tracer: sdktrace.NewTracerProvider(
			sdktrace.WithSampler(s.Sampler),
			sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(e)),
		),
		Meter:    mp,
		exporter: e,
	}
}

// Exported is the number of spans exported (and dropped) so far; after
// Shutdown it counts every span that ended.
func (t *Telemetry) Exported() int64 { return t.exporter.spans.Load() }

// Shutdown stops both providers.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	err := t.Tracer.Shutdown(ctx)
	if m, ok := t.Meter.(*sdkmetric.MeterProvider); ok {
		err = errors.Join(err, m.Shutdown(ctx))
	}
	return err
}

// discardExporter drops every span it is given, counting them once per
// batch.
type discardExporter struct{ spans atomic.Int64 }

func (e *discardExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.spans.Add(int64(len(spans)))
	return nil
}

func (e *discardExporter) Shutdown(context.Context) error { return nil }
