package sqltrace_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// exampleTracing stands for the application's OpenTelemetry setup
// (exporters.Setup in a real program): a tracer provider whose spans the
// examples print by name.
func exampleTracing() (*sdktrace.TracerProvider, *tracetest.SpanRecorder) {
	spans := tracetest.NewSpanRecorder()
	return sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans)), spans
}

func printSpans(spans *tracetest.SpanRecorder) {
	for _, s := range spans.Ended() {
		fmt.Println(s.Name())
	}
}

// Open replaces sql.Open: same arguments, same *sql.DB, and every statement
// becomes a span. Without WithTracerProvider the global provider is used.
func ExampleOpen() {
	tp, spans := exampleTracing()
	defer func() { _ = tp.Shutdown(context.Background()) }()

	db, err := sqltrace.Open("sqlite", "file:example_open?mode=memory",
		sqltrace.WithTracerProvider(tp))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE review (id INTEGER PRIMARY KEY, score INTEGER)"); err != nil {
		log.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO review (score) VALUES (?)", 5); err != nil {
		log.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM review WHERE score > ?", 3).Scan(&n); err != nil {
		log.Fatal(err)
	}
	fmt.Println("reviews:", n)
	printSpans(spans)
	// Output:
	// reviews: 1
	// CREATE TABLE review
	// INSERT review
	// SELECT review
}

// OpenDB replaces sql.OpenDB for drivers configured through a connector
// (pgx's stdlib.GetConnector, mysql.NewConnector, ...).
func ExampleOpenDB() {
	tp, spans := exampleTracing()
	defer func() { _ = tp.Shutdown(context.Background()) }()

	connector, err := sqlite.NewConnector("file:example_opendb?mode=memory")
	if err != nil {
		log.Fatal(err)
	}
	db := sqltrace.OpenDB(connector, sqltrace.WithTracerProvider(tp))
	defer db.Close()

	if err := db.PingContext(context.Background()); err != nil {
		log.Fatal(err)
	}
	var one int
	if err := db.QueryRow("SELECT 1").Scan(&one); err != nil {
		log.Fatal(err)
	}
	printSpans(spans)
	// Output:
	// SELECT
}

// WrapDriver wraps a driver value, for code that registers drivers itself
// or opens connectors from a driver.
func ExampleWrapDriver() {
	tp, spans := exampleTracing()
	defer func() { _ = tp.Shutdown(context.Background()) }()

	traced := sqltrace.WrapDriver(&sqlite.Driver{}, sqltrace.WithTracerProvider(tp))
	// sql.Register("sqlite-traced", traced) would make it available to
	// sql.Open; here the connector is used directly.
	connector, err := traced.(driver.DriverContext).OpenConnector("file:example_wrapdriver?mode=memory")
	if err != nil {
		log.Fatal(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()

	if _, err := db.Exec("CREATE TABLE item (id INTEGER PRIMARY KEY)"); err != nil {
		log.Fatal(err)
	}
	printSpans(spans)
	// Output:
	// CREATE TABLE item
}

// Register registers a traced copy of a driver already registered under a
// name, for code that calls sql.Open itself (an ORM, a migration tool).
func ExampleRegister() {
	tp, spans := exampleTracing()
	defer func() { _ = tp.Shutdown(context.Background()) }()

	name, err := sqltrace.Register("sqlite", sqltrace.WithTracerProvider(tp))
	if err != nil {
		log.Fatal(err)
	}
	db, err := sql.Open(name, "file:example_register?mode=memory") // e.g. "sqlite-sqlsight"
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	if _, err := db.Exec("CREATE TABLE tag (id INTEGER PRIMARY KEY)"); err != nil {
		log.Fatal(err)
	}
	printSpans(spans)
	// Output:
	// CREATE TABLE tag
}

// RawConn unwraps the connection sql.Conn.Raw hands out, for
// driver-specific calls (pgx's *stdlib.Conn, the SQLite backup API, ...).
func ExampleRawConn() {
	db, err := sqltrace.Open("sqlite", "file:example_rawconn?mode=memory")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		_, isSQLiteConn := sqltrace.RawConn(dc).(interface {
			NewBackup(string) (*sqlite.Backup, error)
		})
		fmt.Println("the driver's own connection:", isSQLiteConn)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// the driver's own connection: true
}
