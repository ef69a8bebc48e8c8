package sqltrace_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// findingsCount is the sqlsight.findings counter for one kind.
func findingsCount(t *testing.T, tel *telemetry, kind sqltrace.Kind) int64 {
	var total int64
	for _, sm := range tel.metrics(t).ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "sqlsight.findings" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				if k, _ := dp.Attributes.Value("kind"); k.AsString() == string(kind) {
					total += dp.Value
				}
			}
		}
	}
	return total
}

// request runs fn under a new parent span, the unit findings count in.
func request(tel *telemetry, fn func(ctx context.Context)) trace.SpanContext {
	ctx, span := tel.tp.Tracer("app").Start(context.Background(), "request")
	defer span.End()
	fn(ctx)
	return span.SpanContext()
}

func mustExec(t *testing.T, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, ctx context.Context, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(ctx, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func mustRead(t *testing.T, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, ctx context.Context, query string, args ...any) {
	t.Helper()
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	for rows.Next() {
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestValuesInTheText: applications (and bun) that format values into
// the SQL send no arguments; the literals are their values.
// loopLine is the line of the lookup loop below.
const loopLine = 99

func TestValuesInTheText(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			tel, rec := newRecorded(t)
			// mustRead and mustExec are this test's data-access layer: skip
			// them, so that locations point at the loops.
			db := b.open(t, rec.Options(sqltrace.WithSlowThreshold(0),
				sqltrace.WithCallerSkip("github.com/sqlsight/sqlsight/sqltrace_test.must"))...)
			label := table(t, db, "fv_label", "id INT PRIMARY KEY, name VARCHAR(32)")
			for i := range 20 {
				mustExec(t, db, context.Background(), fmt.Sprintf("INSERT INTO %s (id, name) VALUES (%d, 'l%d')", label, i, i))
			}

			t.Run("a loop of literal lookups is an n+1, not a duplicate", func(t *testing.T) {
				rec.Reset()
				tel.reset()
				request(tel, func(ctx context.Context) {
					for i := range 20 {
						mustRead(t, db, ctx, fmt.Sprintf("SELECT name FROM %s WHERE id = %d", label, i)) // loopLine
					}
				})
				if got := kinds(rec); !slices.Equal(got, []sqltrace.Kind{sqltrace.KindNPlusOne}) {
					t.Fatalf("findings %v, want one n_plus_one", got)
				}
				loc := rec.Findings()[0].Location
				if !strings.HasSuffix(loc.File, "findings_trust_test.go") || loc.Line != loopLine ||
					!strings.Contains(loc.Function, "TestValuesInTheText") {
					t.Fatalf("location %+v, want this test's loop", loc)
				}
				spans := tel.ended("SELECT " + label)
				fn, ok := attr(spans[4], "code.function.name")
				file, _ := attr(spans[4], "code.file.path")
				line, _ := attr(spans[4], "code.line.number")
				if !ok || fn.AsString() != loc.Function || file.AsString() != loc.File || line.AsInt64() != int64(loc.Line) {
					t.Errorf("span raising the finding: code.* = %v %v %v, want %+v", fn, file, line, loc)
				}
				if _, ok := attr(spans[5], "code.function.name"); ok {
					t.Error("a span that delivers nothing carries code.* attributes")
				}
			})

			t.Run("the same literal text twice is a duplicate", func(t *testing.T) {
				rec.Reset()
				request(tel, func(ctx context.Context) {
					for range 2 {
						mustRead(t, db, ctx, fmt.Sprintf("SELECT name FROM %s WHERE id = %d", label, 7))
					}
				})
				if got := kinds(rec); !slices.Equal(got, []sqltrace.Kind{sqltrace.KindDuplicateQuery}) {
					t.Fatalf("findings %v, want duplicate_query", got)
				}
			})

			t.Run("a loop of literal inserts is one repeated write", func(t *testing.T) {
				rec.Reset()
				items := table(t, db, "fv_item", "id INT, v INT")
				request(tel, func(ctx context.Context) {
					for i := range 20 {
						mustExec(t, db, ctx, fmt.Sprintf("INSERT INTO %s (id, v) VALUES (%d, %d)", items, i, i*i))
					}
				})
				if got := kinds(rec); !slices.Equal(got, []sqltrace.Kind{sqltrace.KindRepeatedWrite}) {
					t.Fatalf("findings %v, want one repeated_write", got)
				}
			})
		})
	}
}

// TestLoopsAreOneCallStack: five single inserts into one table from five
// places of a request are not a loop (Prosopite's rule); the same five
// from one loop are.
func TestLoopsAreOneCallStack(t *testing.T) {
	tel, rec := newRecorded(t)
	db := sqliteBackend().open(t, rec.Options(sqltrace.WithSlowThreshold(0))...)
	audit := table(t, db, "fl_audit", "id INT, what VARCHAR(16)")
	insert := "INSERT INTO " + audit + " (id, what) VALUES (?, ?)"
	request(tel, func(ctx context.Context) {
		if _, err := db.ExecContext(ctx, insert, 1, "created"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, insert, 2, "priced"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, insert, 3, "stocked"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, insert, 4, "shipped"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, insert, 5, "billed"); err != nil {
			t.Fatal(err)
		}
	})
	if got := kinds(rec); len(got) != 0 {
		t.Fatalf("five inserts from five places: %v", got)
	}
	request(tel, func(ctx context.Context) {
		for i, what := range []string{"created", "priced", "stocked", "shipped", "billed"} {
			if _, err := db.ExecContext(ctx, insert, i, what); err != nil {
				t.Fatal(err)
			}
		}
	})
	if got := kinds(rec); !slices.Equal(got, []sqltrace.Kind{sqltrace.KindRepeatedWrite}) {
		t.Fatalf("five inserts from one loop: %v, want repeated_write", got)
	}
}

// TestDuplicatesOnlyWhereReuseIsRight: a read repeated after a write to
// its table or after a transaction ended may see other data; a write
// repeated is a retry, not a duplicate.
func TestDuplicatesOnlyWhereReuseIsRight(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			tel, rec := newRecorded(t)
			db := b.open(t, rec.Options(sqltrace.WithSlowThreshold(0))...)
			acct := table(t, db, "fq_acct", "id INT PRIMARY KEY, v INT")
			other := table(t, db, "fq_other", "id INT PRIMARY KEY, v INT")
			mustExec(t, db, context.Background(), "INSERT INTO "+acct+" (id, v) VALUES (1, 1)")
			ph1, ph2 := b.ph(1), b.ph(2)
			read := "SELECT v FROM " + acct + " WHERE id = " + ph1
			update := "UPDATE " + acct + " SET v = " + ph1 + " WHERE id = " + ph2

			for _, c := range []struct {
				name string
				run  func(ctx context.Context)
				want []sqltrace.Kind
			}{
				{"update retried after rollback", func(ctx context.Context) {
					for _, commit := range []bool{false, true} {
						tx, err := db.BeginTx(ctx, nil)
						if err != nil {
							t.Fatal(err)
						}
						mustExec(t, tx, ctx, update, 5, 1)
						if commit {
							err = tx.Commit()
						} else {
							err = tx.Rollback()
						}
						if err != nil {
							t.Fatal(err)
						}
					}
				}, nil},
				{"row re-read after the request updated it", func(ctx context.Context) {
					mustRead(t, db, ctx, read, 1)
					mustExec(t, db, ctx, update, 6, 1)
					mustRead(t, db, ctx, read, 1)
				}, nil},
				{"row re-read after a rollback", func(ctx context.Context) {
					tx, err := db.BeginTx(ctx, nil)
					if err != nil {
						t.Fatal(err)
					}
					mustRead(t, tx, ctx, read, 1)
					if err := tx.Rollback(); err != nil {
						t.Fatal(err)
					}
					mustRead(t, db, ctx, read, 1)
				}, nil},
				{"the same insert twice", func(ctx context.Context) {
					mustExec(t, db, ctx, "INSERT INTO "+other+" (id, v) VALUES (3, 3)")
					mustExec(t, db, ctx, "DELETE FROM "+other+" WHERE id = 3")
					mustExec(t, db, ctx, "INSERT INTO "+other+" (id, v) VALUES (3, 3)")
				}, nil},
				{"a write to another table changes nothing", func(ctx context.Context) {
					mustRead(t, db, ctx, read, 1)
					mustExec(t, db, ctx, "DELETE FROM "+other+" WHERE id = "+ph1, 99)
					mustRead(t, db, ctx, read, 1)
				}, []sqltrace.Kind{sqltrace.KindDuplicateQuery}},
			} {
				t.Run(c.name, func(t *testing.T) {
					rec.Reset()
					request(tel, c.run)
					if got := kinds(rec); !slices.Equal(got, c.want) {
						t.Fatalf("findings %v, want %v", got, c.want)
					}
				})
			}
		})
	}
}

