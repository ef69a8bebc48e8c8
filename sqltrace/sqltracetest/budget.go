package sqltracetest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// Query is one statement a wrapped database ran, as RequireQueries counts
// it: a statement span of sqltrace (BEGIN, COMMIT, ROLLBACK and pings are
// driver calls, not statements, and are not counted).
type Query struct {
	// Summary is the span name, db.query.summary ("SELECT users").
	Summary string
	// Text is db.query.text as recorded (sanitized by default); empty when
	// WithQueryText(QueryTextOff).
	Text        string
	Fingerprint string
	// Location is the place in the test's or the application's code where
	// the statement finished ("shop/cart.go:42"): for a query, where its
	// rows were closed or scanned. Empty when the stack holds only library
	// frames.
	Location    string
	SpanContext trace.SpanContext
	Parent      trace.SpanContext
}

// Mark is a point in a Recorder's list of statements; see Since.
type Mark struct{ n int }

// maxQueries bounds the statements a Recorder lists (about 200 bytes each
// with their span IDs; the strings are shared with the spans). Statements
// past it are counted, and make the budgets fail rather than guess.
var maxQueries = 100_000

// queryLog is the Recorder's span processor that lists statements as
// their spans end, with the caller's location: the span ends in the
// goroutine that ran the statement, so the stack still holds the caller.
type queryLog struct {
	mu        sync.Mutex
	queries   []Query
	overflow  int
	locations map[string]string // interned: a loop's statements share one
}

func (l *queryLog) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (l *queryLog) Shutdown(context.Context) error                  { return nil }
func (l *queryLog) ForceFlush(context.Context) error                { return nil }

const sqltraceScope = "github.com/sqlsight/sqlsight/sqltrace"

func (l *queryLog) OnEnd(s sdktrace.ReadOnlySpan) {
	if s.InstrumentationScope().Name != sqltraceScope {
		return
	}
	q := Query{Summary: s.Name(), SpanContext: s.SpanContext(), Parent: s.Parent()}
	statement := false
	var file string
	var line int64
	for _, kv := range s.Attributes() {
		switch string(kv.Key) {
		case string(sqltrace.AttrFingerprint):
			q.Fingerprint, statement = kv.Value.AsString(), true
		case "db.query.text":
			q.Text = kv.Value.AsString()
		case "code.file.path":
			file = kv.Value.AsString()
		case "code.line.number":
			line = kv.Value.AsInt64()
		}
	}
	if !statement {
		return
	}
	loc := ""
	if file != "" && line > 0 {
		loc = shortPath(file) + ":" + fmt.Sprint(line)
	} else {
		loc = callerOutsideLibraries()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.queries) >= maxQueries {
		l.overflow++
		return
	}
	if l.locations == nil {
		l.locations = map[string]string{}
	}
	if interned, ok := l.locations[loc]; ok {
		loc = interned
	} else {
		l.locations[loc] = loc
	}
	q.Location = loc
	l.queries = append(l.queries, q)
}

func (l *queryLog) snapshot() ([]Query, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Query(nil), l.queries...), l.overflow
}

// Queries returns the statements the recorder's databases ran, in the
// order they finished, narrowed by the options.
func (r *Recorder) Queries(opts ...QueryOption) []Query {
	qs, _ := r.queries(opts)
	return qs
}

func (r *Recorder) queries(opts []QueryOption) ([]Query, int) {
	all, overflow := r.log.snapshot()
	f := queryFilter{}
	for _, o := range opts {
		o(&f)
	}
	if f.since > len(all) {
		f.since = len(all)
	}
	all = all[f.since:]
	if !f.span.IsValid() {
		return all, overflow
	}
	// Parents of every started span, statement or not: the statement's
	// parent may be a span of the application under the one asked for.
	parent := map[trace.SpanID]trace.SpanID{}
	for _, s := range r.Spans.Started() {
		parent[s.SpanContext().SpanID()] = s.Parent().SpanID()
	}
	var out []Query
	for _, q := range all {
		if q.SpanContext.TraceID() != f.span.TraceID() {
			continue
		}
		id := q.Parent.SpanID()
		for hops := 0; id.IsValid() && hops < 1000; hops++ {
			if id == f.span.SpanID() {
				out = append(out, q)
				break
			}
			id = parent[id]
		}
	}
	return out, overflow
}

// Mark returns the current end of the list of statements, for Since.
func (r *Recorder) Mark() Mark {
	qs, overflow := r.log.snapshot()
	return Mark{n: len(qs) + overflow}
}

// QueryOption narrows the statements RequireQueries, RequireMaxQueries and
// Queries count.
type QueryOption func(*queryFilter)

type queryFilter struct {
	since int
	span  trace.SpanContext
}

// Since counts the statements that finished after m was taken:
//
//	m := rec.Mark()
//	checkout(ctx, db)
//	sqltracetest.RequireMaxQueries(t, rec, 4, sqltracetest.Since(m))
func Since(m Mark) QueryOption {
	return func(f *queryFilter) { f.since = m.n }
}

// InSpan counts the statements run under the span ctx carries, at any
// depth (the span may still be open).
func InSpan(ctx context.Context) QueryOption {
	sc := trace.SpanContextFromContext(ctx)
	return func(f *queryFilter) { f.span = sc }
}

// RequireQueries fails the test unless exactly n statements ran (within
// the options' bounds), listing them: Django's assertNumQueries. A budget
// pins how many round trips a code path makes, so that a change that
// turns one query into a loop fails a test.
func RequireQueries(t testing.TB, r *Recorder, n int, opts ...QueryOption) {
	t.Helper()
	qs, overflow := r.queries(opts)
	if overflow > 0 {
		t.Fatalf("sqlsight: the recorder saw more than %d statements; budgets are not counted past it", maxQueries)
		return
	}
	if len(qs) != n {
		t.Fatalf("sqlsight: %d statement(s) ran, want exactly %d:\n%s", len(qs), n, budgetReport(qs))
	}
}

// RequireMaxQueries fails the test when more than max statements ran
// (within the options' bounds), listing them.
func RequireMaxQueries(t testing.TB, r *Recorder, max int, opts ...QueryOption) {
	t.Helper()
	qs, overflow := r.queries(opts)
	if overflow > 0 {
		t.Fatalf("sqlsight: the recorder saw more than %d statements; budgets are not counted past it", maxQueries)
		return
	}
	if len(qs) > max {
		t.Fatalf("sqlsight: %d statement(s) ran, want at most %d:\n%s", len(qs), max, budgetReport(qs))
	}
}

// maxReportText bounds a statement's text in a failure message.
const maxReportText = 120

// budgetReport lists the statements grouped by fingerprint in the order
// they first ran: count, summary, text and where they ran.
func budgetReport(qs []Query) string {
	type group struct {
		q         Query
		count     int
		locations []string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, q := range qs {
		key := q.Fingerprint
		g := byKey[key]
		if g == nil {
			g = &group{q: q}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.count++
		if q.Location != "" && len(g.locations) < 3 && !contains(g.locations, q.Location) {
			g.locations = append(g.locations, q.Location)
		}
	}
	var b strings.Builder
	for _, g := range groups {
		text := g.q.Text
		if text == "" {
			text = g.q.Fingerprint
		}
		if len(text) > maxReportText {
			cut := maxReportText
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
			text = text[:cut] + "…"
		}
		fmt.Fprintf(&b, "  %3d× %s: %s", g.count, g.q.Summary, text)
		if len(g.locations) > 0 {
			fmt.Fprintf(&b, "  (at %s)", strings.Join(g.locations, ", "))
		}
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
