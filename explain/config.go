package explain

import (
	"time"

	"github.com/sqlsight/sqlsight/internal/explainer"
)

// Option configures the background explains of
// [github.com/sqlsight/sqlsight/sqltrace.WithExplain]. An AnalyzeOption is
// an Option too.
type Option = explainer.Option

// AnalyzeOption changes what Analyze (and the background explains) find in
// a plan: WithFullScanRows and WithKeyLookupRows.
type AnalyzeOption = explainer.AnalyzeOption

// WithQueueSize sets how many statements may wait for a worker; statements
// beyond it are dropped (and counted). Default 256.
func WithQueueSize(n int) Option { return explainer.WithQueueSize(n) }

// WithWorkers sets the number of workers. They share a pool of at most two
// connections. Default 1.
func WithWorkers(n int) Option { return explainer.WithWorkers(n) }

// WithRateLimit sets how many statements per second may be explained, with
// bursts of up to burst (a burst below 1 means ceil(perSecond)). Values of
// perSecond that are not positive are ignored. Default 5 per second.
func WithRateLimit(perSecond float64, burst int) Option {
	return explainer.WithRateLimit(perSecond, burst)
}

// WithDedupeTTL sets how long a fingerprint's verdict (or failure) stands
// before the statement may be explained again. Default 10 minutes.
func WithDedupeTTL(d time.Duration) Option { return explainer.WithDedupeTTL(d) }

// WithTimeout bounds each EXPLAIN (and the catalog look-ups that go with
// it). Default 2 seconds.
func WithTimeout(d time.Duration) Option { return explainer.WithTimeout(d) }

// WithCacheSize bounds the number of fingerprints whose verdicts are kept.
// Default 4096.
func WithCacheSize(n int) Option { return explainer.WithCacheSize(n) }

// WithCacheBytes bounds the bytes the cached verdicts hold, counted by
// what they reach (plan tree, texts, findings). A verdict larger than an
// eighth of a cache shard's share is kept without its plan tree and raw
// output. Default 16 MiB.
func WithCacheBytes(n int) Option { return explainer.WithCacheBytes(n) }

// WithMaxQueueBytes bounds the bytes the statements waiting for a worker
// hold in all, counting arguments by what they reach (an 8 MB []int64
// counts 8 MB); statements beyond it are dropped (and counted). One
// statement may hold at most 64 KiB. Default 4 MiB.
func WithMaxQueueBytes(n int) Option { return explainer.WithMaxQueueBytes(n) }

// WithAnalyze makes the background explains run the statement itself, to
// read actual row counts and timings: EXPLAIN (ANALYZE, FORMAT JSON) on
// PostgreSQL, ANALYZE FORMAT=JSON on MariaDB. ANALYZE executes the
// statement: turn it on knowingly. Exactly this runs, on a connection of
// explain's own pool:
//
//  1. BEGIN a READ ONLY transaction (database/sql's TxOptions.ReadOnly).
//  2. Prepare the EXPLAIN ANALYZE text (one statement: the server refuses a
//     second) and execute it with the statement's original arguments bound.
//  3. ROLLBACK, whatever happened.
//  4. Close the connection: what a rollback does not undo ends with the
//     session (advisory locks, GET_LOCK, user variables, temporary tables).
//     The catalog look-ups that follow use another connection.
//
// Only statements that every other rule lets EXPLAIN run and that the
// classification calls analyzable are analyzed: a SELECT (or WITH ... SELECT)
// that modifies nothing, with no INTO (a table, MySQL OUTFILE, DUMPFILE or
// variables), no FOR UPDATE/SHARE or other locking read, and calling only
// functions on the allow-list of side-effect-free built-ins. Everything else
// (UPDATE, DELETE, INSERT ... SELECT), MySQL, SQLite and PostgreSQL generic
// plans are explained without ANALYZE. A function with effects outside the
// database that the allow-list was widened to accept is run by ANALYZE.
func WithAnalyze() Option { return explainer.WithAnalyze() }

// WithRawPlans keeps the literal values in plans (conditions, sort keys and
// Plan.Raw). By default they are redacted before a plan leaves the worker.
func WithRawPlans() Option { return explainer.WithRawPlans() }

// WithMaxPlanBytes bounds the size of the sqlsight.explain.plan attribute.
// Default 8 KiB.
func WithMaxPlanBytes(n int) Option { return explainer.WithMaxPlanBytes(n) }

// WithPureFunctions declares functions free of side effects and of costs
// beyond the statement's own, so that statements calling them are
// explained. By default a statement is explained only when every function
// it calls is a built-in one known to be harmless (aggregates, string,
// date, math, JSON and conditional functions, casts); any other call, a
// user-defined function included, makes it skipped, because EXPLAIN may
// evaluate it (MariaDB evaluates stored functions; PostgreSQL's planner
// folds stable and immutable ones) and WithAnalyze runs it.
//
// Names are matched as the statement writes them, lower-cased (PostgreSQL
// keeps a quoted name's case) and qualified when the statement qualifies
// them: WithPureFunctions("slugify", "app.price_with_tax").
func WithPureFunctions(names ...string) Option { return explainer.WithPureFunctions(names...) }

// WithFullScanRows sets the row estimate from which a full scan is reported
// (and a sort without index, where rows are known). Default 1000.
func WithFullScanRows(rows float64) AnalyzeOption { return explainer.WithFullScanRows(rows) }

// WithKeyLookupRows sets the row estimate from which an index read that
// fetches each row from the table (PostgreSQL Index Scan or Bitmap Heap
// Scan, MySQL index access without "Using index") is reported as
// key_lookups. Default 1000.
func WithKeyLookupRows(rows float64) AnalyzeOption { return explainer.WithKeyLookupRows(rows) }

// WithSuggestionMinCostDrop sets the share (0 < share ≤ 1) of the
// statement's estimated cost a suggested index must save, as the planner
// sees it with the index created hypothetically (PostgreSQL with the hypopg
// extension), for the suggestion to be kept and marked verified
// (Finding.Verified). Default 0.5 (50 %).
func WithSuggestionMinCostDrop(share float64) Option {
	return explainer.WithSuggestionMinCostDrop(share)
}
