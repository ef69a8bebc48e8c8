package resource

import (
	"context"
	"errors"
	runtime "runtime"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"
)

func newManualMeterProvider(t *testing.T) (*sdkmetric.MeterProvider, *sdkmetric.ManualReader) {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return mp, reader
}

// collect returns the metrics of one collection by name.
func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("collect: %v", err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

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

func TestStartProcessMetrics(t *testing.T) {
	ours := []string{"process.cpu.utilization", "process.memory.usage"}
	hostMetrics := []string{"process.cpu.time", "system.cpu.time", "system.memory.usage"}
	runtimeMetrics := []string{"go.memory.allocated", "go.goroutine.count"}
	tests := []struct {
		name   string
		opts   []ProcessMetricsOption
		want   []string
		absent []string
	}{
		{"host and runtime by default", nil, concat(ours, hostMetrics, runtimeMetrics), nil},
		{"without host", []ProcessMetricsOption{WithHostMetrics(false)}, concat(ours, runtimeMetrics), hostMetrics},
		{"without runtime", []ProcessMetricsOption{WithRuntimeMetrics(false)}, concat(ours, hostMetrics), runtimeMetrics},
		{"sqlsight metrics only", []ProcessMetricsOption{WithHostMetrics(false), WithRuntimeMetrics(false), nil}, ours, concat(hostMetrics, runtimeMetrics)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			mp, reader := newManualMeterProvider(t)
			pm, err := StartProcessMetrics(append([]ProcessMetricsOption{
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
			deadline := time.Now().Add(10 * time.Second)
			var got map[string]metricdata.Metrics
			for {
				got = collect(t, reader)
				if _, ok := got["process.cpu.utilization"]; ok || time.Now().After(deadline) {
					break
				}
				time.Sleep(5 * time.Millisecond) // polling interval
			}
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
	mp, reader := newManualMeterProvider(t)
	pm, err := StartProcessMetrics(WithMeterProvider(mp), WithSamplingPeriod(20*time.Millisecond),
		WithHostMetrics(false), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	defer pm.Shutdown(context.Background())

	deadline := time.Now().Add(10 * time.Second)
	for {
		burnUserCPU(t, 30*time.Millisecond)
		m, ok := collect(t, reader)["process.cpu.utilization"]
		if ok {
			if user, _ := utilization(t, m); user > 0.05 {
				t.Logf("user utilization %.2f with %d CPUs", user, int(pm.sampler.cpus))
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no user CPU utilization reported while burning CPU")
		}
	}
}

func TestProcessMetricsShutdown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mp, reader := newManualMeterProvider(t)
	pm, err := StartProcessMetrics(WithMeterProvider(mp), WithHostMetrics(false), WithRuntimeMetrics(false))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := collect(t, reader)["process.memory.usage"]; !ok {
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
	if _, ok := collect(t, reader)["process.memory.usage"]; ok {
		t.Error("process.memory.usage still reported after Shutdown")
	}
}

// TestProcessMetricsBound starts many samplers: each owns exactly one
// goroutine, and Shutdown ends all of them.
func TestProcessMetricsBound(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	mp, _ := newManualMeterProvider(t)
	before := goroutines()
	const n = 8
	var started []*ProcessMetrics
	for range n {
		pm, err := StartProcessMetrics(WithMeterProvider(mp), WithHostMetrics(false), WithRuntimeMetrics(false))
		if err != nil {
			t.Fatal(err)
		}
		started = append(started, pm)
	}
	if got := goroutines() - before; got != n {
		t.Errorf("%d samplers run %d goroutines, want %d", n, got, n)
	}
	for _, pm := range started {
		if err := pm.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func goroutines() int { return runtime.NumGoroutine() }

func TestProcessMetricsShutdownContext(t *testing.T) {
	mp, _ := newManualMeterProvider(t)
	pm, err := StartProcessMetrics(WithMeterProvider(mp), WithHostMetrics(false), WithRuntimeMetrics(false))
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
