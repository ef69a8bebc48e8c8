package sqltrace_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// TestExplainThroughWrapper: an IN lookup on an unindexed SQLite column is
// explained in the background; the finding arrives on an EXPLAIN span
// under the statement span, and later executions carry it synchronously.
func TestExplainThroughWrapper(t *testing.T) {
	rec := sqltracetest.New(t)
	db := sqliteBackend().open(t, rec.Options()...)
	ctx := context.Background()
	review := table(t, db, "ex_review", "id INTEGER PRIMARY KEY, n_review_id INT, reid TEXT")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		if _, err := tx.ExecContext(sqltrace.Scope(ctx), "INSERT INTO "+review+" (n_review_id, reid) VALUES (?, ?)", i, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	lookup := "SELECT n_review_id, reid FROM " + review + " WHERE n_review_id IN (?, ?, ?)"
	run := func() {
		rows, err := db.QueryContext(ctx, lookup, 1, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	run()
	f := rec.WaitForFinding(t, sqltrace.KindUnindexedIn, 10*time.Second)
	if f.Table != review || !slices.Equal(f.Columns, []string{"n_review_id"}) || !strings.Contains(f.Suggestion, "CREATE INDEX") {
		t.Fatalf("finding %+v", f)
	}
	// The finding is delivered inside the EXPLAIN span, which ends after.
	waitSpans(t, rec, "EXPLAIN SELECT "+review, 1)

	var query, explainSpan bool
	for _, s := range rec.Spans.Ended() {
		if s.Name() == "EXPLAIN SELECT "+review {
			explainSpan = true
			checkFindingEvent(t, s, review, []string{"n_review_id"})
			for _, q := range rec.Spans.Ended() {
				if q.Name() == "SELECT "+review && q.SpanContext().SpanID() == s.Parent().SpanID() {
					query = true
				}
			}
		}
	}
	if !explainSpan || !query {
		t.Fatalf("EXPLAIN span present=%v, child of the query span=%v", explainSpan, query)
	}

	run() // the verdict is cached now: the statement span carries it
	spans := rec.Spans.Ended()
	last := spans[len(spans)-1]
	if last.Name() != "SELECT "+review || !slices.Contains(spanKinds(last), "unindexed_in") {
		t.Fatalf("second execution %q carries %v", last.Name(), spanKinds(last))
	}
	if v, _ := attr(last, "sqlsight.index.table"); v.AsString() != review {
		t.Errorf("sqlsight.index.table = %q", v.AsString())
	}
	// SQLite has no planner to ask about a hypothetical index.
	if v, ok := attr(last, "sqlsight.suggestion.verified"); !ok || v.AsBool() {
		t.Errorf("sqlsight.suggestion.verified = %v (present %v), want false", v.Emit(), ok)
	}
	if _, ok := attr(last, "sqlsight.suggestion.cost_before"); ok {
		t.Error("a cost without the planner asked")
	}
}

// checkFindingEvent fails unless the span's sqlsight.finding event names
// the table and columns of the finding, as explain's own events do.
func checkFindingEvent(t *testing.T, s sdktrace.ReadOnlySpan, table string, columns []string) {
	t.Helper()
	for _, e := range s.Events() {
		if e.Name != sqltrace.EventFinding {
			continue
		}
		got := map[attribute.Key]attribute.Value{}
		for _, kv := range e.Attributes {
			got[kv.Key] = kv.Value
		}
		if got["table"].AsString() != table || !slices.Equal(got["columns"].AsStringSlice(), columns) {
			t.Errorf("finding event on %q: table %q columns %v, want %q %v", s.Name(),
				got["table"].AsString(), got["columns"].AsStringSlice(), table, columns)
		}
		return
	}
	t.Errorf("no %s event on %q", sqltrace.EventFinding, s.Name())
}
