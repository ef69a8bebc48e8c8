package conformance

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// testCase is one behaviour compared between the raw and the wrapped
// driver. run records what it observes in env.o.
type testCase struct {
	name string
	run  func(env *caseEnv)
}

// caseEnv is what a case runs with.
type caseEnv struct {
	ctx     context.Context
	db      *sql.DB
	table   string
	ph      func(int) string
	o       *outcome
	wrapped bool
}

// sql expands {t} to the mode's table and {1}, {2}, ... to placeholders.
func (e *caseEnv) sql(q string) string {
	q = strings.ReplaceAll(q, "{t}", e.table)
	for i := 1; i <= 9; i++ {
		q = strings.ReplaceAll(q, fmt.Sprintf("{%d}", i), e.ph(i))
	}
	return q
}

// query runs q and records every row scanned into `any` (or into dest's
// destinations for the first result set).
func (e *caseEnv) query(q string, dest func() []any, args ...any) {
	rows, err := e.db.QueryContext(e.ctx, e.sql(q), args...)
	if err != nil {
		e.o.add("query %s", errorText(err))
		return
	}
	scanAll(e.o, rows, dest)
}

func (e *caseEnv) exec(q string, args ...any) {
	res, err := e.db.ExecContext(e.ctx, e.sql(q), args...)
	result(e.o, res, err)
}

// mode is one way of running the cases.
type mode struct {
	name string
	wrap bool
	// opts are the wrapper's options; ctx makes the statements' context.
	opts func(*testenv.Telemetry) []sqltrace.Option
	ctx  func(*testenv.Telemetry, context.Context) context.Context
}

var modes = []mode{
	{name: "raw", ctx: func(_ *testenv.Telemetry, ctx context.Context) context.Context { return ctx }},
	{
		// Everything on: spans recorded, every statement "slow", so that
		// the detectors and the background EXPLAIN run beside each case.
		name: "sampled", wrap: true,
		opts: func(tel *testenv.Telemetry) []sqltrace.Option {
			return []sqltrace.Option{sqltrace.WithTracerProvider(tel.TracerProvider), sqltrace.WithMeterProvider(tel.MeterProvider),
				sqltrace.WithSlowThreshold(time.Nanosecond), sqltrace.WithConnectionSpans()}
		},
		ctx: func(tel *testenv.Telemetry, ctx context.Context) context.Context {
			ctx, span := tel.TracerProvider.Tracer("conformance").Start(ctx, "case")
			span.End() // the context keeps its span context; statements become its children
			return sqltrace.Scope(ctx)
		},
	},
	{
		// Under an unsampled parent the wrapper takes its shortest path.
		name: "unsampled", wrap: true,
		opts: func(tel *testenv.Telemetry) []sqltrace.Option {
			return []sqltrace.Option{sqltrace.WithTracerProvider(tel.TracerProvider), sqltrace.WithMeterProvider(tel.MeterProvider)}
		},
		ctx: func(_ *testenv.Telemetry, ctx context.Context) context.Context {
			sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})
			return trace.ContextWithSpanContext(ctx, sc)
		},
	},
}

func TestConformance(t *testing.T) {
	for _, b := range []backend{sqliteBackend(), mysqlBackend(false), mysqlBackend(true), postgresBackend()} {
		t.Run(b.name, func(t *testing.T) {
			testBackend(t, b)
		})
	}
}

func testBackend(t *testing.T, b backend) {
	connector := b.connectors(t) // skips when the backend is not configured
	setup := sql.OpenDB(connector())
	t.Cleanup(func() { setup.Close() })

	type modeEnv struct {
		mode
		db    *sql.DB
		table string
		tel   *testenv.Telemetry
	}
	prefix := uniqueName("cf")
	var envs []modeEnv
	for _, m := range modes {
		table := prefix + "_" + m.name
		fixture(t, setup, b, table)
		tel := testenv.NewTelemetry(t)
		var db *sql.DB
		if m.wrap {
			db = sqltrace.OpenDB(connector(), m.opts(tel)...)
		} else {
			db = sql.OpenDB(connector())
		}
		t.Cleanup(func() { db.Close() })
		envs = append(envs, modeEnv{mode: m, db: db, table: table, tel: tel})
	}

	cases := append(commonCases(), b.cases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want *outcome
			for _, m := range envs {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				env := &caseEnv{ctx: m.ctx(m.tel, ctx), db: m.db, table: m.table, ph: b.ph, o: &outcome{}, wrapped: m.wrap}
				c.run(env)
				cancel()
				got := normalize(env.o, m.table, prefix)
				if want == nil {
					want = got
					continue
				}
				if d := diff(want, got); d != "" {
					t.Errorf("%s differs from raw:\n%s", m.name, d)
				}
			}
			if testing.Verbose() {
				t.Logf("raw outcome:\n  %s", strings.Join(want.Steps, "\n  "))
			}
		})
	}
	// The wrapped modes did trace: the comparison ran through the wrapper.
	for _, m := range envs {
		if m.name == "sampled" && len(m.tel.Spans.Ended()) == 0 {
			t.Errorf("the sampled mode recorded no span")
		}
	}
}

// normalize replaces the mode's table name, which error messages quote.
func normalize(o *outcome, table, prefix string) *outcome {
	out := &outcome{Steps: make([]string, len(o.Steps))}
	for i, s := range o.Steps {
		s = strings.ReplaceAll(s, table, "{t}")
		out.Steps[i] = strings.ReplaceAll(s, prefix, "{prefix}")
	}
	return out
}

func diff(want, got *outcome) string {
	var b strings.Builder
	n := max(len(want.Steps), len(got.Steps))
	for i := range n {
		var w, g string
		if i < len(want.Steps) {
			w = want.Steps[i]
		}
		if i < len(got.Steps) {
			g = got.Steps[i]
		}
		if w != g {
			fmt.Fprintf(&b, "  step %d\n    raw:     %s\n    wrapped: %s\n", i, w, g)
		}
	}
	return b.String()
}
