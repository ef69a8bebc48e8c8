package process

import (
	"context"
	"math"
	"runtime"
	"sync"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/host"
	otelruntime "go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/semconv/v1.43.0/processconv"

	"github.com/sqlsight/sqlsight/internal/vocab"
	"github.com/sqlsight/sqlsight/resource"
)

// DefaultSamplingPeriod is how often the process sampler reads CPU time and
// resident memory unless [WithSamplingPeriod] says otherwise.
const DefaultSamplingPeriod = 10 * time.Second

// MetricsOption configures [StartMetrics].
type MetricsOption interface {
	applyMetrics(*metricsConfig)
}

type metricsOptionFunc func(*metricsConfig)

func (f metricsOptionFunc) applyMetrics(c *metricsConfig) { f(c) }

type metricsConfig struct {
	meterProvider metric.MeterProvider
	period        time.Duration
	host          bool
	runtime       bool
}

func newMetricsConfig(opts []MetricsOption) metricsConfig {
	c := metricsConfig{period: DefaultSamplingPeriod, host: true, runtime: true}
	for _, o := range opts {
		if o != nil {
			o.applyMetrics(&c)
		}
	}
	if c.meterProvider == nil {
		c.meterProvider = otel.GetMeterProvider()
	}
	return c
}

// WithMeterProvider sets the meter provider the process metrics are
// reported to. The default is the global one, otel.GetMeterProvider().
func WithMeterProvider(mp metric.MeterProvider) MetricsOption {
	return metricsOptionFunc(func(c *metricsConfig) { c.meterProvider = mp })
}

// WithSamplingPeriod sets how often the sampler reads the process's CPU time
// and resident memory; process.cpu.utilization is averaged over this
// period. Values ≤ 0 are ignored. The default is [DefaultSamplingPeriod].
func WithSamplingPeriod(d time.Duration) MetricsOption {
	return metricsOptionFunc(func(c *metricsConfig) {
		if d > 0 {
			c.period = d
		}
	})
}

// WithHostMetrics says whether StartMetrics also starts the contrib
// host instrumentation (go.opentelemetry.io/contrib/instrumentation/host).
// Turn it off when the application already starts it. Default on.
func WithHostMetrics(enabled bool) MetricsOption {
	return metricsOptionFunc(func(c *metricsConfig) { c.host = enabled })
}

// WithRuntimeMetrics says whether StartMetrics also starts the
// contrib Go runtime instrumentation
// (go.opentelemetry.io/contrib/instrumentation/runtime). Turn it off when
// the application already starts it. Default on.
func WithRuntimeMetrics(enabled bool) MetricsOption {
	return metricsOptionFunc(func(c *metricsConfig) { c.runtime = enabled })
}

// Metrics is a running process sampler; see [StartMetrics].
type Metrics struct {
	sampler      *sampler
	registration metric.Registration
	cancel       context.CancelFunc
	done         chan struct{}
	stopOnce     sync.Once
	stopErr      error
}

