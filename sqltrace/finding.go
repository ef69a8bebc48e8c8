package sqltrace

import (
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// Kind names a class of finding (explain.Kind is the same type). The values
// are part of the telemetry contract (docs/TELEMETRY.md): they appear in
// the sqlsight.findings attribute and metric and in the sqlsight.finding
// event, and alert rules match on them.
type Kind = vocab.Kind

// The finding kinds sqlsight reports.
const (
	KindNPlusOne            = vocab.KindNPlusOne
	KindRepeatedWrite       = vocab.KindRepeatedWrite
	KindDuplicateQuery      = vocab.KindDuplicateQuery
	KindUnindexedIn         = vocab.KindUnindexedIn
	KindFullScan            = vocab.KindFullScan
	KindSortWithoutIndex    = vocab.KindSortWithoutIndex
	KindPartitionsNotPruned = vocab.KindPartitionsNotPruned
	KindSlowQuery           = vocab.KindSlowQuery
)

// Finding is a problem sqlsight found with a statement, together with the
// fix it suggests.
type Finding struct {
	Kind        Kind
	Message     string
	Suggestion  string
	Fingerprint string
	Summary     string
	Table       string
	Columns     []string
	// Count is the number of executions of the fingerprint in its scope
	// when the finding was raised (detector findings only).
	Count int
	// SpanContext identifies the statement span that raised the finding.
	SpanContext trace.SpanContext
	// Location is where in the application the statement ran: for a
	// detector finding the execution that raised it, for a plan finding
	// the execution that was explained (or, for a later request, that
	// request's execution). Empty when unknown.
	Location Location
}
