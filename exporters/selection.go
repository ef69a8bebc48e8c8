package exporters

import (
	"context"
	"io"
	"os"
	"strings"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Environment variables of the OpenTelemetry SDK configuration that decide
// which exporters Setup builds. Endpoint, headers, TLS, compression and
// timeout (OTEL_EXPORTER_OTLP_*) are read by the OTLP exporters themselves.
const (
	envTracesExporter  = "OTEL_TRACES_EXPORTER"
	envMetricsExporter = "OTEL_METRICS_EXPORTER"
	envProtocol        = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envTracesProtocol  = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envMetricsProtocol = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"
)

// Exporter names of OTEL_TRACES_EXPORTER and OTEL_METRICS_EXPORTER that
// Setup handles itself; any other name goes to autoexport, which knows
// "prometheus" for metrics and the names registered with
// autoexport.RegisterSpanExporter and autoexport.RegisterMetricReader.
const (
	exporterOTLP    = "otlp"
	exporterConsole = "console"
	exporterNone    = "none"
)

// traces is the span exporter Setup chose and how to attach it.
type traces struct {
	name     string
	exporter sdktrace.SpanExporter // nil for "none"
	// sync is set for the console exporter: a development tool, it prints
	// each tree as its request ends, in line with the program's output,
	// rather than up to a batch timeout later.
	sync bool
}

func chooseTraces(ctx context.Context, cfg config) (traces, error) {
	name := exporterConsole
	if !cfg.console {
		name = strings.TrimSpace(os.Getenv(envTracesExporter))
	}
	if name == "" {
		name = exporterOTLP
	}
	switch name {
	case exporterConsole:
		var w io.Writer = os.Stdout
		if cfg.consoleWriter != nil {
			w = cfg.consoleWriter
		}
		return traces{name: name, exporter: NewConsole(w, cfg.consoleOptions...), sync: true}, nil
	case exporterNone:
		return traces{name: name}, nil
	case exporterOTLP:
		if protocol(envTracesProtocol) == "" {
			// sqlsight's default transport is gRPC where autoexport's,
			// following the specification, is http/protobuf.
			exp, err := otlptracegrpc.New(ctx)
			return traces{name: name, exporter: exp}, err
		}
	}
	exp, err := autoexport.NewSpanExporter(ctx)
	if err != nil {
		return traces{}, err
	}
	if autoexport.IsNoneSpanExporter(exp) {
		return traces{name: exporterNone}, nil
	}
	return traces{name: name, exporter: exp}, nil
}

// chooseMetrics returns the metric reader OTEL_METRICS_EXPORTER asks for,
// or nil. When it is unset, metrics follow the traces: OTLP (over gRPC)
// next to an OTLP or custom span exporter, nothing next to the console or
// none.
func chooseMetrics(ctx context.Context, t traces) (sdkmetric.Reader, error) {
	name := strings.TrimSpace(os.Getenv(envMetricsExporter))
	if name == "" {
		if t.name == exporterConsole || t.name == exporterNone {
			return nil, nil
		}
		name = exporterOTLP
	}
	switch name {
	case exporterNone:
		return nil, nil
	case exporterOTLP:
		if protocol(envMetricsProtocol) == "" {
			exp, err := otlpmetricgrpc.New(ctx)
			if err != nil {
				return nil, err
			}
			return sdkmetric.NewPeriodicReader(exp), nil
		}
	}
	r, err := autoexport.NewMetricReader(ctx)
	if err != nil {
		return nil, err
	}
	if autoexport.IsNoneMetricReader(r) {
		return nil, nil
	}
	return r, nil
}

// protocol returns the OTLP protocol set for a signal, or in general.
func protocol(signalEnv string) string {
	if p := strings.TrimSpace(os.Getenv(signalEnv)); p != "" {
		return p
	}
	return strings.TrimSpace(os.Getenv(envProtocol))
}
