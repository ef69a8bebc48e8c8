package exporters

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// stubs builds the spans of one trace with readable times: start and end
// are milliseconds after a fixed instant.
type stubs struct {
	traceID trace.TraceID
	spans   tracetest.SpanStubs
}

var epoch = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

func newStubs(traceByte byte) *stubs {
	return &stubs{traceID: trace.TraceID{0: traceByte, 15: 1}}
}

func (s *stubs) sc(id uint16) trace.SpanContext {
	if id == 0 {
		return trace.SpanContext{}
	}
	return trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: s.traceID, SpanID: trace.SpanID{6: byte(id >> 8), 7: byte(id)}, TraceFlags: trace.FlagsSampled,
	})
}

func ms(f float64) time.Time { return epoch.Add(time.Duration(f * float64(time.Millisecond))) }

// add appends a span; parent 0 makes a root.
func (s *stubs) add(id, parent uint16, name string, start, end float64, attrs ...attribute.KeyValue) *tracetest.SpanStub {
	s.spans = append(s.spans, tracetest.SpanStub{
		Name: name, SpanContext: s.sc(id), Parent: s.sc(parent), SpanKind: trace.SpanKindClient,
		StartTime: ms(start), EndTime: ms(end), Attributes: attrs,
	})
	return &s.spans[len(s.spans)-1]
}

func findingEvent(kind, message, suggestion string) sdktrace.Event {
	return sdktrace.Event{Name: vocab.EventFinding, Attributes: []attribute.KeyValue{
		vocab.EventAttrKind.String(kind), vocab.EventAttrMessage.String(message), vocab.EventAttrSuggestion.String(suggestion),
	}}
}

// suggestionEvent is a finding event with what the planner said of its
// suggested index.
func suggestionEvent(kind, message, suggestion string, check ...attribute.KeyValue) sdktrace.Event {
	e := findingEvent(kind, message, suggestion)
	e.Attributes = append(e.Attributes, check...)
	return e
}

func statement(driverMS float64, rows int) []attribute.KeyValue {
	return []attribute.KeyValue{
		semconv.DBSystemNameKey.String("sqlite"),
		vocab.AttrDriverTimeMS.Float64(driverMS),
		semconv.DBResponseReturnedRowsKey.Int(rows),
	}
}

