package sqltrace

import "go.opentelemetry.io/otel/trace"

// Kind names a class of finding. The values are part of the telemetry
// contract: they appear in the sqlsight.findings attribute and metric.
type Kind string

// The finding kinds sqlsight reports.
const (
	KindNPlusOne            Kind = "n_plus_one"
	KindRepeatedWrite       Kind = "repeated_write"
	KindDuplicateQuery      Kind = "duplicate_query"
	KindUnindexedIn         Kind = "unindexed_in"
	KindFullScan            Kind = "full_scan"
	KindSortWithoutIndex    Kind = "sort_without_index"
	KindPartitionsNotPruned Kind = "partitions_not_pruned"
	KindSlowQuery           Kind = "slow_query"
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
