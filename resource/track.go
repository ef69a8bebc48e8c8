package resource

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// TrackOption configures [Track].
type TrackOption interface {
	applyTrack(*trackConfig)
}

type trackOptionFunc func(*trackConfig)

func (f trackOptionFunc) applyTrack(c *trackConfig) { f(c) }

type trackConfig struct {
	tracerProvider trace.TracerProvider
	attributes     []attribute.KeyValue
}

func newTrackConfig(opts []TrackOption) trackConfig {
	var c trackConfig
	for _, o := range opts {
		if o != nil {
			o.applyTrack(&c)
		}
	}
	if c.tracerProvider == nil {
		c.tracerProvider = otel.GetTracerProvider()
	}
	return c
}

// WithTracerProvider sets the tracer provider Track creates its span with.
// The default is the global one, otel.GetTracerProvider().
func WithTracerProvider(tp trace.TracerProvider) TrackOption {
	return trackOptionFunc(func(c *trackConfig) { c.tracerProvider = tp })
}

// WithAttributes adds attributes to the span Track creates.
func WithAttributes(attrs ...attribute.KeyValue) TrackOption {
	return trackOptionFunc(func(c *trackConfig) {
		c.attributes = append(c.attributes, attrs...)
	})
}

// Track starts an INTERNAL span named name around a block of code and
// returns the context carrying it and the function that ends it:
//
//	ctx, end := resource.Track(ctx, "upsert batch")
//	defer end()
//
// At the end the span gets the block's [Delta] as the attributes
// sqlsight.cpu.user_ms, sqlsight.cpu.system_ms and sqlsight.mem.heap_alloc_bytes. The values
// are process-wide: other goroutines' work during the block is included.
// Statements run with ctx become children of the span, so a trace shows
// which block a slow statement belongs to.
//
// When the span is not recording (not sampled, or no tracer provider is
// installed) no snapshot is taken. The end function may be called more than
// once and from any goroutine; only the first call counts.
func Track(ctx context.Context, name string, opts ...TrackOption) (context.Context, func()) {
	c := newTrackConfig(opts)
	ctx, span := c.tracerProvider.Tracer(vocab.ScopeResource).Start(ctx, name,
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(c.attributes...),
	)
	if !span.IsRecording() {
		return ctx, func() { span.End() }
	}
	start := Take()
	var ended atomic.Bool
	return ctx, func() {
		if !ended.CompareAndSwap(false, true) {
			return
		}
		d := Since(start)
		var buf [3]attribute.KeyValue
		span.SetAttributes(d.AppendAttributes(buf[:0])...)
		span.End()
	}
}
