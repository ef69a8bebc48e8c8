package sqltrace_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"regexp"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// textDriver records the texts it is sent: directly (Query/ExecContext)
// or prepared. With skipArgs it answers driver.ErrSkip to direct calls
// with arguments, as go-sql-driver/mysql does without interpolateParams.
type textDriver struct {
	minimalDriver
	skipArgs bool
	mu       sync.Mutex
	direct   []string
	prepared []string
}

func (d *textDriver) Open(string) (driver.Conn, error) {
	return &textConn{minimalConn{d: &d.minimalDriver}, d}, nil
}

func (d *textDriver) sent() (direct, prepared []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.direct...), append([]string(nil), d.prepared...)
}

type textConn struct {
	minimalConn
	d *textDriver
}

func (c *textConn) Prepare(query string) (driver.Stmt, error) {
	c.d.mu.Lock()
	c.d.prepared = append(c.d.prepared, query)
	c.d.mu.Unlock()
	return &minimalStmt{query: query}, nil
}

func (c *textConn) record(query string, args []driver.NamedValue) error {
	c.d.mu.Lock()
	skip := c.d.skipArgs
	c.d.mu.Unlock()
	if skip && len(args) > 0 {
		return driver.ErrSkip
	}
	c.d.mu.Lock()
	c.d.direct = append(c.d.direct, query)
	c.d.mu.Unlock()
	return nil
}

func (c *textConn) QueryContext(_ context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if err := c.record(query, args); err != nil {
		return nil, err
	}
	return &valueRows{values: []driver.Value{int64(1)}}, nil
}

func (c *textConn) ExecContext(_ context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if err := c.record(query, args); err != nil {
		return nil, err
	}
	return driver.RowsAffected(1), nil
}

var traceparentRE = regexp.MustCompile(`traceparent='00-([0-9a-f]{32})-([0-9a-f]{16})-0([01])'`)

// commentedSpan checks that text carries the traceparent of span.
func commentedSpan(t *testing.T, text string, span sdktrace.ReadOnlySpan) {
	t.Helper()
	m := traceparentRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no traceparent in %q", text)
	}
	if m[1] != span.SpanContext().TraceID().String() || m[2] != span.SpanContext().SpanID().String() {
		t.Fatalf("traceparent %s-%s, span %s-%s", m[1], m[2], span.SpanContext().TraceID(), span.SpanContext().SpanID())
	}
}

func openText(t *testing.T, d *textDriver, opts ...sqltrace.Option) (*sql.DB, *telemetry) {
	tel := newTelemetry(t)
	db := sql.OpenDB(sqltrace.WrapConnector(dsnConnector{d}, tel.options(opts...)...))
	t.Cleanup(func() { db.Close() })
	return db, tel
}

type routeKey struct{}

func TestSQLCommenterText(t *testing.T) {
	d := &textDriver{}
	db, tel := openText(t, d, sqltrace.WithSQLCommenter(
		sqltrace.CommentPropagator(propagation.TraceContext{}),
		sqltrace.CommentApplication("shop api"),
		sqltrace.CommentDriver("fake"),
		sqltrace.CommentTag("framework", "it's */ $1 ?"),
		sqltrace.CommentRoute(func(ctx context.Context) string { r, _ := ctx.Value(routeKey{}).(string); return r }),
	), sqltrace.WithQueryText(sqltrace.QueryTextRaw))
	ctx, parent := tel.tp.Tracer("test").Start(context.WithValue(context.Background(), routeKey{}, "/users/{id}"), "GET")
	var v int64
	if err := db.QueryRowContext(ctx, "SELECT 1;").Scan(&v); err != nil {
		t.Fatal(err)
	}
	parent.End()
	direct, _ := d.sent()
	want := regexp.MustCompile(`^SELECT 1 /\*application='shop%20api',db_driver='fake',framework='it%27s%20%2A%2F%20%241%20%3F',route='%2Fusers%2F%7Bid%7D',traceparent='00-[0-9a-f]{32}-[0-9a-f]{16}-01'\*/;$`)
	if len(direct) != 1 || !want.MatchString(direct[0]) {
		t.Fatalf("sent %q", direct)
	}
	spans := tel.ended("SELECT")
	if len(spans) != 1 {
		t.Fatalf("spans %v", tel.names())
	}
	commentedSpan(t, direct[0], spans[0])
	if spans[0].Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Fatal("the pre-started span lost its parent")
	}
	for _, kv := range spans[0].Attributes() {
		if strings.Contains(kv.Value.Emit(), "traceparent") {
			t.Errorf("attribute %s carries the comment: %s", kv.Key, kv.Value.Emit())
		}
	}
	if q, _ := attr(spans[0], "db.query.text"); q.AsString() != "SELECT 1;" {
		t.Errorf("db.query.text = %q", q.AsString())
	}
}

// TestSQLCommenterLeavesAlone: the statements the commenter must not
// touch reach the driver unchanged.
func TestSQLCommenterLeavesAlone(t *testing.T) {
	tc := propagation.TraceContext{}
	for _, c := range []struct {
		name  string
		opts  []sqltrace.CommentOption
		query string
		off   bool
	}{
		{name: "off", query: "SELECT 1", off: true},
		{name: "ends with a comment", query: "SELECT 1 /* mine */", opts: []sqltrace.CommentOption{sqltrace.CommentPropagator(tc)}},
		{name: "ends with a line comment", query: "SELECT 1 -- mine", opts: []sqltrace.CommentOption{sqltrace.CommentPropagator(tc)}},
		{name: "too long", query: "SELECT 1", opts: []sqltrace.CommentOption{sqltrace.CommentPropagator(tc), sqltrace.CommentMaxQueryBytes(40)}},
		{name: "nothing to write", query: "SELECT 1", opts: []sqltrace.CommentOption{sqltrace.CommentStaticOnly()}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &textDriver{}
			var opts []sqltrace.Option
			if !c.off {
				opts = append(opts, sqltrace.WithSQLCommenter(c.opts...))
			}
			db, tel := openText(t, d, opts...)
			if _, err := db.Exec(c.query); err != nil {
				t.Fatal(err)
			}
			if direct, _ := d.sent(); len(direct) != 1 || direct[0] != c.query {
				t.Fatalf("sent %q, want %q", direct, c.query)
			}
			if n := len(tel.spans.Ended()); n != 1 {
				t.Fatalf("%d spans: %v", n, tel.names())
			}
		})
	}
}

