package sqlinfo

import (
	"hash/fnv"
	"strconv"
	"strings"

	sqllexer "github.com/DataDog/go-sqllexer"
)

// Dialect selects the lexer rules: quoting and placeholder syntax differ.
type Dialect string

// Dialects understood by Parse. Anything else lexes as generic SQL.
const (
	MySQL      Dialect = "mysql"
	PostgreSQL Dialect = "postgresql"
	SQLite     Dialect = "sqlite"
)

// maxSummaryLen is the bound the OpenTelemetry conventions put on
// db.query.summary.
const maxSummaryLen = 255

// token is a lexed token without the whitespace around it.
type token struct {
	typ   sqllexer.TokenType
	value string
	upper string // upper-cased value for keywords and identifiers
	depth int    // parenthesis depth before the token
}

func lexerDBMS(d Dialect) sqllexer.DBMSType {
	switch d {
	case MySQL:
		return sqllexer.DBMSMySQL
	case PostgreSQL:
		return sqllexer.DBMSPostgres
	case SQLite:
		// The generic rules, less backslash escapes in strings, which SQLite
		// does not have: the lexer applies exactly that difference to Db2.
		return sqllexer.DBMSDB2
	}
	return ""
}

// Parse derives the Info of one query text. It never fails: text the lexer
// cannot read still gets a fingerprint and a sanitized form.
func Parse(query string, d Dialect) *Info {
	if d == SQLite && strings.ContainsAny(query, "`[") {
		query = sqliteQuotedIdents(query)
	}
	lex := sqllexer.New(query, sqllexer.WithDBMS(lexerDBMS(d)))

	var (
		sanitized strings.Builder
		toks      []token
		depth     int
	)
	sanitized.Grow(len(query))
	for pos := 0; ; {
		t := lex.Scan()
		if t == nil || t.Type == sqllexer.EOF {
			break
		}
		start := pos
		pos += len(t.Value)
		// go-sqllexer reads t."name" as one name, and stops inside the
		// quotes at an apostrophe (t."it's"), which would then open a
		// string over the rest of the statement: end the name before the
		// quote and read on from there.
		if (t.Type == sqllexer.IDENT || t.Type == sqllexer.FUNCTION) && strings.Count(t.Value, `"`)%2 == 1 {
			if k := strings.IndexByte(t.Value, '"'); k > 0 {
				t.Value = t.Value[:k]
				pos = start + k
				lex = sqllexer.New(query[pos:], sqllexer.WithDBMS(lexerDBMS(d)))
			}
		}
		switch t.Type {
		case sqllexer.COMMENT, sqllexer.MULTILINE_COMMENT:
			continue // comments can carry anything; never record them
		case sqllexer.SPACE:
			sanitized.WriteString(t.Value)
			continue
		}
		if isLiteral(t.Type) {
			// N'x', E'x', X'0A', B'01', _utf8mb4'x': a prefix written against
			// the quote belongs to the literal.
			if n := len(toks); n > 0 && (t.Type == sqllexer.STRING || t.Type == sqllexer.INCOMPLETE_STRING) &&
				isStringPrefix(toks[n-1]) && strings.HasSuffix(sanitized.String(), toks[n-1].value) {
				s := sanitized.String()
				sanitized.Reset()
				sanitized.WriteString(s[:len(s)-len(toks[n-1].value)])
				toks = toks[:n-1]
			}
			// ".01" lexes as "." then "01": fold the dot into the placeholder
			// unless it qualifies an identifier.
			if n := len(toks); n > 0 && toks[n-1].value == "." && (n == 1 || !isIdentifier(toks[n-2].typ)) {
				s := sanitized.String()
				if strings.HasSuffix(s, ".") {
					sanitized.Reset()
					sanitized.WriteString(s[:len(s)-1])
				}
				toks = toks[:n-1]
			}
			sanitized.WriteByte('?')
		} else {
			sanitized.WriteString(t.Value)
		}
		tk := token{typ: t.Type, value: t.Value, depth: depth}
		if t.Type == sqllexer.COMMAND || t.Type == sqllexer.KEYWORD || t.Type == sqllexer.IDENT ||
			t.Type == sqllexer.BOOLEAN || t.Type == sqllexer.NULL || t.Type == sqllexer.PROC_INDICATOR ||
			t.Type == sqllexer.CTE_INDICATOR || t.Type == sqllexer.ALIAS_INDICATOR || t.Type == sqllexer.FUNCTION {
			tk.upper = strings.ToUpper(t.Value)
		}
		switch t.Value {
		case "(":
			depth++
		case ")":
			if depth > 0 {
				depth--
			}
			tk.depth = depth
		}
		toks = append(toks, tk)
	}

	info := &Info{Sanitized: strings.TrimSpace(sanitized.String())}
	info.Fingerprint, info.ValuesRows = fingerprint(toks)
	analyse(toks, info)
	return info
}

// sqliteQuotedIdents rewrites SQLite's `name` and [name] as "name", which
// the lexer knows: read as punctuation, a quote inside them would open a
// string that runs over the rest of the statement and lets its literals
// through. An unterminated one becomes an unterminated string: dropped.
func sqliteQuotedIdents(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	for i := 0; i < len(q); {
		c := q[i]
		end := i + 1
		switch {
		case c == '\'' || c == '"':
			end = len(q)
			for j := i + 1; j < len(q); j++ {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c {
						j++
						continue
					}
					end = j + 1
					break
				}
			}
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			end = len(q)
			if j := strings.IndexByte(q[i:], '\n'); j >= 0 {
				end = i + j
			}
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			end = len(q)
			if j := strings.Index(q[i+2:], "*/"); j >= 0 {
				end = i + 2 + j + 2
			}
		case c == '`' || c == '[':
			closing := byte('`')
			if c == '[' {
				closing = ']'
			}
			var name strings.Builder
			j := i + 1
			for ; j < len(q); j++ {
				if q[j] == closing {
					if c == '`' && j+1 < len(q) && q[j+1] == '`' {
						name.WriteByte('`')
						j++
						continue
					}
					break
				}
				name.WriteByte(q[j])
			}
			if j >= len(q) {
				b.WriteByte('\'')
				b.WriteString(q[i+1:])
				return b.String()
			}
			b.WriteByte('"')
			b.WriteString(strings.ReplaceAll(name.String(), `"`, `""`))
			b.WriteByte('"')
			i = j + 1
			continue
		}
		b.WriteString(q[i:end])
		i = end
	}
	return b.String()
}

