package sqltrace

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/explain"
)

// DefaultSlowThreshold is the driver time from which a statement is slow.
const DefaultSlowThreshold = 500 * time.Millisecond

// QueryTextMode says what goes into the db.query.text attribute.
type QueryTextMode int

const (
	// QueryTextSanitized records the statement with every literal replaced
	// by '?'. It is the default: literals can hold personal data.
	QueryTextSanitized QueryTextMode = iota
	// QueryTextRaw records the statement as the application sent it.
	// Arguments bound to placeholders are never recorded.
	QueryTextRaw
	// QueryTextOff records no query text.
	QueryTextOff
)

// Method names the driver call a span is about to be started for.
type Method string

// The methods passed to a SpanFilter.
const (
	MethodQuery    Method = "query"
	MethodExec     Method = "exec"
	MethodPrepare  Method = "prepare"
	MethodBegin    Method = "begin"
	MethodCommit   Method = "commit"
	MethodRollback Method = "rollback"
	MethodPing     Method = "ping"
	MethodConnect  Method = "connect"
)

// SpanFilter decides whether a span is recorded for a call. query is empty
// for methods that have no statement. Returning false skips the span (and
// the metrics of that call); the call itself always runs.
type SpanFilter func(ctx context.Context, method Method, query string) bool

// Option configures the wrapper.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is built once per wrapped driver or connector and read-only after.
type config struct {
	tracerProvider  trace.TracerProvider
	meterProvider   metric.MeterProvider
	system          string
	attributes      []attribute.KeyValue
	slowThreshold   time.Duration
	queryText       QueryTextMode
	queryTextLimit  int // bytes; 0: DefaultQueryTextLimit, -1: none (options_text.go)
	spanFilter      SpanFilter
	connectionSpans bool

	nPlusOneThreshold      int
	nPlusOneMinDuration    time.Duration
	repeatedWriteThreshold int
	trackerEntries         int
	trackerIdle            time.Duration
	findingHandler         FindingHandler
	logger                 *slog.Logger
	noResourceDeltas       bool
	resourceDeltaMin       time.Duration
	noExplain              bool
	explainOptions         []explain.Option
	findings               findingsConfig
	pendingExplains        *PendingExplains // tests only: see settle.go
	commenter              *commenter       // WithSQLCommenter, nil when off
	frames                 frameKinds       // application frames seen by the loop rule's walks
}

func newConfig(opts []Option) *config {
	c := &config{
		slowThreshold:          DefaultSlowThreshold,
		queryText:              QueryTextSanitized,
		nPlusOneThreshold:      DefaultNPlusOneThreshold,
		resourceDeltaMin:       DefaultResourceDeltaMin,
		repeatedWriteThreshold: DefaultRepeatedWriteThreshold,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if c.tracerProvider == nil {
		c.tracerProvider = otel.GetTracerProvider()
	}
	if c.meterProvider == nil {
		c.meterProvider = otel.GetMeterProvider()
	}
	return c
}

// WithTracerProvider sets the tracer provider spans are created with. The
// default is the global one, otel.GetTracerProvider().
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tracerProvider = tp })
}

// WithMeterProvider sets the meter provider metrics are recorded with. The
// default is the global one, otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meterProvider = mp })
}

// WithSystem overrides the detected db.system.name ("mysql", "mariadb",
// "postgresql", "sqlite", or any other value of the conventions).
func WithSystem(system string) Option {
	return optionFunc(func(c *config) { c.system = system })
}

// WithAttributes adds attributes to every span. Keep them low-cardinality:
// they are added to metrics too.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return optionFunc(func(c *config) { c.attributes = append(c.attributes, attrs...) })
}

// WithSlowThreshold sets the driver time from which a statement is flagged
// slow_query and explained. The default is DefaultSlowThreshold; zero or a
// negative value turns slow detection off.
func WithSlowThreshold(d time.Duration) Option {
	return optionFunc(func(c *config) { c.slowThreshold = d })
}

