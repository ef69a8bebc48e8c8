package explainer

import (
	"context"
	"math"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Defaults of the Sampler and the analysers (explain's option docs state
// them to users).
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

// AnalyzeOption is an Option that changes what Analyze finds in a plan.
type AnalyzeOption interface {
	Option
	analyzeOption()
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type analyzeOptionFunc func(*config)

func (f analyzeOptionFunc) apply(c *config) { f(c) }
func (analyzeOptionFunc) analyzeOption()    {}

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

// WithQueueSize is explain.WithQueueSize, documented there.
func WithQueueSize(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.queueSize = n
		}
	})
}

// WithWorkers is explain.WithWorkers, documented there.
func WithWorkers(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.workers = n
		}
	})
}

// WithRateLimit is explain.WithRateLimit, documented there.
func WithRateLimit(perSecond float64, burst int) Option {
	return optionFunc(func(c *config) {
		if perSecond > 0 && !math.IsNaN(perSecond) {
			c.rate = perSecond
			c.burst = burst
		}
	})
}

// WithDedupeTTL is explain.WithDedupeTTL, documented there.
func WithDedupeTTL(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.dedupeTTL = d
		}
	})
}

// WithTimeout is explain.WithTimeout, documented there.
func WithTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	})
}

// WithCacheSize is explain.WithCacheSize, documented there.
func WithCacheSize(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.cacheSize = n
		}
	})
}

// WithCacheBytes is explain.WithCacheBytes, documented there.
func WithCacheBytes(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.cacheBytes = n
		}
	})
}

// WithMaxQueueBytes is explain.WithMaxQueueBytes, documented there.
func WithMaxQueueBytes(n int) Option {
	return optionFunc(func(c *config) {
		if n > 0 {
			c.queueBytes = n
		}
	})
}

// WithAnalyze is explain.WithAnalyze, documented there.
func WithAnalyze() Option {
	return optionFunc(func(c *config) { c.analyze = true })
}

// WithRawPlans is explain.WithRawPlans, documented there.
func WithRawPlans() Option {
	return optionFunc(func(c *config) { c.rawPlans = true })
}

// WithFullScanRows is explain.WithFullScanRows, documented there.
func WithFullScanRows(rows float64) AnalyzeOption {
	return analyzeOptionFunc(func(c *config) {
		if rows >= 0 {
			c.fullScanRows = rows
		}
	})
}

// WithMaxPlanBytes is explain.WithMaxPlanBytes, documented there.
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