// export sends spans in the given order, one batch each, then shuts down.
func export(t *testing.T, c *Console, batches ...[]sdktrace.ReadOnlySpan) {
	t.Helper()
	ctx := context.Background()
	for _, b := range batches {
		if err := c.ExportSpans(ctx, b); err != nil {
			t.Fatalf("ExportSpans: %v", err)
		}
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestConsoleTree(t *testing.T) {
	tests := []struct {
		name  string
		build func() []sdktrace.ReadOnlySpan
		opts  []ConsoleOption
		want  string
	}{{
		name: "children in start order, details under their span",
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(1)
			s.add(3, 1, "SELECT b", 20, 30, statement(9.5, 2)...)
			s.add(2, 1, "SELECT a", 10, 15, statement(4, 1)...)
			s.add(4, 2, "EXPLAIN SELECT a", 11, 12, vocab.AttrExplainPlan.String("SCAN a"))
			s.add(1, 0, "handler", 0, 40)
			return s.spans.Snapshots()
		},
		want: `handler  40.0ms
├─ SELECT a  5.0ms  rows=1 driver=4.0ms
│  └─ EXPLAIN SELECT a  1.0ms
│       plan:
│         SCAN a
└─ SELECT b  10.0ms  rows=2 driver=9.5ms
= 2 statements · driver time 13.5ms · trace 01000000000000000000000000000001

`,
	}, {
		name: "findings with suggestion, span suggestion and index attributes",
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(2)
			a := s.add(2, 1, "SELECT review", 1, 90, append(statement(88, 5),
				vocab.AttrFindings.StringSlice([]string{"unindexed_in", "slow_query"}),
				vocab.AttrIndexTable.String("review"),
				vocab.AttrIndexColumns.StringSlice([]string{"n_review_id"}),
				vocab.AttrCPUUserMS.Float64(80.25), vocab.AttrCPUSystemMS.Float64(3), vocab.AttrHeapAllocBytes.Int64(2048))...)
			a.Events = []sdktrace.Event{findingEvent("slow_query", "driver time 88ms ≥ 50ms", "")}
			b := s.add(3, 1, "UPDATE stock", 91, 95, semconv.DBSystemNameKey.String("sqlite"), vocab.AttrRowsAffected.Int(3),
				vocab.AttrSuggestion.String("one UPDATE with IN (...)"))
			_ = b
			s.add(1, 0, "job", 0, 100)
			return s.spans.Snapshots()
		},
		want: `job  100.0ms
├─ SELECT review  89.0ms  rows=5 driver=88.0ms cpu.user=80.2ms cpu.sys=3.0ms heap=2.0KiB
│    ⚠ slow_query: driver time 88ms ≥ 50ms
│    ⚠ unindexed_in
│      fix: add an index on review (n_review_id)
└─ UPDATE stock  4.0ms  affected=3
     fix: one UPDATE with IN (...)
= 2 statements · driver time 92.0ms · findings: slow_query, unindexed_in · trace 02000000000000000000000000000001

`,
	}, {
		name: "N+1 run collapses with its finding, other siblings keep their place",
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(3)
			s.add(2, 1, "SELECT review", 0, 2, statement(1.5, 20)...)
			for i := range 20 {
				sp := s.add(uint16(10+i), 1, "SELECT label", 3+float64(i), 3.5+float64(i),
					append(statement(0.25, 1), vocab.AttrNPlusOneCount.Int(i+1))...)
				if i >= 4 {
					sp.Attributes = append(sp.Attributes, vocab.AttrFindings.StringSlice([]string{"n_plus_one"}))
					sp.Events = []sdktrace.Event{findingEvent("n_plus_one", fmt.Sprintf("ran %d times", i+1), "one query with IN (...)")}
				}
				if i == 9 {
					s.add(100, 1, "SELECT user", 12.6, 12.8, statement(0.1, 1)...)
				}
			}
			s.add(1, 0, "GET /reviews", 0, 30)
			return s.spans.Snapshots()
		},
		want: `GET /reviews  30.0ms
├─ SELECT review  2.0ms  rows=20 driver=1.5ms
├─ SELECT label ×20  10.0ms total  rows=20 driver=5.0ms
│    ⚠ n_plus_one (20 executions, 16 of 20 flagged): ran 20 times
│      fix: one query with IN (...)
└─ SELECT user  200µs  rows=1 driver=100µs
= 22 statements · driver time 6.6ms · findings: n_plus_one · trace 03000000000000000000000000000001

`,
	}, {
		name: "a finding shows where the application ran the statement",
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(0x21)
			for i := range 6 {
				sp := s.add(uint16(10+i), 1, "SELECT label", float64(i), float64(i)+0.5,
					append(statement(0.25, 1), vocab.AttrNPlusOneCount.Int(i+1))...)
				if i >= 4 {
					sp.Attributes = append(sp.Attributes, vocab.AttrFindings.StringSlice([]string{"n_plus_one"}),
						semconv.CodeFilePath("/home/me/shop/store/review.go"), semconv.CodeLineNumber(42),
						semconv.CodeFunctionName("example.com/shop/store.(*Store).Labels"))
				}
				if i == 4 {
					sp.Events = []sdktrace.Event{findingEvent("n_plus_one", "ran 5 times", "one query with IN (...)")}
				}
			}
			s.add(1, 0, "GET /reviews", 0, 10)
			return s.spans.Snapshots()
		},
		want: `GET /reviews  10.0ms
└─ SELECT label ×6  3.0ms total  rows=6 driver=1.5ms
     ⚠ n_plus_one (6 executions, 2 of 6 flagged): ran 5 times
       at store/review.go:42 (store.(*Store).Labels)
       fix: one query with IN (...)
= 6 statements · driver time 1.5ms · findings: n_plus_one · trace 21000000000000000000000000000001

`,
	}, {
		name: "index suggestions say whether the planner verified them",
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(0x22)
			verified := s.add(2, 1, "SELECT review", 1, 3, append(statement(1.5, 5),
				vocab.AttrFindings.StringSlice([]string{"unindexed_in"}))...)
			verified.Events = []sdktrace.Event{suggestionEvent("unindexed_in", "IN lookup on review reads the whole table",
				"CREATE INDEX CONCURRENTLY ix_review_n_review_id ON review (n_review_id)",
				vocab.AttrSuggestionVerified.Bool(true), vocab.AttrSuggestionCostBefore.Float64(1180.5),
				vocab.AttrSuggestionCostAfter.Float64(24.29), vocab.AttrIndexTableRows.Float64(50000))}
			// A later execution carries the finding on the span only.
			s.add(3, 1, "SELECT member", 4, 6, append(statement(1.5, 5),
				vocab.AttrFindings.StringSlice([]string{"key_lookups"}),
				vocab.AttrSuggestion.String("CREATE INDEX CONCURRENTLY ix_member_user_id ON member (user_id) INCLUDE (room_id)"),
				vocab.AttrSuggestionVerified.Bool(false),
				semconv.CodeFilePath("shop/chat.go"), semconv.CodeLineNumber(7), semconv.CodeFunctionName("shop.Rooms"))...)
			s.add(1, 0, "job", 0, 10)
			return s.spans.Snapshots()
		},
		want: `job  10.0ms
├─ SELECT review  2.0ms  rows=5 driver=1.5ms
│    ⚠ unindexed_in: IN lookup on review reads the whole table
│      fix (verified by the planner, cost 1180 → 24): CREATE INDEX CONCURRENTLY ix_review_n_review_id ON review (n_review_id)
└─ SELECT member  2.0ms  rows=5 driver=1.5ms
     ⚠ key_lookups
       at shop/chat.go:7 (shop.Rooms)
       fix (unverified): CREATE INDEX CONCURRENTLY ix_member_user_id ON member (user_id) INCLUDE (room_id)
= 2 statements · driver time 3.0ms · findings: key_lookups, unindexed_in · trace 22000000000000000000000000000001

`,
	}, {
		name: "collapse threshold: below it spans stay apart, zero disables",
		opts: []ConsoleOption{WithCollapseThreshold(0)},
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(4)
			for i := range 3 {
				s.add(uint16(10+i), 1, "SELECT x", float64(i), float64(i)+1, statement(1, 1)...)
			}
			s.add(1, 0, "root", 0, 5)
			return s.spans.Snapshots()
		},
		want: `root  5.0ms
├─ SELECT x  1.0ms  rows=1 driver=1.0ms
├─ SELECT x  1.0ms  rows=1 driver=1.0ms
└─ SELECT x  1.0ms  rows=1 driver=1.0ms
= 3 statements · driver time 3.0ms · trace 04000000000000000000000000000001

`,
	}, {
		name: "failures do not collapse with successes; errors show type",
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(5)
			for i := range 3 {
				s.add(uint16(10+i), 1, "INSERT t", float64(i), float64(i)+1, semconv.DBSystemNameKey.String("sqlite"))
			}
			for i := range 3 {
				f := s.add(uint16(20+i), 1, "INSERT t", 5+float64(i), 6+float64(i),
					semconv.DBSystemNameKey.String("sqlite"), semconv.ErrorTypeKey.String("UNIQUE"))
				f.Status = sdktrace.Status{Code: codes.Error, Description: fmt.Sprintf("constraint failed %d", i)}
			}
			s.add(1, 0, "root", 0, 10)
			return s.spans.Snapshots()
		},
		want: `root  10.0ms
├─ INSERT t ×3  3.0ms total
└─ INSERT t ×3  3.0ms total
     ✗ error ×3: constraint failed 2 (error.type UNIQUE)
= 6 statements · driver time 6.0ms · trace 05000000000000000000000000000001

`,
	}, {
		name: "remote parent makes a root; control characters are neutralised",
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(6)
			s.add(2, 1, "SELECT \x1b[31mevil\nname", 1, 2, statement(1, 0)...)
			root := s.add(1, 9, "consume", 0, 3)
			root.Parent = root.Parent.WithRemote(true)
			return s.spans.Snapshots()
		},
		want: `consume  3.0ms
└─ SELECT  [31mevil name  1.0ms  rows=0 driver=1.0ms
= 1 statement · driver time 1.0ms · trace 06000000000000000000000000000001

`,
	}, {
		name: "late span prints under its parent's name",
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(7)
			s.add(2, 1, "SELECT a", 1, 2, statement(1, 1)...)
			s.add(1, 0, "root", 0, 3)
			s.add(3, 2, "EXPLAIN SELECT a", 4, 5, vocab.AttrExplainPlan.String("a\nb"))
			return s.spans.Snapshots()
		},
		want: `root  3.0ms
└─ SELECT a  1.0ms  rows=1 driver=1.0ms
= 1 statement · driver time 1.0ms · trace 07000000000000000000000000000001

… later in trace 07000000000000000000000000000001, under "SELECT a":
EXPLAIN SELECT a  1.0ms
  plan:
    a
    b

`,
	}, {
		name: "unfinished trace prints as incomplete on shutdown",
		build: func() []sdktrace.ReadOnlySpan {
			s := newStubs(8)
			s.add(2, 1, "SELECT a", 1, 2, statement(1, 1)...)
			s.add(3, 1, "SELECT b", 3, 4, statement(1, 1)...)
			return s.spans.Snapshots()
		},
		want: `incomplete trace 08000000000000000000000000000001 (its root span has not ended):
SELECT a  1.0ms  rows=1 driver=1.0ms
SELECT b  1.0ms  rows=1 driver=1.0ms
= 2 statements · driver time 2.0ms · trace 08000000000000000000000000000001

`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			c := NewConsole(&buf, append([]ConsoleOption{WithColor(false)}, tt.opts...)...)
			export(t, c, tt.build())
			if got := buf.String(); got != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestConsoleBatchesAndOrder(t *testing.T) {
	// However spans are split into batches, children before parents, the
	// tree is the same.
	s := newStubs(1)
	s.add(2, 1, "SELECT a", 1, 2, statement(1, 1)...)
	s.add(4, 3, "SELECT c", 4, 5, statement(1, 1)...)
	s.add(3, 1, "service call", 3, 6)
	s.add(1, 0, "root", 0, 7)
	spans := s.spans.Snapshots()

	var whole bytes.Buffer
	export(t, NewConsole(&whole, WithColor(false)), spans)
	for split := 1; split < len(spans); split++ {
		var buf bytes.Buffer
		export(t, NewConsole(&buf, WithColor(false)), spans[:split], spans[split:])
		if buf.String() != whole.String() {
			t.Errorf("split at %d:\n%s\nwant:\n%s", split, buf.String(), whole.String())
		}
	}
	want := `root  7.0ms
├─ SELECT a  1.0ms  rows=1 driver=1.0ms
└─ service call  3.0ms
   └─ SELECT c  1.0ms  rows=1 driver=1.0ms
`
	if !strings.HasPrefix(whole.String(), want) {
		t.Errorf("output:\n%s\nwant prefix:\n%s", whole.String(), want)
	}
}

func TestConsoleColor(t *testing.T) {
	build := func() []sdktrace.ReadOnlySpan {
		s := newStubs(1)
		a := s.add(2, 1, "SELECT a", 1, 2, append(statement(1, 1), vocab.AttrFindings.StringSlice([]string{"full_scan"}))...)
		a.Events = []sdktrace.Event{findingEvent("full_scan", "scans a", "CREATE INDEX ix_a ON a (x)")}
		f := s.add(3, 1, "SELECT b", 2, 3, statement(1, 1)...)
		f.Status = sdktrace.Status{Code: codes.Error, Description: "boom"}
		s.add(1, 0, "root", 0, 4)
		return s.spans.Snapshots()
	}
	tests := []struct {
		name      string
		opts      []ConsoleOption
		wantColor bool
	}{
		{"forced on", []ConsoleOption{WithColor(true)}, true},
		{"forced off", []ConsoleOption{WithColor(false)}, false},
		{"buffer is not a terminal", nil, false},
	}
	var plain string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			export(t, NewConsole(&buf, tt.opts...), build())
			out := buf.String()
			if got := ansi.MatchString(out); got != tt.wantColor {
				t.Fatalf("colour = %v, want %v:\n%q", got, tt.wantColor, out)
			}
			if !tt.wantColor {
				plain = out
				return
			}
			// The suggestion is highlighted, the finding and the error
			// coloured; without the escapes the text is the plain one.
			for _, want := range []string{
				ansiBold + ansiGreen + "fix: CREATE INDEX ix_a ON a (x)" + ansiReset,
				ansiYellow + "⚠ full_scan: scans a" + ansiReset,
				ansiRed + "✗ error: boom" + ansiReset,
			} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%q", want, out)
				}
			}
		})
	}
	var colored bytes.Buffer
	export(t, NewConsole(&colored, WithColor(true)), build())
	if got := ansi.ReplaceAllString(colored.String(), ""); got != plain {
		t.Errorf("coloured output without escapes:\n%s\nwant:\n%s", got, plain)
	}
}

