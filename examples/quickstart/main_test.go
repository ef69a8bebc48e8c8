package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestQuickstartShowsEveryFinding runs the quickstart as a user would see
// it and checks the tree shows each finding with its fix, and the deltas.
func TestQuickstartShowsEveryFinding(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	if err := run(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	t.Logf("quickstart ran in %s", time.Since(start))
	text := out.String()
	for _, want := range []string{
		"POST /reviews/upsert", "upsert batch", "EXPLAIN SELECT review",
		"unindexed_in", "fix (unverified): CREATE INDEX ix_review_n_review_id ON review (n_review_id)",
		"n_plus_one", "repeated_write", "VALUES (...), (...)",
		"cpu.user=", "heap=",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}
