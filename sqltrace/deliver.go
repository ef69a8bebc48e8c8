package sqltrace

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// Attribute keys and the event name of findings (docs/TELEMETRY.md).
const (
	AttrFindings      = vocab.AttrFindings
	AttrNPlusOneCount = vocab.AttrNPlusOneCount
	AttrIndexTable    = vocab.AttrIndexTable
	AttrIndexColumns  = vocab.AttrIndexColumns
	AttrSuggestion    = vocab.AttrSuggestion
	EventFinding      = vocab.EventFinding
)

// FindingHandler receives each finding once per scope (parent span or
// Scope) and kind: synchronously, in the goroutine that ran the statement,
// for detector findings and for plan findings already known; from the
// explain worker when a verdict arrives, for the request that submitted
// the statement (ctx carries the EXPLAIN span) and for the requests that
// ran it while it was being explained (ctx carries their parent span).
// Otherwise ctx carries the statement's span. A panic in the handler is
// recovered: the first is reported through otel.Handle.
type FindingHandler func(ctx context.Context, f Finding)

// findingsCounter creates the sqlsight.findings counter.
func findingsCounter(m metric.Meter) metric.Int64Counter {
	c, err := m.Int64Counter(vocab.MetricFindings, metric.WithUnit("{finding}"),
		metric.WithDescription("Findings raised by sqlsight, by kind and db.query.summary."))
	handle(err)
	return c
}

// deliver sends a finding to the metric, the handler and the logger. The
// span side (attributes and event) is done by the caller, which owns the
// span. The user's callbacks run inside database/sql's Rows.Close and Exec:
// a panic in them is recovered, or database/sql would never return the
// connection to the pool.
func (inst *instrumentation) deliver(ctx context.Context, f Finding) {
	inst.findings.Add(ctx, 1, metric.WithAttributes(
		vocab.MetricAttrKind.String(string(f.Kind)), semconv.DBQuerySummary(f.Summary)))
	if h := inst.cfg.findingHandler; h != nil {
		callHandler(ctx, h, f, &inst.cfg.findings.handlerPanicked)
	}
	if l := inst.cfg.logger; l != nil {
		logFinding(ctx, l, f, &inst.cfg.findings.loggerPanicked)
	}
}

func callHandler(ctx context.Context, h FindingHandler, f Finding, panicked *atomic.Bool) {
	defer recoverCallback("finding handler", panicked)
	h(ctx, f)
}

func logFinding(ctx context.Context, l *slog.Logger, f Finding, panicked *atomic.Bool) {
	defer recoverCallback("logger", panicked)
	attrs := []slog.Attr{
		slog.String("kind", string(f.Kind)),
		slog.String("suggestion", f.Suggestion),
		slog.String("summary", f.Summary),
		slog.String("fingerprint", f.Fingerprint),
	}
	if f.Table != "" {
		attrs = append(attrs, slog.String("table", f.Table))
	}
	if f.Count > 0 {
		attrs = append(attrs, slog.Int("count", f.Count))
	}
	if !f.Location.IsZero() {
		attrs = append(attrs, slog.String("location", f.Location.String()),
			slog.String(string(semconv.CodeFunctionNameKey), f.Location.Function),
			slog.String(string(semconv.CodeFilePathKey), f.Location.File),
			slog.Int(string(semconv.CodeLineNumberKey), f.Location.Line))
	}
	if f.SpanContext.IsValid() {
		attrs = append(attrs, slog.String("trace_id", f.SpanContext.TraceID().String()),
			slog.String("span_id", f.SpanContext.SpanID().String()))
	}
	l.LogAttrs(ctx, slog.LevelWarn, f.Message, attrs...)
}

// recoverCallback stops a panic in a user callback; the first one of each
// callback is reported through OpenTelemetry's error handler (a callback
// that panics on every finding would otherwise flood it).
func recoverCallback(what string, panicked *atomic.Bool) {
	if v := recover(); v != nil {
		if panicked.CompareAndSwap(false, true) {
			otel.Handle(fmt.Errorf("sqltrace: %s panicked (recovered; later panics are not reported): %v", what, v))
		}
	}
}

// findingEvent is the sqlsight.finding span event of f, with the same
// attributes as explain's.
func findingEvent(f Finding) trace.EventOption {
	attrs := []attribute.KeyValue{
		vocab.EventAttrKind.String(string(f.Kind)),
		vocab.EventAttrMessage.String(f.Message),
		vocab.EventAttrSuggestion.String(f.Suggestion),
	}
	if f.Table != "" {
		attrs = append(attrs, vocab.EventAttrTable.String(f.Table))
	}
	if len(f.Columns) > 0 {
		attrs = append(attrs, vocab.EventAttrColumns.StringSlice(f.Columns))
	}
	attrs = f.suggestion().AppendAttributes(attrs)
	return trace.WithAttributes(attrs...)
}

// findingAttributes are the span attributes for the kinds an execution
// carries; index attributes and the suggestion (with whether the planner
// verified it) come from the first finding that has them.
func findingAttributes(attrs []attribute.KeyValue, kinds []Kind, findings []Finding) []attribute.KeyValue {
	if len(kinds) == 0 {
		return attrs
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	attrs = append(attrs, AttrFindings.StringSlice(names))
	suggested, indexed, located := false, false, false
	for _, f := range findings {
		if !located && !f.Location.IsZero() {
			attrs = f.Location.attributes(attrs)
			located = true
		}
		if !suggested && f.Suggestion != "" {
			attrs = append(attrs, AttrSuggestion.String(f.Suggestion))
			attrs = f.suggestion().AppendAttributes(attrs)
			suggested = true
		}
		if !indexed && len(f.Columns) > 0 && f.Table != "" {
			attrs = append(attrs, AttrIndexTable.String(f.Table), AttrIndexColumns.StringSlice(f.Columns))
			indexed = true
		}
	}
	return attrs
}
