// Package sqltracetest helps users' tests assert what sqlsight sees: an
// in-memory recorder of spans and findings wired in one call, and
// RequireNoFindings, which fails a test that runs an N+1 loop, a loop of
// single-row writes or another finding — Bullet's "raise" mode for Go.
//
//	rec := sqltracetest.New(t)
//	db, _ := sqltrace.Open("sqlite", dsn, rec.Options()...)
//	runTheCodeUnderTest(db)
//	sqltracetest.RequireNoFindings(t, rec)
//
// Findings a test accepts on purpose are let through with [AllowKind],
// [AllowSummary] or [AllowFingerprint]; the recorded spans and metrics are
// in the [Recorder]'s fields for assertions of one's own.
//
// Plan findings (an unindexed IN lookup, a full scan) come from EXPLAINs run
// in the background; RequireNoFindings first waits for those the test's
// statements started (Recorder.Settle), so they fail the test every time.
//
// Query budgets pin how many statements a code path runs, like Django's
// assertNumQueries: a change that turns one query into a loop fails the
// test with the list of statements, their counts and where they ran.
//
//	m := rec.Mark()
//	loadCart(ctx, db)
//	sqltracetest.RequireMaxQueries(t, rec, 2, sqltracetest.Since(m))
//	sqltracetest.RequireQueries(t, rec, 1, sqltracetest.InSpan(requestCtx))
package sqltracetest
