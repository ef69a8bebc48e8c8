package resource

import (
	"context"
	"runtime"
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
// and one after (Take + Since). Besides wall time per op it reports
// cpu-ns/op, the CPU time of the benchmark's thread per op: on a loaded
// machine wall time includes the time the thread waited for a CPU, thread
// CPU time does not.
func BenchmarkSnapshot(b *testing.B) {
	benchmarkThreadCPU(b, func() { deltaSink = Since(Take()) })
}

// benchmarkThreadCPU runs op b.N times on one OS thread and reports the
// thread's CPU time per op next to the wall time.
func benchmarkThreadCPU(b *testing.B, op func()) {
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, err := threadCPUTime()
	for b.Loop() {
		op()
	}
	if end, err2 := threadCPUTime(); err == nil && err2 == nil {
		b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
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
	benchmarkThreadCPU(b, func() { snapshotSink = Take() })
}

// BenchmarkReadCPU and BenchmarkReadHeapAllocBytes split a snapshot's cost
// into its two readings (getrusage, runtime/metrics).
func BenchmarkReadCPU(b *testing.B) {
	benchmarkThreadCPU(b, func() {
		if _, _, _, ok := readCPU(); !ok {
			b.Fatal("readCPU failed")
		}
	})
}

func BenchmarkReadHeapAllocBytes(b *testing.B) {
	var n uint64
	benchmarkThreadCPU(b, func() { n += readHeapAllocBytes() })
	_ = n
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
