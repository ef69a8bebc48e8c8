// Package explain reads query plans: it runs EXPLAIN for statements that
// look suspicious, reads the plan of MySQL 8, MariaDB, PostgreSQL or SQLite
// into one model, and says what is wrong and how to fix it — an IN lookup
// on a column with no index, a large full scan, a sort no index serves, a
// partitioned table read without its partition key.
//
// Most programs never call it directly: sqltrace runs it in the background
// for slow statements, N+1 loops and IN lookups, and its options tune that
// through [github.com/sqlsight/sqlsight/sqltrace.WithExplain]:
//
//	db, err := sqltrace.Open("pgx", dsn,
//		sqltrace.WithExplain(explain.WithTimeout(2*time.Second), explain.WithRateLimit(1, 5)))
//
// To look at one statement's plan, in a test or a one-off tool, use [Query]
// and [Analyze]:
//
//	q := "SELECT reid FROM review WHERE n_review_id IN (?, ?)"
//	plan, err := explain.Query(ctx, db, q, 101, 102)
//	for _, f := range explain.Analyze(plan, explain.Statement{Query: q}) {
//		fmt.Println(f.Kind, f.Message, f.Suggestion)
//	}
//
// # Safety
//
// Only SELECT, UPDATE, DELETE and INSERT ... SELECT are explained, never a
// text holding more than one statement, never DDL; ANALYZE (which executes
// the statement) only with [WithAnalyze], only for SELECT, inside a
// read-only transaction that is rolled back. Plans put on spans have their
// literals redacted.
//
// # In the background
//
// A [Sampler] receives statements through Submit, which never blocks: a
// statement is dropped when the per-fingerprint dedupe, the global rate
// limit or the bounded queue says so. A small worker pool runs EXPLAIN on a
// pool of its own (at most two connections opened from the unwrapped
// connector, so it is never traced and never takes the application's
// connections or transaction), with the original arguments as bind
// parameters, a timeout per statement, and a cache of verdicts by
// fingerprint. Each explain becomes a span "EXPLAIN <summary>" under the
// statement's span; the attributes and the sqlsight.explain.requests
// metric are listed in docs/TELEMETRY.md.
package explain
