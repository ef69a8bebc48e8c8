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

// Parse derives the Info of one query text. It never fails: text it
// cannot read with certainty is redacted whole (see Info.Redacted). It runs
// in time linear in the text.
//
// Parse reads the text twice: sqlsight's own scanner (scan.go) finds the
// literals and comments, and the text without them (each literal a 0, each
// comment a space) goes to go-sqllexer for the structure. So no literal can
// reach the summary, the tables or the fingerprint, whatever go-sqllexer
// makes of the text, and texts that differ in literal values only give the
// same Info (the contract ShapeKey relies on).
func Parse(query string, d Dialect) *Info {
	info, _, _ := parse(query, d)
	return info
}

// ParseCode is Parse that also returns the text it analysed: the statement
// with each literal replaced by 0 (spaced) and each comment by a space, in
// the same structure as the original when the Info is not Redacted. A
// reader that must not be misled by literals (explain's safety checks)
// lexes that text instead of the original.
func ParseCode(query string, d Dialect) (*Info, string) {
	info, code, _ := parse(query, d)
	return info, code
}

// parse is Parse that also returns the code it analysed (no literal may
// reach it) and its tokens.
func parse(query string, d Dialect) (*Info, string, []token) {
	n := newNormalizer(query, d)
	var sanitized, code strings.Builder
	sanitized.Grow(len(query))
	code.Grow(len(query) + 16)
	for {
		k, a, b := n.next()
		if k == tokEOF {
			break
		}
		switch k {
		case tokSpace:
			sanitized.WriteString(query[a:b])
			code.WriteString(query[a:b])
		case tokComment:
			code.WriteByte(' ') // comments can carry anything; never record them
		case tokLiteral:
			sanitized.WriteByte('?')
			code.WriteString(" 0 ")
		case tokList:
			sanitized.WriteString("(?)")
			code.WriteString("( 0 )")
		case tokRows:
		case tokQuoted:
			if d == SQLite && (query[a] == '`' || query[a] == '[') {
				// SQLite's `name` and [name] as "name", which go-sqllexer
				// knows: read as punctuation, a quote inside them would
				// open a string over the rest of the statement.
				writeDoubleQuoted(&sanitized, query[a:b])
				writeDoubleQuoted(&code, query[a:b])
				continue
			}
			sanitized.WriteString(query[a:b])
			code.WriteString(query[a:b])
		default:
			sanitized.WriteString(query[a:b])
			code.WriteString(query[a:b])
		}
	}
	if doubtful(&n.sc) {
		san, code := redact(query, d)
		info, toks := analyseCode(code, d)
		info.Sanitized = san
		info.Redacted = true
		info.Catalog = false // which tables it reads is not known
		return info, code, toks
	}
	info, toks := analyseCode(code.String(), d)
	info.Sanitized = strings.TrimSpace(sanitized.String())
	info.ValuesRows += n.skippedRows
	if info.Kind == KindInsert {
		info.SingleRowWrite = !info.InsertSelect && info.ValuesRows == 1
	}
	return info, code.String(), toks
}

// writeDoubleQuoted writes an SQLite `name` or [name] as "name".
func writeDoubleQuoted(b *strings.Builder, quoted string) {
	closing := byte('`')
	if quoted[0] == '[' {
		closing = ']'
	}
	if len(quoted) < 2 || quoted[len(quoted)-1] != closing {
		b.WriteString(quoted) // unterminated: the text is redacted anyway
		return
	}
	inner := quoted[1 : len(quoted)-1]
	if quoted[0] == '`' {
		inner = strings.ReplaceAll(inner, "``", "`")
	}
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(inner, `"`, `""`))
	b.WriteByte('"')
}

// redactKeywords are the words a redacted text keeps: SQL's own, never a
// value or a name of the application.
var redactKeywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`SELECT INSERT UPDATE DELETE REPLACE MERGE UPSERT FROM WHERE AND OR NOT IN IS
		NULL LIKE ILIKE BETWEEN EXISTS JOIN INNER LEFT RIGHT OUTER FULL CROSS NATURAL ON USING AS GROUP BY ORDER
		HAVING LIMIT OFFSET FETCH UNION ALL ANY DISTINCT INTO VALUES SET WITH RECURSIVE CREATE ALTER DROP TABLE
		INDEX VIEW TRUNCATE RENAME BEGIN START TRANSACTION COMMIT ROLLBACK SAVEPOINT RELEASE SHOW EXPLAIN CALL
		EXEC EXECUTE CASE WHEN THEN ELSE END ASC DESC FOR SHARE LOCK RETURNING DEFAULT TRUE FALSE COPY DUPLICATE
		KEY CONFLICT DO NOTHING`) {
		redactKeywords[w] = true
	}
}

// redact renders a text that cannot be read with certainty: the SQL
// keywords it holds, '?' for every run of anything else. code is the same
// for the analysis, with 0 for '?'.
func redact(query string, d Dialect) (sanitized, code string) {
	var san, c strings.Builder
	sc := newScanner(query, d)
	last := ""
	add := func(s string) {
		if s == "?" && last == "?" {
			return
		}
		if san.Len() > 0 {
			san.WriteByte(' ')
			c.WriteByte(' ')
		}
		san.WriteString(s)
		if s == "?" {
			c.WriteString("0")
		} else {
			c.WriteString(s)
		}
		last = s
	}
	for {
		k, a, b := sc.next()
		switch k {
		case tokEOF:
			return san.String(), c.String()
		case tokSpace, tokComment:
			continue
		case tokWord:
			if w := strings.ToUpper(query[a:b]); redactKeywords[w] {
				add(w)
				continue
			}
		case tokPunct:
			if query[a] == ';' {
				add(";")
				continue
			}
		}
		add("?")
	}
}

// analyseCode reads the structure of code, a text without literals or
// comments, with go-sqllexer.
func analyseCode(code string, d Dialect) (*Info, []token) {
	lex := sqllexer.New(code, sqllexer.WithDBMS(lexerDBMS(d)))
	var depth int
	// About one significant token per 6 bytes: growing the slice copies
	// it, which dominated long texts.
	toks := make([]token, 0, len(code)/6+8)
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
				lex = sqllexer.New(code[pos:], sqllexer.WithDBMS(lexerDBMS(d)))
			}
		}
		switch t.Type {
		case sqllexer.COMMENT, sqllexer.MULTILINE_COMMENT, sqllexer.SPACE:
			continue
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
	info := &Info{}
	info.Fingerprint, info.ValuesRows = fingerprint(toks)
	analyse(toks, info)
	finish(toks, d, info)
	info.Functions, info.UnnamedCall = calls(toks, d)
	return info, toks
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
