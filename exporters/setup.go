package exporters

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/sqlsight/sqlsight/exporters/process"
)

// Setup builds a tracer provider and a meter provider, makes them the
// global ones (otel.SetTracerProvider, otel.SetMeterProvider) and returns
// the function that flushes and stops them; call it before the program
// exits.
//
// The exporters follow the OpenTelemetry environment variables:
//
//   - OTEL_TRACES_EXPORTER: "otlp" (the default), "console" (the tree
//     printer of [NewConsole], not stdouttrace's JSON), "none", or a name
//     registered with autoexport.RegisterSpanExporter.
//   - OTEL_METRICS_EXPORTER: "otlp", "prometheus", "console", "none" or a
//     registered name. Unset, metrics follow the traces: OTLP next to OTLP,
//     nothing next to the console or none.
//   - OTEL_EXPORTER_OTLP_PROTOCOL (and its _TRACES_/_METRICS_ forms):
//     "grpc" or "http/protobuf". Unset, sqlsight uses gRPC.
//   - OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, _CERTIFICATE, _INSECURE,
//     _COMPRESSION, _TIMEOUT and their per-signal forms, read by the OTLP
//     exporters; OTEL_BSP_* and OTEL_METRIC_EXPORT_INTERVAL, read by the
//     batching span processor and the periodic reader;
//     OTEL_TRACES_SAMPLER(_ARG) unless [WithSampler] is given.
//
// Spans go through a batching processor, except to the console exporter,
// which prints synchronously. The resource is the one
// [process.NewResource] detects unless [WithResource] is given; a resource
// detected only in part is used, and the detector's error goes to
// otel.Handle. When no span exporter or processor and no metric reader is
// left (OTEL_*_EXPORTER=none), the globals are no-op providers, so
// instrumentation does the least work. Setup also installs the W3C trace
// context and baggage propagators, unless a propagator was set before.
func Setup(ctx context.Context, opts ...Option) (shutdown func(context.Context) error, err error) {
	cfg := newConfig(opts)
	res := cfg.resource
	if res == nil {
		res, err = process.NewResource(ctx)
		if res == nil {
			return nil, err
		}
		if err != nil {
			otel.Handle(err)
		}
	}

	t, err := chooseTraces(ctx, cfg)
	if err != nil {
		return nil, err
	}
	reader, err := chooseMetrics(ctx, t)
	if err != nil {
		if t.exporter != nil {
			err = errors.Join(err, t.exporter.Shutdown(ctx))
		}
		return nil, err
	}

	var stops []func(context.Context) error

	var tp trace.TracerProvider = tracenoop.NewTracerProvider()
	if t.exporter != nil || len(cfg.spanProcessors) > 0 {
		tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
		if cfg.sampler != nil {
			tpOpts = append(tpOpts, sdktrace.WithSampler(cfg.sampler))
		}
		switch {
		case t.exporter == nil:
		case t.sync:
			tpOpts = append(tpOpts, sdktrace.WithSyncer(t.exporter))
		default:
			tpOpts = append(tpOpts, sdktrace.WithBatcher(t.exporter))
		}
		for _, sp := range cfg.spanProcessors {
			tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(sp))
		}
		sdk := sdktrace.NewTracerProvider(tpOpts...)
		tp = sdk
		stops = append(stops, sdk.Shutdown)
	}

	var mp metric.MeterProvider = metricnoop.NewMeterProvider()
	readers := cfg.metricReaders
	if reader != nil {
		readers = append([]sdkmetric.Reader{reader}, readers...)
	}
	if len(readers) > 0 {
		mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res)}
		for _, r := range readers {
			mpOpts = append(mpOpts, sdkmetric.WithReader(r))
		}
		sdk := sdkmetric.NewMeterProvider(mpOpts...)
		mp = sdk
		stops = append(stops, sdk.Shutdown)
	}

	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	if len(otel.GetTextMapPropagator().Fields()) == 0 {
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(
			propagation.TraceContext{}, propagation.Baggage{}))
	}

	var (
		once    sync.Once
		stopErr error
	)
	return func(ctx context.Context) error {
		once.Do(func() {
			// Traces first: their flush is what a short-lived program
			// must not lose.
			for _, stop := range stops {
				stopErr = errors.Join(stopErr, stop(ctx))
			}
		})
		return stopErr
	}, nil
}
