package sqlinfo

import (
	"fmt"
	"strings"
	"testing"
)

// hostileTexts are statements whose literals an earlier sanitizer let
// through, or could have: each names the secrets that must not survive.
var hostileTexts = []struct {
	name    string
	dialect Dialect
	query   string
	secrets []string
	// redacted: the text is read two ways and must be redacted whole.
	redacted bool
}{
	{"nested comment", PostgreSQL, "/* audit /* v2 */ don't log */ SELECT 1 FROM pg_class WHERE relname = 'alice@example.com' OR relname = 'hunter2'",
		[]string{"alice", "example", "hunter2", "log"}, true},
	{"nested comment elsewhere", MySQL, "SELECT 1 /* a /* b */ FROM t WHERE c = 'hunter2' /* */", []string{"hunter2"}, true},
	{"comment made by /*/", PostgreSQL, "SELECT a /* b /*/ , 'hunter2' FROM t -- */", []string{"hunter2"}, true},
	{"backslash quote", MySQL, `SELECT * FROM t WHERE a = '\' AND b = 'secret'`, []string{"secret"}, true},
	{"backslash quote, double quotes", MySQL, `SELECT * FROM t WHERE a = "\" AND b = "secret"`, []string{"secret"}, true},
	{"backslash escaped quote", MySQL, `SELECT * FROM t WHERE a = 'it\'s' AND b = 'secret'`, []string{"secret", "it"}, true},
	{"backslash, postgres", PostgreSQL, `SELECT * FROM t WHERE a = '\' AND b = 'secret'`, []string{"secret"}, true},
	{"backslash, generic", "", `SELECT * FROM t WHERE a = '\' AND b = 'secret'`, []string{"secret"}, true},
	{"mysql binary", MySQL, "SELECT 0b0111011 FROM t", []string{"111011"}, false},
	{"mysql hex", MySQL, "SELECT 0xDEADBEEF, X'CAFE', x'beef', b'0101101' FROM t", []string{"DEAD", "CAFE", "beef", "101101"}, false},
	{"mysql national and introducers", MySQL, "SELECT N'secret1', _utf8'secret2', _utf8mb4'secret3', _latin1 'secret4' COLLATE latin1_bin FROM t",
		[]string{"secret"}, false},
	{"postgres 16 numbers", PostgreSQL, "SELECT 0o777123, 1_000_321, 0x_FFAB, 0b_1011101, 12_3.4_5e1_0 FROM t", []string{"777123", "000", "321", "FFAB", "1011101", "4_5"}, false},
	{"postgres strings", PostgreSQL, `SELECT E'sec\'ret1', U&'d\0061secret2', $$secret3$$, $tag$secret4 $$ $tag$, B'10111', X'1FAB' FROM t`,
		[]string{"secret", "ret1", "10111", "1FAB"}, false},
	{"sqlite blob", SQLite, "SELECT x'00ff12', X'ABCDEF' FROM t WHERE a = 'secret'", []string{"00ff12", "ABCDEF", "secret"}, false},
	{"unterminated string", PostgreSQL, "SELECT * FROM t WHERE a = 'secret", []string{"secret"}, true},
	{"unterminated comment", MySQL, "SELECT * FROM t WHERE a = 1 /* 'secret' ", []string{"secret"}, true},
	{"unterminated dollar quote", PostgreSQL, "SELECT $x$ secret FROM t", []string{"secret"}, true},
	{"unknown number", MySQL, "SELECT 123secret FROM t", []string{"secret", "123"}, true},
	{"bad binary", PostgreSQL, "SELECT 0b12345 FROM t", []string{"12345"}, true},
	{"mysql -- without space", MySQL, "SELECT a--1, 'secret' FROM t", []string{"secret"}, true},
	{"quote inside a quoted name", PostgreSQL, `SELECT t."it's" FROM t WHERE a = 'secret'`, []string{"secret"}, false},
	{"quote inside a bracket name", SQLite, `SELECT [it's] FROM t WHERE a = 'secret'`, []string{"secret"}, false},
	{"sqlite double-quoted string", SQLite, `SELECT * FROM "users" WHERE email = "alice@example.com" OR name = "Bob Smith"`,
		[]string{"alice", "example", "Bob"}, false},
	{"signed numbers", "", "SELECT -123456, +654321, -.987654 FROM t", []string{"123456", "654321", "987654"}, false},
}

