// Package sqltrace traces a database/sql database: every statement becomes
// an OpenTelemetry CLIENT span following the stable database semantic
// conventions, with sqlsight's own attributes (fingerprint, driver time,
// CPU and heap deltas), and the problems sqlsight sees become findings: N+1
// loops, loops of single-row writes, duplicate and slow queries, and, from
// plans EXPLAINed in the background, unindexed IN lookups, full scans,
// sorts without an index and partitions not pruned.
//
// The wrap is one line, in place of sql.Open:
//
//	db, err := sqltrace.Open("pgx", dsn)
//
// or, for drivers configured through a connector, in place of sql.OpenDB:
//
//	db := sqltrace.OpenDB(connector)
//
// [WrapDriver], [WrapConnector] and [Register] cover code that registers or
// opens drivers itself; [RawConn] unwraps a connection for driver-specific
// calls. The application installs the OpenTelemetry SDK (see
// [github.com/sqlsight/sqlsight/exporters.Setup]); without
// [WithTracerProvider] and [WithMeterProvider] the global providers are used.
//
// # Findings
//
// Statements are counted per parent span: a handler that runs the same
// SELECT five times with different arguments under one request span raises
// an n_plus_one finding. Code without tracing opens a unit of work with
// [Scope]. Findings go on the statement's span (the sqlsight.findings
// attribute and a sqlsight.finding event), to the sqlsight.findings metric,
// to [WithFindingHandler] and, with [WithLogger], to a log record. Each
// carries the suggested fix: the CREATE INDEX statement, or how to batch.
// In tests, sqltracetest records them and fails on them.
//
// # Behaviour
//
// Errors from the driver are returned unchanged, contexts are honoured and
// the optional driver interfaces stay visible, so the wrapped driver
// behaves like the original one. The query text on spans is sanitized
// (literals replaced by "?") unless [WithQueryText] says otherwise; EXPLAIN
// runs on connections of its own, rate limited, never inside the
// application's transaction ([WithExplain], [WithoutExplain]).
// Interception is built on github.com/ngrok/sqlmw; where sqlmw falls short
// (connector wrapping, io.Closer, statement argument checking, drivers
// without Execer) a thin layer in this package takes over.
//
// Every attribute, event, finding kind and metric is listed with its
// meaning in docs/TELEMETRY.md.
package sqltrace
