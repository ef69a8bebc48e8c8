package explain

import (
	"context"
	"math"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Defaults of the Sampler and the analysers.
const (
	DefaultQueueSize    = 256
	DefaultWorkers      = 1
	DefaultRateLimit    = 5.0 // explains per second
	DefaultDedupeTTL    = 10 * time.Minute
	DefaultTimeout      = 2 * time.Second
	DefaultCacheSize    = 4096
	DefaultFullScanRows = 1000.0
	DefaultMaxPlanBytes = 8 << 10
)

// FindingsHook is called by a worker on the EXPLAIN span (ctx carries it)
// after the explain and the analysis, before the span ends. When a hook is
// set, explain itself adds no finding attributes or events to the span.
type FindingsHook func(ctx context.Context, span trace.Span, st Statement, v Verdict)

// Option configures a Sampler, or the analysis done by Analyze.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is built once by New or Analyze and read-only after.
type config struct {
	queueSize      int
	workers        int
	rate           float64
	burst          int
	dedupeTTL      time.Duration
	timeout        time.Duration
	cacheSize      int
	analyze        bool
	rawPlans       bool
	fullScanRows   float64
	maxPlanBytes   int
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	hook           FindingsHook
	pureFunctions  []string // WithPureFunctions, in options_functions.go
}

func newConfig(opts []Option) *config {
	c := &config{
		queueSize:    DefaultQueueSize,
		workers:      DefaultWorkers,
		rate:         DefaultRateLimit,
		dedupeTTL:    DefaultDedupeTTL,
		timeout:      DefaultTimeout,
		cacheSize:    DefaultCacheSize,
		fullScanRows: DefaultFullScanRows,
		maxPlanBytes: DefaultMaxPlanBytes,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	if c.burst < 1 {
		c.burst = int(math.Max(1, math.Ceil(math.Min(c.rate, 1e6))))
	}
	if c.tracerProvider == nil {
		c.tracerProvider = otel.GetTracerProvider()
	}
	if c.meterProvider == nil {
		c.meterProvider = otel.GetMeterProvider()
	}
	return c
}

// WithQueueSize sets how many statements may wait for a worker; Submit drops
// (and counts) statements beyond it. Default DefaultQueueSize.
func WithQueueSize(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.queueSize = n
		}
	})
}

// WithWorkers sets the number of workers. They share a pool of at most two
// connections. Default DefaultWorkers.
func WithWorkers(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.workers = n
		}
	})
}

// WithRateLimit sets how many statements per second may be explained, with
// bursts of up to burst (a burst below 1 means ceil(perSecond)). Values of
// perSecond that are not positive are ignored. Default DefaultRateLimit.
func WithRateLimit(perSecond float64, burst int) Option {
	return optionFunc(func(c *config) {
		if perSecond > 0 && !math.IsNaN(perSecond) {
			c.rate = perSecond
			c.burst = burst
		}
	})
}

// WithDedupeTTL sets how long a fingerprint's verdict (or failure) stands
// before the statement may be explained again. Default DefaultDedupeTTL.
func WithDedupeTTL(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.dedupeTTL = d
		}
	})
}

// WithTimeout bounds each EXPLAIN (and the catalog look-ups that go with it).
// Default DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	})
}

// WithCacheSize bounds the number of fingerprints whose verdicts are kept.
// Default DefaultCacheSize.
func WithCacheSize(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.cacheSize = n
		}
	})
}

// WithAnalyze runs EXPLAIN ANALYZE (PostgreSQL) or ANALYZE (MariaDB) for
// SELECT statements that modify nothing, inside a read-only transaction that
// is rolled back. ANALYZE executes the statement: turn it on knowingly.
// Other statements, MySQL and SQLite are explained without it.
func WithAnalyze() Option {
	return optionFunc(func(c *config) { c.analyze = true })
}

// WithRawPlans keeps the literal values in plans (conditions, sort keys and
// Plan.Raw). By default they are redacted before a plan leaves the worker.
func WithRawPlans() Option {
	return optionFunc(func(c *config) { c.rawPlans = true })
}

// WithFullScanRows sets the row estimate from which a full scan is reported
// (and a sort without index, where rows are known). Default
// DefaultFullScanRows.
func WithFullScanRows(rows float64) Option {
	return optionFunc(func(c *config) {
		if rows >= 0 {
			c.fullScanRows = rows
		}
	})
}

// WithMaxPlanBytes bounds the size of the sqlsight.explain.plan attribute.
// Default DefaultMaxPlanBytes.
func WithMaxPlanBytes(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.maxPlanBytes = n
		}
	})
}

// WithTracerProvider sets the tracer provider of EXPLAIN spans. The default
// is the global one.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return optionFunc(func(c *config) { c.tracerProvider = tp })
}

// WithMeterProvider sets the meter provider of explain's metrics. The
// default is the global one.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.meterProvider = mp })
}

// WithFindingsHook installs a hook called with each verdict on its EXPLAIN
// span; see FindingsHook.
func WithFindingsHook(h FindingsHook) Option {
	return optionFunc(func(c *config) { c.hook = h })
}