// TestCatalogsAreNotTheApplication: ORMs read the system catalogs in
// loops (AutoMigrate, schema creation); those reads are theirs to make.
func TestCatalogsAreNotTheApplication(t *testing.T) {
	t.Run("postgresql pg_description per column", func(t *testing.T) {
		tel, rec := newRecorded(t)
		db := postgresBackend().open(t, rec.Options(sqltrace.WithSlowThreshold(0))...)
		request(tel, func(ctx context.Context) {
			for i := range 20 {
				mustRead(t, db, ctx, "SELECT description FROM pg_catalog.pg_description WHERE objsubid = "+
					"(SELECT ordinal_position FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3) "+
					"AND objoid = (SELECT oid FROM pg_catalog.pg_class WHERE relname = $4)", "public", "t", fmt.Sprint("c", i), "t")
			}
		})
		if got := kinds(rec); len(got) != 0 {
			t.Fatalf("findings %v on catalog lookups", got)
		}
	})
	t.Run("mariadb", func(t *testing.T) {
		tel, rec := newRecorded(t)
		db := mysqlBackend().open(t, rec.Options(sqltrace.WithSlowThreshold(0))...)
		request(tel, func(ctx context.Context) {
			for range 2 {
				mustRead(t, db, ctx, "SELECT DATABASE()")
			}
			for range 6 {
				mustRead(t, db, ctx, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (?, ?)", "a", "b")
			}
		})
		// A lookup the sampler does explain, after the catalog one: with
		// its one worker, EXPLAIN spans end in submission order.
		plain := table(t, db, "fc_plain", "id INT, v INT")
		mustRead(t, db, context.Background(), "SELECT v FROM "+plain+" WHERE v IN (?, ?)", 1, 2)
		testenv.WaitFor(t, 10*time.Second, func() bool { return len(tel.ended("EXPLAIN SELECT "+plain)) == 1 }) // the EXPLAIN of a plain IN lookup
		if got := kinds(rec); len(got) != 0 && !slices.Equal(got, []sqltrace.Kind{sqltrace.KindUnindexedIn}) {
			t.Fatalf("findings %v on catalog lookups", got)
		}
		for _, s := range tel.spans.Ended() {
			if strings.Contains(s.Name(), "information_schema") && strings.HasPrefix(s.Name(), "EXPLAIN") {
				t.Fatalf("catalog lookup explained: %s %v", s.Name(), spanKinds(s))
			}
		}
	})
}

// unindexedLookup makes a table whose IN lookup on n_review_id the
// sampler flags unindexed_in, and returns the table and the lookup.
func unindexedLookup(t *testing.T, b backend, db *sql.DB) (tableName, lookup string) {
	t.Helper()
	ctx := sqltrace.Scope(context.Background())
	switch b.name {
	case "postgresql":
		tableName = table(t, db, "fp_review", "id BIGSERIAL PRIMARY KEY, n_review_id BIGINT NOT NULL, reid TEXT NOT NULL")
		mustExec(t, db, ctx, "INSERT INTO "+tableName+" (n_review_id, reid) SELECT i, 'r' || i FROM generate_series(1, 30000) AS i")
		mustExec(t, db, ctx, "ANALYZE "+tableName)
		return tableName, "SELECT n_review_id, reid FROM " + tableName + " WHERE n_review_id IN ($1, $2, $3)"
	case "mariadb":
		tableName = table(t, db, "fp_review", "id BIGINT AUTO_INCREMENT PRIMARY KEY, n_review_id BIGINT NOT NULL, reid VARCHAR(32) NOT NULL")
		mustExec(t, db, ctx, "INSERT INTO "+tableName+" (n_review_id, reid) SELECT seq, CONCAT('r', seq) FROM seq_1_to_30000")
	default:
		tableName = table(t, db, "fp_review", "id INTEGER PRIMARY KEY, n_review_id INT, reid TEXT")
		mustExec(t, db, ctx, "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000) "+
			"INSERT INTO "+tableName+" (n_review_id, reid) SELECT i, 'r' || i FROM s")
	}
	return tableName, "SELECT n_review_id, reid FROM " + tableName + " WHERE n_review_id IN (?, ?, ?)"
}

// waitKinds waits until the handler received n findings.
func waitKinds(t *testing.T, rec *sqltracetest.Recorder, n int) []sqltrace.Kind {
	t.Helper()
	if !testenv.Eventually(10*time.Second, func() bool { return len(kinds(rec)) >= n }) {
		t.Fatalf("timed out waiting for %d findings", n)
	}
	return kinds(rec)
}

// TestPlanFindingsReachEveryRequest: a plan finding is delivered once per
// parent span, like a detector finding, to every request that runs the
// flagged statement.
func TestPlanFindingsReachEveryRequest(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			tel, rec := newRecorded(t)
			db := b.open(t, rec.Options(sqltrace.WithSlowThreshold(0))...)
			review, lookup := unindexedLookup(t, b, db)

			first := request(tel, func(ctx context.Context) { mustRead(t, db, ctx, lookup, 1, 2, 3) })
			if got := waitKinds(t, rec, 1); !slices.Equal(got, []sqltrace.Kind{sqltrace.KindUnindexedIn}) {
				t.Fatalf("findings %v, want unindexed_in", got)
			}
			f := rec.Findings()[0]
			if f.SpanContext.TraceID() != first.TraceID() || !strings.HasSuffix(f.Location.File, "findings_trust_test.go") {
				t.Errorf("first delivery: trace %s (want %s), location %+v", f.SpanContext.TraceID(), first.TraceID(), f.Location)
			}

			second := request(tel, func(ctx context.Context) {
				mustRead(t, db, ctx, lookup, 4, 5, 6)
				mustRead(t, db, ctx, lookup, 7, 8, 9) // the same request: delivered once
			})
			got := kinds(rec)
			if !slices.Equal(got, []sqltrace.Kind{sqltrace.KindUnindexedIn, sqltrace.KindUnindexedIn}) {
				t.Fatalf("findings %v, want unindexed_in for each of two requests", got)
			}
			if g := rec.Findings()[1]; g.SpanContext.TraceID() != second.TraceID() || g.Table != review || g.Location.Line == 0 {
				t.Errorf("second delivery %+v", g)
			}
			if n := findingsCount(t, tel, sqltrace.KindUnindexedIn); n != 2 {
				t.Fatalf("sqlsight.findings{kind=unindexed_in} = %d, want 2", n)
			}
			events := 0
			for _, s := range tel.ended("SELECT " + review) {
				if s.SpanContext().TraceID() == second.TraceID() {
					for _, e := range s.Events() {
						if e.Name == "sqlsight.finding" {
							events++
						}
					}
				}
			}
			if events != 1 {
				t.Errorf("%d finding events in the second request, want 1", events)
			}
		})
	}
}

