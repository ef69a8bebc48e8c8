package resource_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sqlsight/sqlsight/resource"
)

// upsertBatch stands for any block of application code.
func upsertBatch(context.Context) {
	_ = strings.Repeat("review", 1<<16)
}

// Track reads the process's CPU and heap around a block of code, as one
// would print them by hand, and records them on a span.
func ExampleTrack() {
	recorder := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(recorder))
	defer func() { _ = tp.Shutdown(context.Background()) }()

	ctx, end := resource.Track(context.Background(), "upsert batch",
		resource.WithTracerProvider(tp),
		resource.WithAttributes(attribute.Int("batch.size", 500)),
	)
	upsertBatch(ctx) // statements run with ctx become children of the span
	end()

	span := recorder.Ended()[0]
	fmt.Println(span.Name(), span.SpanKind())
	for _, kv := range span.Attributes() {
		fmt.Println(kv.Key) // the values vary from run to run
	}
	// Output:
	// upsert batch internal
	// batch.size
	// sqlsight.cpu.user_ms
	// sqlsight.cpu.system_ms
	// sqlsight.mem.heap_alloc_bytes
}

// Take and Since measure a block without tracing, e.g. to log it.
func ExampleSince() {
	start := resource.Take()
	upsertBatch(context.Background())
	d := resource.Since(start)
	log.Printf("upsert batch: %v", d) // elapsed=… cpu.user=… cpu.system=… heap_alloc=…
	fmt.Println(d.HeapAllocBytes >= 6<<16)
	// Output: true
}
