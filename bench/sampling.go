package bench

import (
	"context"
	"encoding/binary"
	"sync/atomic"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// StatementsPerRequest is how many statements share one parent span in
// the parent variants: a request of a few statements, below the N+1
// threshold, so the trackers see the ordinary case (a new scope every few
// statements) rather than an endless loop under one parent.
const StatementsPerRequest = 4

// Sampling is how statements meet the sampler: the sampler of the tracer
// provider, and whether they run as roots or under a parent span.
type Sampling struct {
	Name    string
	Sampler sdktrace.Sampler
	// Parent runs statements under a parent span context, a new one every
	// StatementsPerRequest statements.
	Parent bool
	// Sampled says whether the sampler records spans, and the parent's
	// flag in the parent variants.
	Sampled bool
	// NoopMeter gives the wrappers the API's no-op meter provider instead
	// of the SDK's.
	NoopMeter bool
}

// Samplings are the variants every fake-driver operation runs in.
var Samplings = []Sampling{
	Sampled, SampledParent, Unsampled, UnsampledParent,
}

// The samplings, by name.
var (
	Sampled         = Sampling{Name: "sampled", Sampler: sdktrace.AlwaysSample(), Sampled: true}
	SampledParent   = Sampling{Name: "sampled-parent", Sampler: sdktrace.AlwaysSample(), Parent: true, Sampled: true}
	Unsampled       = Sampling{Name: "unsampled", Sampler: sdktrace.NeverSample()}
	UnsampledParent = Sampling{Name: "unsampled-parent", Sampler: sdktrace.NeverSample(), Parent: true}

	// The unsampled variants with a no-op meter provider (BenchmarkFakeNoopMeter).
	UnsampledNoopMeter       = Sampling{Name: "unsampled-noopmeter", Sampler: sdktrace.NeverSample(), NoopMeter: true}
	UnsampledParentNoopMeter = Sampling{Name: "unsampled-parent-noopmeter", Sampler: sdktrace.NeverSample(), Parent: true, NoopMeter: true}
)

var requestSeeds atomic.Uint64

// Requests hands out the context of each statement of one goroutine: the
// background context for roots, or a request's parent span context. It is
// not safe for concurrent use: give each goroutine its own.
type Requests struct {
	s    Sampling
	base context.Context
	ctx  context.Context
	left int
	seed uint64
	seq  uint64
	n    int64
}

// NewRequests returns the contexts of one goroutine's statements.
func NewRequests(base context.Context, s Sampling) *Requests {
	return &Requests{s: s, base: base, ctx: base, seed: requestSeeds.Add(1)}
}

// Next returns the context of the next statement and its number in this
// goroutine, from 1: statements pass it as an argument so that no two
// statements of a request look like duplicates to a detector.
func (r *Requests) Next() (context.Context, int64) {
	r.n++
	if !r.s.Parent {
		return r.base, r.n
	}
	if r.left == 0 {
		r.seq++
		// IDs as random as the SDK's: no wrapper may profit from (or
		// suffer) goroutines sharing ID patterns.
		var tid trace.TraceID
		var sid trace.SpanID
		binary.BigEndian.PutUint64(tid[:8], splitmix64(r.seed))
		binary.BigEndian.PutUint64(tid[8:], splitmix64(r.seed<<32^r.seq))
		binary.BigEndian.PutUint64(sid[:], splitmix64(^r.seed<<32^r.seq)|1)
		var flags trace.TraceFlags
		if r.s.Sampled {
			flags = trace.FlagsSampled
		}
		sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: flags})
		r.ctx = trace.ContextWithSpanContext(r.base, sc)
		r.left = StatementsPerRequest
	}
	r.left--
	return r.ctx, r.n
}

// splitmix64 scrambles x into a well-distributed 64-bit value.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