func TestColorFor(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if colorFor(f) {
		t.Error("a regular file is coloured")
	}
	if colorFor(&bytes.Buffer{}) {
		t.Error("a buffer is coloured")
	}
	// A terminal is not available in tests; NO_COLOR must win regardless.
	t.Setenv("NO_COLOR", "1")
	if colorFor(os.Stdout) {
		t.Error("NO_COLOR is ignored")
	}
}

func TestConsoleBoundsTraces(t *testing.T) {
	const maxTraces = 3
	var buf bytes.Buffer
	c := NewConsole(&buf, WithColor(false), WithMaxTraces(maxTraces))
	ctx := context.Background()
	for i := range 10 {
		s := newStubs(byte(i + 1))
		s.add(2, 1, "SELECT a", 1, 2, statement(1, 1)...)
		if err := c.ExportSpans(ctx, s.spans.Snapshots()); err != nil {
			t.Fatal(err)
		}
		if n := len(c.pending); n > maxTraces {
			t.Fatalf("%d traces buffered, bound is %d", n, maxTraces)
		}
		if c.order.Len() != len(c.pending) {
			t.Fatalf("order list has %d traces, map %d", c.order.Len(), len(c.pending))
		}
	}
	// The seven evicted traces printed as incomplete, oldest first.
	if got := strings.Count(buf.String(), "incomplete trace"); got != 7 {
		t.Errorf("%d traces printed before shutdown, want 7:\n%s", got, buf.String())
	}
	if i := strings.Index(buf.String(), "trace 01"); i < 0 || i > strings.Index(buf.String(), "trace 02") {
		t.Errorf("evicted out of order:\n%s", buf.String())
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "incomplete trace"); got != 10 {
		t.Errorf("%d traces printed after shutdown, want 10", got)
	}
	if len(c.pending) != 0 || c.order.Len() != 0 {
		t.Errorf("buffer not empty after shutdown")
	}
}

