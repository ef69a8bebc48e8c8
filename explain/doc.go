// Package explain reads query plans: it runs EXPLAIN for statements that
// look suspicious, reads the plan of MySQL 8, MariaDB, PostgreSQL or SQLite
// into one model, and says what is wrong and how to fix it — an IN lookup
// on a column with no index, a large full scan, a sort no index serves, a
// partitioned table read without its partition key, many rows fetched for
// a few columns a covering index could hold.
//
// Most programs never call it directly: sqltrace runs it in the background
// for slow statements, N+1 loops and IN lookups, reports what it finds as
// findings, and takes this package's options through
// [github.com/sqlsight/sqlsight/sqltrace.WithExplain]:
//
//	db, err := sqltrace.Open("pgx", dsn,
//		sqltrace.WithExplain(explain.WithTimeout(2*time.Second), explain.WithRateLimit(1, 5)))
//
// To look at one statement's plan, in a test or a one-off tool, use [Query]
// and [Analyze]:
//
//	q := "SELECT reid FROM review WHERE n_review_id IN (?, ?)"
//	plan, err := explain.Query(ctx, db, q, 101, 102)
//	for _, f := range explain.Analyze(plan, q) {
//		fmt.Println(f.Kind, f.Message, f.Suggestion)
//	}
//
// # In the background
//
// Under sqltrace, a statement offered for explaining never waits: it is
// dropped when the same statement (by fingerprint) was explained recently
// or is being explained, when the rate limit (WithRateLimit) or the bounded
// queue (WithQueueSize, WithMaxQueueBytes) says so. A worker (WithWorkers)
// runs EXPLAIN on a pool of explain's own, at most two connections opened
// from the unwrapped connector, so it is never traced and never takes the
// application's connections or transaction; the original arguments are
// bound as parameters, each explain has a timeout (WithTimeout), and
// verdicts are cached by fingerprint (WithDedupeTTL, WithCacheSize,
// WithCacheBytes). Each explain becomes a span "EXPLAIN <summary>" under
// the statement's span; its attributes and the sqlsight.explain.requests
// metric are listed in docs/TELEMETRY.md. On PostgreSQL with the hypopg
// extension, an index suggestion is checked by the planner with the index
// created hypothetically before it is reported (WithSuggestionMinCostDrop).
//
// # Safety
//
// Safety comes first, in layers that do not trust each other:
//
//   - Text rules: only SELECT, UPDATE, DELETE and INSERT ... SELECT are
//     explained, never DDL, never a text that may hold a second statement
//     or that the lexer cannot read with certainty, never a statement that
//     calls a function not known to be free of side effects
//     (WithPureFunctions widens the list).
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
// in the sqlsight.explain.requests metric; Query returns it as an error
// (ErrUnsafe, or the server's own for a second statement it found).
package explain
