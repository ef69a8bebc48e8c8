package explain_test

import (
	"testing"

	"github.com/sqlsight/sqlsight/explain"
)

// TestAnalyzeOptions checks that Analyze reads its options: a full scan of
// 5,000 rows is reported at the default threshold and not above it.
func TestAnalyzeOptions(t *testing.T) {
	const q = "SELECT id FROM review WHERE status = 'open'"
	plan := func() *explain.Plan {
		return &explain.Plan{Dialect: explain.PostgreSQL, Format: "json", Root: &explain.Node{
			Op: "Seq Scan", Table: "review", Access: explain.AccessFullScan,
			EstimatedRows: 5000, ActualRows: -1, Cost: 100, TableRows: 5000, Filter: "(status = 'open'::text)",
		}}
	}
	for _, tc := range []struct {
		name string
		opts []explain.AnalyzeOption
		want int
	}{
		{"default", nil, 1},
		{"higher threshold", []explain.AnalyzeOption{explain.WithFullScanRows(10_000)}, 0},
		{"lower threshold", []explain.AnalyzeOption{explain.WithFullScanRows(100)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := 0
			for _, f := range explain.Analyze(plan(), q, tc.opts...) {
				if f.Kind == explain.KindFullScan {
					got++
				}
			}
			if got != tc.want {
				t.Errorf("%d full_scan findings, want %d", got, tc.want)
			}
		})
	}
}
