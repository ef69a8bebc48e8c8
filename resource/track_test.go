package resource

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

func newRecorder(t *testing.T, opts ...sdktrace.TracerProviderOption) (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(append(opts, sdktrace.WithSpanProcessor(rec))...)
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, rec
}

// deltaFromSpan reads the delta attributes back from a span.
func deltaFromSpan(t *testing.T, s sdktrace.ReadOnlySpan) Delta {
	t.Helper()
	var d Delta
	seen := map[attribute.Key]bool{}
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case vocab.AttrCPUUserMS:
			d.UserCPU = time.Duration(kv.Value.AsFloat64() * float64(time.Millisecond))
		case vocab.AttrCPUSystemMS:
			d.SystemCPU = time.Duration(kv.Value.AsFloat64() * float64(time.Millisecond))
		case vocab.AttrHeapAllocBytes:
			d.HeapAllocBytes = uint64(kv.Value.AsInt64())
		default:
			continue
		}
		if seen[kv.Key] {
			t.Errorf("attribute %s set twice", kv.Key)
		}
		seen[kv.Key] = true
	}
	for _, k := range []attribute.Key{vocab.AttrCPUUserMS, vocab.AttrCPUSystemMS, vocab.AttrHeapAllocBytes} {
		if !seen[k] {
			t.Errorf("span %q lacks attribute %s", s.Name(), k)
		}
	}
	d.Elapsed = s.EndTime().Sub(s.StartTime())
	return d
}

func TestTrackDeltas(t *testing.T) {
	for _, w := range workloads {
		t.Run(w.name, func(t *testing.T) {
			t.Cleanup(func() { heapSink = nil })
			tp, rec := newRecorder(t)
			runtime.GC() // flush the per-P allocation caches; see heapAbove
			_, end := Track(context.Background(), w.name, WithTracerProvider(tp))
			work := w.run(t)
			end()

			spans := rec.Ended()
			if len(spans) != 1 {
				t.Fatalf("got %d spans, want 1", len(spans))
			}
			s := spans[0]
			if s.Name() != w.name || s.SpanKind() != trace.SpanKindInternal {
				t.Errorf("span %q kind %v, want %q kind internal", s.Name(), s.SpanKind(), w.name)
			}
			if s.InstrumentationScope().Name != vocab.ScopeResource {
				t.Errorf("scope %q, want %q", s.InstrumentationScope().Name, vocab.ScopeResource)
			}
			// The span starts before Track's Take and ends after its Since:
			// its duration contains both counter readings.
			d := deltaFromSpan(t, s)
			checkDelta(t, d, work, d.Elapsed)
		})
	}
}

func TestTrack(t *testing.T) {
	tests := []struct {
		name      string
		sampler   sdktrace.Sampler
		opts      []TrackOption
		endCalls  int
		wantSpans int
		wantAttrs []attribute.KeyValue
	}{
		{name: "ends once", endCalls: 1, wantSpans: 1},
		{name: "end is idempotent", endCalls: 3, wantSpans: 1},
		{
			name:      "with attributes",
			opts:      []TrackOption{WithAttributes(attribute.String("rs.batch", "reviews"), attribute.Int("rs.size", 500))},
			endCalls:  1,
			wantSpans: 1,
			wantAttrs: []attribute.KeyValue{attribute.String("rs.batch", "reviews"), attribute.Int("rs.size", 500)},
		},
		{name: "nil option is ignored", opts: []TrackOption{nil}, endCalls: 1, wantSpans: 1},
		{name: "not sampled", sampler: sdktrace.NeverSample(), endCalls: 2, wantSpans: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tpOpts []sdktrace.TracerProviderOption
			if tt.sampler != nil {
				tpOpts = append(tpOpts, sdktrace.WithSampler(tt.sampler))
			}
			tp, rec := newRecorder(t, tpOpts...)
			ctx, end := Track(context.Background(), "block", append([]TrackOption{WithTracerProvider(tp)}, tt.opts...)...)
			inner := trace.SpanFromContext(ctx).SpanContext()
			for range tt.endCalls {
				end()
			}
			spans := rec.Ended()
			if len(spans) != tt.wantSpans {
				t.Fatalf("got %d spans, want %d", len(spans), tt.wantSpans)
			}
			if tt.wantSpans == 0 {
				return
			}
			if !spans[0].SpanContext().Equal(inner) {
				t.Errorf("context carries span %v, want the tracked span %v", inner, spans[0].SpanContext())
			}
			have := map[attribute.Key]attribute.Value{}
			for _, kv := range spans[0].Attributes() {
				have[kv.Key] = kv.Value
			}
			for _, kv := range tt.wantAttrs {
				if v, ok := have[kv.Key]; !ok || v != kv.Value {
					t.Errorf("attribute %s = %v, want %v", kv.Key, v.Emit(), kv.Value.Emit())
				}
			}
			deltaFromSpan(t, spans[0])
		})
	}
}

func TestTrackChildOfContextSpan(t *testing.T) {
	tp, rec := newRecorder(t)
	ctx, parent := tp.Tracer("rs_test").Start(context.Background(), "request")
	_, end := Track(ctx, "upsert batch", WithTracerProvider(tp))
	end()
	parent.End()
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2", len(spans))
	}
	if got, want := spans[0].Parent().SpanID(), parent.SpanContext().SpanID(); got != want {
		t.Errorf("tracked span's parent = %v, want %v", got, want)
	}
}

func TestTrackUsesGlobalTracerProvider(t *testing.T) {
	tp, rec := newRecorder(t)
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	_, end := Track(context.Background(), "global")
	end()
	if n := len(rec.Ended()); n != 1 {
		t.Fatalf("got %d spans on the global provider, want 1", n)
	}
}

func TestTrackConcurrentEnd(t *testing.T) {
	tp, rec := newRecorder(t)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			_, end := Track(context.Background(), "concurrent", WithTracerProvider(tp))
			var ends sync.WaitGroup
			for range 2 {
				ends.Go(end)
			}
			ends.Wait()
		})
	}
	wg.Wait()
	if n := len(rec.Ended()); n != 32 {
		t.Fatalf("got %d spans, want 32", n)
	}
}