// TestPlanFindingsReachRequestsWaitingForExplain: a request that runs the
// statement while its EXPLAIN is under way gets the finding when the
// verdict arrives. MariaDB's LOCK TABLES holds the EXPLAIN back while the
// session holding the lock runs both requests.
func TestPlanFindingsReachRequestsWaitingForExplain(t *testing.T) {
	b := mysqlBackend()
	tel, rec := newRecorded(t)
	db := b.open(t, rec.Options(sqltrace.WithSlowThreshold(0),
		sqltrace.WithExplain(explain.WithTimeout(20*time.Second)))...)
	review, lookup := unindexedLookup(t, b, db)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mustExec(t, conn, ctx, "LOCK TABLES "+review+" WRITE")
	first := request(tel, func(ctx context.Context) { mustRead(t, conn, ctx, lookup, 1, 2, 3) })
	second := request(tel, func(ctx context.Context) { mustRead(t, conn, ctx, lookup, 4, 5, 6) })
	if k := kinds(rec); len(k) != 0 {
		t.Fatalf("findings %v before the EXPLAIN could run", k)
	}
	mustExec(t, conn, ctx, "UNLOCK TABLES")
	waitKinds(t, rec, 2)
	fs := rec.Findings()
	traces := map[trace.TraceID]bool{}
	for _, f := range fs {
		if f.Kind != sqltrace.KindUnindexedIn {
			t.Fatalf("finding %s", f.Kind)
		}
		traces[f.SpanContext.TraceID()] = true
	}
	if len(fs) != 2 || !traces[first.TraceID()] || !traces[second.TraceID()] {
		t.Fatalf("deliveries %d to traces %v, want one each to %s and %s", len(fs), traces, first.TraceID(), second.TraceID())
	}
}

