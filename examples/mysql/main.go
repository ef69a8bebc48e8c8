// Command mysql runs the demo review service on MySQL or MariaDB and
// exports its traces and metrics over OTLP (configured by the standard
// OTEL_* variables; OTEL_TRACES_EXPORTER=console prints them instead).
//
//	go run ./examples/mysql -dsn 'root@tcp(127.0.0.1:3306)/test'
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sqlsight/sqlsight/internal/demoapp"
	"github.com/sqlsight/sqlsight/sqltrace"
)

func main() {
	dsn := flag.String("dsn", demoapp.EnvOr("SQLSIGHT_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test"), "MySQL/MariaDB DSN (go-sql-driver format)")
	reviews := flag.Int("reviews", 50_000, "rows in the review table")
	flag.Parse()
	if err := run(context.Background(), *dsn, *reviews); err != nil {
		fmt.Fprintln(os.Stderr, "mysql example:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn string, reviews int) error {
	shutdown, err := demoapp.StartExport(ctx, "sqlsight-example-mysql")
	if err != nil {
		return err
	}
	defer shutdown(context.Background())

	if err := demoapp.SeedWith(ctx, "mysql", dsn, demoapp.MySQL, reviews); err != nil {
		return err
	}

	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return err
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sqltrace.OpenDB(connector) // the one line
	defer db.Close()
	if _, err := sqltrace.RecordPoolMetrics(db); err != nil {
		return err
	}
	app := &demoapp.App{DB: db, Dialect: demoapp.MySQL}
	if err := app.RunAll(ctx); err != nil {
		return err
	}
	time.Sleep(time.Second) // let the background EXPLAIN finish before exiting
	fmt.Println("done: see the traces in your OTLP backend (service", os.Getenv("OTEL_SERVICE_NAME")+")")
	return nil
}
