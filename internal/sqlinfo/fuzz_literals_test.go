package sqlinfo

import (
	"fmt"
	"strings"
	"testing"
)

// slot marks where a template takes a literal.
const slot = "\x00"

// FuzzLiterals fills a query template's literal slots twice, with values
// (and literal forms) chosen by the fuzzer, and checks the invariants the
// telemetry contract rests on:
//   - the fingerprint is the same whatever the values;
//   - the sanitized text holds none of the values.
//
// A slot counts only where it stands in code (not inside a comment or a
// string of the template): that is decided by lexing the template with an
// identifier in each slot.
func FuzzLiterals(f *testing.F) {
	for _, s := range []struct {
		template string
		a, b     string
	}{
		{"SELECT a FROM t WHERE b = \x00 AND c IN (\x00, \x00)", "\x00secret1\x01\x0112345", "\x0112\x00x\x02\x039"},
		{"INSERT INTO t (a, b) VALUES (\x00, \x00), (\x00, \x00)", "\x00it's\x00a\\b\x00c", "\x01\x02\x03\x04"},
		{"UPDATE t SET a = \x00 WHERE id = ANY(\x00)", "\x04$$body\x05E\\'q", "\x00plain\x00x"},
		{"SELECT * FROM t WHERE a LIKE \x00 ESCAPE \x00 -- \x00\n", "\x00ab%\x00\\", "\x00x\x00|"},
		{"SELECT \x00 /* \x00 */, \"\x00\", `\x00`, '\x00'", "\x00visible", "\x00other"},
		{"SELECT x FROM t WHERE a = \x00 OR b = \x00::text", "\x03dq\"x", "\x00--\n/*"},
		{"DELETE FROM t WHERE a.b = \x00 AND c = .\x00", "\x001.5e3", "\x02\x07\x08"},
		{"SELECT 1", "", ""},
		// The literal syntaxes of every dialect (forms 10..19 of literal).
		{"SELECT a FROM t WHERE b = \x00 AND c = \x00 OR d IN (\x00, \x00)", "\x0a\x04abcd\x0b\x04efgh\x0c\x03ijk\x0d\x03lmn", "\x0e\x04opqr\x0f\x04stuv\x10\x03wxy\x11\x03zab"},
		{"INSERT INTO t (a, b) VALUES (\x00, \x00), (\x00, \x00)", "\x12\x05sec'r\x13\x04et\\x\x0a\x03abc\x0b\x02xy", "\x10\x04mnop\x11\x03qrs\x12\x04a\\'b\x13\x03tuv"},
		{"UPDATE t SET a = \x00 WHERE b = \x00 /* c */ AND c = \x00", "\x15\x04abcd\x16\x04efgh\x17\x04ijkl", "\x18\x04mnop\x19\x04qrst\x14\x04uvwx"},
	} {
		for d := range 4 {
			f.Add(s.template, []byte(s.a), []byte(s.b), uint8(d))
		}
	}
	f.Fuzz(func(t *testing.T, template string, a, b []byte, d uint8) {
		dialect := []Dialect{"", MySQL, PostgreSQL, SQLite}[d%4]
		parts := strings.Split(template, slot)
		if len(parts) == 1 || len(parts) > 64 {
			Parse(template, dialect) // no slot: only "does not panic"
			return
		}
		if !slotsInCode(parts, dialect) {
			return
		}
		qa, litsA := fill(parts, dialect, a)
		qb, litsB := fill(parts, dialect, b)
		ia, codeA, _ := parse(qa, dialect)
		ib, codeB, _ := parse(qb, dialect)
		if !ia.Redacted && !ib.Redacted {
			if ia.Fingerprint != ib.Fingerprint {
				t.Fatalf("%s: fingerprints differ for the same statement with other literals:\n%q\n%q", dialectName(dialect), qa, qb)
			}
			if ShapeKey(qa, dialect) != ShapeKey(qb, dialect) {
				t.Fatalf("%s: shape keys differ for the same statement with other literals:\n%q\n%q", dialectName(dialect), qa, qb)
			}
		}
		if ShapeKey(qa, dialect) == ShapeKey(qb, dialect) {
			if diff := sameShapeResult(ia, ib); diff != "" {
				t.Fatalf("%s: equal shape keys, different %s:\n%q\n%q", dialectName(dialect), diff, qa, qb)
			}
		}
		neutral := Parse(strings.Join(parts, " ? "), dialect).Sanitized
		for _, c := range []struct {
			query string
			info  *Info
			lits  []string
			code  string
		}{{qa, ia, litsA, codeA}, {qb, ib, litsB, codeB}} {
			for _, lit := range c.lits {
				if len(lit) < 3 || strings.Contains(neutral, lit) || strings.Contains(template, lit) || strings.Trim(lit, " 0") == "" {
					continue // too short to tell, the template itself holds the text, or it reads like a replaced literal
				}
				for _, where := range []struct{ name, text string }{
					{"sanitized text", c.info.Sanitized}, {"summary", c.info.Summary}, {"collection", c.info.Collection},
					{"tables", fmt.Sprint(c.info.Tables)}, {"IN columns", fmt.Sprint(c.info.InColumns)},
					{"fingerprint input", c.code},
				} {
					if strings.Contains(where.text, lit) {
						t.Fatalf("%s: the %s keeps the literal value %q:\nquery     %q\n%s %q",
							dialectName(dialect), where.name, lit, c.query, where.name, where.text)
					}
				}
			}
		}
	})
}

