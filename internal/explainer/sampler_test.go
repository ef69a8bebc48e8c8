package explainer

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

// telemetry bundles an in-memory span recorder and metric reader.
type telemetry struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newTelemetry(t testing.TB) *telemetry {
	e := testenv.NewTelemetry(t)
	return &telemetry{spans: e.Spans, tp: e.TracerProvider, reader: e.Metrics, mp: e.MeterProvider}
}

func (tel *telemetry) options() []Option {
	return []Option{WithTracerProvider(tel.tp), WithMeterProvider(tel.mp)}
}

// requests returns the sqlsight.explain.requests counter by outcome.
func (tel *telemetry) requests(t testing.TB) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != MetricRequests {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				v, _ := dp.Attributes.Value("outcome")
				out[v.AsString()] += dp.Value
			}
		}
	}
	return out
}

func (tel *telemetry) explainSpans() []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tel.spans.Ended() {
		if strings.HasPrefix(s.Name(), "EXPLAIN") {
			out = append(out, s)
		}
	}
	return out
}

// waitExplainSpans waits until n EXPLAIN spans have ended and returns them.
// A verdict is cached before its job is counted, the hook called and the
// span ended; the span ends last, so after it everything is recorded.
func (tel *telemetry) waitExplainSpans(t testing.TB, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	testenv.WaitFor(t, 15*time.Second, func() bool { return len(tel.explainSpans()) >= n })
	return tel.explainSpans()
}

func attrOf(s sdktrace.ReadOnlySpan, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// parentContext returns a context carrying a recording span of tel, to
// stand for the statement span sqltrace would pass.
func (tel *telemetry) parentContext(t testing.TB) (context.Context, trace.Span) {
	ctx, span := tel.tp.Tracer("test").Start(context.Background(), "SELECT ex_review")
	t.Cleanup(func() { span.End() })
	return ctx, span
}

// checkLeaks verifies, after every other cleanup of the test, that no
// goroutine started during the test is left.
func checkLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
}

func waitVerdict(t testing.TB, s *Sampler, fp string) Verdict {
	t.Helper()
	var v Verdict
	if !testenv.Eventually(15*time.Second, func() bool {
		var ok bool
		v, ok = s.Cached(fp)
		return ok
	}) {
		t.Fatalf("timed out waiting for the verdict of %s", fp)
	}
	return v
}

func seedSQLiteReview(t testing.TB, n int) (driver.Connector, func(string)) {
	t.Helper()
	c, db := newSQLite(t)
	mustExec(t, db, "CREATE TABLE ex_review (id INTEGER PRIMARY KEY, n_review_id INT, reid INT, body TEXT)")
	mustExec(t, db, `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
		INSERT INTO ex_review (n_review_id, reid, body) SELECT i, i * 2, 'body ' || i FROM s`, n)
	return c, func(q string) { mustExec(t, db, q) }
}

const reviewIn = "SELECT n_review_id, reid FROM ex_review WHERE n_review_id IN (?, ?, ?, ?, ?)"

func reviewArgs() []driver.NamedValue {
	args := make([]driver.NamedValue, 5)
	for i := range args {
		args[i] = driver.NamedValue{Ordinal: i + 1, Value: int64(100 + i)}
	}
	return args
}

