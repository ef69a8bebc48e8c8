// Package explain runs EXPLAIN in the background for statements that look
// suspicious, reads the plan and says what is wrong with it and how to fix
// it: an IN lookup on a column with no index, a large full scan, a sort that
// no index serves, a partitioned table read without its partition key.
//
// A Sampler receives statements from the hot path through Submit, which never
// blocks: the statement is dropped when the per-fingerprint dedupe, the global
// rate limit or the bounded queue says so. A small worker pool runs EXPLAIN on
// a pool of its own (at most two connections opened from the unwrapped
// connector, so it is never traced and never takes the application's
// connections or transaction), with the original arguments as bind
// parameters, a timeout per statement, and a cache of verdicts (including
// failures) by fingerprint. Each explain becomes a span "EXPLAIN <summary>"
// under the statement's span, carrying the plan with its literals redacted.
//
// Safety comes first: only SELECT, UPDATE, DELETE and INSERT ... SELECT are
// explained, never a text holding more than one statement, never DDL, and
// ANALYZE only on request and only for SELECT, inside a read-only
// transaction that is rolled back.
//
// Plans of MySQL 8, MariaDB, PostgreSQL and SQLite are read into one model
// (Plan and Node); Analyze turns a plan into findings and is a pure function,
// and Query explains one statement for tests and one-off use.
package explain