// StartMetrics reports the process's resource usage as OpenTelemetry
// metrics. It starts the contrib instrumentations, which already cover
//
//   - host: process.cpu.time (user, system), system.cpu.time,
//     system.memory.usage and .utilization, system.network.io;
//   - runtime: go.memory.used, go.memory.allocated, go.memory.allocations,
//     go.memory.gc.goal, go.goroutine.count and the Go configuration;
//
// and adds the two process metrics neither reports:
//
//   - process.cpu.utilization (gauge, 1, by cpu.mode user|system): CPU
//     time over the last sampling period divided by the period and by the
//     number of CPUs the process may use;
//   - process.memory.usage (By): resident set size, read with gopsutil.
//
// One goroutine samples every period (default 10 s); collections report the
// latest sample. Shutdown stops the goroutine and the sqlsight metrics. The
// contrib instrumentations cannot be stopped on their own: they stop with
// their meter provider, and starting them twice on one provider reports
// their metrics twice (use WithHostMetrics(false), WithRuntimeMetrics(false)
// when they run already).
func StartMetrics(opts ...MetricsOption) (*Metrics, error) {
	c := newMetricsConfig(opts)
	s, err := newSampler(c.period)
	if err != nil {
		return nil, err
	}
	meter := c.meterProvider.Meter(vocab.ScopeProcess)
	reg, err := s.register(meter)
	if err != nil {
		return nil, err
	}
	if c.runtime {
		err = otelruntime.Start(otelruntime.WithMeterProvider(c.meterProvider))
	}
	if err == nil && c.host {
		err = host.Start(host.WithMeterProvider(c.meterProvider))
	}
	if err != nil {
		_ = reg.Unregister() // the start error is the one that matters
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Metrics{
		sampler:      s,
		registration: reg,
		cancel:       cancel,
		done:         make(chan struct{}),
	}
	go s.run(ctx, m.done)
	return m, nil
}

// Shutdown stops the sampler goroutine and unregisters the sqlsight process
// metrics. It waits for the goroutine to end or for ctx to be done. It is
// safe to call more than once.
func (m *Metrics) Shutdown(ctx context.Context) error {
	m.stopOnce.Do(func() {
		m.cancel()
		m.stopErr = m.registration.Unregister()
	})
	select {
	case <-m.done:
		return m.stopErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sampler reads the process's CPU time and resident memory at a low rate
// and keeps the latest values for the metric callback.
type sampler struct {
	period time.Duration
	cpus   float64
	// origin is the reading CPU times are measured from: the sampler needs
	// only differences, and resource.Since gives them without a second
	// getrusage wrapper here.
	origin resource.Snapshot

	mu       sync.Mutex
	lastAt   time.Time
	lastUser time.Duration
	lastSys  time.Duration
	haveLast bool
	utilUser float64
	utilSys  float64
	haveUtil bool
	rss      int64
	haveRSS  bool
}

func newSampler(period time.Duration) (*sampler, error) {
	if _, err := self(); err != nil {
		return nil, err
	}
	s := &sampler{period: period, cpus: float64(max(runtime.NumCPU(), 1)), origin: resource.Take()}
	s.sample(context.Background()) // baseline, and RSS from the start
	return s, nil
}

func (s *sampler) run(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(s.period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sample(ctx)
		}
	}
}

// sample reads CPU time with resource.Since (getrusage on unix, precise to
// the microsecond) and RSS with gopsutil. A failed RSS reading goes to the
// OpenTelemetry error handler and leaves the previous value in place.
func (s *sampler) sample(ctx context.Context) {
	now := time.Now()
	cpu := resource.Since(s.origin)
	user, system := cpu.UserCPU, cpu.SystemCPU
	var rss uint64
	var err error
	if p, perr := self(); perr != nil {
		err = perr
	} else if mi, merr := p.MemoryInfoWithContext(ctx); merr != nil {
		err = merr
	} else {
		rss = mi.RSS
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.haveLast {
		if elapsed := now.Sub(s.lastAt).Seconds(); elapsed > 0 {
			s.utilUser = max((user-s.lastUser).Seconds(), 0) / elapsed / s.cpus
			s.utilSys = max((system-s.lastSys).Seconds(), 0) / elapsed / s.cpus
			s.haveUtil = true
		}
	}
	s.lastAt, s.lastUser, s.lastSys, s.haveLast = now, user, system, true
	if err == nil {
		s.rss, s.haveRSS = int64(min(rss, math.MaxInt64)), true
	} else if ctx.Err() == nil {
		otel.Handle(err)
	}
}

func (s *sampler) register(meter metric.Meter) (metric.Registration, error) {
	var util processconv.CPUUtilizationObservable
	// semconv's generated helper is an int64 gauge, which would report a
	// fraction as 0; the same name, unit and description as float64.
	utilization, err := meter.Float64ObservableGauge(util.Name(),
		metric.WithUnit(util.Unit()),
		metric.WithDescription(util.Description()),
	)
	if err != nil {
		return nil, err
	}
	memory, err := processconv.NewMemoryUsageObservable(meter)
	if err != nil {
		return nil, err
	}
	userMode := metric.WithAttributeSet(attribute.NewSet(util.AttrCPUMode(processconv.CPUModeUser)))
	systemMode := metric.WithAttributeSet(attribute.NewSet(util.AttrCPUMode(processconv.CPUModeSystem)))
	return meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s.mu.Lock()
		utilUser, utilSys, haveUtil := s.utilUser, s.utilSys, s.haveUtil
		rss, haveRSS := s.rss, s.haveRSS
		s.mu.Unlock()
		if haveUtil {
			o.ObserveFloat64(utilization, utilUser, userMode)
			o.ObserveFloat64(utilization, utilSys, systemMode)
		}
		if haveRSS {
			o.ObserveInt64(memory.Inst(), rss)
		}
		return nil
	}, utilization, memory.Inst())
}