func TestSamplerSQLiteUnindexedIn(t *testing.T) {
	checkLeaks(t)
	tel := newTelemetry(t)
	c, exec := seedSQLiteReview(t, 2000)
	s := New(c, SQLite, append(tel.options(), WithDedupeTTL(time.Nanosecond))...)
	defer s.Close()

	ctx, parent := tel.parentContext(t)
	st := Statement{Query: reviewIn, Args: reviewArgs(), Fingerprint: "fp-review-in", Summary: "SELECT ex_review", Reason: "in_lookup"}
	if !s.Submit(ctx, st) {
		t.Fatal("Submit refused the statement")
	}
	v := waitVerdict(t, s, st.Fingerprint)
	if v.Err != nil {
		t.Fatalf("explain failed: %v", v.Err)
	}
	f, ok := findKind(v.Findings, KindUnindexedIn)
	if !ok || f.Table != "ex_review" || len(f.Columns) != 1 || f.Columns[0] != "n_review_id" {
		t.Fatalf("findings = %+v", v.Findings)
	}

	testenv.WaitFor(t, 15*time.Second, func() bool { return len(tel.explainSpans()) == 1 }) // EXPLAIN span
	span := tel.explainSpans()[0]
	if span.Name() != "EXPLAIN SELECT ex_review" || span.SpanKind() != trace.SpanKindClient {
		t.Errorf("span %q kind %v", span.Name(), span.SpanKind())
	}
	if span.Parent().SpanID() != parent.SpanContext().SpanID() || span.SpanContext().TraceID() != parent.SpanContext().TraceID() {
		t.Error("EXPLAIN span is not a child of the statement span")
	}
	for key, want := range map[attribute.Key]string{
		"db.system.name":           "sqlite",
		"db.query.summary":         "SELECT ex_review",
		AttrFingerprint:            "fp-review-in",
		AttrReason:                 "in_lookup",
		"sqlsight.explain.format":  "eqp",
		AttrAccessTypes:            `["full_scan"]`,
		AttrTables:                 `["ex_review"]`,
		AttrFindings:               `["unindexed_in"]`,
		attribute.Key("not.there"): "",
	} {
		got, ok := attrOf(span, key)
		if want == "" {
			if ok {
				t.Errorf("unexpected attribute %s", key)
			}
			continue
		}
		if !ok || got.Emit() != want {
			t.Errorf("attribute %s = %q, want %q", key, got.Emit(), want)
		}
	}
	if plan, _ := attrOf(span, AttrPlan); !strings.Contains(plan.AsString(), "SCAN on ex_review") {
		t.Errorf("plan attribute = %q", plan.AsString())
	}
	if evs := span.Events(); len(evs) != 1 || evs[0].Name != EventFinding {
		t.Errorf("events = %+v", evs)
	}

	// The suggestion works, and with it the same shape is not flagged.
	exec(f.Suggestion)
	if !s.Submit(ctx, st) {
		t.Fatal("Submit refused the statement after its verdict expired")
	}
	tel.waitExplainSpans(t, 2)
	v, _ = s.Cached(st.Fingerprint)
	if v.Err != nil || len(v.Findings) != 0 {
		t.Fatalf("after CREATE INDEX: err %v findings %+v\n%s", v.Err, v.Findings, v.Plan.Text)
	}
	if got := tel.requests(t); got[OutcomeDone] != 2 {
		t.Errorf("requests = %v", got)
	}
}

func TestSamplerDedupeAndCache(t *testing.T) {
	tel := newTelemetry(t)
	c, _ := seedSQLiteReview(t, 10)
	s := New(c, "", tel.options()...) // dialect detected from the driver
	defer s.Close()
	ctx := context.Background()
	st := Statement{Query: reviewIn, Args: reviewArgs(), Fingerprint: "fp"}
	if !s.Submit(ctx, st) {
		t.Fatal("first Submit refused")
	}
	// Pending or done: the same fingerprint is not explained twice.
	if s.Submit(ctx, st) {
		t.Fatal("duplicate accepted")
	}
	waitVerdict(t, s, "fp")
	if s.Submit(ctx, st) {
		t.Fatal("fresh verdict not reused")
	}
	if _, ok := s.Cached("other"); ok {
		t.Error("verdict for an unknown fingerprint")
	}
	// A statement without fingerprint is keyed by its text.
	st2 := Statement{Query: "SELECT reid FROM ex_review WHERE id = ?", Args: reviewArgs()[:1]}
	if !s.Submit(ctx, st2) {
		t.Fatal("statement without fingerprint refused")
	}
	waitVerdict(t, s, st2.Query)
	tel.waitExplainSpans(t, 2)
	st3 := s.Stats()
	if st3.Submitted != 4 || st3.Queued != 2 || st3.Cached != 2 || st3.Done != 2 {
		t.Errorf("stats = %+v", st3)
	}
	if got := tel.requests(t); got[OutcomeCached] != 2 || got[OutcomeDone] != 2 {
		t.Errorf("requests = %v", got)
	}
}

