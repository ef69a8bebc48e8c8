package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	_ "modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/exporters"
	"github.com/sqlsight/sqlsight/internal/demoapp"
	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// envJaegerBin names the Jaeger v2 binary; CI sets it from
// scripts/jaeger/build.sh.
const envJaegerBin = "SQLSIGHT_JAEGER_BIN"

// Deadlines of the polls: Jaeger's start, and its storage catching up.
const (
	startTimeout = 60 * time.Second
	queryTimeout = 30 * time.Second
	pollEvery    = 50 * time.Millisecond
)

// producer sends the traces under test through the global providers that
// exporters.Setup installed. check asserts what is specific to them on
// what Jaeger stored; the generic comparison of every span sent with its
// stored copy is done by the test itself. Replace this pair to test another
// program (the quickstart, once sqltrace has landed).
type producer struct {
	run   func(ctx context.Context) error
	check func(t *testing.T, stored []jaegerSpan)
}

// demoApp runs the quickstart's review service (embedded SQLite, wrapped
// by sqltrace with the global providers exporters.Setup installed): the
// IN lookup on review, whose background EXPLAIN flags unindexed_in, an N+1
// loop and a loop of single-row inserts; then the lookup again, which
// carries the cached verdict.
var demoApp = producer{
	run: func(ctx context.Context) error {
		dir, err := os.MkdirTemp("", "sqlsight-e2e")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		// busy_timeout: SQLite writers wait for readers (other connections, the
		// background EXPLAIN) instead of failing with SQLITE_BUSY.
		dsn := "file:" + filepath.Join(dir, "reviews.db") + "?_pragma=busy_timeout(5000)"
		raw, err := sql.Open("sqlite", dsn)
		if err != nil {
			return err
		}
		if err := demoapp.Seed(ctx, raw, demoapp.SQLite, 5000); err != nil {
			raw.Close()
			return err
		}
		raw.Close()

		explained := make(chan struct{}, 1)
		db, err := sqltrace.Open("sqlite", dsn, sqltrace.WithFindingHandler(func(_ context.Context, f sqltrace.Finding) {
			if f.Kind == sqltrace.KindUnindexedIn {
				select {
				case explained <- struct{}{}:
				default:
				}
			}
		}), sqltrace.WithExplain(explain.WithTimeout(queryTimeout))) // pure-Go SQLite is slow under -race
		if err != nil {
			return err
		}
		defer db.Close() // stops the EXPLAIN worker before the providers shut down
		app := &demoapp.App{DB: db, Dialect: demoapp.SQLite}
		if err := app.RunAll(ctx); err != nil {
			return err
		}
		select {
		case <-explained:
		case <-time.After(queryTimeout):
			return fmt.Errorf("no unindexed_in finding within %s", queryTimeout)
		}
		return app.UpsertReviews(ctx, []int64{1_000_040, 7})
	},
	check: func(t *testing.T, stored []jaegerSpan) {
		byID := make(map[string]jaegerSpan)
		var lookups, explains, labels, items []jaegerSpan
		for _, s := range stored {
			byID[s.SpanID] = s
			switch s.OperationName {
			case "SELECT review":
				lookups = append(lookups, s)
			case "EXPLAIN SELECT review":
				explains = append(explains, s)
			case "SELECT label":
				labels = append(labels, s)
			case "INSERT item":
				items = append(items, s)
			}
		}
		if len(lookups) != 2 || len(explains) != 1 || len(labels) != 20 || len(items) != 20 {
			t.Fatalf("stored %d lookups, %d EXPLAIN spans, %d label and %d item statements: %v",
				len(lookups), len(explains), len(labels), len(items), names(stored))
		}
		parent, ok := byID[explains[0].parent()]
		if !ok || parent.OperationName != "SELECT review" || parent.TraceID != explains[0].TraceID {
			t.Errorf("the EXPLAIN span's parent is %q, want its SELECT review span", parent.OperationName)
		}
		if got := explains[0].tag("sqlsight.findings"); got != `["unindexed_in"]` {
			t.Errorf("EXPLAIN span sqlsight.findings = %q", got)
		}
		if got := explains[0].tag("sqlsight.suggestion"); !strings.HasPrefix(got, "CREATE INDEX") {
			t.Errorf("EXPLAIN span suggestion %q", got)
		}
		// The second lookup carries the cached verdict on its own span.
		flagged := 0
		for _, l := range lookups {
			if strings.Contains(l.tag("sqlsight.findings"), "unindexed_in") {
				flagged++
			}
			if l.tag("sqlsight.cpu.user_ms") == "" || l.tag("db.system.name") != "sqlite" {
				t.Errorf("lookup span lacks its attributes: %+v", l.Tags)
			}
		}
		if flagged != 1 {
			t.Errorf("%d lookup spans carry unindexed_in, want the second one", flagged)
		}
		count := func(spans []jaegerSpan, kind string) int {
			n := 0
			for _, s := range spans {
				if strings.Contains(s.tag("sqlsight.findings"), kind) {
					n++
				}
			}
			return n
		}
		if n := count(labels, "n_plus_one"); n != 16 {
			t.Errorf("%d of 20 label lookups flagged n_plus_one, want 16 (from the 5th)", n)
		}
		if n := count(items, "repeated_write"); n != 16 {
			t.Errorf("%d of 20 item inserts flagged repeated_write, want 16", n)
		}
	},
}

