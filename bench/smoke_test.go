package bench

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// TestEveryVariantRunsOnce runs each fake-driver operation under each
// sampling and wrapper twice (once inside prepareOp, once with the
// benchmark's contexts), checking the rows the fake driver returned, and
// that the traced wrappers did record spans when sampled: a benchmark of a
// wrapper that records nothing would compare nothing.
func TestEveryVariantRunsOnce(t *testing.T) {
	ops := append(append([]Op(nil), Ops...), QueryText(DistinctTexts(3)))
	for _, op := range ops {
		for _, s := range Samplings {
			for _, w := range Wrappers {
				t.Run(op.Name+"/"+s.Name+"/"+w.Name, func(t *testing.T) {
					db, tel := openFake(t, w, s)
					run := prepareOp(t, db, op)
					req := NewRequests(context.Background(), s)
					for range StatementsPerRequest + 1 {
						if err := run(req.Next()); err != nil {
							t.Fatal(err)
						}
					}
					if err := tel.Tracer.ForceFlush(context.Background()); err != nil {
						t.Fatal(err)
					}
					spans := tel.Exported()
					switch {
					case w.Traced && s.Sampled && spans == 0:
						t.Errorf("%s recorded no span of %s", w.Name, op.Name)
					case (!w.Traced || !s.Sampled) && spans != 0:
						t.Errorf("%s recorded %d spans, want none", w.Name, spans)
					}
				})
			}
		}
	}
}

// TestParallelRuns runs the parallel benchmarks' operations from many
// goroutines at once (under -race, this checks the harness and the fake).
func TestParallelRuns(t *testing.T) {
	for _, op := range []Op{QueryRow, Exec, Tx3} {
		for _, w := range Wrappers {
			t.Run(op.Name+"/"+w.Name, func(t *testing.T) {
				db, _ := openFake(t, w, SampledParent)
				run := prepareOp(t, db, op)
				var wg sync.WaitGroup
				errs := make(chan error, 8)
				for range 8 {
					wg.Go(func() {
						req := NewRequests(context.Background(), SampledParent)
						for range 20 {
							if err := run(req.Next()); err != nil {
								errs <- err
								return
							}
						}
					})
				}
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Error(err)
				}
			})
		}
	}
}

// TestFakeDriver checks what the benchmarks rely on: RowCount rows, the
// bound on it, and a second result open on one connection.
func TestFakeDriver(t *testing.T) {
	db := sql.OpenDB(&FakeConnector{})
	defer db.Close()
	ctx := context.Background()
	tests := []struct {
		name string
		args []any
		want int
		err  error
	}{
		{name: "default one row", args: nil, want: 1},
		{name: "row count", args: []any{7, RowCount(3)}, want: 3},
		{name: "no rows", args: []any{RowCount(0)}, want: 0},
		{name: "above the bound", args: []any{RowCount(MaxRows + 1)}, err: errTooManyRows},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := db.QueryContext(ctx, selectMany, tt.args...)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if got := countRows(t, rows); got != tt.want {
				t.Errorf("got %d rows, want %d", got, tt.want)
			}
		})
	}

	t.Run("two results open on one connection", func(t *testing.T) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		outer, err := tx.QueryContext(ctx, selectMany, RowCount(2))
		if err != nil {
			t.Fatal(err)
		}
		inner, err := tx.QueryContext(ctx, selectMany, RowCount(5))
		if err != nil {
			t.Fatal(err)
		}
		if got := countRows(t, inner); got != 5 {
			t.Errorf("inner: got %d rows, want 5", got)
		}
		if got := countRows(t, outer); got != 2 {
			t.Errorf("outer: got %d rows, want 2", got)
		}
	})
}

func countRows(t *testing.T, rows *sql.Rows) int {
	t.Helper()
	n := 0
	for rows.Next() {
		var (
			id   int64
			name string
		)
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		n++
		if id != int64(n) || name != FakeName {
			t.Fatalf("row %d: got (%d, %q)", n, id, name)
		}
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRealLoopsOnSQLite runs the real-database loops once per wrapper on
// SQLite, which needs no server; MariaDB and PostgreSQL are exercised by
// BenchmarkRealDB when their DSNs are set.
func TestRealLoopsOnSQLite(t *testing.T) {
	var d realDB
	for _, d = range realDBs {
		if d.name == "sqlite" {
			break
		}
	}
	dsn := d.dsn(t)
	createRealTable(t, d, dsn)
	for _, op := range realOps {
		for _, w := range realWrappers() {
			t.Run(op.name+"/"+w.Name, func(t *testing.T) {
				db := openReal(t, d, dsn, w, SampledParent)
				if err := runClients(db, SampledParent, op, op.query(d), 3*realClients); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestWorkloadRaisesNoFinding checks that the benchmarks measure sqlsight's
// ordinary path: their requests of StatementsPerRequest statements with
// varying arguments are no N+1 loop, repeated write or duplicate query.
func TestWorkloadRaisesNoFinding(t *testing.T) {
	for _, op := range append(append([]Op(nil), Ops...), QueryText(DistinctTexts(3))) {
		for _, s := range []Sampling{SampledParent, UnsampledParent} {
			t.Run(op.Name+"/"+s.Name, func(t *testing.T) {
				var (
					mu    sync.Mutex
					kinds []sqltrace.Kind
				)
				tel := NewTelemetry(s)
				defer tel.Shutdown(context.Background())
				db := sqltrace.OpenDB(&FakeConnector{},
					sqltrace.WithTracerProvider(tel.Tracer), sqltrace.WithMeterProvider(tel.Meter),
					sqltrace.WithFindingHandler(func(_ context.Context, f sqltrace.Finding) {
						mu.Lock()
						defer mu.Unlock()
						kinds = append(kinds, f.Kind)
					}))
				defer db.Close()
				run := prepareOp(t, db, op)
				req := NewRequests(context.Background(), s)
				for range 3 * StatementsPerRequest {
					if err := run(req.Next()); err != nil {
						t.Fatal(err)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if len(kinds) > 0 {
					t.Errorf("findings %v", kinds)
				}
			})
		}
	}
}