func TestSanitizerFailsClosed(t *testing.T) {
	for _, tc := range hostileTexts {
		t.Run(tc.name, func(t *testing.T) {
			info, code, _ := parse(tc.query, tc.dialect)
			if info.Redacted != tc.redacted {
				t.Errorf("redacted = %v, want %v (sanitized %q)", info.Redacted, tc.redacted, info.Sanitized)
			}
			for _, s := range tc.secrets {
				for _, where := range []struct{ name, text string }{
					{"sanitized text", info.Sanitized}, {"summary", info.Summary}, {"collection", info.Collection},
					{"tables", fmt.Sprint(info.Tables)}, {"fingerprint input", code},
				} {
					if strings.Contains(where.text, s) {
						t.Errorf("the %s keeps %q: %q", where.name, s, where.text)
					}
				}
			}
			if info.Redacted && !strings.Contains(info.Sanitized, "?") {
				t.Errorf("redacted text %q has no placeholder", info.Sanitized)
			}
			if !info.Redacted && !strings.Contains(info.Sanitized, "FROM") && !strings.Contains(info.Sanitized, "from") {
				t.Errorf("sanitized %q lost the statement", info.Sanitized)
			}
		})
	}
}

// TestSanitizedText pins the text of statements read with certainty.
func TestSanitizedText(t *testing.T) {
	tests := []struct {
		dialect     Dialect
		query, want string
	}{
		{MySQL, "SELECT 0b0111, 0x1F, b'0101', x'ABCD', N'nat', _utf8'cs' FROM t", "SELECT ?, ?, ?, ?, ?, ? FROM t"},
		{PostgreSQL, "SELECT 0o777, 1_000_000, 0x_FF, E'e\\'s', U&'d\\0061t', $tag$ b $tag$, $$x$$, $1 FROM t",
			"SELECT ?, ?, ?, ?, ?, ?, ?, $1 FROM t"},
		{MySQL, `SELECT * FROM t WHERE a = 'C:\\dir' AND b = "x"`, "SELECT * FROM t WHERE a = ? AND b = ?"},
		{PostgreSQL, "SELECT * FROM t WHERE a IN (1, 2, 3) AND b IN ('x') AND c IN (1, $1) AND d IN (SELECT 1)",
			"SELECT * FROM t WHERE a IN (?) AND b IN (?) AND c IN (?, $1) AND d IN (SELECT ?)"},
		{MySQL, "INSERT INTO t (a, b) VALUES (1, 'a'), (2, 'b'), (3, 'c')", "INSERT INTO t (a, b) VALUES (?, ?)"},
		{MySQL, "INSERT INTO t (a, b) VALUES (1, 'a'), (2, NULL)", "INSERT INTO t (a, b) VALUES (?, ?), (?, NULL)"},
		{SQLite, "SELECT a -- c\nFROM t /* x */ WHERE b = ?1 AND c = :c AND d = $d", "SELECT a \nFROM t  WHERE b = ?? AND c = :c AND d = $d"},
	}
	for _, tc := range tests {
		if got := Parse(tc.query, tc.dialect).Sanitized; got != tc.want {
			t.Errorf("%s: %q:\n got %q\nwant %q", dialectName(tc.dialect), tc.query, got, tc.want)
		}
	}
}

// TestValuesRows: collapsed rows still count, and one row is not many.
func TestValuesRows(t *testing.T) {
	one := Parse("INSERT INTO t (a) VALUES (1)", MySQL)
	three := Parse("INSERT INTO t (a) VALUES (1), (2), (3)", MySQL)
	if one.ValuesRows != 1 || !one.SingleRowWrite || three.ValuesRows != 3 || three.SingleRowWrite {
		t.Errorf("one row: %d %v; three rows: %d %v", one.ValuesRows, one.SingleRowWrite, three.ValuesRows, three.SingleRowWrite)
	}
}