func TestSQLCommenterStaticOnly(t *testing.T) {
	d := &textDriver{}
	db, tel := openText(t, d, sqltrace.WithSQLCommenter(sqltrace.CommentStaticOnly(),
		sqltrace.CommentPropagator(propagation.TraceContext{}), sqltrace.CommentApplication("shop")))
	for range 2 {
		if _, err := db.Exec("DELETE FROM t"); err != nil {
			t.Fatal(err)
		}
	}
	direct, _ := d.sent()
	if len(direct) != 2 || direct[0] != "DELETE FROM t /*application='shop'*/" || direct[1] != direct[0] {
		t.Fatalf("sent %q", direct)
	}
	if n := len(tel.ended("DELETE t")); n != 2 {
		t.Fatalf("spans %v", tel.names())
	}
}

// TestSQLCommenterPreparedAndSkipped: prepared statements are never
// commented, and a driver that answers driver.ErrSkip to statements with
// arguments runs them prepared, uncommented, with one span each.
func TestSQLCommenterPreparedAndSkipped(t *testing.T) {
	for _, skip := range []bool{false, true} {
		d := &textDriver{skipArgs: skip}
		db, tel := openText(t, d, sqltrace.WithSQLCommenter(sqltrace.CommentPropagator(propagation.TraceContext{})))
		db.SetMaxOpenConns(1)
		stmt, err := db.Prepare("UPDATE t SET a = ?")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stmt.Exec(1); err != nil {
			t.Fatal(err)
		}
		stmt.Close()
		for range 3 {
			if _, err := db.Exec("DELETE FROM t WHERE a = ?", 1); err != nil {
				t.Fatal(err)
			}
		}
		direct, prepared := d.sent()
		if prepared[0] != "UPDATE t SET a = ?" {
			t.Fatalf("skip=%v: prepared %q", skip, prepared)
		}
		for _, p := range prepared {
			if strings.Contains(p, "/*") {
				t.Errorf("skip=%v: a prepared text was commented: %q", skip, p)
			}
		}
		spans := tel.ended("DELETE t")
		if len(spans) != 3 {
			t.Fatalf("skip=%v: %d DELETE spans, want 3: %v", skip, len(spans), tel.names())
		}
		if skip {
			if len(direct) != 0 || len(prepared) != 4 {
				t.Fatalf("direct %q prepared %q", direct, prepared)
			}
			continue
		}
		// Every statement run directly is commented with its own span.
		if len(direct) != 3 {
			t.Fatalf("direct %q", direct)
		}
		for i := range direct {
			commentedSpan(t, direct[i], spans[i])
		}

		// A driver that skips after all: database/sql prepares the text
		// and runs it uncommented, and the span started for the comment
		// becomes that execution's span: started once, ended once.
		d.mu.Lock()
		d.skipArgs = true
		d.mu.Unlock()
		tel.reset()
		if _, err := db.Exec("DELETE FROM t WHERE a = ?", 2); err != nil {
			t.Fatal(err)
		}
		if spans := tel.ended("DELETE t"); len(spans) != 1 || len(tel.spans.Started()) != 1 {
			t.Fatalf("after a skip: %d ended, %d started spans, want 1 and 1", len(spans), len(tel.spans.Started()))
		}
		if _, prepared := d.sent(); prepared[len(prepared)-1] != "DELETE FROM t WHERE a = ?" {
			t.Fatalf("prepared %q", prepared)
		}
	}
}

// TestSQLCommenterUnsampled: under an unsampled parent no span exists, and
// no traceparent is written.
func TestSQLCommenterUnsampled(t *testing.T) {
	d := &textDriver{}
	db, _ := openText(t, d, sqltrace.WithSQLCommenter(sqltrace.CommentPropagator(propagation.TraceContext{}), sqltrace.CommentApplication("a")))
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}})
	ctx := trace.ContextWithRemoteSpanContext(context.Background(), sc)
	if _, err := db.ExecContext(ctx, "DELETE FROM t"); err != nil {
		t.Fatal(err)
	}
	if direct, _ := d.sent(); direct[0] != "DELETE FROM t /*application='a'*/" {
		t.Fatalf("sent %q", direct)
	}
}

// BenchmarkSQLCommenter measures the comment: off, the trace context, the
// static tags only.
func BenchmarkSQLCommenter(b *testing.B) {
	b.Run("off", func(b *testing.B) { benchmarkDirectExec(b) })
	b.Run("traceparent", func(b *testing.B) {
		benchmarkDirectExec(b, sqltrace.WithSQLCommenter(sqltrace.CommentPropagator(propagation.TraceContext{}), sqltrace.CommentApplication("shop")))
	})
	b.Run("static", func(b *testing.B) {
		benchmarkDirectExec(b, sqltrace.WithSQLCommenter(sqltrace.CommentStaticOnly(), sqltrace.CommentApplication("shop")))
	})
}
