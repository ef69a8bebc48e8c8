package exporters

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdkresource "go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	collectormetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// otelEnv lists the variables Setup and the exporters read; every test
// starts from all of them unset (empty), whatever the CI environment has.
var otelEnv = []string{
	envTracesExporter, envMetricsExporter, envProtocol, envTracesProtocol, envMetricsProtocol,
	"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
	"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_INSECURE", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG",
	"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_METRICS_PRODUCERS",
}

func cleanEnv(t *testing.T, set map[string]string) {
	t.Helper()
	for _, k := range otelEnv {
		t.Setenv(k, set[k])
	}
}

func testResource() *sdkresource.Resource {
	return sdkresource.NewSchemaless(attribute.String("service.name", "exporters-test"))
}

// setup calls Setup and registers its shutdown.
func setup(t *testing.T, opts ...Option) func(context.Context) error {
	t.Helper()
	shutdown, err := Setup(context.Background(), opts...)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() { _ = shutdown(context.Background()) })
	return shutdown
}

// produce ends a root span with one statement child through the global
// tracer provider, as instrumented code would.
func produce() {
	tracer := otel.GetTracerProvider().Tracer("exporters-test")
	ctx, root := tracer.Start(context.Background(), "handler")
	_, child := tracer.Start(ctx, "SELECT review", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(semconv.DBSystemNameKey.String("sqlite"), vocab.AttrDriverTimeMS.Float64(1.5),
			vocab.AttrFindings.StringSlice([]string{"unindexed_in"})))
	child.End()
	root.End()
}

func TestSetupConsole(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opts []Option
	}{
		{"OTEL_TRACES_EXPORTER=console", map[string]string{envTracesExporter: "console"}, nil},
		{"WithConsole overrides the environment", map[string]string{envTracesExporter: "otlp"}, []Option{WithConsole()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t, tt.env)
			var buf bytes.Buffer
			opts := append([]Option{
				WithConsoleWriter(&buf), WithResource(testResource()),
				WithConsoleOptions(WithColor(false)),
			}, tt.opts...)
			shutdown := setup(t, opts...)
			if _, ok := otel.GetMeterProvider().(metricnoop.MeterProvider); !ok {
				t.Errorf("meter provider is %T, want no metrics next to the console", otel.GetMeterProvider())
			}
			produce()
			// The console exporter is synchronous: the tree is printed
			// when the root ends, before shutdown.
			want := "handler  "
			if !strings.HasPrefix(buf.String(), want) || !strings.Contains(buf.String(), "└─ SELECT review  ") ||
				!strings.Contains(buf.String(), "⚠ unindexed_in") {
				t.Errorf("console output:\n%s", buf.String())
			}
			if err := shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := shutdown(context.Background()); err != nil {
				t.Errorf("second shutdown = %v", err)
			}
		})
	}
}

func TestSetupNone(t *testing.T) {
	cleanEnv(t, map[string]string{envTracesExporter: "none"})
	setup(t, WithResource(testResource()))
	if _, ok := otel.GetTracerProvider().(tracenoop.TracerProvider); !ok {
		t.Errorf("tracer provider is %T, want no-op", otel.GetTracerProvider())
	}
	if _, ok := otel.GetMeterProvider().(metricnoop.MeterProvider); !ok {
		t.Errorf("meter provider is %T, want no-op", otel.GetMeterProvider())
	}

	// A test's own processor and reader still get everything.
	rec := tracetest.NewSpanRecorder()
	reader := sdkmetric.NewManualReader()
	res := testResource()
	setup(t, WithResource(res), WithSpanProcessor(rec), WithMetricReader(reader))
	produce()
	counter, err := otel.GetMeterProvider().Meter("exporters-test").Int64Counter("test.count")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(context.Background(), 3)

	spans := rec.Ended()
	if len(spans) != 2 || spans[0].Name() != "SELECT review" || spans[1].Name() != "handler" {
		t.Fatalf("recorded %v", spanNames(spans))
	}
	if spans[0].Parent().SpanID() != spans[1].SpanContext().SpanID() {
		t.Errorf("child's parent is not the root")
	}
	if !spans[0].Resource().Equal(res) {
		t.Errorf("span resource = %v, want WithResource's", spans[0].Resource())
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) != 1 || rm.ScopeMetrics[0].Metrics[0].Name != "test.count" || !rm.Resource.Equal(res) {
		t.Errorf("collected %+v", rm)
	}
}

func spanNames(spans []sdktrace.ReadOnlySpan) []string {
	var names []string
	for _, s := range spans {
		names = append(names, s.Name())
	}
	return names
}

func TestSetupSampler(t *testing.T) {
	cleanEnv(t, map[string]string{envTracesExporter: "none"})
	rec := tracetest.NewSpanRecorder()
	setup(t, WithResource(testResource()), WithSpanProcessor(rec), WithSampler(sdktrace.NeverSample()))
	produce()
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("%d spans recorded with NeverSample", n)
	}
}

