package process

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

// utilization returns the user and system CPU utilization points.
func utilization(t *testing.T, m metricdata.Metrics) (user, system float64) {
	t.Helper()
	g, ok := m.Data.(metricdata.Gauge[float64])
	if !ok {
		t.Fatalf("process.cpu.utilization is %T, want a float64 gauge", m.Data)
	}
	for _, p := range g.DataPoints {
		mode, _ := p.Attributes.Value("cpu.mode")
		switch mode.AsString() {
		case "user":
			user = p.Value
		case "system":
			system = p.Value
		default:
			t.Errorf("unexpected cpu.mode %q", mode.AsString())
		}
	}
	return user, system
}

func TestStartMetrics(t *testing.T) {
	ours := []string{"process.cpu.utilization", "process.memory.usage"}
	hostMetrics := []string{"process.cpu.time", "system.cpu.time", "system.memory.usage"}
	runtimeMetrics := []string{"go.memory.allocated", "go.goroutine.count"}
	tests := []struct {
		name   string
		opts   []MetricsOption
		want   []string
		absent []string
	}{
		{"host and runtime by default", nil, concat(ours, hostMetrics, runtimeMetrics), nil},
		{"without host", []MetricsOption{WithHostMetrics(false)}, concat(ours, runtimeMetrics), hostMetrics},
		{"without runtime", []MetricsOption{WithRuntimeMetrics(false)}, concat(ours, hostMetrics), runtimeMetrics},
		{"sqlsight metrics only", []MetricsOption{WithHostMetrics(false), WithRuntimeMetrics(false), nil}, ours, concat(hostMetrics, runtimeMetrics)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			tel := testenv.NewTelemetry(t)
			mp := tel.MeterProvider
			pm, err := StartMetrics(append([]MetricsOption{
				WithMeterProvider(mp), WithSamplingPeriod(10 * time.Millisecond),
			}, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := pm.Shutdown(context.Background()); err != nil {
					t.Error(err)
				}
			}()

			// RSS is sampled at start; utilization needs a second sample.
			var got map[string]metricdata.Metrics
			testenv.WaitFor(t, 10*time.Second, func() bool {
				got = tel.Collect(t)
				_, ok := got["process.cpu.utilization"]
				return ok
			})
			for _, name := range tt.want {
				if _, ok := got[name]; !ok {
					t.Errorf("metric %s missing", name)
				}
			}
			for _, name := range tt.absent {
				if _, ok := got[name]; ok {
					t.Errorf("metric %s reported, want it absent", name)
				}
			}
			rss := got["process.memory.usage"].Data.(metricdata.Sum[int64]).DataPoints[0].Value
			if rss < 1<<20 || rss > 64<<30 {
				t.Errorf("process.memory.usage = %d, want a plausible RSS", rss)
			}
			if got["process.memory.usage"].Unit != "By" {
				t.Errorf("process.memory.usage unit %q, want By", got["process.memory.usage"].Unit)
			}
			user, system := utilization(t, got["process.cpu.utilization"])
			if user < 0 || system < 0 || user+system > 1.5 {
				t.Errorf("utilization user=%v system=%v, want within [0, 1] (+ sampling slack)", user, system)
			}
		})
	}
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// TestProcessMetricsUtilizationSeesBusyLoop burns CPU on one thread until the
// sampler reports non-zero user utilization.
func TestProcessMetricsUtilizationSeesBusyLoop(t *testing.T) {
	tel := testenv.NewTelemetry(t)
	mp := tel.MeterProvider
	pm, err := StartMetrics(WithMeterProvider(mp), WithSamplingPeriod(20*time.Millisecond),
		WithHostMetrics(false), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	defer pm.Shutdown(context.Background())

	testenv.WaitFor(t, 10*time.Second, func() bool {
		spin(30 * time.Millisecond)
		m, ok := tel.Collect(t)["process.cpu.utilization"]
		if !ok {
			return false
		}
		user, _ := utilization(t, m)
		t.Logf("user utilization %.2f with %d CPUs", user, int(pm.sampler.cpus))
		return user > 0.05
	})
}

var spinSink uint64

// spin keeps the calling goroutine busy in user mode for d of wall time.
func spin(d time.Duration) {
	x := spinSink
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := range uint64(10_000) {
			x = x*31 + i
		}
	}
	spinSink = x
}

func TestProcessMetricsShutdown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	tel := testenv.NewTelemetry(t)
	mp := tel.MeterProvider
	pm, err := StartMetrics(WithMeterProvider(mp), WithHostMetrics(false), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tel.Collect(t)["process.memory.usage"]; !ok {
		t.Fatal("process.memory.usage missing before Shutdown")
	}
	// Shutdown is idempotent and safe from several goroutines.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := pm.Shutdown(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, ok := tel.Collect(t)["process.memory.usage"]; ok {
		t.Error("process.memory.usage still reported after Shutdown")
	}
}

// TestProcessMetricsBound starts many samplers: each owns exactly one
// goroutine, and Shutdown ends all of them. The samplers' goroutines are
// counted by their function in a stack dump: the total goroutine count read
// at an instant also moves with the runtime's and the SDK's goroutines.
func TestProcessMetricsBound(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mp := testenv.NewTelemetry(t).MeterProvider
	const n = 8
	var started []*Metrics
	for range n {
		pm, err := StartMetrics(WithMeterProvider(mp), WithHostMetrics(false), WithRuntimeMetrics(false))
		if err != nil {
			t.Fatal(err)
		}
		started = append(started, pm)
	}
	// A new goroutine shows its function in a stack dump once it has been
	// scheduled: wait for that, then check that no sampler runs two.
	testenv.WaitFor(t, 10*time.Second, func() bool { return samplerGoroutines() >= n })
	if got := samplerGoroutines(); got != n {
		t.Errorf("%d samplers run %d sampler goroutines, want %d", n, got, n)
	}
	for _, pm := range started {
		if err := pm.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Shutdown returns once the goroutine has closed its done channel; it
	// leaves the scheduler a moment later.
	testenv.WaitFor(t, 10*time.Second, func() bool { return samplerGoroutines() == 0 })
}

// samplerGoroutines counts the goroutines running (*sampler).run.
func samplerGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "process.(*sampler).run(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

func TestProcessMetricsShutdownContext(t *testing.T) {
	mp := testenv.NewTelemetry(t).MeterProvider
	pm, err := StartMetrics(WithMeterProvider(mp), WithHostMetrics(false), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The goroutine may or may not have ended yet; either answer is valid,
	// but Shutdown must not block on a done context.
	if err := pm.Shutdown(ctx); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown(cancelled) = %v", err)
	}
	if err := pm.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown = %v", err)
	}
}
