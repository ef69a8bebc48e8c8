package sqltrace_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// TestQueryTextIsBounded runs a 64 KiB statement (the issue saw 1.4 MB; the size only makes the test slow): db.query.text stays
// within the limit, cut on a character boundary, while the summary and the
// fingerprint are those of the whole text (the same as without a limit).
func TestQueryTextIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`SELECT x AS "ééééé" FROM (SELECT 1 AS x) AS t0 WHERE x IN (`)
	for i := 0; b.Len() < 64<<10; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		// x + i, not i: a list of literals alone is sanitized to one "?".
		b.WriteString("x + ")
		b.WriteString(strconv.Itoa(i))
	}
	b.WriteString(")")
	query := b.String()

	type result struct{ text, summary, fingerprint string }
	run := func(opts ...sqltrace.Option) result {
		tel := newTelemetry(t)
		db := sqliteBackend().open(t, tel.options(opts...)...)
		var x int
		if err := db.QueryRowContext(context.Background(), query).Scan(&x); err != nil {
			t.Fatal(err)
		}
		spans := tel.spans.Ended()
		if len(spans) != 1 {
			t.Fatalf("%d spans", len(spans))
		}
		text, _ := attr(spans[0], "db.query.text")
		summary, _ := attr(spans[0], "db.query.summary")
		fp, _ := attr(spans[0], "sqlsight.query.fingerprint")
		return result{text.AsString(), summary.AsString(), fp.AsString()}
	}
	whole := run(sqltrace.WithQueryTextLimit(-1))
	if len(whole.text) < 20_000 {
		t.Fatalf("without a limit db.query.text has %d bytes", len(whole.text))
	}
	for _, tc := range []struct {
		name  string
		opts  []sqltrace.Option
		limit int
		mode  string
	}{
		{"default", nil, sqltrace.DefaultQueryTextLimit, "sanitized"},
		{"mid-character", []sqltrace.Option{sqltrace.WithQueryTextLimit(16)}, 16, "sanitized"},
		{"raw", []sqltrace.Option{sqltrace.WithQueryText(sqltrace.QueryTextRaw), sqltrace.WithQueryTextLimit(16)}, 16, "raw"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := run(tc.opts...)
			if len(got.text) > tc.limit || len(got.text) < tc.limit-3 || !utf8.ValidString(got.text) {
				t.Errorf("db.query.text has %d bytes (limit %d), valid UTF-8 %v: %q", len(got.text), tc.limit, utf8.ValidString(got.text), got.text)
			}
			prefix := whole.text
			if tc.mode == "raw" {
				prefix = query
			}
			if !strings.HasPrefix(prefix, got.text) {
				t.Errorf("db.query.text %q is not a prefix of the whole", got.text)
			}
			if got.summary != whole.summary || got.fingerprint != whole.fingerprint {
				t.Errorf("summary %q, fingerprint %s; whole text: %q, %s", got.summary, got.fingerprint, whole.summary, whole.fingerprint)
			}
		})
	}
}
