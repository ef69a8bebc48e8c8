package explainer

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

const instrumentationName = vocab.ScopeExplain

// Attribute keys of the EXPLAIN span, its finding events and its metric,
// named in internal/vocab (docs/TELEMETRY.md).
const (
	AttrPlan         = vocab.AttrExplainPlan
	AttrAccessTypes  = vocab.AttrExplainAccessTypes
	AttrRowsEstimate = vocab.AttrExplainRowsEstimate
	AttrTables       = vocab.AttrExplainTables
	AttrIndexes      = vocab.AttrExplainIndexes
	AttrReason       = vocab.AttrExplainReason
	AttrFormat       = vocab.AttrExplainFormat
	AttrFilesort     = vocab.AttrExplainUsesFilesort
	AttrTemporary    = vocab.AttrExplainUsesTemporary
	AttrFingerprint  = vocab.AttrFingerprint
	AttrSkipReason   = vocab.AttrExplainSkipReason
	AttrFindings     = vocab.AttrFindings
	EventFinding     = vocab.EventFinding
	MetricRequests   = vocab.MetricExplainRequests
)

// Outcomes of the sqlsight.explain.requests counter.
const (
	OutcomeDone    = string(vocab.OutcomeDone)
	OutcomeCached  = string(vocab.OutcomeCached)
	OutcomeDropped = string(vocab.OutcomeDropped)
	OutcomeError   = string(vocab.OutcomeError)
	OutcomeSkipped = string(vocab.OutcomeSkipped)
)

// Reasons of a skipped request: the "reason" attribute of
// sqlsight.explain.requests{outcome="skipped"} and the
// sqlsight.explain.skip_reason attribute of the EXPLAIN span. The set is
// closed, so the metric's cardinality is bounded.
const (
	// SkipMultipleStatements: the text holds (or may hold) more than one
	// statement, or the database found a second one.
	SkipMultipleStatements = string(vocab.SkipMultipleStatements)
	// SkipFunction: the statement calls a function that is not known to be
	// free of side effects and cost.
	SkipFunction = string(vocab.SkipFunction)
	// SkipDDL: a schema change (CREATE, ALTER, DROP, ...).
	SkipDDL = string(vocab.SkipDDL)
	// SkipStatementKind: a statement that is neither a SELECT, UPDATE,
	// DELETE nor INSERT ... SELECT (a plain INSERT, SET, CALL, ...).
	SkipStatementKind = string(vocab.SkipStatementKind)
	// SkipUnreadable: a text explain cannot read with certainty
	// (unterminated string or comment, executable comment, ...).
	SkipUnreadable = string(vocab.SkipUnreadable)
	// SkipTooLarge: text and arguments over the per-statement bound.
	SkipTooLarge = string(vocab.SkipTooLarge)
	// SkipNoFile: an SQLite database that is not a file (in memory).
	SkipNoFile = string(vocab.SkipNoFile)
	// SkipClosed: submitted after Close.
	SkipClosed = string(vocab.SkipClosed)
	// SkipUnsafe: refused for another reason.
	SkipUnsafe = string(vocab.SkipUnsafe)
)

// skipReason names why err refused query, from the closed set above. The
// refusals come from several layers (the text rules, the server, the
// SQLite tail check), so it reads their messages rather than their types.
func skipReason(err error, query string) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errFunction):
		return SkipFunction
	case errors.Is(err, ErrTooLarge):
		return SkipTooLarge
	case errors.Is(err, errSQLiteNoFile):
		return SkipNoFile
	case errors.Is(err, errSQLiteTail):
		return SkipMultipleStatements
	}
	msg := strings.ToLower(err.Error())
	switch {
	case strings.Contains(msg, "more than one statement"), strings.Contains(msg, "semicolon"),
		strings.Contains(msg, ";"), strings.Contains(msg, "multiple statements"):
		return SkipMultipleStatements
	case strings.Contains(msg, "function"):
		return SkipFunction
	case strings.Contains(msg, "only select"), strings.Contains(msg, "statement kind"):
		if isDDL(query) {
			return SkipDDL
		}
		return SkipStatementKind
	case strings.Contains(msg, "unterminated"), strings.Contains(msg, "comment"), strings.Contains(msg, "lexer"),
		strings.Contains(msg, "unbalanced"), strings.Contains(msg, "empty statement"), strings.Contains(msg, "too long"),
		strings.Contains(msg, "reading the statement"), strings.Contains(msg, "end of the statement"):
		return SkipUnreadable
	}
	return SkipUnsafe
}

