package integration

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// Attribute names of a finding's code location (OpenTelemetry code.*).
const (
	attrCodeFile = "code.file.path"
	attrCodeLine = "code.line.number"
)

// planWait bounds the wait for a background EXPLAIN verdict.
const planWait = 15 * time.Second

func mysqlDSN(t testing.TB) string {
	dsn := os.Getenv("SQLSIGHT_MYSQL_DSN")
	if dsn == "" {
		t.Skip("MariaDB tests skipped: set SQLSIGHT_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' to run them")
	}
	return dsn
}

func postgresDSN(t testing.TB) string {
	dsn := os.Getenv("SQLSIGHT_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL tests skipped: set SQLSIGHT_POSTGRES_DSN='postgres://postgres@127.0.0.1:5432/test?sslmode=disable' to run them")
	}
	return dsn
}

// recorderOptions are the options every test opens its database with: the
// recorder, and one EXPLAIN worker with a rate that does not drop the
// statements a test waits for.
func recorderOptions(rec *sqltracetest.Recorder) []sqltrace.Option {
	return rec.Options(sqltrace.WithExplain(explain.WithWorkers(1), explain.WithRateLimit(1000, 1000)))
}

// openTraced opens a traced database by driver name, closed at cleanup.
func openTraced(t testing.TB, rec *sqltracetest.Recorder, driverName, dsn string) *sql.DB {
	t.Helper()
	db, err := sqltrace.Open(driverName, dsn, recorderOptions(rec)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// request is one unit of work: the parent span the detectors count in.
type request struct {
	ctx  context.Context
	span trace.Span
}

func startRequest(rec *sqltracetest.Recorder, name string) request {
	ctx, span := rec.TracerProvider.Tracer("integration").Start(context.Background(), name)
	return request{ctx: ctx, span: span}
}

func (r request) end() { r.span.End() }

// spans returns the ended statement spans of the request.
func (r request) spans(rec *sqltracetest.Recorder) []sdktrace.ReadOnlySpan {
	id := r.span.SpanContext().SpanID()
	var out []sdktrace.ReadOnlySpan
	for _, s := range rec.Spans.Ended() {
		if s.Parent().SpanID() == id {
			out = append(out, s)
		}
	}
	return out
}

// findingsIn returns the findings delivered for statements of the request.
func (r request) findings(rec *sqltracetest.Recorder) []sqltracetest.Recorded {
	tid := r.span.SpanContext().TraceID()
	var out []sqltracetest.Recorded
	for _, f := range rec.Findings() {
		if f.SpanContext.TraceID() == tid {
			out = append(out, f)
		}
	}
	return out
}

func countKind(fs []sqltracetest.Recorded, k sqltrace.Kind) int {
	n := 0
	for _, f := range fs {
		if f.Kind == k {
			n++
		}
	}
	return n
}

func describe(fs []sqltracetest.Recorded) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s on %q (x%d): %s", f.Kind, f.Summary, f.Count, f.Suggestion)
	}
	if b.Len() == 0 {
		return " none"
	}
	return b.String()
}

// requireKinds fails unless the request's findings are exactly want (kind
// -> count), e.g. {n_plus_one: 1}; nil or empty means no finding at all.
func requireKinds(t testing.TB, fs []sqltracetest.Recorded, want map[sqltrace.Kind]int) {
	t.Helper()
	got := map[sqltrace.Kind]int{}
	for _, f := range fs {
		got[f.Kind]++
	}
	ok := len(got) == len(want)
	for k, n := range want {
		if got[k] != n {
			ok = false
		}
	}
	if !ok {
		t.Errorf("findings: want %v, got:%s", want, describe(fs))
	}
}

func attrOf(s sdktrace.ReadOnlySpan, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// spanKinds returns the sqlsight.findings attribute of a span.
func spanKinds(s sdktrace.ReadOnlySpan) []string {
	v, ok := attrOf(s, string(sqltrace.AttrFindings))
	if !ok {
		return nil
	}
	return v.AsStringSlice()
}

// raisedBy returns the span that carries the sqlsight.finding event of kind.
func raisedBy(spans []sdktrace.ReadOnlySpan, k sqltrace.Kind) sdktrace.ReadOnlySpan {
	for _, s := range spans {
		for _, e := range s.Events() {
			if e.Name != sqltrace.EventFinding {
				continue
			}
			for _, kv := range e.Attributes {
				if kv.Key == "kind" && kv.Value.AsString() == string(k) {
					return s
				}
			}
		}
	}
	return nil
}

// requireLocation checks that the span which raised the finding of kind
// points at the line marked "// sqlsight:at <mark>" in the caller's file.
//
// TODO(merge): the finding's location (issue 12.6) is added on another
// branch. Until it lands this reads the OpenTelemetry span attributes by
// name; once Finding carries the location, assert it on the Recorded
// finding too.
func requireLocation(t testing.TB, spans []sdktrace.ReadOnlySpan, k sqltrace.Kind, mark string) {
	t.Helper()
	_, file, _, _ := runtime.Caller(1)
	line := markedLine(t, file, mark)
	s := raisedBy(spans, k)
	if s == nil {
		t.Errorf("no span raised %s", k)
		return
	}
	path, okPath := attrOf(s, attrCodeFile)
	lineNo, okLine := attrOf(s, attrCodeLine)
	if !okPath || !okLine {
		t.Errorf("%s on %q has no code location (%s, %s); want %s:%d", k, s.Name(), attrCodeFile, attrCodeLine, filepath.Base(file), line)
		return
	}
	if filepath.Base(path.AsString()) != filepath.Base(file) || lineNo.AsInt64() != int64(line) {
		t.Errorf("%s located at %s:%d, want %s:%d", k, path.AsString(), lineNo.AsInt64(), filepath.Base(file), line)
	}
}

// markedLine returns the line of file that ends with "// sqlsight:at mark".
func markedLine(t testing.TB, file, mark string) int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.HasSuffix(sc.Text(), "// sqlsight:at "+mark) {
			return n
		}
	}
	t.Fatalf("no line marked %q in %s", mark, file)
	return 0
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var barrierSeq atomic.Int64

// barrier waits until the EXPLAIN worker has finished everything submitted
// before it, so that "no finding" also covers plan findings. It submits an
// IN lookup on an unindexed table of its own (a new fingerprint each time,
// through a new alias) and waits for its verdict: the one worker takes
// statements in order. It runs in a trace of its own, so its finding is
// not one of a request's.
func barrier(t testing.TB, rec *sqltracetest.Recorder, db *sql.DB) {
	t.Helper()
	if _, err := db.Exec("CREATE TABLE IF NOT EXISTS it_barrier (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	// Rows so that no planner answers from an empty table without a scan.
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM it_barrier").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		if _, err := db.Exec("INSERT INTO it_barrier (v) VALUES (1), (2), (3), (4)"); err != nil {
			t.Fatal(err)
		}
	}
	alias := fmt.Sprintf("b%d", barrierSeq.Add(1))
	req := startRequest(rec, "barrier")
	rows, err := db.QueryContext(req.ctx, "SELECT "+alias+".v FROM it_barrier "+alias+" WHERE "+alias+".v IN (1, 2)")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	req.end()
	waitFor(t, "the EXPLAIN barrier's verdict", planWait, func() bool {
		return slices.ContainsFunc(rec.Findings(), func(f sqltracetest.Recorded) bool { return f.Table == "it_barrier" })
	})
}
