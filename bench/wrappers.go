package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"
	"strings"

	"github.com/XSAM/otelsql"
	"github.com/ngrok/sqlmw"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// Wrapper opens a *sql.DB over a driver, with or without instrumentation.
type Wrapper struct {
	Name string
	// Traced says whether the wrapper records telemetry; untraced wrappers
	// ignore the Telemetry they are given.
	Traced bool
	open   func(d driver.Driver, dsn string, t *Telemetry) (*sql.DB, error)
}

// Open opens a database on d with this wrapper. Each wrapper starts from
// the driver's own connector when it has one, as a user calling
// sql.OpenDB(connector) would.
func (w Wrapper) Open(d driver.Driver, dsn string, t *Telemetry) (*sql.DB, error) {
	return w.open(d, dsn, t)
}

// Wrapper names, in the order benchmarks run them (raw first: it is the
// baseline of every comparison).
const (
	Raw      = "raw"
	SQLMW    = "sqlmw"
	OtelSQL  = "otelsql"
	SQLSight = "sqlsight"
)

// Wrappers is every wrapper compared on the fake driver.
var Wrappers = []Wrapper{
	{Name: Raw, open: openRaw},
	{Name: SQLMW, open: openSQLMW},
	{Name: OtelSQL, Traced: true, open: openOtelSQL},
	{Name: SQLSight, Traced: true, open: openSQLSight},
}

// Selected returns the wrappers named in BENCH_WRAPPERS (comma-separated;
// every wrapper when unset) among ws, raw always included: it is what
// overheads are measured against.
func Selected(ws []Wrapper) []Wrapper {
	env := os.Getenv("BENCH_WRAPPERS")
	if env == "" {
		return ws
	}
	want := map[string]bool{Raw: true}
	for _, n := range strings.Split(env, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var out []Wrapper
	for _, w := range ws {
		if want[w.Name] {
			out = append(out, w)
		}
	}
	return out
}

// connectorOf returns the driver's connector for dsn, or one that calls
// d.Open(dsn) as sql.Open does for drivers without connectors (SQLite).
func connectorOf(d driver.Driver, dsn string) (driver.Connector, error) {
	if dc, ok := d.(driver.DriverContext); ok {
		return dc.OpenConnector(dsn)
	}
	return dsnConnector{d: d, dsn: dsn}, nil
}

type dsnConnector struct {
	d   driver.Driver
	dsn string
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.d }

func openRaw(d driver.Driver, dsn string, _ *Telemetry) (*sql.DB, error) {
	c, err := connectorOf(d, dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

func openSQLMW(d driver.Driver, dsn string, _ *Telemetry) (*sql.DB, error) {
	c, err := connectorOf(sqlmw.Driver(d, sqlmw.NullInterceptor{}), dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

func openOtelSQL(d driver.Driver, dsn string, t *Telemetry) (*sql.DB, error) {
	c, err := connectorOf(d, dsn)
	if err != nil {
		return nil, err
	}
	return otelsql.OpenDB(c, otelsql.WithTracerProvider(t.Tracer), otelsql.WithMeterProvider(t.Meter)), nil
}

func openSQLSight(d driver.Driver, dsn string, t *Telemetry) (*sql.DB, error) {
	c, err := connectorOf(d, dsn)
	if err != nil {
		return nil, err
	}
	return sqltrace.OpenDB(c, sqltrace.WithTracerProvider(t.Tracer), sqltrace.WithMeterProvider(t.Meter)), nil
}
