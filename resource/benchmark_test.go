package resource

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

var (
	snapshotSink Snapshot
	attrsSink    []attribute.KeyValue
)

// BenchmarkSnapshot is what a recorded statement pays: a snapshot before it
// and one after (Take + Since).
func BenchmarkSnapshot(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		deltaSink = Since(Take())
	}
}

// BenchmarkSnapshotParallel is the same with every P taking snapshots; the
// runtime/metrics read is serialised inside the runtime.
func BenchmarkSnapshotParallel(b *testing.B) {
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var d Delta
		for pb.Next() {
			d = Since(Take())
		}
		_ = d
	})
}

func BenchmarkTake(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		snapshotSink = Take()
	}
}

func BenchmarkAppendAttributes(b *testing.B) {
	b.ReportAllocs()
	d := Since(Take())
	buf := make([]attribute.KeyValue, 0, 8)
	for b.Loop() {
		buf = d.AppendAttributes(buf[:0])
	}
	attrsSink = buf
}

// BenchmarkTrack is a whole Track on a recording span, span and export
// included (an in-memory recorder).
func BenchmarkTrack(b *testing.B) {
	b.ReportAllocs()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(tracetest.NewNoopExporter()))
	defer tp.Shutdown(context.Background())
	ctx := context.Background()
	for b.Loop() {
		_, end := Track(ctx, "block", WithTracerProvider(tp))
		end()
	}
}
