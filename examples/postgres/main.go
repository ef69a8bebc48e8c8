// Command postgres runs the demo review service on PostgreSQL (pgx), with
// a partitioned document_log read without its partition key, and exports over OTLP (configured by
// the standard OTEL_* variables; OTEL_TRACES_EXPORTER=console prints).
//
//	go run ./examples/postgres -dsn 'postgres://postgres@127.0.0.1:5432/test'
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/sqlsight/sqlsight/internal/demoapp"
	"github.com/sqlsight/sqlsight/sqltrace"
)

func main() {
	dsn := flag.String("dsn", demoapp.EnvOr("SQLSIGHT_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL URL")
	reviews := flag.Int("reviews", 50_000, "rows in the review table")
	flag.Parse()
	if err := run(context.Background(), *dsn, *reviews); err != nil {
		fmt.Fprintln(os.Stderr, "postgres example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn string, reviews int) error {
	shutdown, err := demoapp.StartExport(ctx, "sqlsight-example-postgres")
	if err != nil {
		return err
	}
	defer shutdown(context.Background())

	if err := demoapp.SeedWith(ctx, "pgx", dsn, demoapp.PostgreSQL, reviews); err != nil {
		return err
	}

	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	// The one line. The demo data is small, so the slow threshold is low
	// enough for the document_log read to count as slow and be explained.
	db := sqltrace.OpenDB(stdlib.GetConnector(*cfg), sqltrace.WithSlowThreshold(time.Millisecond))
	defer db.Close()
	if _, err := sqltrace.RecordPoolMetrics(db); err != nil {
		return err
	}
	app := &demoapp.App{DB: db, Dialect: demoapp.PostgreSQL}
	if err := app.RunAll(ctx); err != nil {
		return err
	}
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := app.ReadDocumentLog(ctx, from, from.AddDate(0, 0, 7)); err != nil {
		return err
	}
	time.Sleep(time.Second) // let the background EXPLAIN finish before exiting
	fmt.Println("done: see the traces in your OTLP backend (service", os.Getenv("OTEL_SERVICE_NAME")+")")
	return nil
}