func TestJaeger(t *testing.T) {
	bin := os.Getenv(envJaegerBin)
	if bin == "" {
		t.Skipf("%s is not set; run SQLSIGHT_JAEGER_BIN=$(scripts/jaeger/build.sh) go test ./internal/e2e/", envJaegerBin)
	}
	j := startJaeger(t, bin)
	testBackend(t, j, demoApp)
}

// testBackend sends p's traces to j through exporters.Setup over OTLP
// gRPC, and compares what j stored with what was sent.
func testBackend(t *testing.T, j *jaeger, p producer) {
	service := fmt.Sprintf("sqlsight-e2e-%d", time.Now().UnixNano())
	for k, v := range map[string]string{
		"OTEL_TRACES_EXPORTER":                "otlp",
		"OTEL_METRICS_EXPORTER":               "none", // Jaeger stores traces only
		"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://" + j.otlpAddr,
		"OTEL_EXPORTER_OTLP_PROTOCOL":         "", // sqlsight's default: gRPC
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL":  "",
		"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":  "",
		"OTEL_EXPORTER_OTLP_HEADERS":          "",
		"OTEL_SERVICE_NAME":                   service,
		"OTEL_RESOURCE_ATTRIBUTES":            "",
		"OTEL_TRACES_SAMPLER":                 "",
		"OTEL_EXPORTER_OTLP_TRACES_INSECURE":  "",
		"OTEL_EXPORTER_OTLP_TRACES_HEADERS":   "",
		"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "",
	} {
		t.Setenv(k, v)
	}

	ctx := context.Background()
	sent := tracetest.NewSpanRecorder()
	shutdown, err := exporters.Setup(ctx, exporters.WithSpanProcessor(sent))
	if err != nil {
		t.Fatalf("exporters.Setup: %v", err)
	}
	runErr := p.run(ctx)
	// Shutdown flushes the batch: after it, everything was sent.
	if err := shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if runErr != nil {
		t.Fatalf("producer: %v", runErr)
	}
	spans := sent.Ended()
	if len(spans) == 0 {
		t.Fatal("the producer ended no span")
	}

	stored := j.waitForSpans(t, service, len(spans))
	compare(t, spans, stored)
	p.check(t, stored)
}

// compare asserts that every sent span is stored once, with its name,
// parent, kind and attributes.
func compare(t *testing.T, sent []sdktrace.ReadOnlySpan, stored []jaegerSpan) {
	t.Helper()
	if len(stored) != len(sent) {
		t.Errorf("sent %d spans, Jaeger stored %d", len(sent), len(stored))
	}
	byID := make(map[string]jaegerSpan, len(stored))
	for _, s := range stored {
		byID[s.SpanID] = s
	}
	for _, s := range sent {
		id := s.SpanContext().SpanID().String()
		got, ok := byID[id]
		if !ok {
			t.Errorf("span %q (%s) not stored", s.Name(), id)
			continue
		}
		if got.OperationName != s.Name() {
			t.Errorf("span %s stored as %q, sent as %q", id, got.OperationName, s.Name())
		}
		if got.TraceID != s.SpanContext().TraceID().String() {
			t.Errorf("span %q stored in trace %s, sent in %s", s.Name(), got.TraceID, s.SpanContext().TraceID())
		}
		wantParent := ""
		if s.Parent().IsValid() {
			wantParent = s.Parent().SpanID().String()
		}
		if got.parent() != wantParent {
			t.Errorf("span %q stored under %q, sent under %q", s.Name(), got.parent(), wantParent)
		}
		if kind := s.SpanKind(); kind != trace.SpanKindInternal {
			if tag := got.tag("span.kind"); tag != kind.String() {
				t.Errorf("span %q kind stored as %q, sent as %q", s.Name(), tag, kind)
			}
		}
		for _, kv := range s.Attributes() {
			if tag := got.tag(string(kv.Key)); tag != kv.Value.Emit() {
				t.Errorf("span %q attribute %s stored as %q, sent as %q", s.Name(), kv.Key, tag, kv.Value.Emit())
			}
		}
		if len(got.Logs) != len(s.Events()) {
			t.Errorf("span %q: %d events sent, %d stored", s.Name(), len(s.Events()), len(got.Logs))
		}
	}
}