// WithQueryText sets what the db.query.text attribute holds. The default is
// QueryTextSanitized.
func WithQueryText(mode QueryTextMode) Option {
	return optionFunc(func(c *config) { c.queryText = mode })
}

// WithSpanFilter installs a filter that can skip spans for some calls.
func WithSpanFilter(f SpanFilter) Option {
	return optionFunc(func(c *config) { c.spanFilter = f })
}

// WithConnectionSpans turns on spans for Ping and for opening connections.
// They are off by default: they are noise in most traces.
func WithConnectionSpans() Option {
	return optionFunc(func(c *config) { c.connectionSpans = true })
}

// WithNPlusOneThreshold sets how many executions of the same SELECT with
// different arguments under one parent make an N+1 (default 5).
func WithNPlusOneThreshold(n int) Option {
	return optionFunc(func(c *config) {
		if n > 1 {
			c.nPlusOneThreshold = n
		}
	})
}

// WithNPlusOneMinDuration sets the total driver time the executions must
// reach before an N+1 is reported. The default, 0, reports every loop, so
// that tests on fast local databases catch them; in production a floor
// such as 50ms keeps cheap loops quiet.
func WithNPlusOneMinDuration(d time.Duration) Option {
	return optionFunc(func(c *config) { c.nPlusOneMinDuration = d })
}

// WithRepeatedWriteThreshold sets how many executions of the same
// single-row INSERT, UPDATE or DELETE under one parent make a
// repeated_write finding (default 5).
func WithRepeatedWriteThreshold(n int) Option {
	return optionFunc(func(c *config) {
		if n > 1 {
			c.repeatedWriteThreshold = n
		}
	})
}

// WithTrackerLimits bounds the detectors' memory: at most entries
// (scope, fingerprint) pairs are tracked, and a pair unused for idle is
// forgotten. Defaults: DefaultTrackerEntries and DefaultTrackerIdle.
func WithTrackerLimits(entries int, idle time.Duration) Option {
	return optionFunc(func(c *config) { c.trackerEntries, c.trackerIdle = entries, idle })
}

// WithFindingHandler calls h once for every finding.
func WithFindingHandler(h FindingHandler) Option {
	return optionFunc(func(c *config) { c.findingHandler = h })
}

// WithLogger logs every finding once, at Warn level, with its trace and
// span IDs.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = l })
}

// DefaultResourceDeltaMin is the driver time from which a statement's next
// execution records CPU and heap deltas.
const DefaultResourceDeltaMin = time.Millisecond

// WithResourceDeltaMin sets the driver time of its previous execution from
// which a statement records CPU and heap deltas (default
// DefaultResourceDeltaMin; the first execution of a text always does). 0
// records them on every sampled statement. The snapshots cost about 2 µs a
// statement; the deltas of a statement that takes microseconds are noise.
func WithResourceDeltaMin(d time.Duration) Option {
	return optionFunc(func(c *config) { c.resourceDeltaMin = d })
}

// WithoutResourceDeltas turns off the CPU and heap deltas on statement
// spans (sqlsight.cpu.*, sqlsight.mem.heap_alloc_bytes and
// sqlsight.concurrent_statements); they cost about a microsecond per
// sampled statement.
func WithoutResourceDeltas() Option {
	return optionFunc(func(c *config) { c.noResourceDeltas = true })
}

// WithExplain passes options to the background EXPLAIN sampler (see package
// explain): rate limit, queue size, timeout, WithAnalyze, WithRawPlans, ...
// The sampler runs EXPLAIN on its own two-connection pool, never inside the
// application's transactions, and never ANALYZE unless asked.
func WithExplain(opts ...explain.Option) Option {
	return optionFunc(func(c *config) { c.explainOptions = append(c.explainOptions, opts...) })
}

// WithoutExplain turns the background EXPLAIN sampler off.
func WithoutExplain() Option {
	return optionFunc(func(c *config) { c.noExplain = true })
}
