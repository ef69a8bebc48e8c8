package sqltracetest

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// Recorded is a finding with the place in the caller's code that ran the
// statement: "dir/file.go:42 (pkg.Function)" from the finding's Location,
// or "dir/file.go:42" of the handler's caller when the finding has none.
type Recorded struct {
	sqltrace.Finding
	Caller string
}

// Recorder records the spans, metrics and findings of a wrapped database.
type Recorder struct {
	// Spans holds every ended span.
	Spans          *tracetest.SpanRecorder
	TracerProvider *sdktrace.TracerProvider
	Metrics        *sdkmetric.ManualReader
	MeterProvider  *sdkmetric.MeterProvider

	log     *queryLog
	pending *sqltrace.PendingExplains

	mu       sync.Mutex
	findings []Recorded
}

// New returns a Recorder that is shut down when the test ends.
func New(t testing.TB) *Recorder {
	r := &Recorder{Spans: tracetest.NewSpanRecorder(), Metrics: sdkmetric.NewManualReader(), log: &queryLog{},
		pending: sqltrace.NewPendingExplains()}
	r.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.Spans), sdktrace.WithSpanProcessor(r.log))
	r.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.Metrics))
	t.Cleanup(func() {
		_ = r.TracerProvider.Shutdown(context.Background())
		_ = r.MeterProvider.Shutdown(context.Background())
	})
	return r
}

// Options wires the recorder into sqltrace: pass them to Open, OpenDB,
// WrapConnector or WrapDriver, before your own options.
func (r *Recorder) Options(extra ...sqltrace.Option) []sqltrace.Option {
	return append([]sqltrace.Option{
		sqltrace.WithTracerProvider(r.TracerProvider),
		sqltrace.WithMeterProvider(r.MeterProvider),
		sqltrace.WithFindingHandler(r.record),
		sqltrace.WithPendingExplains(r.pending),
		// A test explains every statement that qualifies: the production
		// rate limit would drop some of a test's statements, and their plan
		// findings with them.
		sqltrace.WithExplain(explain.WithRateLimit(testExplainRate, testExplainRate)),
	}, extra...)
}

// testExplainRate is the EXPLAIN rate limit of a Recorder's databases.
const testExplainRate = 10_000

// SettleTimeout bounds how long RequireNoFindings waits for the EXPLAINs
// in flight; it is well above explain's default timeout (2 s, explain.WithTimeout).
const SettleTimeout = 30 * time.Second

// Settle waits until every EXPLAIN that the recorder's databases started
// in the background has delivered its findings, or ctx ends. After it,
// Findings holds the plan findings of every statement run so far (each
// text is explained once per database and dedupe period: a statement
// whose verdict is already cached reports it on its span, not again to
// Findings).
func (r *Recorder) Settle(ctx context.Context) error {
	return r.pending.Wait(ctx)
}

// settle is Settle bounded by SettleTimeout, failing t when it expires.
func (r *Recorder) settle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), SettleTimeout)
	defer cancel()
	if err := r.Settle(ctx); err != nil {
		t.Fatalf("sqlsight: %d EXPLAIN(s) still running after %s: their plan findings cannot be checked", r.pending.Len(), SettleTimeout)
	}
}

func (r *Recorder) record(_ context.Context, f sqltrace.Finding) {
	caller := f.Location.String()
	if caller == "" {
		caller = callerOutsideLibraries()
	}
	rec := Recorded{Finding: f, Caller: caller}
	r.mu.Lock()
	r.findings = append(r.findings, rec)
	r.mu.Unlock()
}

// Findings returns the findings recorded so far.
func (r *Recorder) Findings() []Recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Recorded(nil), r.findings...)
}

// Reset forgets the recorded spans' findings (not the spans).
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.findings = nil
	r.mu.Unlock()
}

// WaitForFinding waits until a finding of kind is recorded (plan findings
// arrive from the background EXPLAIN worker) and returns it; it fails the
// test after timeout.
func (r *Recorder) WaitForFinding(t testing.TB, kind sqltrace.Kind, timeout time.Duration) Recorded {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, f := range r.Findings() {
			if f.Kind == kind {
				return f
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s finding within %s; findings: %v", kind, timeout, r.Findings())
			return Recorded{}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// libraryPrefixes are the packages between the user's call and the
// finding handler.
var libraryPrefixes = []string{
	"database/sql.", "github.com/ngrok/sqlmw.", "github.com/sqlsight/sqlsight/sqltrace.",
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest.", "runtime.", "sync.", "testing.",
	"go.opentelemetry.io/",
}

// callerOutsideLibraries returns file:line of the first frame of the
// user's code on the current stack.
func callerOutsideLibraries() string {
	var pcs [64]uintptr
	n := runtime.Callers(3, pcs[:])
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		library := false
		for _, p := range libraryPrefixes {
			if strings.HasPrefix(f.Function, p) {
				library = true
				break
			}
		}
		if !library && f.File != "" {
			return shortPath(f.File) + ":" + strconv.Itoa(f.Line)
		}
		if !more {
			return ""
		}
	}
}

// shortPath keeps the last two path elements: enough to find the file.
func shortPath(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return p
	}
	if j := strings.LastIndexByte(p[:i], '/'); j >= 0 {
		return p[j+1:]
	}
	return p
}
