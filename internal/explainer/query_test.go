package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/otel/trace"
	"modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

func TestDialectOfDriver(t *testing.T) {
	for _, tt := range []struct {
		d    driver.Driver
		want Dialect
	}{
		{&mysql.MySQLDriver{}, MySQL},
		{&stdlib.Driver{}, PostgreSQL},
		{&sqlite.Driver{}, SQLite},
		{wrappedDriver{&sqlite.Driver{}}, ""},
		{nil, ""},
	} {
		if got := dialectOfDriver(tt.d); got != tt.want {
			t.Errorf("dialectOfDriver(%T) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// wrappedDriver hides the driver's type, as a tracing wrapper does.
type wrappedDriver struct{ driver.Driver }

type wrappedConnector struct{ c driver.Connector }

func (w wrappedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	return w.c.Connect(ctx)
}
func (w wrappedConnector) Driver() driver.Driver { return wrappedDriver{w.c.Driver()} }

func TestQueryDetectsWrappedSQLite(t *testing.T) {
	c, _ := newSQLite(t)
	db := sql.OpenDB(wrappedConnector{c})
	defer db.Close()
	mustExec(t, db, "CREATE TABLE ex_w (id INTEGER PRIMARY KEY, v INT)")
	p, err := Query(context.Background(), db, "SELECT id FROM ex_w WHERE v IN (?, ?)", 1, sql.Named("x", 2))
	if err != nil {
		t.Fatal(err)
	}
	if p.Dialect != SQLite || p.Format != "eqp" || p.Root == nil {
		t.Errorf("plan %+v", p)
	}
	if _, err := Query(context.Background(), db, "DROP TABLE ex_w"); !errors.Is(err, ErrUnsafe) {
		t.Errorf("DROP through a wrapped driver: %v", err)
	}
	if _, err := Query(context.Background(), nil, "SELECT 1"); err == nil {
		t.Error("nil db accepted")
	}
}

func TestSamplerOptionsOnSQLite(t *testing.T) {
	c, _ := seedSQLiteReview(t, 10)
	calls := 0
	s := New(c, SQLite, WithMaxPlanBytes(24), WithRateLimit(100, 100),
		WithFindingsHook(func(ctx context.Context, span trace.Span, st Statement, v Verdict) {
			calls++
			if calls == 1 {
				panic("a broken hook")
			}
		}))
	defer s.Close()
	for i := 0; i < 2; i++ {
		fp := fmt.Sprint("fp", i)
		if !s.Submit(context.Background(), Statement{Query: reviewIn, Args: reviewArgs(), Fingerprint: fp}) {
			t.Fatal("Submit refused")
		}
		v := waitVerdict(t, s, fp)
		if v.Err != nil || len(v.Plan.Text) > 24 || !strings.HasSuffix(v.Plan.Text, "(truncated)") {
			t.Errorf("verdict %v, plan text %q", v.Err, v.Plan.Text)
		}
	}
	testenv.WaitFor(t, 15*time.Second, func() bool { return s.Stats().Done == 2 }) // both explains counted
	if calls != 2 {
		t.Errorf("hook called %d times; a panic in it stopped the worker", calls)
	}
}

func TestErrorClass(t *testing.T) {
	for err, want := range map[error]string{
		fmt.Errorf("%w: x", ErrUnsafe):           "unsafe",
		ErrMissingArgs:                           "missing_args",
		context.DeadlineExceeded:                 "timeout",
		fmt.Errorf("read: %w", context.Canceled): "canceled",
		ErrNoPlan:                                "no_plan",
		ErrUnknownDialect:                        "unknown_dialect",
		ErrTooLarge:                              "too_large",
		errNoConnector:                           "no_connector",
		ErrInternal:                              "internal",
		errors.New("ERROR: canceling statement due to statement timeout"): "timeout",
		errors.New("Error 1146: Table 'x' doesn't exist"):                 "driver_error",
	} {
		if got := errorClass(err); got != want {
			t.Errorf("errorClass(%v) = %q, want %q", err, got, want)
		}
	}
}