// isDDL reports whether the first word of q (after spaces and opening
// parentheses) starts a schema change.
func isDDL(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n(")
	end := strings.IndexFunc(q, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') })
	if end < 0 {
		end = len(q)
	}
	switch strings.ToUpper(q[:end]) {
	case "CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME", "GRANT", "REVOKE", "COMMENT", "REINDEX", "VACUUM":
		return true
	}
	return false
}

// instruments are the Sampler's metrics, with the attribute options built
// once so that counting allocates nothing of ours.
type instruments struct {
	requests metric.Int64Counter
	options  map[string][]metric.AddOption
	skipped  map[string][]metric.AddOption // by reason
}

func newInstruments(mp metric.MeterProvider) *instruments {
	m := mp.Meter(instrumentationName)
	c, err := m.Int64Counter(MetricRequests,
		metric.WithDescription("EXPLAIN requests by outcome: done, cached, dropped, error, skipped (with a reason)"),
		metric.WithUnit("{request}"))
	if err != nil {
		c = nil
	}
	in := &instruments{requests: c, options: map[string][]metric.AddOption{}, skipped: map[string][]metric.AddOption{}}
	for _, o := range vocab.Outcomes {
		in.options[string(o)] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
			vocab.MetricAttrOutcome.String(string(o))))}
	}
	for _, r := range vocab.SkipReasons {
		in.skipped[string(r)] = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
			vocab.MetricAttrOutcome.String(OutcomeSkipped), vocab.MetricAttrReason.String(string(r))))}
	}
	return in
}

// count adds one request; reason is read for the skipped outcome only.
func (in *instruments) count(ctx context.Context, outcome, reason string) {
	if in.requests == nil {
		return
	}
	if outcome == OutcomeSkipped {
		opts, ok := in.skipped[reason]
		if !ok {
			opts = in.skipped[SkipUnsafe]
		}
		in.requests.Add(ctx, 1, opts...)
		return
	}
	in.requests.Add(ctx, 1, in.options[outcome]...)
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
// without a hook: the kinds, an event per finding, and the suggestion, the
// index and whether the planner verified it from the first finding with a
// suggestion.
func addFindings(span trace.Span, findings []Finding) {
	if len(findings) == 0 {
		return
	}
	kinds := make([]string, 0, len(findings))
	for _, f := range findings {
		if !contains(kinds, string(f.Kind)) {
			kinds = append(kinds, string(f.Kind))
		}
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
		span.AddEvent(EventFinding, trace.WithAttributes(attrs...))
	}
	attrs := []attribute.KeyValue{AttrFindings.StringSlice(kinds)}
	for _, f := range findings {
		if f.Suggestion == "" {
			continue
		}
		attrs = append(attrs, vocab.AttrSuggestion.String(f.Suggestion))
		if f.Table != "" && len(f.Columns) > 0 {
			attrs = append(attrs, vocab.AttrIndexTable.String(f.Table), vocab.AttrIndexColumns.StringSlice(f.Columns))
		}
		attrs = f.suggestion().AppendAttributes(attrs)
		if f.Verified && f.PlanWithIndex != "" {
			attrs = append(attrs, vocab.AttrSuggestionPlan.String(f.PlanWithIndex))
		}
		break
	}
	span.SetAttributes(attrs...)
}

// errorClass names an explain failure without its message: driver errors
// can quote the statement's values.
func errorClass(err error) string {
	switch {
	case errors.Is(err, ErrUnsafe):
		return vocab.ExplainErrorUnsafe
	case errors.Is(err, ErrMissingArgs):
		return vocab.ExplainErrorMissingArgs
	case errors.Is(err, context.DeadlineExceeded):
		return vocab.ExplainErrorTimeout
	case errors.Is(err, context.Canceled):
		return vocab.ExplainErrorCanceled
	case errors.Is(err, ErrNoPlan):
		return vocab.ExplainErrorNoPlan
	case errors.Is(err, ErrUnknownDialect):
		return vocab.ExplainErrorUnknownDialect
	case errors.Is(err, ErrTooLarge):
		return vocab.ExplainErrorTooLarge
	case errors.Is(err, errNoConnector):
		return vocab.ExplainErrorNoConnector
	case errors.Is(err, errSQLiteNoFile):
		return vocab.ExplainErrorNoFile
	case errors.Is(err, ErrInternal):
		return vocab.ExplainErrorInternal
	}
	s := err.Error()
	if strings.Contains(s, "context deadline exceeded") || strings.Contains(s, "canceling statement due to") {
		return vocab.ExplainErrorTimeout
	}
	return vocab.ExplainErrorDriver
}

func setError(span trace.Span, err error) {
	class := errorClass(err)
	span.SetAttributes(semconv.ErrorTypeKey.String(class))
	span.SetStatus(codes.Error, "explain failed: "+class)
}
