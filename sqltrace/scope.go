package sqltrace

import (
	"context"
	"sync/atomic"

	"go.opentelemetry.io/otel/trace"
)

// scopeKey identifies the unit of work findings are counted in: the parent
// span of a statement (trace ID + span ID), or a scope opened with Scope.
type scopeKey struct {
	trace trace.TraceID
	span  trace.SpanID
}

type scopeCtxKey struct{}

// explicitScope is what Scope stores: its own key, and the span that was
// current when it was opened, so that a span started later inside the
// scope takes over as the narrower unit.
type explicitScope struct {
	key  scopeKey
	span trace.SpanID
}

var scopeCounter atomic.Uint64

// Scope returns a context that opens a new unit of work for the N+1,
// repeated-write and duplicate-query detectors. Statements are normally
// counted per parent span; code without tracing (a batch job, a test) opens
// a scope per request or per batch with Scope.
func Scope(ctx context.Context) context.Context {
	n := scopeCounter.Add(1)
	var k scopeKey
	// A scope key never collides with a span: span-derived keys have a
	// non-zero trace ID, explicit ones a zero trace ID.
	for i := range 8 {
		k.span[i] = byte(n >> (8 * i))
	}
	return context.WithValue(ctx, scopeCtxKey{}, explicitScope{key: k, span: trace.SpanContextFromContext(ctx).SpanID()})
}

// scopeOf returns the scope of a statement run with ctx.
func scopeOf(ctx context.Context) (scopeKey, bool) {
	sc := trace.SpanContextFromContext(ctx)
	if s, ok := ctx.Value(scopeCtxKey{}).(explicitScope); ok && s.span == sc.SpanID() {
		return s.key, true
	}
	if sc.IsValid() {
		return scopeKey{trace: sc.TraceID(), span: sc.SpanID()}, true
	}
	return scopeKey{}, false
}