func TestConsoleBoundsSpans(t *testing.T) {
	const limit = 10
	var buf bytes.Buffer
	c := NewConsole(&buf, WithColor(false), WithMaxSpansPerTrace(limit))
	ctx := context.Background()
	s := newStubs(1)
	// 50 statements under one handler span under the root: the handler
	// arrives after the buffer is full of leaves and is still kept.
	for i := range 50 {
		s.add(uint16(100+i), 2, "SELECT x", float64(i), float64(i)+0.5, statement(0.5, 1)...)
	}
	s.add(2, 1, "handler", 0, 60)
	for _, sp := range s.spans.Snapshots() {
		if err := c.ExportSpans(ctx, []sdktrace.ReadOnlySpan{sp}); err != nil {
			t.Fatal(err)
		}
		for _, pt := range c.pending {
			if len(pt.spans) > 2*limit {
				t.Fatalf("%d spans buffered, hard bound is %d", len(pt.spans), 2*limit)
			}
		}
	}
	root := newStubs(1)
	root.add(1, 0, "root", 0, 70)
	export(t, c, root.spans.Snapshots())

	want := `root  70.0ms
└─ handler  60.0ms
   └─ SELECT x ×10  5.0ms total  rows=10 driver=5.0ms
= 50 statements · driver time 25.0ms · 40 spans not shown (buffer limit) · trace 01000000000000000000000000000001

`
	if buf.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestConsoleBoundsPrintedMemory(t *testing.T) {
	c := NewConsole(&bytes.Buffer{}, WithMaxSpansPerTrace(5))
	ctx := context.Background()
	for i := range 3 * printedMemory {
		s := newStubs(byte(i))
		s.traceID[1] = byte(i >> 8)
		for j := range 20 {
			s.add(uint16(10+j), 1, "SELECT x", 1, 2)
		}
		s.add(1, 0, "root", 0, 3)
		if err := c.ExportSpans(ctx, s.spans.Snapshots()); err != nil {
			t.Fatal(err)
		}
		if len(c.printed) > printedMemory || len(c.printedOrder) > printedMemory {
			t.Fatalf("remembers %d printed traces, bound is %d", len(c.printed), printedMemory)
		}
		for _, names := range c.printed {
			if len(names) > 10 {
				t.Fatalf("remembers %d spans of a trace, bound is 10", len(names))
			}
		}
	}
}

func TestConsoleRootWithoutBufferedChildren(t *testing.T) {
	// Unrelated traces in one batch print separately, in root order.
	a, b := newStubs(1), newStubs(2)
	a.add(1, 0, "a", 0, 1)
	b.add(1, 0, "b", 0, 1)
	var buf bytes.Buffer
	export(t, NewConsole(&buf, WithColor(false)), append(b.spans.Snapshots(), a.spans.Snapshots()...))
	if !strings.HasPrefix(buf.String(), "b  1.0ms\n= 0 statements") || !strings.Contains(buf.String(), "\na  1.0ms\n") {
		t.Errorf("output:\n%s", buf.String())
	}
}

func TestConsoleCycleTerminates(t *testing.T) {
	// Parent links that loop (a broken producer) must neither hang nor
	// lose spans.
	s := newStubs(1)
	s.add(2, 3, "x", 0, 1)
	s.add(3, 2, "y", 0, 1)
	s.add(4, 4, "self", 0, 1)
	var buf bytes.Buffer
	export(t, NewConsole(&buf, WithColor(false)), s.spans.Snapshots())
	for _, name := range []string{"x  ", "y  ", "self  "} {
		if !strings.Contains(buf.String(), name) {
			t.Errorf("span %q lost:\n%s", name, buf.String())
		}
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestConsoleErrors(t *testing.T) {
	ctx := context.Background()
	s := newStubs(1)
	s.add(1, 0, "root", 0, 1)

	errWrite := errors.New("disk full")
	c := NewConsole(failingWriter{errWrite})
	if err := c.ExportSpans(ctx, s.spans.Snapshots()); !errors.Is(err, errWrite) {
		t.Errorf("ExportSpans = %v, want the writer's error", err)
	}

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	for name, call := range map[string]func(context.Context) error{
		"ExportSpans": func(ctx context.Context) error { return c.ExportSpans(ctx, nil) },
		"ForceFlush":  c.ForceFlush,
		"Shutdown":    c.Shutdown,
	} {
		if err := call(canceled); !errors.Is(err, context.Canceled) {
			t.Errorf("%s on a canceled context = %v", name, err)
		}
	}

	var buf bytes.Buffer
	c = NewConsole(&buf)
	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown = %v", err)
	}
	if err := c.ExportSpans(ctx, s.spans.Snapshots()); err != nil || buf.Len() != 0 {
		t.Errorf("after Shutdown: err %v, output %q", err, buf.String())
	}
}

func TestConsoleForceFlush(t *testing.T) {
	var buf bytes.Buffer
	c := NewConsole(&buf, WithColor(false))
	ctx := context.Background()
	s := newStubs(1)
	s.add(2, 1, "SELECT a", 1, 2)
	if err := c.ExportSpans(ctx, s.spans.Snapshots()); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Fatalf("printed before the root ended: %s", buf.String())
	}
	if err := c.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "incomplete trace") || !strings.Contains(buf.String(), "SELECT a") {
		t.Errorf("ForceFlush output:\n%s", buf.String())
	}
	// The root, ending later, prints on its own with its child known.
	buf.Reset()
	r := newStubs(1)
	r.add(1, 0, "root", 0, 3)
	if err := c.ExportSpans(ctx, r.spans.Snapshots()); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "root  3.0ms\n") {
		t.Errorf("root after flush:\n%s", buf.String())
	}
}

