// Package vocab declares every name of sqlsight's telemetry contract once:
// the attribute keys, span and event names, finding kinds, EXPLAIN reasons
// and outcomes, and metric names that sqltrace, explain, resource, the
// console exporter and the tests write or read. Dashboards, alert rules and
// users' code match on these strings, so they change only on purpose; the
// contract with the meaning of each is docs/TELEMETRY.md.
//
// The database semantic conventions (db.*, server.*, error.type) come from
// go.opentelemetry.io/otel/semconv and are not repeated here, except the
// names of the semconv metrics sqlsight reports.
package vocab

import "go.opentelemetry.io/otel/attribute"

// Instrumentation scope names, one per package that creates telemetry.
const (
	ScopeSQLTrace = "github.com/sqlsight/sqlsight/sqltrace"
	ScopeExplain  = "github.com/sqlsight/sqlsight/explain"
	ScopeResource = "github.com/sqlsight/sqlsight/resource"
	ScopeProcess  = "github.com/sqlsight/sqlsight/exporters/process"
)

// Attributes of a statement span, set by sqltrace.
const (
	// AttrFingerprint is the statement text with its literals replaced by
	// "?" and IN lists collapsed: one value per query shape (string). The
	// EXPLAIN span carries it too.
	AttrFingerprint = attribute.Key("sqlsight.query.fingerprint")
	// AttrDriverTimeMS is the time spent in the driver call, in
	// milliseconds (float64); for queries it excludes reading the rows.
	AttrDriverTimeMS = attribute.Key("sqlsight.driver_time_ms")
	// AttrRowsAffected is the driver's RowsAffected for Exec (int64).
	AttrRowsAffected = attribute.Key("sqlsight.rows_affected")
	// AttrConcurrentStatements is the number of traced statements in
	// flight when this one started, itself included (int64): the CPU and
	// heap deltas below are shared with that many statements at most.
	AttrConcurrentStatements = attribute.Key("sqlsight.concurrent_statements")
)

// Attributes of the process-wide deltas on statement spans and on the
// spans of resource.Track.
const (
	// AttrCPUUserMS is the process user CPU time consumed meanwhile, in
	// milliseconds (float64).
	AttrCPUUserMS = attribute.Key("sqlsight.cpu.user_ms")
	// AttrCPUSystemMS is the process system CPU time consumed meanwhile,
	// in milliseconds (float64).
	AttrCPUSystemMS = attribute.Key("sqlsight.cpu.system_ms")
	// AttrHeapAllocBytes is the Go heap bytes the process allocated
	// meanwhile (int64).
	AttrHeapAllocBytes = attribute.Key("sqlsight.mem.heap_alloc_bytes")
)

// Attributes of findings on the span of the statement (or EXPLAIN) that
// raised them.
const (
	// AttrFindings lists the kinds of the findings of this execution
	// (string slice, each kind once).
	AttrFindings = attribute.Key("sqlsight.findings")
	// AttrNPlusOneCount is how many times this fingerprint has run in the
	// current scope, from the second execution on (int).
	AttrNPlusOneCount = attribute.Key("sqlsight.n_plus_one.count")
	// AttrSuggestion is the fix of the first finding that has one
	// (string).
	AttrSuggestion = attribute.Key("sqlsight.suggestion")
	// AttrIndexTable and AttrIndexColumns name the index a finding
	// suggests creating (string, string slice).
	AttrIndexTable   = attribute.Key("sqlsight.index.table")
	AttrIndexColumns = attribute.Key("sqlsight.index.columns")
	// AttrIndexTableRows is the estimated row count of the table the
	// suggested index is built on (float64): what building it reads.
	AttrIndexTableRows = attribute.Key("sqlsight.index.table_rows")

	// AttrSuggestionVerified says whether the planner checked the
	// suggested index (bool, on index findings only: unindexed_in,
	// full_scan, sort_without_index, key_lookups): true when PostgreSQL
	// with hypopg planned the statement with the index hypothetically
	// created and its estimated cost dropped enough; false otherwise.
	AttrSuggestionVerified = attribute.Key("sqlsight.suggestion.verified")
	// AttrSuggestionCostBefore and AttrSuggestionCostAfter are the
	// planner's estimated total cost of the statement without and with the
	// index (float64), when the planner was asked.
	AttrSuggestionCostBefore = attribute.Key("sqlsight.suggestion.cost_before")
	AttrSuggestionCostAfter  = attribute.Key("sqlsight.suggestion.cost_after")
	// AttrSuggestionPlan is the plan with the hypothetical index, redacted
	// like AttrExplainPlan (string, on the EXPLAIN span of a verified
	// suggestion only).
	AttrSuggestionPlan = attribute.Key("sqlsight.suggestion.plan")
)