func TestSetupDetectsResource(t *testing.T) {
	cleanEnv(t, map[string]string{envTracesExporter: "none", "OTEL_SERVICE_NAME": "from-env"})
	rec := tracetest.NewSpanRecorder()
	setup(t, WithSpanProcessor(rec))
	produce()
	spans := rec.Ended()
	if len(spans) == 0 {
		t.Fatal("no spans")
	}
	got, _ := spans[0].Resource().Set().Value("service.name")
	if got.AsString() != "from-env" {
		t.Errorf("service.name = %q, want the one OTEL_SERVICE_NAME sets", got.AsString())
	}
}

func TestSetupPropagator(t *testing.T) {
	cleanEnv(t, map[string]string{envTracesExporter: "none"})
	prev := otel.GetTextMapPropagator()
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })

	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator())
	setup(t, WithResource(testResource()))
	if f := otel.GetTextMapPropagator().Fields(); !contains(f, "traceparent") || !contains(f, "baggage") {
		t.Errorf("propagator fields %v, want W3C trace context and baggage", f)
	}
	mine := propagation.Baggage{}
	otel.SetTextMapPropagator(mine)
	setup(t, WithResource(testResource()))
	if otel.GetTextMapPropagator() != mine {
		t.Errorf("Setup replaced the application's propagator")
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestSetupErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"unknown traces exporter", map[string]string{envTracesExporter: "bogus"}},
		{"unknown metrics exporter", map[string]string{envTracesExporter: "none", envMetricsExporter: "bogus"}},
		{"unknown protocol", map[string]string{envTracesExporter: "otlp", envProtocol: "carrier-pigeon"}},
		{"metrics fail after traces succeed", map[string]string{
			envTracesExporter: "console", envMetricsExporter: "otlp", envMetricsProtocol: "carrier-pigeon",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t, tt.env)
			before := otel.GetTracerProvider()
			shutdown, err := Setup(context.Background(), WithResource(testResource()), WithConsoleWriter(io.Discard))
			if err == nil {
				_ = shutdown(context.Background())
				t.Fatal("Setup succeeded")
			}
			if otel.GetTracerProvider() != before {
				t.Errorf("a failed Setup changed the global tracer provider")
			}
		})
	}
}

// collector is an in-test OTLP gRPC receiver.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer

	mu      sync.Mutex
	spans   []string
	service []string
	metrics []string
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				c.service = append(c.service, kv.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.spans = append(c.spans, s.GetName())
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// metricsServer receives metrics into the same collector.
type metricsServer struct {
	collectormetrics.UnimplementedMetricsServiceServer
	c *collector
}

func (m metricsServer) Export(_ context.Context, req *collectormetrics.ExportMetricsServiceRequest) (*collectormetrics.ExportMetricsServiceResponse, error) {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	for _, rm := range req.GetResourceMetrics() {
		for _, sm := range rm.GetScopeMetrics() {
			for _, x := range sm.GetMetrics() {
				m.c.metrics = append(m.c.metrics, x.GetName())
			}
		}
	}
	return &collectormetrics.ExportMetricsServiceResponse{}, nil
}

func startCollector(t *testing.T) (*collector, string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, c)
	collectormetrics.RegisterMetricsServiceServer(srv, metricsServer{c: c})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return c, lis.Addr().String()
}

func TestSetupOTLPGRPC(t *testing.T) {
	c, addr := startCollector(t)
	// No protocol set: sqlsight's default, gRPC, for traces and metrics.
	cleanEnv(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://" + addr})
	shutdown := setup(t, WithResource(testResource()))
	produce()
	counter, err := otel.GetMeterProvider().Meter("exporters-test").Int64Counter("test.count")
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(context.Background(), 1)
	// Shutdown flushes both the batched spans and the periodic reader.
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.Join(c.spans, ",") != "SELECT review,handler" {
		t.Errorf("collector got spans %v", c.spans)
	}
	if len(c.service) == 0 || c.service[0] != "exporters-test" {
		t.Errorf("collector got service names %v", c.service)
	}
	if !contains(c.metrics, "test.count") {
		t.Errorf("collector got metrics %v", c.metrics)
	}
}

func TestSetupOTLPHTTPThroughAutoexport(t *testing.T) {
	var (
		mu    sync.Mutex
		paths []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	cleanEnv(t, map[string]string{
		envTracesExporter: "otlp", envProtocol: "http/protobuf",
		"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL, envMetricsExporter: "none",
	})
	shutdown := setup(t, WithResource(testResource()))
	produce()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !contains(paths, "/v1/traces") {
		t.Errorf("HTTP requests to %v, want /v1/traces", paths)
	}
}

func TestSetupShutdownReportsErrors(t *testing.T) {
	cleanEnv(t, map[string]string{envTracesExporter: "none"})
	errStop := errors.New("processor stop failed")
	shutdown := setup(t, WithResource(testResource()), WithSpanProcessor(failingProcessor{errStop}))
	if err := shutdown(context.Background()); !errors.Is(err, errStop) {
		t.Errorf("shutdown = %v, want the processor's error", err)
	}
}

type failingProcessor struct{ err error }

func (failingProcessor) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (failingProcessor) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (p failingProcessor) Shutdown(context.Context) error                { return p.err }
func (failingProcessor) ForceFlush(context.Context) error                { return nil }
