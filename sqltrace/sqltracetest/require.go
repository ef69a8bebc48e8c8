package sqltracetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// Allow exempts findings from RequireNoFindings.
type Allow func(sqltrace.Finding) bool

// AllowKind exempts every finding of the given kinds.
func AllowKind(kinds ...sqltrace.Kind) Allow {
	return func(f sqltrace.Finding) bool {
		for _, k := range kinds {
			if f.Kind == k {
				return true
			}
		}
		return false
	}
}

// AllowFingerprint exempts the statements with the given fingerprints (the
// sqlsight.query.fingerprint attribute).
func AllowFingerprint(fingerprints ...string) Allow {
	return func(f sqltrace.Finding) bool {
		for _, fp := range fingerprints {
			if f.Fingerprint == fp {
				return true
			}
		}
		return false
	}
}

// AllowSummary exempts statements by db.query.summary, e.g. "SELECT label".
func AllowSummary(summaries ...string) Allow {
	return func(f sqltrace.Finding) bool {
		for _, s := range summaries {
			if f.Summary == s {
				return true
			}
		}
		return false
	}
}

// RequireNoFindings fails the test with every finding the recorder holds
// that no Allow exempts: its message, its suggestion and where it came from.
// It first waits (see Recorder.Settle, at most SettleTimeout) for the
// EXPLAINs the test's statements started, so that a plan finding such as
// an unindexed IN lookup fails the test every time.
func RequireNoFindings(t testing.TB, r *Recorder, allow ...Allow) {
	t.Helper()
	r.settle(t)
	var report []string
	for _, f := range r.Findings() {
		allowed := false
		for _, a := range allow {
			if a(f.Finding) {
				allowed = true
				break
			}
		}
		if allowed {
			continue
		}
		where := f.Caller
		if where == "" {
			where = "statement " + f.Fingerprint
		}
		report = append(report, fmt.Sprintf("%s at %s: %s\n    fix: %s", f.Kind, where, f.Message, f.Suggestion))
	}
	if len(report) > 0 {
		t.Fatalf("sqlsight found %d problem(s):\n  %s", len(report), strings.Join(report, "\n  "))
	}
}