// The finding span event and its attributes.
const (
	// EventFinding is added once per finding, when it is first raised.
	EventFinding = "sqlsight.finding"

	EventAttrKind       = attribute.Key("kind")       // the finding's Kind
	EventAttrMessage    = attribute.Key("message")    // what is wrong, one sentence
	EventAttrSuggestion = attribute.Key("suggestion") // the fix
	EventAttrTable      = attribute.Key("table")      // the table concerned, when known
	EventAttrColumns    = attribute.Key("columns")    // the columns concerned, when known
)

// The EXPLAIN span: a child of the statement span, named SpanExplain or
// SpanExplain + " " + the statement's db.query.summary.
const (
	SpanExplain = "EXPLAIN"

	// AttrExplainReason is why the statement was explained (a Reason).
	AttrExplainReason = attribute.Key("sqlsight.explain.reason")
	// AttrExplainPlan is the plan as the database printed it, redacted
	// of literals (string).
	AttrExplainPlan = attribute.Key("sqlsight.explain.plan")
	// AttrExplainFormat is the plan's format: "json" (MySQL, MariaDB,
	// PostgreSQL), "tabular" (old MySQL) or "eqp" (SQLite's EXPLAIN QUERY
	// PLAN) (string).
	AttrExplainFormat = attribute.Key("sqlsight.explain.format")
	// AttrExplainAccessTypes lists the access types of the plan's nodes
	// (string slice, e.g. ALL, ref, Seq Scan).
	AttrExplainAccessTypes = attribute.Key("sqlsight.explain.access_types")
	// AttrExplainRowsEstimate is the planner's estimate of rows examined
	// (float64).
	AttrExplainRowsEstimate = attribute.Key("sqlsight.explain.rows_estimate")
	// AttrExplainTables and AttrExplainIndexes list the tables read and
	// the indexes used (string slices).
	AttrExplainTables  = attribute.Key("sqlsight.explain.tables")
	AttrExplainIndexes = attribute.Key("sqlsight.explain.indexes")
	// AttrExplainUsesFilesort and AttrExplainUsesTemporary are set (true)
	// when the plan sorts without an index or builds a temporary table.
	AttrExplainUsesFilesort  = attribute.Key("sqlsight.explain.uses_filesort")
	AttrExplainUsesTemporary = attribute.Key("sqlsight.explain.uses_temporary")
	// AttrExplainHookPanic is set ("recovered") when the findings hook
	// panicked; the panic does not reach the application.
	AttrExplainHookPanic = attribute.Key("sqlsight.explain.hook_panic")
	// AttrExplainSkipReason says why the worker refused the statement (a
	// SkipReason) when the EXPLAIN span ends as skipped.
	AttrExplainSkipReason = attribute.Key("sqlsight.explain.skip_reason")
)

// Kind names a class of finding: the value of AttrFindings, EventAttrKind
// and MetricAttrKind.
type Kind string

// The finding kinds. The first three come from counting executions in a
// scope, slow_query from the driver time, the others from EXPLAIN plans;
// the last four suggest an index (SuggestsIndex).
const (
	KindNPlusOne            Kind = "n_plus_one"
	KindRepeatedWrite       Kind = "repeated_write"
	KindDuplicateQuery      Kind = "duplicate_query"
	KindSlowQuery           Kind = "slow_query"
	KindUnindexedIn         Kind = "unindexed_in"
	KindFullScan            Kind = "full_scan"
	KindSortWithoutIndex    Kind = "sort_without_index"
	KindPartitionsNotPruned Kind = "partitions_not_pruned"
	KindKeyLookups          Kind = "key_lookups"
)

// Kinds lists every finding kind, in the order above.
var Kinds = [...]Kind{
	KindNPlusOne, KindRepeatedWrite, KindDuplicateQuery, KindSlowQuery,
	KindUnindexedIn, KindFullScan, KindSortWithoutIndex, KindPartitionsNotPruned,
	KindKeyLookups,
}

// Reason says why a statement was handed to EXPLAIN: the value of
// AttrExplainReason.
type Reason string

const (
	ReasonSlow          Reason = "slow"           // its driver time reached the slow threshold
	ReasonNPlusOne      Reason = "n_plus_one"     // it was found running in an N+1 loop
	ReasonRepeatedWrite Reason = "repeated_write" // a single-row UPDATE/DELETE ran in a loop
	ReasonInLookup      Reason = "in_lookup"      // it looks rows up with IN (...) or = ANY(...)
)