// syncBuffer lets the race detector see only the exporter's own locking.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestConsoleWithSDK(t *testing.T) {
	// Real spans through the SDK's batching processor, from concurrent
	// goroutines, with flushes racing the exports.
	var out syncBuffer
	c := NewConsole(&out, WithColor(false))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(c, sdktrace.WithMaxExportBatchSize(7)))
	tracer := tp.Tracer("test")
	ctx := context.Background()

	const requests = 8
	var wg sync.WaitGroup
	for i := range requests {
		wg.Go(func() {
			rctx, root := tracer.Start(ctx, fmt.Sprintf("request %d", i))
			for range 10 {
				_, s := tracer.Start(rctx, "SELECT item", trace.WithSpanKind(trace.SpanKindClient),
					trace.WithAttributes(semconv.DBSystemNameKey.String("sqlite"), vocab.AttrDriverTimeMS.Float64(0.5)))
				s.End()
			}
			root.End()
		})
	}
	wg.Go(func() {
		for range 5 {
			_ = tp.ForceFlush(ctx)
		}
	})
	wg.Wait()
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if n := strings.Count(got, "SELECT item ×10"); n+strings.Count(got, "incomplete trace") < requests {
		t.Errorf("want %d collapsed requests:\n%s", requests, got)
	}
	for i := range requests {
		if !strings.Contains(got, fmt.Sprintf("request %d  ", i)) {
			t.Errorf("request %d missing:\n%s", i, got)
		}
	}
}