func isLiteral(t sqllexer.TokenType) bool {
	switch t {
	case sqllexer.STRING, sqllexer.INCOMPLETE_STRING, sqllexer.NUMBER,
		sqllexer.DOLLAR_QUOTED_STRING, sqllexer.DOLLAR_QUOTED_FUNCTION,
		// An unterminated dollar quote ($name AND b = 'x' in SQLite, where
		// $name is a parameter) runs to the end of the text: drop it all.
		sqllexer.ERROR:
		return true
	}
	return false
}

// isStringPrefix reports whether t can prefix a string literal: national
// (N), escape (E), hexadecimal (X), bit (B) strings, MySQL character set
// introducers (_utf8mb4).
func isStringPrefix(t token) bool {
	if t.typ != sqllexer.IDENT {
		return false
	}
	switch t.upper {
	case "N", "E", "X", "B":
		return true
	}
	return len(t.upper) > 1 && t.upper[0] == '_'
}

func isIdentifier(t sqllexer.TokenType) bool {
	return t == sqllexer.IDENT || t == sqllexer.QUOTED_IDENT
}

func isPlaceholder(t token) bool {
	return isLiteral(t.typ) || t.typ == sqllexer.POSITIONAL_PARAMETER ||
		t.typ == sqllexer.BIND_PARAMETER || t.value == "?"
}

// fingerprint hashes the normalized token stream: keywords upper-cased,
// literals and placeholders as '?', IN lists and repeated VALUES tuples
// collapsed, so that the same statement with other values or another
// number of list items hashes the same. It also counts VALUES tuples.
func fingerprint(toks []token) (string, int) {
	var b strings.Builder
	valuesRows := 0
	write := func(s string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.value == ":" && i+1 < len(toks) && toks[i+1].typ == sqllexer.IDENT && (i == 0 || !isIdentifier(toks[i-1].typ)):
			write("?") // :name placeholder
			i++
			continue
		case isPlaceholder(t):
			write("?")
			continue
		case t.upper == "VALUES":
			write("VALUES")
			i, valuesRows = collapseTuples(toks, i+1, &b)
			continue
		case t.upper == "IN" || t.upper == "ANY":
			if end, ok := placeholderList(toks, i+1); ok {
				write(t.upper)
				write("( ? )")
				i = end
				continue
			}
		}
		if t.typ == sqllexer.COMMAND || t.typ == sqllexer.KEYWORD || t.typ == sqllexer.BOOLEAN || t.typ == sqllexer.NULL ||
			t.typ == sqllexer.CTE_INDICATOR || t.typ == sqllexer.ALIAS_INDICATOR || t.typ == sqllexer.PROC_INDICATOR {
			write(t.upper)
		} else {
			write(t.value)
		}
	}
	h := fnv.New64a()
	h.Write([]byte(b.String()))
	return strconv.FormatUint(h.Sum64()|1<<63, 16), valuesRows
}

// placeholderList reports whether toks[start:] opens a parenthesised list
// of placeholders only, and returns the index of its closing parenthesis.
func placeholderList(toks []token, start int) (int, bool) {
	if start >= len(toks) || toks[start].value != "(" {
		return 0, false
	}
	items := 0
	for i := start + 1; i < len(toks); i++ {
		switch t := toks[i]; {
		case t.value == ")":
			return i, items > 0
		case t.value == ",":
		case t.value == ":" && i+1 < len(toks) && toks[i+1].typ == sqllexer.IDENT:
			items++
			i++
		case isPlaceholder(t):
			items++
		default:
			return 0, false
		}
	}
	return 0, false
}

// collapseTuples writes the tuples of a VALUES clause starting at toks[i],
// keeping one copy of identical consecutive tuples, and returns the index of
// the last token consumed and the number of tuples.
func collapseTuples(toks []token, i int, b *strings.Builder) (int, int) {
	rows := 0
	var last string
	for i < len(toks) && toks[i].value == "(" {
		end := matching(toks, i)
		if end < 0 {
			break
		}
		var t strings.Builder
		for _, tk := range toks[i : end+1] {
			if isPlaceholder(tk) {
				t.WriteString("? ")
			} else {
				t.WriteString(tk.value)
				t.WriteByte(' ')
			}
		}
		rows++
		if s := t.String(); s != last {
			if last != "" {
				b.WriteString(" ,")
			}
			b.WriteByte(' ')
			b.WriteString(strings.TrimSpace(s))
			last = s
		}
		i = end + 1
		if i < len(toks) && toks[i].value == "," && i+1 < len(toks) && toks[i+1].value == "(" {
			i++
			continue
		}
		break
	}
	return i - 1, rows
}

// matching returns the index of the parenthesis closing toks[open], or -1.
func matching(toks []token, open int) int {
	d := 0
	for i := open; i < len(toks); i++ {
		switch toks[i].value {
		case "(":
			d++
		case ")":
			d--
			if d == 0 {
				return i
			}
		}
	}
	return -1
}
