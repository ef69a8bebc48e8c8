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
package sqltracetest
