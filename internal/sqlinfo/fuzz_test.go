package sqlinfo

import (
	"strings"
	"testing"
)

// FuzzParse checks that any text parses without panicking and that the
// sanitized text keeps no string literal of the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM t WHERE a = 'secret' AND b IN (1, 2, 3)",
		"INSERT INTO t VALUES ('x', 2), ('y', 3)",
		"UPDATE t SET a = $1 WHERE id = ANY($2)",
		"SELECT `a`.`b` FROM \"q\".x -- c\n WHERE y = .5e3",
		"SELECT 1; DELETE FROM t",
		"SELECT $$body$$, E'esc\\'aped'",
		"(((",
		"'unterminated",
	} {
		f.Add(s, 0)
	}
	for _, h := range hostileTexts {
		for d, dialect := range []Dialect{"", MySQL, PostgreSQL, SQLite} {
			if dialect == h.dialect {
				f.Add(h.query, d)
			}
		}
	}
	dialects := []Dialect{"", MySQL, PostgreSQL, SQLite}
	f.Fuzz(func(t *testing.T, q string, d int) {
		dialect := dialects[uint(d)%uint(len(dialects))]
		info := Parse(q, dialect)
		if len(info.Fingerprint) != 16 {
			t.Fatalf("fingerprint %q", info.Fingerprint)
		}
		if len(info.Summary) > maxSummaryLen {
			t.Fatalf("summary of %d bytes", len(info.Summary))
		}
		if info.Redacted {
			// Only keywords survive, whatever the text.
			for _, w := range strings.Fields(info.Sanitized) {
				if w != "?" && w != ";" && !redactKeywords[w] {
					t.Fatalf("redacted text %q keeps %q", info.Sanitized, w)
				}
			}
		}
		// The same text as a string literal must not survive sanitizing.
		if len(q) >= 4 && !strings.ContainsAny(q, "\\'?") {
			lit := Parse("SELECT a FROM t WHERE b = '"+q+"' AND c = ?", dialect)
			if strings.Contains(lit.Sanitized, q) && !strings.Contains("SELECT a FROM t WHERE b = ? AND c = ?", q) {
				t.Fatalf("sanitized text keeps the literal %q: %q", q, lit.Sanitized)
			}
		}
	})
}
