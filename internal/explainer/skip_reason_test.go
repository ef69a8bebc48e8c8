package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

// skipped returns sqlsight.explain.requests{outcome="skipped"} by reason.
func (tel *telemetry) skipped(t testing.TB) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != MetricRequests {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				o, _ := dp.Attributes.Value("outcome")
				r, hasReason := dp.Attributes.Value("reason")
				if o.AsString() == OutcomeSkipped {
					if !hasReason {
						t.Errorf("skipped without a reason: %v", dp.Attributes)
					}
					out[r.AsString()] += dp.Value
				} else if hasReason {
					t.Errorf("reason on outcome %s", o.AsString())
				}
			}
		}
	}
	return out
}

func TestSkippedRequestsHaveAReason(t *testing.T) {
	checkLeaks(t)
	tel := newTelemetry(t)
	c, _ := newSQLite(t)
	s := New(c, SQLite, append(tel.options(), WithRateLimit(1e6, 1000))...)
	cases := []struct {
		query  string
		args   []driver.NamedValue
		reason string
	}{
		{"SELECT 1; SELECT 2", nil, SkipMultipleStatements},
		{"CREATE TABLE x (a int)", nil, SkipDDL},
		{"DROP TABLE x", nil, SkipDDL},
		{"INSERT INTO t VALUES (1)", nil, SkipStatementKind},
		{"SELECT 'unterminated", nil, SkipUnreadable},
		{"SELECT * FROM t WHERE b = ?", nv(make([]int64, maxStatementBytes/8)), SkipTooLarge},
	}
	want := map[string]int64{}
	for i, c := range cases {
		st := Statement{Query: c.query, Args: c.args, Fingerprint: fmt.Sprint("fp", i)}
		// Twice: the second time the refusal comes from the cache.
		for range 2 {
			if s.Submit(context.Background(), st) {
				t.Errorf("%q accepted", c.query)
			}
			want[c.reason]++
		}
	}
	s.Close()
	s.Submit(context.Background(), Statement{Query: "SELECT 1"})
	want[SkipClosed]++
	got := tel.skipped(t)
	for r, n := range want {
		if got[r] != n {
			t.Errorf("reason %s: %d, want %d (all: %v)", r, got[r], n, got)
		}
	}
}

// TestSQLiteMemorySkippedNoFile: the worker's refusal is a skip with its
// reason, on the metric and on the EXPLAIN span.
func TestSQLiteMemorySkippedNoFile(t *testing.T) {
	checkLeaks(t)
	tel := newTelemetry(t)
	c := sqliteConnector{dsn: "file:xsafe_reason?mode=memory&cache=shared"}
	app := sql.OpenDB(c)
	defer app.Close()
	mustExec(t, app, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
	s := New(c, SQLite, tel.options()...)
	defer s.Close()
	if !s.Submit(context.Background(), Statement{Query: "SELECT * FROM t WHERE v = ?", Args: nv(int64(1)), Fingerprint: "m"}) {
		t.Fatal("not queued")
	}
	testenv.WaitFor(t, 15*time.Second, func() bool { return s.Stats().Skipped == 1 }) // the skip
	if got := tel.skipped(t); got[SkipNoFile] != 1 {
		t.Errorf("skipped = %v, want no_file", got)
	}
	testenv.WaitFor(t, 15*time.Second, func() bool { return len(tel.explainSpans()) == 1 }) // the span
	if v, ok := attrOf(tel.explainSpans()[0], AttrSkipReason); !ok || v.AsString() != SkipNoFile {
		t.Errorf("span skip reason = %v", v)
	}
}
