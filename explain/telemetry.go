package explain

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

const instrumentationName = "github.com/sqlsight/sqlsight/explain"

// Attribute keys of the EXPLAIN span (docs/TELEMETRY.md).
const (
	AttrPlan         = attribute.Key("sqlsight.explain.plan")
	AttrAccessTypes  = attribute.Key("sqlsight.explain.access_types")
	AttrRowsEstimate = attribute.Key("sqlsight.explain.rows_estimate")
	AttrTables       = attribute.Key("sqlsight.explain.tables")
	AttrIndexes      = attribute.Key("sqlsight.explain.indexes")
	AttrReason       = attribute.Key("sqlsight.explain.reason")
	AttrFormat       = attribute.Key("sqlsight.explain.format")
	AttrFilesort     = attribute.Key("sqlsight.explain.uses_filesort")
	AttrTemporary    = attribute.Key("sqlsight.explain.uses_temporary")
	AttrFingerprint  = attribute.Key("sqlsight.query.fingerprint")
	AttrFindings     = attribute.Key("sqlsight.findings")
	EventFinding     = "sqlsight.finding"
	MetricRequests   = "sqlsight.explain.requests"
)

// Outcomes of the sqlsight.explain.requests counter.
const (
	OutcomeDone    = "done"
	OutcomeCached  = "cached"
	OutcomeDropped = "dropped"
	OutcomeError   = "error"
	OutcomeSkipped = "skipped"
)

// instruments are the Sampler's metrics, with the attribute options built
// once so that counting allocates nothing of ours.
type instruments struct {
	requests metric.Int64Counter
	options  map[string][]metric.AddOption
}

func newInstruments(mp metric.MeterProvider) *instruments {
	m := mp.Meter(instrumentationName)
	c, err := m.Int64Counter(MetricRequests,
		metric.WithDescription("EXPLAIN requests by outcome: done, cached, dropped, error, skipped"),
		metric.WithUnit("{request}"))
	if err != nil {
		c = nil
	}
	in := &instruments{requests: c, options: map[string][]metric.AddOption{}}
	for _, o := range []string{OutcomeDone, OutcomeCached, OutcomeDropped, OutcomeError, OutcomeSkipped} {
		in.options[o] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", o)))}
	}
	return in
}

func (in *instruments) count(ctx context.Context, outcome string) {
	if in.requests != nil {
		in.requests.Add(ctx, 1, in.options[outcome]...)
	}
}

func systemAttr(d Dialect) attribute.KeyValue {
	switch d {
	case MySQL:
		return semconv.DBSystemNameMySQL
	case MariaDB:
		return semconv.DBSystemNameMariaDB
	case PostgreSQL:
		return semconv.DBSystemNamePostgreSQL
	case SQLite:
		return semconv.DBSystemNameSQLite
	}
	return semconv.DBSystemNameKey.String(string(d))
}

// planAttributes summarises a plan on its span.
func planAttributes(p *Plan) []attribute.KeyValue {
	attrs := []attribute.KeyValue{
		AttrPlan.String(p.Text),
		AttrFormat.String(p.Format),
	}
	if a := p.AccessTypes(); len(a) > 0 {
		attrs = append(attrs, AttrAccessTypes.StringSlice(a))
	}
	if r := p.RowsEstimate(); r >= 0 {
		attrs = append(attrs, AttrRowsEstimate.Float64(r))
	}
	if t := p.Tables(); len(t) > 0 {
		attrs = append(attrs, AttrTables.StringSlice(t))
	}
	if ix := p.IndexesUsed(); len(ix) > 0 {
		attrs = append(attrs, AttrIndexes.StringSlice(ix))
	}
	if p.UsesFilesort {
		attrs = append(attrs, AttrFilesort.Bool(true))
	}
	if p.UsesTemporary {
		attrs = append(attrs, AttrTemporary.Bool(true))
	}
	return attrs
}

// addFindings writes findings on the span the way sqltrace does, for use
// without a hook.
func addFindings(span trace.Span, findings []Finding) {
	if len(findings) == 0 {
		return
	}
	kinds := make([]string, 0, len(findings))
	for _, f := range findings {
		if !contains(kinds, f.Kind) {
			kinds = append(kinds, f.Kind)
		}
		attrs := []attribute.KeyValue{
			attribute.String("kind", f.Kind),
			attribute.String("message", f.Message),
			attribute.String("suggestion", f.Suggestion),
		}
		if f.Table != "" {
			attrs = append(attrs, attribute.String("table", f.Table))
		}
		if len(f.Columns) > 0 {
			attrs = append(attrs, attribute.StringSlice("columns", f.Columns))
		}
		span.AddEvent(EventFinding, trace.WithAttributes(attrs...))
	}
	span.SetAttributes(AttrFindings.StringSlice(kinds))
}

// errorClass names an explain failure without its message: driver errors
// can quote the statement's values.
func errorClass(err error) string {
	switch {
	case errors.Is(err, ErrUnsafe):
		return "unsafe"
	case errors.Is(err, ErrMissingArgs):
		return "missing_args"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, ErrNoPlan):
		return "no_plan"
	case errors.Is(err, ErrUnknownDialect):
		return "unknown_dialect"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, errNoConnector):
		return "no_connector"
	case errors.Is(err, ErrInternal):
		return "internal"
	}
	s := err.Error()
	if strings.Contains(s, "context deadline exceeded") || strings.Contains(s, "canceling statement due to") {
		return "timeout"
	}
	return "driver_error"
}

func setError(span trace.Span, err error) {
	class := errorClass(err)
	span.SetAttributes(semconv.ErrorTypeKey.String(class))
	span.SetStatus(codes.Error, "explain failed: "+class)
}