// TestVerdictsFollowTheSchema: after the suggested index is created
// through the wrapper, the statement is clean at once and explained again.
func TestVerdictsFollowTheSchema(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			tel, rec := newRecorded(t)
			db := b.open(t, rec.Options(sqltrace.WithSlowThreshold(0))...)
			review, lookup := unindexedLookup(t, b, db)
			other, otherLookup := unindexedLookup(t, b, db)
			ctx := context.Background()
			mustRead(t, db, ctx, lookup, 1, 2, 3)
			mustRead(t, db, ctx, otherLookup, 1, 2, 3)
			waitKinds(t, rec, 2)
			var fix string
			for _, f := range rec.Findings() {
				if f.Table == review {
					fix = f.Suggestion
				}
			}
			if !strings.Contains(fix, "INDEX") || !strings.Contains(fix, " ix_"+review) {
				t.Fatalf("no index suggested for %s: %+v", review, rec.Findings())
			}
			mustExec(t, db, ctx, fix)

			last := func(name string) []string {
				spans := tel.ended(name)
				return spanKinds(spans[len(spans)-1])
			}
			mustRead(t, db, ctx, lookup, 4, 5, 6)
			if k := last("SELECT " + review); slices.Contains(k, "unindexed_in") {
				t.Fatalf("the execution after CREATE INDEX still carries %v", k)
			}
			mustRead(t, db, ctx, otherLookup, 4, 5, 6)
			if k := last("SELECT " + other); !slices.Contains(k, "unindexed_in") {
				t.Fatalf("the index on %s dropped the verdict on %s: %v", review, other, k)
			}
			testenv.WaitFor(t, 10*time.Second, func() bool { return len(tel.ended("EXPLAIN SELECT "+review)) == 2 }) // the lookup explained again
			mustRead(t, db, ctx, lookup, 7, 8, 9)
			if k := last("SELECT " + review); slices.Contains(k, "unindexed_in") {
				t.Fatalf("explained again with the index, still %v", k)
			}
		})
	}
}

