package exporters

import (
	"io"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Option configures [Setup].
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	console        bool
	consoleWriter  io.Writer
	consoleOptions []ConsoleOption
	resource       *sdkresource.Resource
	sampler        sdktrace.Sampler
	spanProcessors []sdktrace.SpanProcessor
	metricReaders  []sdkmetric.Reader
}

func newConfig(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// WithConsole prints traces with the console exporter ([NewConsole])
// whatever OTEL_TRACES_EXPORTER says, and exports no metrics unless
// OTEL_METRICS_EXPORTER asks for them. It is meant for examples and local
// runs.
func WithConsole() Option {
	return optionFunc(func(c *config) { c.console = true })
}

// WithConsoleWriter sets where the console exporter prints (default
// os.Stdout), when it is selected by [WithConsole] or by
// OTEL_TRACES_EXPORTER=console. It does not select it.
func WithConsoleWriter(w io.Writer) Option {
	return optionFunc(func(c *config) { c.consoleWriter = w })
}

// WithConsoleOptions passes options to the console exporter when it is
// selected.
func WithConsoleOptions(opts ...ConsoleOption) Option {
	return optionFunc(func(c *config) { c.consoleOptions = append(c.consoleOptions, opts...) })
}

// WithResource sets the resource of the tracer and meter providers instead
// of the one [github.com/sqlsight/sqlsight/exporters/process.NewResource]
// detects.
func WithResource(r *sdkresource.Resource) Option {
	return optionFunc(func(c *config) { c.resource = r })
}

// WithSampler sets the sampler of the tracer provider. Without it the SDK's
// default applies: ParentBased(AlwaysSample), or what OTEL_TRACES_SAMPLER
// and OTEL_TRACES_SAMPLER_ARG say.
func WithSampler(s sdktrace.Sampler) Option {
	return optionFunc(func(c *config) { c.sampler = s })
}

// WithSpanProcessor adds a span processor next to the exporter, typically
// a [go.opentelemetry.io/otel/sdk/trace/tracetest.SpanRecorder] in tests.
// The shutdown function returned by Setup shuts it down too.
func WithSpanProcessor(sp sdktrace.SpanProcessor) Option {
	return optionFunc(func(c *config) {
		if sp != nil {
			c.spanProcessors = append(c.spanProcessors, sp)
		}
	})
}

// WithMetricReader adds a metric reader next to the exporter, typically an
// [sdkmetric.ManualReader] in tests. The shutdown function returned by
// Setup shuts it down too.
func WithMetricReader(r sdkmetric.Reader) Option {
	return optionFunc(func(c *config) {
		if r != nil {
			c.metricReaders = append(c.metricReaders, r)
		}
	})
}
