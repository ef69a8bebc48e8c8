package sqlinfo

import (
	"strings"

	sqllexer "github.com/DataDog/go-sqllexer"
)

// Reading is one statement read once, for the readers that need more than
// its Info: explain's safety checks and index advice. It keeps the tokens
// of the statement's code (literals as 0, no comments), so that nothing a
// literal or a comment holds can mislead them.
type Reading struct {
	Info *Info
	d    Dialect
	toks []token
}

// Read reads query once: Parse's Info, plus what Describe, Classify,
// Placeholders and Problem need.
func Read(query string, d Dialect) *Reading {
	info, _, toks := parse(query, d)
	return &Reading{Info: info, d: d, toks: toks}
}

// Describe returns the tables and predicate columns of the statement.
func (r *Reading) Describe() Description { return describeTokens(r.d, r.toks) }

// MaxTokens bounds the tokens of a statement Problem accepts.
const MaxTokens = 1 << 16

// Problem says why the statement cannot be read with the certainty running
// it needs, "" when it can: redacted, empty, more than one statement,
// unterminated quotes, unbalanced parentheses, too long.
func (r *Reading) Problem() string {
	switch {
	case r.Info.Redacted:
		return "a text that can be read two ways (quotes, comments, escapes)"
	case len(r.toks) == 0:
		return "empty statement"
	case len(r.toks) > MaxTokens:
		return "statement too long"
	}
	depth := 0
	for _, t := range r.toks {
		switch {
		case t.typ == sqllexer.ERROR || t.typ == sqllexer.INCOMPLETE_STRING:
			return "unterminated string, identifier or comment"
		case t.value == ";":
			return "more than one statement"
		case t.value == "(":
			depth++
		case t.value == ")":
			depth--
			if depth < 0 {
				return "unbalanced parentheses"
			}
		}
	}
	if depth != 0 {
		return "unbalanced parentheses"
	}
	return ""
}

// Placeholders counts the bind placeholders (?, ?NNN, $n, :name, @name).
func (r *Reading) Placeholders() int {
	n := 0
	for _, t := range r.toks {
		switch t.typ {
		case sqllexer.POSITIONAL_PARAMETER, sqllexer.BIND_PARAMETER:
			n++
		case sqllexer.OPERATOR:
			switch r.d {
			case PostgreSQL: // '?' is a jsonb operator there
			case SQLite:
				n += strings.Count(t.value, "?") + strings.Count(t.value, ":")
			default:
				n += strings.Count(t.value, "?")
			}
		}
	}
	return n
}

// Class is what a statement does, as far as running its EXPLAIN goes.
type Class struct {
	// Kind is KindSelect, KindUpdate, KindDelete, KindInsert (for
	// INSERT ... SELECT only) or KindOther (anything else, SELECT ... INTO
	// included).
	Kind Kind
	// Writes is set when any part of the statement may modify data or take
	// locks: a data-modifying CTE, ON DUPLICATE KEY UPDATE, FOR UPDATE,
	// FOR SHARE, LOCK IN SHARE MODE, or a statement that is not a SELECT.
	Writes bool
}

// Classify says what the statement does. It only reads tokens.
func (r *Reading) Classify() Class {
	toks := r.toks
	var c Class
	i := 0
	for i < len(toks) && isPunct(toks[i], "(") {
		i++
	}
	if i >= len(toks) {
		return c
	}
	start := toks[i]
	main := i
	if isWord(start, "WITH") {
		// The CTE bodies and column lists sit in parentheses; the main
		// statement is the first command at the WITH's own depth.
		main = -1
		for j := i + 1; j < len(toks); j++ {
			if toks[j].depth == start.depth && isMainCommand(toks[j]) {
				main = j
				break
			}
		}
		if main < 0 {
			return c
		}
	}
	switch m := toks[main]; {
	case isWord(m, "SELECT"):
		c.Kind = KindSelect
		// SELECT ... INTO creates a table (PostgreSQL) or writes a file or
		// variables (MySQL): refused, whatever EXPLAIN would do with it.
		// Anywhere: MySQL takes (SELECT ...) INTO OUTFILE too.
		for j := range toks {
			if isWord(toks[j], "INTO") && !(j > 0 && insertsInto(toks[j-1])) {
				c.Kind, c.Writes = KindOther, true
				return c
			}
		}
	case isWord(m, "UPDATE"):
		c.Kind = KindUpdate
	case isWord(m, "DELETE"):
		c.Kind = KindDelete
	case isWord(m, "INSERT"):
		// Only INSERT ... SELECT: a VALUES (or SET) list before any SELECT
		// makes it a plain insert.
		for j := main + 1; j < len(toks); j++ {
			t := toks[j]
			if t.depth == m.depth && (isWord(t, "VALUES") || isWord(t, "VALUE") || isWord(t, "SET") || isWord(t, "DEFAULT")) {
				break
			}
			if isWord(t, "SELECT") || (isWord(t, "WITH") && t.typ == sqllexer.CTE_INDICATOR) {
				c.Kind = KindInsert
				break
			}
		}
	}
	for j, t := range toks {
		if j == main {
			continue
		}
		if isWord(t, "INSERT") || isWord(t, "UPDATE") || isWord(t, "DELETE") || isWord(t, "MERGE") ||
			isWord(t, "REPLACE") && j+1 < len(toks) && isWord(toks[j+1], "INTO") ||
			isWord(t, "SHARE") || isWord(t, "LOCK") {
			c.Writes = true
		}
	}
	if c.Kind != KindSelect {
		c.Writes = true
	}
	return c
}

