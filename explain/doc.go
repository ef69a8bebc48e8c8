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
// Safety comes first, in layers that do not trust each other:
//
//   - Text rules: only SELECT, UPDATE, DELETE and INSERT ... SELECT are
//     explained, never DDL, never a text that may hold a second statement
//     or that the lexer cannot read with certainty.
//   - The server enforces one statement: EXPLAIN always goes through an
//     explicitly prepared statement on explain's own pool (MySQL/MariaDB
//     COM_STMT_PREPARE, PostgreSQL Parse/Bind), whatever the application's
//     driver does for its own queries (multiStatements, interpolateParams,
//     lib/pq's simple protocol, pgx's simple_protocol mode), so a second
//     statement is a server error, never an execution. On SQLite exactly one
//     statement is compiled and a text with a tail is refused before it runs.
//   - SQLite: explain's connection is read-only and opened on the database
//     file, never with the application's DSN. In rollback-journal modes it
//     is immutable (it takes no lock at all) and is opened for one explain
//     and closed after it; in WAL mode one is kept open (readers never block
//     writers, and it spares the application WAL recovery). Either way it
//     never makes an application write fail with SQLITE_BUSY, whatever the
//     application's DSN.
//   - ANALYZE only on request (WithAnalyze), only for statements classed as
//     analyzable, inside a read-only transaction that is rolled back, on a
//     connection closed afterwards.
//   - Bounds in bytes: a statement's text and arguments (counted by what
//     they reach), the queue as a whole, the verdict cache.
//
// A statement refused by any layer is counted as skipped, with a reason,
// in the sqlsight.explain.requests metric.
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