// sameShapeResult names the first field of the ShapeKey contract in which
// two results differ, or returns "".
func sameShapeResult(a, b *Info) string {
	switch {
	case a.Fingerprint != b.Fingerprint:
		return "fingerprint"
	case a.Sanitized != b.Sanitized:
		return "sanitized text"
	case a.Redacted != b.Redacted:
		return "redaction"
	case a.Summary != b.Summary:
		return "summary"
	case a.Operation != b.Operation:
		return "operation"
	case a.Collection != b.Collection:
		return "collection"
	case fmt.Sprint(a.Tables) != fmt.Sprint(b.Tables):
		return "tables"
	case a.Kind != b.Kind:
		return "kind"
	case fmt.Sprint(a.InColumns) != fmt.Sprint(b.InColumns):
		return "IN columns"
	case a.SingleRowWrite != b.SingleRowWrite:
		return "single-row write"
	case a.Catalog != b.Catalog:
		return "catalog"
	case fmt.Sprint(a.DDLTables, a.DDLAllTables) != fmt.Sprint(b.DDLTables, b.DDLAllTables):
		return "DDL tables"
	case fmt.Sprint(a.Functions, a.UnnamedCall) != fmt.Sprint(b.Functions, b.UnnamedCall):
		return "functions"
	}
	return ""
}

func dialectName(d Dialect) string {
	if d == "" {
		return "generic"
	}
	return string(d)
}

