package exporters_test

import (
	"context"
	"os"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/exporters"
)

// ExampleNewConsole prints one trace: a request that looks reviews up with
// an unindexed IN list (explained in the background), loads their labels
// one by one, and fails an insert.
func ExampleNewConsole() {
	console := exporters.NewConsole(os.Stdout, exporters.WithColor(false))

	traceID := trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	sc := func(id byte) trace.SpanContext {
		return trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID, SpanID: trace.SpanID{7: id}, TraceFlags: trace.FlagsSampled,
		})
	}
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(ms float64) time.Time { return start.Add(time.Duration(ms * float64(time.Millisecond))) }

	spans := tracetest.SpanStubs{{
		Name: "SELECT review", SpanContext: sc(2), Parent: sc(1), SpanKind: trace.SpanKindClient,
		StartTime: at(1), EndTime: at(85.2),
		Attributes: []attribute.KeyValue{
			attribute.String("db.system.name", "mysql"),
			attribute.Int("db.response.returned_rows", 5),
			attribute.Float64("sqlsight.driver_time_ms", 84.1),
			attribute.Float64("sqlsight.cpu.user_ms", 80.1),
			attribute.Float64("sqlsight.cpu.system_ms", 3.2),
			attribute.Int("sqlsight.mem.heap_alloc_bytes", 1258291),
			attribute.StringSlice("sqlsight.findings", []string{"unindexed_in"}),
		},
		Events: []sdktrace.Event{{Name: "sqlsight.finding", Attributes: []attribute.KeyValue{
			attribute.String("kind", "unindexed_in"),
			attribute.String("message", "IN lookup on review.n_review_id reads all 284113 rows"),
			attribute.String("suggestion", "ALTER TABLE review ADD INDEX ix_review_n_review_id (n_review_id), ALGORITHM=INPLACE, LOCK=NONE"),
			// MySQL has no planner to ask about an index that does not exist.
			attribute.Bool("sqlsight.suggestion.verified", false),
		}}},
	}}
	for i := range 20 {
		attrs := []attribute.KeyValue{
			attribute.String("db.system.name", "mysql"),
			attribute.Int("db.response.returned_rows", 1),
			attribute.Float64("sqlsight.driver_time_ms", 0.5),
			attribute.Int("sqlsight.n_plus_one.count", i+1),
		}
		var events []sdktrace.Event
		if i+1 >= 5 {
			attrs = append(attrs, attribute.StringSlice("sqlsight.findings", []string{"n_plus_one"}),
				// Where the application ran it.
				attribute.String("code.file.path", "/src/shop/reviews/handler.go"),
				attribute.Int("code.line.number", 58),
				attribute.String("code.function.name", "example.com/shop/reviews.(*Handler).List"))
			events = []sdktrace.Event{{Name: "sqlsight.finding", Attributes: []attribute.KeyValue{
				attribute.String("kind", "n_plus_one"),
				attribute.String("message", "SELECT label ran once per review"),
				attribute.String("suggestion", "fetch the labels in one query: WHERE review_id IN (...)"),
			}}}
		}
		spans = append(spans, tracetest.SpanStub{
			Name: "SELECT label", SpanContext: sc(byte(10 + i)), Parent: sc(1), SpanKind: trace.SpanKindClient,
			StartTime: at(90 + float64(i)), EndTime: at(90.6 + float64(i)),
			Attributes: attrs, Events: events,
		})
	}
	spans = append(spans,
		tracetest.SpanStub{
			Name: "INSERT review_log", SpanContext: sc(40), Parent: sc(1), SpanKind: trace.SpanKindClient,
			StartTime: at(111), EndTime: at(112),
			Attributes: []attribute.KeyValue{
				attribute.String("db.system.name", "mysql"),
				attribute.String("error.type", "1062"),
			},
			Status: sdktrace.Status{Code: codes.Error, Description: "Duplicate entry '42' for key 'PRIMARY'"},
		},
		tracetest.SpanStub{
			Name: "GET /reviews", SpanContext: sc(1), SpanKind: trace.SpanKindServer,
			StartTime: at(0), EndTime: at(112.4),
		},
		// Recorded in the background, the EXPLAIN span ends after the request.
		tracetest.SpanStub{
			Name: "EXPLAIN SELECT review", SpanContext: sc(3), Parent: sc(2), SpanKind: trace.SpanKindInternal,
			StartTime: at(113), EndTime: at(115.1),
			Attributes: []attribute.KeyValue{
				attribute.String("sqlsight.explain.plan", "id=1 select_type=SIMPLE table=review type=ALL rows=284113\n  Extra: Using where"),
			},
		},
	)

	ctx := context.Background()
	// The SDK hands finished spans over in batches; so does this example.
	_ = console.ExportSpans(ctx, spans[:10].Snapshots())
	_ = console.ExportSpans(ctx, spans[10:].Snapshots())
	_ = console.Shutdown(ctx)
	// Output:
	// GET /reviews  112.4ms
	// ├─ SELECT review  84.2ms  rows=5 driver=84.1ms cpu.user=80.1ms cpu.sys=3.2ms heap=1.2MiB
	// │    ⚠ unindexed_in: IN lookup on review.n_review_id reads all 284113 rows
	// │      fix (unverified): ALTER TABLE review ADD INDEX ix_review_n_review_id (n_review_id), ALGORITHM=INPLACE, LOCK=NONE
	// ├─ SELECT label ×20  12.0ms total  rows=20 driver=10.0ms
	// │    ⚠ n_plus_one (20 executions, 16 of 20 flagged): SELECT label ran once per review
	// │      at reviews/handler.go:58 (reviews.(*Handler).List)
	// │      fix: fetch the labels in one query: WHERE review_id IN (...)
	// └─ INSERT review_log  1.0ms
	//      ✗ error: Duplicate entry '42' for key 'PRIMARY' (error.type 1062)
	// = 22 statements · driver time 95.1ms · findings: n_plus_one, unindexed_in · trace 4bf92f3577b34da6a3ce929d0e0e4736
	//
	// … later in trace 4bf92f3577b34da6a3ce929d0e0e4736, under "SELECT review":
	// EXPLAIN SELECT review  2.1ms
	//   plan:
	//     id=1 select_type=SIMPLE table=review type=ALL rows=284113
	//       Extra: Using where
}
