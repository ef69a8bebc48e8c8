package sqlinfo

import (
	"strings"
	"testing"
)

// TestSQLiteQuotedIdentifiers: SQLite also quotes identifiers with
// backticks and brackets (as MySQL and SQL Server do). A quote inside such
// a name must not open a string that swallows the statement's structure
// and lets a later literal through.
func TestSQLiteQuotedIdentifiers(t *testing.T) {
	tests := []struct {
		query, want string
	}{
		{"SELECT `it's` FROM t WHERE a = 'secret1'", `SELECT "it's" FROM t WHERE a = ?`},
		{"SELECT [it's] FROM t WHERE a = 'secret2'", `SELECT "it's" FROM t WHERE a = ?`},
		{"SELECT `a``b\"c` FROM t WHERE a = 'secret3'", `SELECT "a` + "`" + `b""c" FROM t WHERE a = ?`},
		{"SELECT '`', '[' FROM t WHERE a = 'secret4'", "SELECT ?, ? FROM t WHERE a = ?"},
		{"SELECT a FROM t -- `x'\nWHERE a = 'secret5'", "SELECT a FROM t \nWHERE a = ?"},
		{"SELECT `unterminated' = 'secret6'", ""},
	}
	for _, tc := range tests {
		info := Parse(tc.query, SQLite)
		if strings.Contains(info.Sanitized, "secret") {
			t.Errorf("%q: sanitized %q keeps a literal", tc.query, info.Sanitized)
		}
		if tc.want != "" && info.Sanitized != tc.want {
			t.Errorf("%q: sanitized %q, want %q", tc.query, info.Sanitized, tc.want)
		}
	}
}

// TestQuoteInsideQualifiedName: go-sqllexer reads t."name" as one name;
// when the quoted part holds an apostrophe (t."it's"), it stopped at the
// apostrophe, which then opened a string over the rest of the statement.
func TestQuoteInsideQualifiedName(t *testing.T) {
	for _, d := range []Dialect{"", MySQL, PostgreSQL, SQLite} {
		for _, q := range []string{
			`SELECT u."it's" FROM users u WHERE u.email = 'secret1'`,
			`SELECT u."it's", "x"."y" FROM users u WHERE u.email = 'secret2' AND u."a""'b" = 'secret3'`,
			"SELECT a`'` FROM t WHERE b = 'secret4'",
			`SELECT f"(" FROM t WHERE b = 'x"secret5'`,
		} {
			if strings.Contains(q, "`") && d != MySQL && d != SQLite {
				continue // no quoting character there: the apostrophe does open a string
			}
			info := Parse(q, d)
			if strings.Contains(info.Sanitized, "secret") {
				t.Errorf("%s: %q: sanitized %q keeps a literal", dialectName(d), q, info.Sanitized)
			}
			if d != MySQL && !strings.Contains(info.Sanitized, "FROM") {
				t.Errorf("%s: %q: sanitized %q lost the statement", dialectName(d), q, info.Sanitized)
			}
		}
	}
}