// slotsInCode reports whether every slot stands in code, as the database
// reads the template: not inside a comment, a quoted string or a quoted
// identifier. It is a scanner of its own, independent of go-sqllexer, so
// that text the lexer misreads shows up; where unsure it says no.
func slotsInCode(parts []string, d Dialect) bool {
	text := strings.Join(parts, slot)
	isName := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
	}
	// skipQuoted returns the index after the quoted text opened at i.
	skipQuoted := func(i int, q byte, backslash bool) int {
		for j := i + 1; j < len(text); j++ {
			switch {
			case backslash && text[j] == '\\':
				j++
			case text[j] == q && j+1 < len(text) && text[j+1] == q:
				j++
			case text[j] == q:
				return j + 1
			}
		}
		return -1 // unterminated: the rest is not code
	}
	for i := 0; i < len(text); {
		c := text[i]
		next := byte(0)
		if i+1 < len(text) {
			next = text[i+1]
		}
		end := i + 1
		switch {
		case c == 0:
			// After "t." comes the rest of a qualified name, not a literal:
			// MySQL reads t. 0x0 as column 0x0, t. X'0A' as t.X '0A'.
			if strings.HasSuffix(strings.TrimRight(text[:i], " \t\r\n"), ".") {
				return false
			}
			i++
			continue // a slot in code
		case c == '\'':
			escape := d == MySQL || d == PostgreSQL && i > 0 && (text[i-1] == 'E' || text[i-1] == 'e') && (i == 1 || !isName(text[i-2]))
			end = skipQuoted(i, c, escape)
			quoted := text[i:]
			if end > 0 {
				quoted = text[i:end]
			}
			if d == "" && strings.ContainsRune(quoted, '\\') {
				// The generic dialect has no rule for a backslash in a
				// string (the lexer takes it as an escape, standard SQL
				// does not): nothing after one is compared.
				return !strings.Contains(text[i:], slot)
			}
		case c == '"':
			end = skipQuoted(i, c, d == MySQL)
		case c == '`' && (d == MySQL || d == SQLite):
			end = skipQuoted(i, c, false)
		case c == '[' && d == SQLite:
			if j := strings.IndexByte(text[i:], ']'); j >= 0 {
				end = i + j + 1
			} else {
				end = -1
			}
		case c == '-' && next == '-', c == '#' && d == MySQL:
			if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
				end = i + j + 1
			} else {
				end = -1
			}
		case c == '/' && next == '*':
			if d == PostgreSQL {
				return false // comments nest: not worth modelling
			}
			if j := strings.Index(text[i+2:], "*/"); j >= 0 {
				end = i + 2 + j + 2
			} else {
				end = -1
			}
		case c == '$' && (next < '0' || next > '9'):
			// Only a PostgreSQL dollar quote is modelled. Anything else
			// ($name, an SQLite parameter; a$b, a name) makes go-sqllexer
			// read a dollar quote that never ends, and the rest of the text
			// is dropped as one literal: safe, but nothing after it is a
			// slot to compare.
			k := i + 1
			for k < len(text) && isName(text[k]) && text[k] < 0x80 {
				k++
			}
			tagged := d == PostgreSQL && (i == 0 || !isName(text[i-1])) && k < len(text) && text[k] == '$'
			if !tagged {
				return !strings.Contains(text[i:], slot)
			}
			tag := text[i : k+1]
			m := strings.Index(text[k+1:], tag)
			if m < 0 {
				return false
			}
			end = k + 1 + m + len(tag)
		}
		if end < 0 {
			return !strings.Contains(text[i:], slot)
		}
		if end > i+1 && strings.Contains(text[i:end], slot) {
			return false // a slot inside a comment or quotes
		}
		i = end
	}
	return true
}

// fill puts a literal in every slot, built from src: per slot, one byte
// picks the form and one the length of the value taken from the bytes
// after it. It returns the query and the literals' values as the database
// reads them (the text the sanitizer must drop).
func fill(parts []string, d Dialect, src []byte) (string, []string) {
	next := func() byte {
		if len(src) == 0 {
			return 0
		}
		c := src[0]
		src = src[1:]
		return c
	}
	var (
		b    strings.Builder
		lits []string
	)
	for i, p := range parts {
		b.WriteString(p)
		if i == len(parts)-1 {
			break
		}
		form, n := next(), int(next()%16)
		value := make([]byte, 0, n)
		for range n {
			// go-sqllexer reads a NUL byte as the end of the text, so a
			// value holding one cuts the statement short (the rest is
			// dropped, never recorded): not a literal position to test.
			c := next()
			if c == 0 {
				c = 'z'
			}
			value = append(value, c)
		}
		text, lit := literal(d, form, value)
		b.WriteString(" " + text + " ")
		lits = append(lits, lit)
	}
	return b.String(), lits
}