func TestSamplerRefusesUnsafeAndCachesFailures(t *testing.T) {
	tel := newTelemetry(t)
	c, db := newSQLite(t)
	mustExec(t, db, "CREATE TABLE ex_keep (id INTEGER PRIMARY KEY)")
	mustExec(t, db, "INSERT INTO ex_keep VALUES (1), (2)")
	var hooked []Verdict
	var mu sync.Mutex
	s := New(c, SQLite, append(tel.options(), WithRateLimit(1000, 1000),
		WithFindingsHook(func(ctx context.Context, span trace.Span, st Statement, v Verdict) {
			mu.Lock()
			hooked = append(hooked, v)
			mu.Unlock()
			if !span.IsRecording() || !trace.SpanFromContext(ctx).SpanContext().Equal(span.SpanContext()) {
				t.Error("hook not called on the recording EXPLAIN span")
			}
		}))...)
	defer s.Close()
	ctx := context.Background()
	for _, q := range []string{
		"DROP TABLE ex_keep",
		"DELETE FROM ex_keep; DROP TABLE ex_keep",
		"CREATE INDEX ix_keep ON ex_keep (id)",
		"INSERT INTO ex_keep VALUES (3)",
		"ALTER TABLE ex_keep ADD COLUMN x INT",
	} {
		if s.Submit(ctx, Statement{Query: q, Fingerprint: q}) {
			t.Errorf("unsafe statement accepted: %s", q)
		}
		if s.Submit(ctx, Statement{Query: q, Fingerprint: q}) {
			t.Errorf("unsafe statement accepted the second time: %s", q)
		}
	}
	if got := s.Stats(); got.Skipped != 10 || got.Queued != 0 {
		t.Errorf("stats = %+v", got)
	}
	if n := countRows(t, db, "SELECT count(*) FROM ex_keep"); n != 2 {
		t.Fatalf("ex_keep has %d rows", n)
	}
	mustExec(t, db, "SELECT id FROM ex_keep") // still there, no index change needed

	// A statement that cannot be explained fails once, and the failure is
	// cached: it is not retried on every execution.
	bad := Statement{Query: "SELECT * FROM ex_missing WHERE id = ?", Fingerprint: "bad"}
	if !s.Submit(ctx, bad) {
		t.Fatal("Submit refused")
	}
	v := waitVerdict(t, s, "bad")
	tel.waitExplainSpans(t, 1)
	if v.Err == nil || !strings.Contains(v.Err.Error(), "no such table") {
		t.Fatalf("verdict = %+v", v)
	}
	if s.Submit(ctx, bad) {
		t.Error("failed statement retried within the TTL")
	}
	if got := s.Stats(); got.Errors != 1 {
		t.Errorf("stats = %+v", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(hooked) != 1 || hooked[0].Err == nil {
		t.Errorf("hook calls = %+v", hooked)
	}
	spans := tel.explainSpans()
	if len(spans) != 1 {
		t.Fatalf("%d EXPLAIN spans", len(spans))
	}
	if et, _ := attrOf(spans[0], "error.type"); et.AsString() != "driver_error" {
		t.Errorf("error.type = %q", et.AsString())
	}
	if strings.Contains(spans[0].Status().Description, "ex_missing") {
		t.Error("driver message leaked into the span status")
	}
	if _, ok := attrOf(spans[0], AttrFindings); ok {
		t.Error("explain added findings although a hook is set")
	}
}

// gatedConnector holds every Connect until the gate opens: a database that
// does not answer, which a real one cannot be made to do on demand.
type gatedConnector struct {
	driver.Connector
	gate chan struct{}
}

func (g gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	select {
	case <-g.gate:
		return g.Connector.Connect(ctx)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func TestSamplerBurstNeverBlocks(t *testing.T) {
	checkLeaks(t)
	const burst = 10000
	c, _ := seedSQLiteReview(t, 10)
	stmts := make([]Statement, burst)
	for i := range stmts {
		stmts[i] = Statement{
			Query:       fmt.Sprintf("SELECT reid FROM ex_review WHERE n_review_id IN (?, ?) AND id > %d", i),
			Args:        []driver.NamedValue{{Ordinal: 1, Value: []byte("abc")}, {Ordinal: 2, Value: int64(i)}},
			Fingerprint: fmt.Sprintf("fp-%d", i),
		}
	}

	t.Run("default rate limit", func(t *testing.T) {
		tel := newTelemetry(t)
		s := New(c, SQLite, tel.options()...)
		defer s.Close()
		accepted := 0
		for _, st := range stmts {
			if s.Submit(context.Background(), st) {
				accepted++
			}
		}
		got := s.Stats()
		if accepted > 10 || got.Dropped < burst-10 || got.Submitted != burst {
			t.Errorf("accepted %d, stats %+v", accepted, got)
		}
		if m := tel.requests(t); m[OutcomeDropped] != int64(got.Dropped) {
			t.Errorf("dropped metric %d, stats %d", m[OutcomeDropped], got.Dropped)
		}
	})

	t.Run("workers stuck, queue full", func(t *testing.T) {
		gate := make(chan struct{})
		const queue = 256
		// No timeout in the test's time: a worker that gave up on its
		// connection would take another statement from the queue.
		s := New(gatedConnector{c, gate}, SQLite, WithTimeout(time.Hour), WithRateLimit(1e9, 1e9), WithQueueSize(queue), WithCacheSize(512))
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for _, st := range stmts {
			s.Submit(context.Background(), st) // must return: the test would hang otherwise
		}
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		got := s.Stats()
		// The worker holds at most one statement, the queue the rest.
		if got.Queued < queue || got.Queued > queue+1 || got.Dropped != burst-got.Queued {
			t.Errorf("stats = %+v", got)
		}
		if got.QueueLen > queue || got.CacheEntries > 512 {
			t.Errorf("queue %d, cache %d entries", got.QueueLen, got.CacheEntries)
		}
		if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 4<<20 {
			t.Errorf("heap grew by %d bytes for a bounded queue", grown)
		}
		close(gate)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		got = s.Stats()
		if got.Done+got.Errors+got.Dropped+got.Skipped+got.Cached != burst || got.QueueLen != 0 {
			t.Errorf("after Close: %+v", got)
		}
	})
}

func TestSamplerClose(t *testing.T) {
	checkLeaks(t)
	c, _ := seedSQLiteReview(t, 10)
	s := New(c, SQLite, WithWorkers(3))
	st := Statement{Query: reviewIn, Args: reviewArgs(), Fingerprint: "fp"}
	if !s.Submit(context.Background(), st) {
		t.Fatal("Submit refused")
	}
	waitVerdict(t, s, "fp")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if s.Submit(context.Background(), Statement{Query: reviewIn, Fingerprint: "fp2"}) {
		t.Error("Submit accepted after Close")
	}
	if _, ok := s.Cached("fp"); !ok {
		t.Error("verdicts lost at Close")
	}
}

func TestSamplerCloseCancelsRunningExplain(t *testing.T) {
	checkLeaks(t)
	c, _ := seedSQLiteReview(t, 10)
	gate := make(chan struct{}) // never opened: the explain waits for a connection
	s := New(gatedConnector{c, gate}, SQLite, WithTimeout(time.Hour))
	if !s.Submit(context.Background(), Statement{Query: reviewIn, Args: reviewArgs(), Fingerprint: "fp"}) {
		t.Fatal("Submit refused")
	}
	testenv.WaitFor(t, 15*time.Second, func() bool { return s.Stats().QueueLen == 0 }) // worker picks the statement
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Cached("fp"); ok {
		t.Error("a statement interrupted by Close was cached as a failure")
	}
	if got := s.Stats(); got.Dropped != 1 || got.Errors != 0 {
		t.Errorf("stats = %+v", got)
	}
}

func TestSamplerWithoutConnector(t *testing.T) {
	s := New(nil, SQLite)
	defer s.Close()
	if !s.Submit(context.Background(), Statement{Query: "SELECT 1", Fingerprint: "x"}) {
		t.Fatal("Submit refused")
	}
	v := waitVerdict(t, s, "x")
	if !errors.Is(v.Err, errNoConnector) {
		t.Errorf("err = %v", v.Err)
	}
}

func TestSamplerTooLarge(t *testing.T) {
	s := New(nil, SQLite)
	defer s.Close()
	big := Statement{Query: "SELECT * FROM t WHERE x = ?", Args: []driver.NamedValue{{Ordinal: 1, Value: make([]byte, maxStatementBytes)}}}
	if s.Submit(context.Background(), big) {
		t.Error("oversized statement accepted")
	}
	if got := s.Stats(); got.Skipped != 1 {
		t.Errorf("stats = %+v", got)
	}
}

func TestStatementClone(t *testing.T) {
	buf := []byte("secret")
	ints := []int64{1, 2}
	st := Statement{Query: "q", Args: []driver.NamedValue{{Value: buf}, {Value: ints}, {Value: "s"}, {Value: nil}}, Tables: []TableRef{{Name: "t"}}}
	c := st.clone()
	buf[0], ints[0] = 'X', 9
	st.Tables[0].Name = "changed"
	if string(c.Args[0].Value.([]byte)) != "secret" || c.Args[1].Value.([]int64)[0] != 1 || c.Tables[0].Name != "t" {
		t.Errorf("clone shares memory: %+v", c)
	}
	if c.Args[2].Value != "s" || c.Args[3].Value != nil {
		t.Errorf("clone changed values: %+v", c.Args)
	}
}
