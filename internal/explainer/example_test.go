package explainer_test

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/sqlsight/sqlsight/internal/explainer"
)

// Wire a Sampler to the unwrapped connector of the application's database;
// the hot path submits statements and reads cached verdicts.
func ExampleNew() {
	var connector driver.Connector // e.g. mysql.NewConnector(cfg), stdlib.GetConnector(cfg)
	s := explainer.New(connector, explainer.MariaDB, explainer.WithRateLimit(2, 2))
	defer s.Close()

	st := explainer.Statement{
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
