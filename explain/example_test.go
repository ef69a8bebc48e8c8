package explain_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	_ "modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/explain"
)

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
	for _, f := range explain.Analyze(plan, explain.Statement{Query: q}) {
		fmt.Println(f.Kind+":", f.Suggestion)
	}
	// Output:
	// review full_scan
	// unindexed_in: CREATE INDEX ix_review_n_review_id ON review (n_review_id)
}

// Wire a Sampler to the unwrapped connector of the application's database;
// the hot path submits statements and reads cached verdicts.
func ExampleNew() {
	var connector driver.Connector // e.g. mysql.NewConnector(cfg), stdlib.GetConnector(cfg)
	s := explain.New(connector, explain.MariaDB, explain.WithRateLimit(2, 2))
	defer s.Close()

	st := explain.Statement{
		Query:       "SELECT n_review_id, reid FROM review WHERE n_review_id IN (?, ?)",
		Args:        []driver.NamedValue{{Ordinal: 1, Value: int64(101)}, {Ordinal: 2, Value: int64(102)}},
		Fingerprint: "4c1d6a0e9f3b2a17",
		Summary:     "SELECT review",
		Reason:      "in_lookup",
	}
	s.Submit(context.Background(), st) // never blocks
	if v, ok := s.Cached(st.Fingerprint); ok {
		for _, f := range v.Findings {
			fmt.Println(f.Kind, f.Suggestion)
		}
	}
}
