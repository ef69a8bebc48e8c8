package bench

import (
	"context"
	"errors"
	"sync/atomic"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Telemetry is the OpenTelemetry SDK every traced wrapper of one benchmark
// shares: a real tracer provider whose batch processor hands spans to an
// exporter that drops them, and a real meter provider whose reader is never
// collected, so recording costs what it costs in production and nothing
// leaves the process.
type Telemetry struct {
	Tracer   *sdktrace.TracerProvider
	Meter    *sdkmetric.MeterProvider
	exporter *discardExporter
}

// NewTelemetry builds the providers with the given sampler.
func NewTelemetry(sampler sdktrace.Sampler) *Telemetry {
	e := &discardExporter{}
	return &Telemetry{
		Tracer: sdktrace.NewTracerProvider(
			sdktrace.WithSampler(sampler),
			sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(e)),
		),
		Meter:    sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())),
		exporter: e,
	}
}

// Exported is the number of spans exported (and dropped) so far; after
// Shutdown it counts every span that ended.
func (t *Telemetry) Exported() int64 { return t.exporter.spans.Load() }

// Shutdown stops both providers.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	return errors.Join(t.Tracer.Shutdown(ctx), t.Meter.Shutdown(ctx))
}

// discardExporter drops every span it is given, counting them once per
// batch.
type discardExporter struct{ spans atomic.Int64 }

func (e *discardExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.spans.Add(int64(len(spans)))
	return nil
}

func (e *discardExporter) Shutdown(context.Context) error { return nil }