func TestFormat(t *testing.T) {
	durations := []struct {
		d    time.Duration
		want string
	}{
		{0, "0µs"}, {999 * time.Microsecond, "999µs"}, {1500 * time.Microsecond, "1.5ms"},
		{1234 * time.Millisecond, "1.23s"}, {90 * time.Second, "1m30s"},
	}
	for _, tt := range durations {
		if got := formatDuration(tt.d); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	bytesCases := []struct {
		n    int64
		want string
	}{
		{0, "0B"}, {1023, "1023B"}, {1536, "1.5KiB"}, {5 << 20, "5.0MiB"}, {3 << 30, "3.0GiB"}, {2 << 40, "2.0TiB"},
	}
	for _, tt := range bytesCases {
		if got := formatBytes(tt.n); got != tt.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := oneLine(strings.Repeat("é", 10), 4); got != "éééé…" {
		t.Errorf("oneLine cut = %q", got)
	}
}

func TestConsoleDuplicateSpanIDs(t *testing.T) {
	// The same span ID under ever new parents must not grow the buffer.
	c := NewConsole(&bytes.Buffer{})
	ctx := context.Background()
	for i := range 1000 {
		s := newStubs(1)
		s.add(2, uint16(100+i), "SELECT a", 1, 2)
		if err := c.ExportSpans(ctx, s.spans.Snapshots()); err != nil {
			t.Fatal(err)
		}
	}
	pt := c.pending[newStubs(1).traceID]
	if len(pt.spans) != 1 || len(pt.children) != 1 {
		t.Errorf("buffered %d spans, %d parent counts; want 1 and 1", len(pt.spans), len(pt.children))
	}
}