// TestDropIndexWithoutTableForgetsEveryVerdict: PostgreSQL's DROP INDEX
// names no table, so every verdict of the database may be stale.
func TestDropIndexWithoutTableForgetsEveryVerdict(t *testing.T) {
	b := postgresBackend()
	tel, rec := newRecorded(t)
	db := b.open(t, rec.Options(sqltrace.WithSlowThreshold(0))...)
	review, lookup := unindexedLookup(t, b, db)
	other, otherLookup := unindexedLookup(t, b, db)
	ctx := context.Background()
	mustRead(t, db, ctx, lookup, 1, 2, 3)
	mustRead(t, db, ctx, otherLookup, 1, 2, 3)
	if got := waitKinds(t, rec, 2); !slices.Equal(got, []sqltrace.Kind{sqltrace.KindUnindexedIn, sqltrace.KindUnindexedIn}) {
		t.Fatalf("findings %v", got)
	}
	mustExec(t, db, ctx, "CREATE INDEX ix_"+review+"_unrelated ON "+review+" (reid)")
	mustRead(t, db, ctx, otherLookup, 4, 5, 6)
	last := func(name string) []string {
		spans := tel.ended(name)
		return spanKinds(spans[len(spans)-1])
	}
	if k := last("SELECT " + other); !slices.Contains(k, "unindexed_in") {
		t.Fatalf("an index on %s dropped the verdict on %s: %v", review, other, k)
	}
	mustExec(t, db, ctx, "DROP INDEX ix_"+review+"_unrelated")
	mustRead(t, db, ctx, otherLookup, 7, 8, 9)
	if k := last("SELECT " + other); slices.Contains(k, "unindexed_in") {
		t.Fatalf("DROP INDEX without a table kept the verdict on %s: %v", other, k)
	}
}