// literal writes value as a literal of dialect d in the form picked by
// form, quoted as an application would quote it for that database.
func literal(d Dialect, form byte, value []byte) (text, lit string) {
	v := string(value)
	digits := func() string {
		var s strings.Builder
		for _, c := range value {
			s.WriteByte('0' + c%10)
		}
		if s.Len() == 0 {
			return "0"
		}
		return s.String()
	}
	switch form % 26 {
	case 10: // binary integer (MySQL, PostgreSQL 16)
		var b strings.Builder
		for _, c := range value {
			b.WriteByte('0' + c%2)
		}
		n := "1" + b.String() + "01"
		return "0b" + n, n
	case 11: // octal integer (PostgreSQL 16); underscores elsewhere too
		var b strings.Builder
		for _, c := range value {
			b.WriteByte('0' + c%8)
		}
		n := "7" + b.String() + "07"
		if d == PostgreSQL {
			return "0o" + n, n
		}
		return "0x_" + n, n
	case 12: // digits with underscores (PostgreSQL 16)
		n := "9" + digits() + "1"
		return "1_" + n, n
	case 13: // a bit string
		var b strings.Builder
		for _, c := range value {
			b.WriteByte('0' + c%2)
		}
		n := "101" + b.String()
		return "B'" + n + "'", n
	case 14: // PostgreSQL Unicode string; elsewhere a national string
		e := strings.ReplaceAll(v, "'", "''")
		if d == PostgreSQL && !strings.ContainsRune(v, '\\') {
			return "U&'" + e + "'", v
		}
		if d == MySQL {
			e = strings.ReplaceAll(e, `\`, `\\`)
		}
		if d != "" || !strings.ContainsRune(v, '\\') {
			return "N'" + e + "'", v
		}
	case 15: // PostgreSQL tagged dollar quote; MySQL character set introducer
		switch d {
		case PostgreSQL:
			if !strings.Contains(v, "$") {
				return "$tag$" + v + "$tag$", v
			}
		case MySQL:
			e := strings.NewReplacer(`\`, `\\`, "'", "''").Replace(v)
			return "_utf8'" + e + "'", v
		}
	case 16: // a quote escaped with a backslash, as some MySQL clients do:
		// only valid without NO_BACKSLASH_ESCAPES, which the reader cannot see
		if d == MySQL {
			e := strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(v)
			return "'" + e + "'", v
		}
	case 17: // lower-case hexadecimal string
		hex := fmt.Sprintf("%x", value)
		if len(hex) < 4 {
			hex += "abcd"
		}
		return "x'" + hex + "'", hex
	case 18: // exponent with a sign and a leading dot
		n := digits()
		return "-." + n + "E+2", "." + n
	case 19: // MySQL hexadecimal integer, upper-case prefix
		if d != PostgreSQL {
			n := fmt.Sprintf("%X", value)
			if n == "" {
				n = "ABC"
			}
			return "0x" + n, n
		}
	case 1: // integer
		n := strings.TrimLeft(digits(), "0")
		if n == "" {
			n = "0"
		}
		return n, n
	case 2: // decimal
		n := digits()
		return "1" + n + ".5", "1" + n + ".5"
	case 3: // exponent
		n := digits()
		return "9." + n + "e-3", "9." + n
	case 4: // PostgreSQL dollar quoting; elsewhere a plain string
		if d == PostgreSQL && !strings.Contains(v, "$") {
			return "$$" + v + "$$", v
		}
	case 5: // PostgreSQL escape string; MySQL double-quoted string
		switch d {
		case PostgreSQL:
			if !strings.ContainsRune(v, 0) {
				e := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v)
				return "E'" + e + "'", v
			}
		case MySQL:
			e := strings.NewReplacer(`\`, `\\`, `"`, `""`).Replace(v)
			return `"` + e + `"`, v
		}
	case 7: // a string with a prefix: national, or a MySQL character set
		e := strings.ReplaceAll(v, "'", "''")
		switch d {
		case MySQL:
			e = strings.NewReplacer(`\`, `\\`, "'", "''").Replace(v)
			if len(value) > 0 && value[0]%2 == 0 {
				return "_utf8mb4'" + e + "'", v
			}
		case "":
			e = strings.ReplaceAll(e, `\`, "/")
		}
		if d != SQLite {
			return "N'" + e + "'", v
		}
	case 8: // hexadecimal (MySQL, SQLite: a blob) or bit string (PostgreSQL)
		hex := fmt.Sprintf("%X", value)
		if len(hex) < 4 {
			hex += "ABCD"
		}
		if d == PostgreSQL && len(value) > 0 && value[0]%2 == 0 {
			return "b'" + fmt.Sprintf("%b", value) + "'", fmt.Sprintf("%b", value)
		}
		return "X'" + hex + "'", hex
	case 6: // hexadecimal integer
		if d != PostgreSQL {
			n := fmt.Sprintf("0x%X", value)
			if len(value) == 0 {
				n = "0x0"
			}
			return n, n
		}
	}
	// A standard string: a quote doubled; MySQL also escapes backslashes,
	// PostgreSQL and SQLite take them as they are. The generic dialect has
	// no rule for backslashes, so it gets none.
	switch d {
	case MySQL:
		return "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(v) + "'", v
	case "":
		v = strings.ReplaceAll(v, `\`, "/")
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'", v
}
