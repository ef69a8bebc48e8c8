package sqltracetest

import (
	"context"
	"strings"
	"testing"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// fatalTB records a failure instead of stopping the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper()                        {}
func (f *fatalTB) Fatalf(format string, _ ...any) { f.msg = format }

// TestQueryLogBound: the list of statements stops at maxQueries, and the
// budgets then fail rather than count a partial list.
func TestQueryLogBound(t *testing.T) {
	defer func(n int) { maxQueries = n }(maxQueries)
	maxQueries = 3
	rec := New(t)
	tracer := rec.TracerProvider.Tracer(sqltraceScope)
	for range 5 {
		_, span := tracer.Start(context.Background(), "SELECT t")
		span.SetAttributes(sqltrace.AttrFingerprint.String("SELECT a FROM t"))
		span.End()
	}
	if n := len(rec.Queries()); n != 3 {
		t.Fatalf("%d statements listed, want maxQueries = 3", n)
	}
	if m := rec.Mark(); m.n != 5 {
		t.Fatalf("Mark = %d, want 5 (the statements past the bound count)", m.n)
	}
	fake := &fatalTB{TB: t}
	RequireMaxQueries(fake, rec, 100)
	if !strings.Contains(fake.msg, "more than") {
		t.Fatalf("a budget over a truncated list passed: %q", fake.msg)
	}
}
