package explain_test

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	_ "modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// Tune the explains sqltrace runs in the background: at most one a second
// (bursts of 5), 2 seconds each, and full scans reported from 10,000 rows.
func Example_withExplain() {
	db, err := sqltrace.Open("sqlite", "file:app.db",
		sqltrace.WithExplain(
			explain.WithRateLimit(1, 5),
			explain.WithTimeout(2*time.Second),
			explain.WithFullScanRows(10_000),
		))
	if err != nil {
		panic(err)
	}
	defer db.Close()
}

// Explain one statement and read what is wrong with its plan.
func ExampleQuery() {
	db, err := sql.Open("sqlite", "file:example?mode=memory")
	if err != nil {
		panic(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	if _, err := db.Exec("CREATE TABLE review (reid INTEGER PRIMARY KEY, n_review_id INT)"); err != nil {
		panic(err)
	}

	q := "SELECT n_review_id, reid FROM review r WHERE r.n_review_id IN (?, ?, ?)"
	plan, err := explain.Query(context.Background(), db, q, 101, 102, 103)
	if err != nil {
		panic(err)
	}
	for _, n := range plan.Nodes() {
		if n.Table != "" {
			fmt.Println(n.Table, n.Access)
		}
	}
	for _, f := range explain.Analyze(plan, q) {
		fmt.Println(f.Kind+":", f.Suggestion)
	}
	// Output:
	// review full_scan
	// unindexed_in: CREATE INDEX ix_review_n_review_id ON review (n_review_id)
}
