package sqltrace_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/otel/attribute"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// TestVerifiedSuggestionOnSpans: what explain learnt about a suggested
// index (verified by the planner or not, the costs, the table's size)
// reaches the Finding, the EXPLAIN span, its finding event and the span of
// a later execution. PostgreSQL with hypopg verifies the scenario-1 lookup's
// index; the same server without hypopg leaves it unverified.
func TestVerifiedSuggestionOnSpans(t *testing.T) {
	dsn := testenv.PostgresDSN(t)
	for _, hypopg := range []bool{false, true} {
		name := map[bool]string{false: "without hypopg", true: "with hypopg"}[hypopg]
		t.Run(name, func(t *testing.T) {
			cfg, err := pgx.ParseConfig(dsn)
			if err != nil {
				t.Fatal(err)
			}
			if hypopg {
				cfg = hypopgDatabase(t, cfg)
			}
			raw := sql.OpenDB(stdlib.GetConnector(*cfg))
			t.Cleanup(func() { raw.Close() })
			var installed int
			if err := raw.QueryRow("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'").Scan(&installed); err != nil {
				t.Fatal(err)
			}
			if (installed == 1) != hypopg {
				t.Skipf("hypopg installed: %v", installed == 1)
			}
			review := table(t, raw, "sg_review", "reid BIGINT PRIMARY KEY, n_review_id BIGINT NOT NULL, label TEXT NOT NULL")
			for _, q := range []string{
				"INSERT INTO " + review + " SELECT g, g * 7, 'label-' || g FROM generate_series(1, 50000) g",
				"ANALYZE " + review,
			} {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
			}

			rec := sqltracetest.New(t)
			db := sqltrace.OpenDB(stdlib.GetConnector(*cfg), rec.Options()...)
			t.Cleanup(func() { db.Close() })
			lookup := "SELECT n_review_id, reid FROM " + review + " WHERE n_review_id IN ($1, $2, $3, $4, $5)"
			run := func() {
				rows, err := db.QueryContext(context.Background(), lookup, 700, 707, 714, 721, 728)
				if err != nil {
					t.Fatal(err)
				}
				rows.Close()
			}
			run()
			f := rec.WaitForFinding(t, sqltrace.KindUnindexedIn, 30*time.Second)
			t.Logf("%s: verified %v, cost %.1f → %.1f, table rows %.0f", f.Suggestion, f.Verified, f.CostBefore, f.CostAfter, f.TableRows)
			if f.Verified != hypopg || !strings.HasPrefix(f.Suggestion, "CREATE INDEX CONCURRENTLY") ||
				hypopg && (f.CostAfter <= 0 || f.CostBefore < 20*f.CostAfter || f.PlanWithIndex == "") {
				t.Errorf("finding %+v", f.Finding)
			}
			if err := rec.Settle(context.Background()); err != nil {
				t.Fatal(err)
			}
			// Settled means delivered, inside the EXPLAIN span; it ends after.
			waitSpans(t, rec, "EXPLAIN SELECT "+review, 1)

			var explainSpan, event, later map[attribute.Key]attribute.Value
			for _, s := range rec.Spans.Ended() {
				if s.Name() != "EXPLAIN SELECT "+review {
					continue
				}
				explainSpan = attrMap(s.Attributes())
				for _, e := range s.Events() {
					if e.Name == sqltrace.EventFinding {
						event = attrMap(e.Attributes)
					}
				}
			}
			run() // the verdict is cached: the statement span carries it
			spans := rec.Spans.Ended()
			later = attrMap(spans[len(spans)-1].Attributes())
			for where, attrs := range map[string]map[attribute.Key]attribute.Value{
				"EXPLAIN span": explainSpan, "finding event": event, "later statement span": later,
			} {
				checkSuggestion(t, where, attrs, hypopg)
			}
			if plan := explainSpan["sqlsight.suggestion.plan"].AsString(); hypopg != strings.Contains(plan, "btree_"+review) {
				t.Errorf("sqlsight.suggestion.plan on the EXPLAIN span: %q", plan)
			}
			if _, ok := later["sqlsight.suggestion.plan"]; ok {
				t.Error("the plan with the index on a statement span")
			}
		})
	}
}

func attrMap(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := make(map[attribute.Key]attribute.Value, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

func checkSuggestion(t *testing.T, where string, attrs map[attribute.Key]attribute.Value, verified bool) {
	t.Helper()
	if attrs == nil {
		t.Errorf("no %s", where)
		return
	}
	v, ok := attrs["sqlsight.suggestion.verified"]
	if !ok || v.Type() != attribute.BOOL || v.AsBool() != verified {
		t.Errorf("%s: sqlsight.suggestion.verified = %s (present %v), want %v", where, v.Emit(), ok, verified)
	}
	if rows := attrs["sqlsight.index.table_rows"].AsFloat64(); rows < 40000 || rows > 60000 {
		t.Errorf("%s: sqlsight.index.table_rows = %v, want about 50,000", where, rows)
	}
	before, after := attrs["sqlsight.suggestion.cost_before"].AsFloat64(), attrs["sqlsight.suggestion.cost_after"].AsFloat64()
	if verified != (after > 0 && before >= 20*after) {
		t.Errorf("%s: cost %v → %v (verified %v)", where, before, after, verified)
	}
}

// hypopgDatabase returns cfg for <database>_hypopg, a database of the same
// server with the hypopg extension (created as explain's tests do, so that
// the application database of other tests never has it); it skips when
// the server has no hypopg to install.
func hypopgDatabase(t *testing.T, cfg *pgx.ConnConfig) *pgx.ConnConfig {
	t.Helper()
	db := sql.OpenDB(stdlib.GetConnector(*cfg))
	defer db.Close()
	var available int
	if err := db.QueryRow("SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'").Scan(&available); err != nil || available == 0 {
		t.Skipf("no hypopg on this server (%v)", err)
	}
	h := cfg.Copy()
	h.Database += "_hypopg"
	if _, err := db.Exec(`CREATE DATABASE "` + h.Database + `"`); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
	hdb := sql.OpenDB(stdlib.GetConnector(*h))
	defer hdb.Close()
	// Tests of other packages may create it at the same moment.
	if _, err := hdb.Exec("CREATE EXTENSION IF NOT EXISTS hypopg"); err != nil && !strings.Contains(err.Error(), "already exists") &&
		!strings.Contains(err.Error(), "duplicate key") {
		t.Fatal(err)
	}
	return h
}
