// Command quickstart shows sqlsight on an embedded SQLite database, with
// nothing to install: a small review service runs an IN lookup on an
// unindexed column, an N+1 loop and a loop of single-row inserts, and every
// trace is printed as a tree with its findings and their fixes.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sqlsight/sqlsight/exporters"
	"github.com/sqlsight/sqlsight/internal/demoapp"
	"github.com/sqlsight/sqlsight/sqltrace"

	_ "modernc.org/sqlite"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	shutdown, err := exporters.Setup(ctx, exporters.WithConsole(), exporters.WithConsoleWriter(out))
	if err != nil {
		return err
	}
	defer shutdown(context.Background())

	dir, err := os.MkdirTemp("", "sqlsight-quickstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// busy_timeout: SQLite writers wait for readers (other connections, the
	// background EXPLAIN) instead of failing with SQLITE_BUSY.
	dsn := "file:" + filepath.Join(dir, "reviews.db") + "?_pragma=busy_timeout(5000)"
	fmt.Fprintln(out, "seeding 20,000 reviews (no index on review.n_review_id)...")
	if err := seed(ctx, dsn); err != nil {
		return err
	}

	explained := make(chan struct{}, 1)
	// The one line: sqltrace.Open instead of sql.Open.
	db, err := sqltrace.Open("sqlite", dsn,
		sqltrace.WithFindingHandler(func(_ context.Context, f sqltrace.Finding) {
			if f.Kind == sqltrace.KindUnindexedIn {
				select {
				case explained <- struct{}{}:
				default:
				}
			}
		}))
	if err != nil {
		return err
	}
	defer db.Close()

	app := &demoapp.App{DB: db, Dialect: demoapp.SQLite}
	if err := app.RunAll(ctx); err != nil {
		return err
	}
	// The IN lookup is EXPLAINed in the background; wait for the verdict so
	// that the next upsert carries it on its own span.
	select {
	case <-explained:
	case <-time.After(5 * time.Second):
		fmt.Fprintln(out, "(the EXPLAIN verdict did not arrive within 5s)")
	}
	return app.UpsertReviews(ctx, []int64{1_000_040, 1_000_050, 7})
}

// seed fills the database without tracing: setup is not what we look at.
func seed(ctx context.Context, dsn string) error {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return demoapp.Seed(ctx, db, demoapp.SQLite, 20_000)
}