// SkipReason says why a statement was not explained: the value of
// AttrExplainSkipReason and of MetricAttrReason on
// MetricExplainRequests{outcome="skipped"}. The set is closed, so that the
// metric's cardinality is bounded.
type SkipReason string

const (
	SkipMultipleStatements SkipReason = "multiple_statements" // the text holds (or may hold) more than one statement
	SkipFunction           SkipReason = "function"            // it calls a function not known to be free of side effects and cost
	SkipDDL                SkipReason = "ddl"                 // a schema change (CREATE, ALTER, DROP, ...)
	SkipStatementKind      SkipReason = "statement_kind"      // neither SELECT, UPDATE, DELETE nor INSERT ... SELECT
	SkipUnreadable         SkipReason = "unreadable"          // a text that cannot be read with certainty
	SkipTooLarge           SkipReason = "too_large"           // text and arguments over the per-statement bound
	SkipNoFile             SkipReason = "no_file"             // an SQLite database that is not a file (in memory)
	SkipClosed             SkipReason = "closed"              // submitted after the sampler closed
	SkipUnsafe             SkipReason = "unsafe"              // refused for another reason
)

// SkipReasons lists every skip reason, in the order above.
var SkipReasons = [...]SkipReason{
	SkipMultipleStatements, SkipFunction, SkipDDL, SkipStatementKind,
	SkipUnreadable, SkipTooLarge, SkipNoFile, SkipClosed, SkipUnsafe,
}

// Outcome is what became of an EXPLAIN request: the value of
// MetricAttrOutcome on MetricExplainRequests.
type Outcome string

const (
	OutcomeDone    Outcome = "done"    // explained; the plan is on the EXPLAIN span
	OutcomeCached  Outcome = "cached"  // the fingerprint was explained recently, or is being explained
	OutcomeDropped Outcome = "dropped" // the rate limit or the full queue turned it away, or the database closed first
	OutcomeError   Outcome = "error"   // EXPLAIN failed; error.type on the span says why
	OutcomeSkipped Outcome = "skipped" // not explainable: unsafe or too large text, a closed sampler, an unsupported statement
)

// Outcomes lists every outcome, in the order above.
var Outcomes = [...]Outcome{OutcomeDone, OutcomeCached, OutcomeDropped, OutcomeError, OutcomeSkipped}

// Values of error.type on a failed EXPLAIN span. They name the failure
// without its message, which can quote the statement's values.
const (
	ExplainErrorUnsafe         = "unsafe"
	ExplainErrorMissingArgs    = "missing_args"
	ExplainErrorTimeout        = "timeout"
	ExplainErrorCanceled       = "canceled"
	ExplainErrorNoPlan         = "no_plan"
	ExplainErrorUnknownDialect = "unknown_dialect"
	ExplainErrorTooLarge       = "too_large"
	ExplainErrorNoConnector    = "no_connector"
	ExplainErrorNoFile         = "no_file"
	ExplainErrorInternal       = "internal"
	ExplainErrorDriver         = "driver_error"
)

// Metric names and the attributes sqlsight adds to them.
const (
	// MetricFindings counts findings (Int64Counter, {finding}) by
	// MetricAttrKind and db.query.summary.
	MetricFindings = "sqlsight.findings"
	// MetricExplainRequests counts EXPLAIN requests (Int64Counter,
	// {request}) by MetricAttrOutcome.
	MetricExplainRequests = "sqlsight.explain.requests"

	MetricAttrKind    = attribute.Key("kind")    // a Kind
	MetricAttrOutcome = attribute.Key("outcome") // an Outcome
	MetricAttrReason  = attribute.Key("reason")  // a SkipReason, with OutcomeSkipped only

	// The database client metrics of the semantic conventions that
	// sqltrace reports.
	MetricOperationDuration  = "db.client.operation.duration"     // Float64Histogram, s
	MetricReturnedRows       = "db.client.response.returned_rows" // Int64Histogram, {row}
	MetricConnectionCount    = "db.client.connection.count"       // by db.client.connection.state idle|used
	MetricConnectionMax      = "db.client.connection.max"
	MetricConnectionWaits    = "db.client.connection.wait_count"
	MetricConnectionWaitTime = "db.client.connection.wait_time" // s

	// The process metrics exporters/process adds to the contrib host and
	// runtime instrumentation.
	MetricProcessCPUUtilization = "process.cpu.utilization" // Float64 gauge, 1, by cpu.mode user|system
	MetricProcessMemoryUsage    = "process.memory.usage"    // resident set size, By
)
