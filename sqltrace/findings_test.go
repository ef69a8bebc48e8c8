package sqltrace_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// kinds returns the kinds of the findings rec recorded, in order.
func kinds(rec *sqltracetest.Recorder) []sqltrace.Kind {
	var out []sqltrace.Kind
	for _, f := range rec.Findings() {
		out = append(out, f.Kind)
	}
	return out
}

func spanKinds(s sdktrace.ReadOnlySpan) []string {
	v, ok := attr(s, "sqlsight.findings")
	if !ok {
		return nil
	}
	return v.AsStringSlice()
}

// numbers creates a table of ids 0..19 to look rows up in: a statement
// that reads no table is a catalog lookup, which the detectors ignore.
func numbers(t testing.TB, db *sql.DB) string {
	t.Helper()
	name := table(t, db, "fd_num", "id INT PRIMARY KEY")
	for i := range 20 {
		if _, err := db.ExecContext(context.Background(), "INSERT INTO "+name+" (id) VALUES (?)", i); err != nil {
			t.Fatal(err)
		}
	}
	return name
}

func detectorBackends() []backend { return []backend{sqliteBackend(), mysqlBackend()} }

func TestDetectors(t *testing.T) {
	for _, b := range detectorBackends() {
		t.Run(b.name, func(t *testing.T) {
			tel, rec := newRecorded(t)
			// Slow detection off: a loaded CI machine can make one fsync slow.
			db := b.open(t, rec.Options(sqltrace.WithSlowThreshold(0))...)
			ctx := context.Background()
			label := table(t, db, "fd_label", "id INT PRIMARY KEY, name VARCHAR(32)")
			for i := range 20 {
				if _, err := db.ExecContext(ctx, "INSERT INTO "+label+" (id, name) VALUES (?, ?)", i, fmt.Sprint("l", i)); err != nil {
					t.Fatal(err)
				}
			}
			selectLabel := "SELECT * FROM " + label + " WHERE id = ?"
			tracer := tel.tp.Tracer("app")

			lookups := func(n int, sameArg bool) {
				pctx, parent := tracer.Start(ctx, "request")
				defer parent.End()
				for i := range n {
					id := i
					if sameArg {
						id = 1
					}
					var name string
					if err := db.QueryRowContext(pctx, selectLabel, id).Scan(&id, &name); err != nil {
						t.Fatal(err)
					}
				}
			}

			t.Run("n+1 from the 5th lookup", func(t *testing.T) {
				tel.reset()
				rec.Reset()
				lookups(20, false)
				spans := tel.ended("SELECT " + label)
				if len(spans) != 20 {
					t.Fatalf("%d spans", len(spans))
				}
				for i, s := range spans {
					flagged := slices.Contains(spanKinds(s), "n_plus_one")
					if flagged != (i >= 4) {
						t.Errorf("lookup %d: flagged=%v", i+1, flagged)
					}
					c, ok := attr(s, "sqlsight.n_plus_one.count")
					if ok != (i > 0) || (ok && c.AsInt64() != int64(i+1)) {
						t.Errorf("lookup %d: count %v (set %v); set from the 2nd execution on", i+1, c.AsInt64(), ok)
					}
				}
				if got := kinds(rec); !slices.Equal(got, []sqltrace.Kind{sqltrace.KindNPlusOne}) {
					t.Fatalf("delivered %v, want one n_plus_one", got)
				}
				f := rec.Findings()[0]
				if f.Count != 5 || !strings.Contains(f.Suggestion, "IN (") || f.Table != label || !f.SpanContext.IsValid() {
					t.Errorf("finding %+v", f)
				}
				if sug, _ := attr(spans[4], "sqlsight.suggestion"); !strings.Contains(sug.AsString(), "IN (") {
					t.Errorf("suggestion attribute %q", sug.AsString())
				}
				events := 0
				for _, s := range spans {
					for _, e := range s.Events() {
						if e.Name == "sqlsight.finding" {
							events++
						}
					}
				}
				if events != 1 {
					t.Errorf("%d finding events, want 1", events)
				}
			})

			t.Run("4 lookups are no n+1", func(t *testing.T) {
				rec.Reset()
				lookups(4, false)
				if k := kinds(rec); len(k) != 0 {
					t.Fatalf("findings %v", k)
				}
			})

			t.Run("duplicate query", func(t *testing.T) {
				rec.Reset()
				lookups(2, true)
				if k := kinds(rec); !slices.Equal(k, []sqltrace.Kind{sqltrace.KindDuplicateQuery}) {
					t.Fatalf("findings %v, want duplicate_query", k)
				}
			})

			t.Run("repeated single-row insert", func(t *testing.T) {
				rec.Reset()
				items := table(t, db, "fd_item", "id INT, v INT")
				pctx, parent := tracer.Start(ctx, "request")
				for i := range 20 {
					if _, err := db.ExecContext(pctx, "INSERT INTO "+items+" (id, v) VALUES (?, ?)", i, i); err != nil {
						t.Fatal(err)
					}
				}
				parent.End()
				got := kinds(rec)
				if !slices.Equal(got, []sqltrace.Kind{sqltrace.KindRepeatedWrite}) {
					t.Fatalf("findings %v, want repeated_write", got)
				}
				if !strings.Contains(rec.Findings()[0].Suggestion, "VALUES (...), (...)") {
					t.Errorf("suggestion %q", rec.Findings()[0].Suggestion)
				}

				rec.Reset()
				pctx, parent = tracer.Start(ctx, "request")
				if _, err := db.ExecContext(pctx, "INSERT INTO "+items+" (id, v) VALUES (?, ?), (?, ?), (?, ?)", 1, 1, 2, 2, 3, 3); err != nil {
					t.Fatal(err)
				}
				parent.End()
				if k := kinds(rec); len(k) != 0 {
					t.Fatalf("multi-row insert raised %v", k)
				}
			})

			t.Run("concurrent parents do not mix", func(t *testing.T) {
				rec.Reset()
				var wg sync.WaitGroup
				for range 50 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						pctx, parent := tracer.Start(ctx, "request")
						defer parent.End()
						for i := range 3 {
							var id int
							var name string
							if err := db.QueryRowContext(pctx, selectLabel, i).Scan(&id, &name); err != nil {
								t.Error(err)
							}
						}
					}()
				}
				wg.Wait()
				if k := kinds(rec); len(k) != 0 {
					t.Fatalf("findings %v from 50 parents of 3 lookups", k)
				}
			})

			t.Run("select, update and insert loops", func(t *testing.T) {
				rec.Reset()
				data := table(t, db, "fd_data", "data_id INT PRIMARY KEY, label VARCHAR(16)")
				review := table(t, db, "fd_review", "data_id INT, label VARCHAR(16)")
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i := range 1000 {
					if _, err := tx.ExecContext(sqltrace.Scope(ctx), "INSERT INTO "+data+" (data_id, label) VALUES (?, 'a')", i); err != nil {
						t.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				rec.Reset()
				pctx, parent := tracer.Start(ctx, "save review")
				tx, err = db.BeginTx(pctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i := range 1000 {
					var label string
					if err := tx.QueryRowContext(pctx, "SELECT label FROM "+data+" WHERE data_id = ?", i).Scan(&label); err != nil {
						t.Fatal(err)
					}
					if _, err := tx.ExecContext(pctx, "UPDATE "+data+" SET label = ? WHERE data_id = ?", "b", i); err != nil {
						t.Fatal(err)
					}
					if _, err := tx.ExecContext(pctx, "INSERT INTO "+review+" (data_id, label) VALUES (?, ?)", i, "b"); err != nil {
						t.Fatal(err)
					}
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				parent.End()
				got := kinds(rec)
				slices.Sort(got)
				want := []sqltrace.Kind{sqltrace.KindNPlusOne, sqltrace.KindRepeatedWrite, sqltrace.KindRepeatedWrite}
				if !slices.Equal(got, want) {
					t.Fatalf("findings %v, want %v", got, want)
				}
			})
		})
	}
}

func TestFindingsReachMetricsAndLogs(t *testing.T) {
	tel := newTelemetry(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	db := sqliteBackend().open(t, tel.options(sqltrace.WithLogger(logger))...)
	nums := numbers(t, db)
	ctx := sqltrace.Scope(context.Background()) // no tracing: an explicit scope
	for i := range 10 {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT id + 1 FROM "+nums+" WHERE id = ?", i).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	if c := strings.Count(buf.String(), `"kind":"n_plus_one"`); c != 1 {
		t.Fatalf("logged %d n_plus_one findings, want 1:\n%s", c, buf.String())
	}
	var total int64
	for _, sm := range tel.metrics(t).ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "sqlsight.findings" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				if k, _ := dp.Attributes.Value("kind"); k.AsString() == "n_plus_one" {
					total += dp.Value
				}
			}
		}
	}
	if total != 1 {
		t.Fatalf("sqlsight.findings{kind=n_plus_one} = %d, want 1", total)
	}
}

// TestUnsampledStillDetects: findings feed alerts, so they do not depend
// on sampling.
func TestUnsampledStillDetects(t *testing.T) {
	tel, rec := newRecorded(t)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(tel.spans))
	defer tp.Shutdown(context.Background())
	db := sqliteBackend().open(t, rec.Options(sqltrace.WithTracerProvider(tp))...)
	nums := numbers(t, db)
	pctx, parent := tp.Tracer("app").Start(context.Background(), "request")
	for i := range 6 {
		var n int
		if err := db.QueryRowContext(pctx, "SELECT id + 1 FROM "+nums+" WHERE id = ?", i).Scan(&n); err != nil {
			t.Fatal(err)
		}
	}
	parent.End()
	if k := kinds(rec); !slices.Equal(k, []sqltrace.Kind{sqltrace.KindNPlusOne}) {
		t.Fatalf("findings %v", k)
	}
	if n := len(tel.spans.Ended()); n != 0 {
		t.Fatalf("%d spans recorded under an unsampled parent", n)
	}
}