// insertsInto reports whether INTO after t belongs to an INSERT, REPLACE
// or MERGE (of a data-modifying CTE), not to SELECT ... INTO.
func insertsInto(t token) bool {
	for _, w := range [...]string{"INSERT", "REPLACE", "MERGE", "IGNORE", "LOW_PRIORITY", "HIGH_PRIORITY", "DELAYED"} {
		if isWord(t, w) {
			return true
		}
	}
	return false
}

func isMainCommand(t token) bool {
	for _, w := range [...]string{"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE"} {
		if isWord(t, w) {
			return true
		}
	}
	return false
}

// SelectColumns reads the select list of a plain SELECT: ok only when every
// item is a column (qualified or not, with or without an alias), so that
// the columns a covering index needs are known.
func (r *Reading) SelectColumns() ([]ColumnRef, bool) {
	toks, d := r.toks, r.d
	if len(toks) == 0 || !isWord(toks[0], "SELECT") {
		return nil, false
	}
	i := 1
	for i < len(toks) && (isWord(toks[i], "DISTINCT") || isWord(toks[i], "ALL")) {
		i++
	}
	var cols []ColumnRef
	for i < len(toks) {
		t := toks[i]
		if !isIdentTok(t) || strings.HasSuffix(t.value, "*") {
			return nil, false
		}
		cols = AddColumn(cols, columnRef(d, t.value))
		i++
		if i < len(toks) && isWord(toks[i], "AS") {
			i++
		}
		if i < len(toks) && isIdentTok(toks[i]) && !isWord(toks[i], "FROM") {
			i++ // alias
		}
		switch {
		case i < len(toks) && isPunct(toks[i], ","):
			i++
		case i < len(toks) && isWord(toks[i], "FROM"):
			return cols, true
		default:
			return nil, false
		}
	}
	return nil, false
}

// Names calls yield with every name the statement's code holds (tables,
// columns, functions, keywords that can name a function), each part of a
// qualified name on its own, lower-cased unless quoted in PostgreSQL. The
// reader cannot tell PostgreSQL's attribute notation ((row).fn, t.fn, both
// calls of fn) from a column, so a check for user functions looks at every
// name.
func (r *Reading) Names(yield func(name string) bool) {
	for _, t := range r.toks {
		switch t.typ {
		case sqllexer.IDENT, sqllexer.FUNCTION, sqllexer.QUOTED_IDENT, sqllexer.KEYWORD, sqllexer.COMMAND,
			sqllexer.BOOLEAN, sqllexer.NULL, sqllexer.PROC_INDICATOR, sqllexer.CTE_INDICATOR, sqllexer.ALIAS_INDICATOR,
			sqllexer.UNKNOWN, sqllexer.ERROR:
		default:
			continue
		}
		for part := range strings.SplitSeq(t.value, ".") {
			if n := len(part); n >= 2 && (part[0] == '"' || part[0] == '`') && part[n-1] == part[0] {
				part = part[1 : n-1]
				if r.d != PostgreSQL {
					part = strings.ToLower(part)
				}
			} else {
				part = strings.ToLower(strings.Trim(part, "\"`"))
			}
			if part != "" && !yield(part) {
				return
			}
		}
	}
}

// Operators calls yield with every operator token of the statement's code
// as the lexer cut it (a run of operator characters may come as one token
// or several).
func (r *Reading) Operators(yield func(op string) bool) {
	for _, t := range r.toks {
		if t.typ == sqllexer.OPERATOR && !yield(t.value) {
			return
		}
	}
}
