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
	// KindKeyLookups is an index read that fetches many rows from the table
	// for a few columns: a covering index would answer from the index.
	KindKeyLookups = vocab.KindKeyLookups
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

	// The fields below describe the index a plan finding suggests.
	//
	// TableRows is the table's estimated row count (what building the
	// index reads), 0 when unknown.
	TableRows float64
	// Verified is true when the planner was asked (PostgreSQL with the
	// hypopg extension: the index created hypothetically) and the index
	// lowered the statement's estimated cost from CostBefore to CostAfter
	// by at least the share explain.WithSuggestionMinCostDrop sets.
	// PlanWithIndex is that plan, redacted like the plan. A suggestion the
	// planner refuted is advice, with the costs it saw and Verified false.
	Verified              bool
	CostBefore, CostAfter float64
	PlanWithIndex         string
}

// suggestion is what the telemetry says about f's suggested index.
func (f *Finding) suggestion() vocab.Suggestion {
	return vocab.Suggestion{Kind: f.Kind, Verified: f.Verified, CostBefore: f.CostBefore,
		CostAfter: f.CostAfter, TableRows: f.TableRows}
}