func names(spans []jaegerSpan) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.OperationName
	}
	return out
}

// jaegerSpan is a span as Jaeger's query API (/api/traces) returns it.
type jaegerSpan struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []struct {
		RefType string `json:"refType"`
		TraceID string `json:"traceID"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	Tags []jaegerKV  `json:"tags"`
	Logs []jaegerLog `json:"logs"`
}

// jaegerLog is a span event.
type jaegerLog struct {
	Fields []jaegerKV `json:"fields"`
}

type jaegerKV struct {
	Key   string          `json:"key"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// text is a tag's value as the SDK's attribute.Value.Emit prints it.
func (kv jaegerKV) text() string {
	var s string
	if err := json.Unmarshal(kv.Value, &s); err == nil {
		return s
	}
	return string(kv.Value)
}

func (s jaegerSpan) parent() string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	return ""
}

func (s jaegerSpan) tag(key string) string {
	for _, kv := range s.Tags {
		if kv.Key == key {
			return kv.text()
		}
	}
	return ""
}

func (l jaegerLog) field(key string) string {
	for _, kv := range l.Fields {
		if kv.Key == key {
			return kv.text()
		}
	}
	return ""
}

// jaeger is a running Jaeger v2 process on loopback.
type jaeger struct {
	otlpAddr  string
	queryAddr string
	output    *cappedBuffer
}

// startJaeger runs bin with scripts/jaeger/config.yaml on free loopback
// ports (Jaeger's usual ones when they are free), waits until it answers,
// and stops it when the test ends.
func startJaeger(t *testing.T, bin string) *jaeger {
	t.Helper()
	config, err := filepath.Abs(filepath.Join("..", "..", "scripts", "jaeger", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	otlpPort, queryPort, queryGRPCPort := freePort(t, 4317), freePort(t, 16686), freePort(t, 16685)
	j := &jaeger{
		otlpAddr:  net.JoinHostPort("127.0.0.1", otlpPort),
		queryAddr: net.JoinHostPort("127.0.0.1", queryPort),
		output:    &cappedBuffer{limit: 1 << 20},
	}

	cmd := exec.Command(bin, "--config", config)
	cmd.Env = append(os.Environ(),
		"SQLSIGHT_JAEGER_OTLP_GRPC_PORT="+otlpPort,
		"SQLSIGHT_JAEGER_QUERY_HTTP_PORT="+queryPort,
		"SQLSIGHT_JAEGER_QUERY_GRPC_PORT="+queryGRPCPort,
	)
	cmd.Stdout, cmd.Stderr = j.output, j.output
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("Jaeger output:\n%s", j.output)
		}
	})

	ready := func() bool {
		conn, err := net.DialTimeout("tcp", j.otlpAddr, time.Second)
		if err != nil {
			return false
		}
		_ = conn.Close()
		resp, err := http.Get("http://" + j.queryAddr + "/api/services")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !ready() {
		select {
		case err := <-exited:
			exited <- err // for the cleanup
			t.Fatalf("Jaeger exited before it was ready: %v\n%s", err, j.output)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatalf("Jaeger not ready after %v:\n%s", startTimeout, j.output)
		}
	}
	return j
}

// waitForSpans polls the query API until service has at least want spans
// stored, or the deadline passes, and returns all of them.
func (j *jaeger) waitForSpans(t *testing.T, service string, want int) []jaegerSpan {
	t.Helper()
	u := "http://" + j.queryAddr + "/api/traces?" + url.Values{
		"service": {service}, "limit": {"1000"}, "lookback": {"1h"},
	}.Encode()
	var (
		spans   []jaegerSpan
		lastErr error
	)
	if !testenv.Eventually(queryTimeout, func() bool {
		spans, lastErr = j.query(u)
		return lastErr == nil && len(spans) >= want
	}) {
		t.Fatalf("Jaeger has %d of %d spans for %s after %v (last error: %v)", len(spans), want, service, queryTimeout, lastErr)
	}
	return spans
}

func (j *jaeger) query(u string) ([]jaegerSpan, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil // the service is not known yet
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	var body struct {
		Data []struct {
			Spans []jaegerSpan `json:"spans"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	var spans []jaegerSpan
	for _, tr := range body.Data {
		spans = append(spans, tr.Spans...)
	}
	return spans, nil
}

// freePort returns preferred when it is free on 127.0.0.1, else a port
// the kernel picks.
func freePort(t *testing.T, preferred int) string {
	t.Helper()
	lis, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(preferred)))
	if err != nil {
		lis, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
	}
	defer lis.Close()
	return strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
}

// cappedBuffer keeps the first limit bytes of a process's output.
type cappedBuffer struct {
	mu    sync.Mutex
	buf   []byte
	limit int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.limit - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (b *cappedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
