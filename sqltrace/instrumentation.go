package sqltrace

import (
	"database/sql/driver"
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// instrumentationName is the tracer and meter name.
const instrumentationName = vocab.ScopeSQLTrace

// Version is the version of sqlsight reported as the instrumentation scope.
const Version = "0.1.0"

// instrumentation is what one WrapDriver or WrapConnector call sets up and
// every connector it creates shares: the configuration, the tracer and the
// metric instruments.
type instrumentation struct {
	cfg      *config
	system   string // detected from the driver unless configured
	tracer   trace.Tracer
	metrics  *instruments
	findings metric.Int64Counter
	// inFlight counts the traced statements running now, so a reader can
	// judge the process-wide CPU and heap deltas of one of them.
	inFlight atomic.Int64
}

func newInstrumentation(cfg *config, d driver.Driver) *instrumentation {
	system := cfg.system
	if system == "" {
		system = detectSystem(d)
	}
	meter := cfg.meterProvider.Meter(instrumentationName, metric.WithInstrumentationVersion(Version))
	return &instrumentation{
		cfg:      cfg,
		system:   system,
		tracer:   cfg.tracerProvider.Tracer(instrumentationName, trace.WithInstrumentationVersion(Version)),
		metrics:  newInstruments(meter),
		findings: findingsCounter(meter),
	}
}