// panickingLogHandler is a slog.Handler whose Handle panics.
type panickingLogHandler struct{ slog.Handler }

func (panickingLogHandler) Enabled(context.Context, slog.Level) bool { return true }
func (panickingLogHandler) Handle(context.Context, slog.Record) error {
	panic("log handler")
}

// TestPanickingCallbacksLeakNoConnection: database/sql delivers findings
// inside Rows.Close and Exec; a panic there must not keep the connection.
func TestPanickingCallbacksLeakNoConnection(t *testing.T) {
	var reported atomic.Int64
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		if strings.Contains(err.Error(), "panicked") {
			reported.Add(1)
		}
	}))
	defer otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	tel := newTelemetry(t)
	var handled atomic.Int64
	db := sqliteBackend().open(t, tel.options(sqltrace.WithSlowThreshold(0),
		sqltrace.WithFindingHandler(func(context.Context, sqltrace.Finding) { handled.Add(1); panic("handler") }),
		sqltrace.WithLogger(slog.New(panickingLogHandler{})))...)
	db.SetMaxOpenConns(2)
	nums := numbers(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				request(tel, func(rctx context.Context) {
					rctx = trace.ContextWithSpan(ctx, trace.SpanFromContext(rctx))
					for i := range 6 {
						var n int
						if err := db.QueryRowContext(rctx, "SELECT id FROM "+nums+" WHERE id = ?", i).Scan(&n); err != nil {
							t.Error(err)
							return
						}
						if _, err := db.ExecContext(rctx, "UPDATE "+nums+" SET id = id WHERE id = ?", i); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
		}()
	}
	wg.Wait()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("requests hung: connections leaked")
	}
	// 20 requests, each an n+1 and a repeated write.
	if h := handled.Load(); h != 40 {
		t.Fatalf("handler called %d times, want 40", h)
	}
	if n := reported.Load(); n != 2 {
		t.Fatalf("%d panics reported, want 2 (the handler's and the logger's first)", n)
	}
	if s := db.Stats(); s.InUse != 0 {
		t.Fatalf("%d connections in use after every request ended", s.InUse)
	}
}
