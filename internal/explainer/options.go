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
	// DefaultMaxQueueBytes bounds what the queued statements hold in all
	// (texts and arguments); one statement may hold at most 64 KiB.
	DefaultMaxQueueBytes = 4 << 20
	// DefaultCacheBytes bounds what the cached verdicts hold in all (plans,
	// findings, keys).
	DefaultCacheBytes = 16 << 20
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
	cacheBytes     int
	queueBytes     int
	analyze        bool
	rawPlans       bool
	fullScanRows   float64
	maxPlanBytes   int
	tracerProvider trace.TracerProvider
	meterProvider  metric.MeterProvider
	hook           FindingsHook
	advice         adviceConfig // options_advice.go
	pureFunctions  []string     // WithPureFunctions, in options_functions.go
}

func newConfig(opts []Option) *config {
	c := &config{
		queueSize:    DefaultQueueSize,
		workers:      DefaultWorkers,
		rate:         DefaultRateLimit,
		dedupeTTL:    DefaultDedupeTTL,
		timeout:      DefaultTimeout,
		cacheSize:    DefaultCacheSize,
		cacheBytes:   DefaultCacheBytes,
		queueBytes:   DefaultMaxQueueBytes,
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

// WithCacheBytes bounds the bytes the cached verdicts hold, counted by
// what they reach (plan tree, texts, findings). A verdict larger than an
// eighth of a cache shard's share is kept without its plan tree and raw
// output. Default DefaultCacheBytes.
func WithCacheBytes(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.cacheBytes = n
		}
	})
}

// WithMaxQueueBytes bounds the bytes the statements waiting for a worker
// hold in all, counting arguments by what they reach (an 8 MB []int64
// counts 8 MB); Submit drops (and counts) statements beyond it. Default
// DefaultMaxQueueBytes.
func WithMaxQueueBytes(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.queueBytes = n
		}
	})
}

// WithAnalyze makes the Sampler run the statement itself, to read actual
// row counts and timings: EXPLAIN (ANALYZE, FORMAT JSON) on PostgreSQL,
// ANALYZE FORMAT=JSON on MariaDB. ANALYZE executes the statement: turn it on
// knowingly. Exactly this runs, on a connection of the Sampler's own pool:
//
//  1. BEGIN a READ ONLY transaction (database/sql's TxOptions.ReadOnly).
//  2. Prepare the EXPLAIN ANALYZE text (one statement: the server refuses a
//     second) and execute it with the statement's original arguments bound.
//  3. ROLLBACK, whatever happened.
//  4. Close the connection: what a rollback does not undo ends with the
//     session (advisory locks, GET_LOCK, user variables, temporary tables).
//     The catalog look-ups that follow use another connection.
//
// Only statements that every other rule lets EXPLAIN run and that the
// classification calls analyzable are analyzed: a SELECT (or WITH ... SELECT)
// that modifies nothing, with no INTO (a table, MySQL OUTFILE, DUMPFILE or
// variables), no FOR UPDATE/SHARE or other locking read, and calling only
// functions on the allow-list of side-effect-free built-ins. Everything else
// (UPDATE, DELETE, INSERT ... SELECT), MySQL, SQLite and PostgreSQL generic
// plans are explained without ANALYZE. A function with effects outside the
// database that the allow-list was widened to accept is run by ANALYZE.
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
