package explain

import (
	"fmt"
	"strings"

	"github.com/DataDog/go-sqllexer"
)

// token is one significant token of a statement (no spaces, no comments).
type token struct {
	typ   sqllexer.TokenType
	val   string
	depth int // parenthesis depth at the token ('(' counts before, ')' after)
}

// scanned is a statement read by the lexer.
type scanned struct {
	tokens []token
	// text is the statement to send: the original text without a single
	// trailing ';' (and whatever comments follow it).
	text string
	// placeholders counts bind placeholders (?, $n, :name, @name).
	placeholders int
	// problem says why the text cannot be explained safely, "" if it can.
	problem string
}

// maxTokens bounds the work spent on one statement.
const maxTokens = 1 << 16

// scan lexes q for dialect d and checks that it holds exactly one statement
// that explain can read with certainty.
func scan(d Dialect, q string) scanned {
	s := scanned{text: q}
	lx := d.lexer(q)
	depth, semicolons, afterSemicolon := 0, 0, false
	for {
		t := lx.Scan()
		if t.Type == sqllexer.EOF {
			break
		}
		if t.Value == "" {
			s.problem = "lexer made no progress"
			return s
		}
		switch t.Type {
		case sqllexer.SPACE:
			continue
		case sqllexer.COMMENT:
			// MySQL needs whitespace after "--" for a comment: "--1" is
			// minus minus one, and what the lexer would call a comment is code.
			if d.isMySQLFamily() && strings.HasPrefix(t.Value, "--") && len(t.Value) > 2 && !isSpaceByte(t.Value[2]) {
				s.problem = "ambiguous '--' comment"
				return s
			}
			continue
		case sqllexer.MULTILINE_COMMENT:
			// MySQL runs the text of /*! ... */ and /*M! ... */ comments.
			if d.isMySQLFamily() && (strings.HasPrefix(t.Value, "/*!") || strings.HasPrefix(t.Value, "/*M!") || strings.HasPrefix(t.Value, "/*+")) {
				s.problem = "executable comment"
				return s
			}
			continue
		case sqllexer.ERROR, sqllexer.INCOMPLETE_STRING:
			s.problem = "unterminated string, identifier or comment"
			return s
		case sqllexer.STRING:
			// A backslash changes where a string ends under some server
			// settings (NO_BACKSLASH_ESCAPES, standard_conforming_strings):
			// with a ';' in the same literal, the statement count would
			// depend on settings explain cannot see.
			if strings.IndexByte(t.Value, '\\') >= 0 && strings.IndexByte(t.Value, ';') >= 0 {
				s.problem = "string literal with backslash and ';'"
				return s
			}
		}
		if t.Type == sqllexer.PUNCTUATION && t.Value == ";" {
			semicolons++
			if semicolons > 1 {
				s.problem = "more than one statement"
				return s
			}
			afterSemicolon = true
			continue
		}
		if afterSemicolon {
			s.problem = "more than one statement"
			return s
		}
		if len(s.tokens) >= maxTokens {
			s.problem = "statement too long"
			return s
		}
		tk := token{typ: t.Type, val: t.Value, depth: depth}
		switch {
		case t.Type == sqllexer.PUNCTUATION && t.Value == "(":
			depth++
		case t.Type == sqllexer.PUNCTUATION && t.Value == ")":
			depth--
			tk.depth = depth
		}
		s.tokens = append(s.tokens, tk)
		s.placeholders += countPlaceholders(d, t)
	}
	if len(s.tokens) == 0 {
		s.problem = "empty statement"
		return s
	}
	if depth != 0 {
		s.problem = "unbalanced parentheses"
		return s
	}
	if semicolons == 1 {
		text, ok := cutTrailingSemicolon(d, q, len(s.tokens))
		if !ok {
			s.problem = "cannot locate the end of the statement"
			return s
		}
		s.text = text
	}
	return s
}

func isSpaceByte(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v'
}

// countPlaceholders counts the bind placeholders a token holds.
func countPlaceholders(d Dialect, t *sqllexer.Token) int {
	switch t.Type {
	case sqllexer.POSITIONAL_PARAMETER, sqllexer.BIND_PARAMETER:
		return 1
	case sqllexer.OPERATOR:
		switch d {
		case PostgreSQL:
			return 0 // '?' is a jsonb operator there
		case SQLite:
			return strings.Count(t.Value, "?") + strings.Count(t.Value, ":") // ?, ?NNN, :name
		}
		return strings.Count(t.Value, "?")
	}
	return 0
}

// cutTrailingSemicolon returns q without its one trailing ';' and what
// follows it (comments, spaces). want is the number of significant tokens
// before the ';'. It tries each ';' of the text in turn and keeps the first
// prefix that lexes to exactly those tokens, so a ';' inside a string or a
// comment is never taken for the end.
func cutTrailingSemicolon(d Dialect, q string, want int) (string, bool) {
	for off := 0; ; {
		i := strings.IndexByte(q[off:], ';')
		if i < 0 {
			return "", false
		}
		i += off
		prefix := q[:i]
		p := scanPrefix(d, prefix)
		if p.problem == "" && len(p.tokens) == want {
			return prefix, true
		}
		off = i + 1
	}
}

// scanPrefix lexes a candidate statement prefix; it never recurses into
// cutTrailingSemicolon because a prefix with a ';' is refused.
func scanPrefix(d Dialect, q string) scanned {
	if strings.IndexByte(q, ';') >= 0 {
		// The prefix may legitimately hold ';' inside strings or comments.
		s := scan(d, q)
		if s.problem == "" && s.text != q {
			s.problem = "semicolon"
		}
		return s
	}
	return scan(d, q)
}

// stmtKind is what a statement does, as far as explain cares.
type stmtKind int

const (
	kindOther stmtKind = iota
	kindSelect
	kindUpdate
	kindDelete
	kindInsertSelect
)

func (k stmtKind) String() string {
	switch k {
	case kindSelect:
		return "SELECT"
	case kindUpdate:
		return "UPDATE"
	case kindDelete:
		return "DELETE"
	case kindInsertSelect:
		return "INSERT ... SELECT"
	}
	return "other"
}

// classification is what explain needs to know before running anything.
type classification struct {
	kind stmtKind
	// writes is true when any part of the statement modifies data (a
	// data-modifying CTE, ON DUPLICATE KEY UPDATE, FOR UPDATE, ...).
	writes bool
}

// analyzable reports whether EXPLAIN ANALYZE may run the statement.
func (c classification) analyzable() bool { return c.kind == kindSelect && !c.writes }

// isWord reports whether t is the bare word w (keyword or identifier, not a
// quoted identifier or a string), case-insensitively.
func isWord(t token, w string) bool {
	switch t.typ {
	case sqllexer.STRING, sqllexer.QUOTED_IDENT, sqllexer.NUMBER, sqllexer.POSITIONAL_PARAMETER, sqllexer.BIND_PARAMETER:
		return false
	}
	return strings.EqualFold(t.val, w)
}

func isPunct(t token, p string) bool {
	return t.typ == sqllexer.PUNCTUATION && t.val == p
}

// classify says what the statement does. It only reads tokens.
func classify(toks []token) classification {
	var c classification
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
			if toks[j].depth == start.depth && isCommand(toks[j]) {
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
		c.kind = kindSelect
		// SELECT ... INTO creates a table (PostgreSQL) or writes a file or
		// variables (MySQL): refused, whatever EXPLAIN would do with it.
		for j := main + 1; j < len(toks); j++ {
			if toks[j].depth == m.depth && isWord(toks[j], "INTO") {
				c.kind = kindOther
				return c
			}
		}
	case isWord(m, "UPDATE"):
		c.kind = kindUpdate
	case isWord(m, "DELETE"):
		c.kind = kindDelete
	case isWord(m, "INSERT"):
		// Only INSERT ... SELECT: a VALUES (or SET) list before any SELECT
		// makes it a plain insert.
		for j := main + 1; j < len(toks); j++ {
			t := toks[j]
			if t.depth == m.depth && (isWord(t, "VALUES") || isWord(t, "VALUE") || isWord(t, "SET") || isWord(t, "DEFAULT")) {
				break
			}
			if isWord(t, "SELECT") || (isWord(t, "WITH") && t.typ == sqllexer.CTE_INDICATOR) {
				c.kind = kindInsertSelect
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
			c.writes = true
		}
	}
	if c.kind != kindSelect {
		c.writes = true
	}
	return c
}

func isCommand(t token) bool {
	for _, w := range [...]string{"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "VALUES", "TABLE"} {
		if isWord(t, w) {
			return true
		}
	}
	return false
}

// checked is a statement that passed the safety checks.
type checked struct {
	scanned
	class classification
}

// check lexes and classifies q and refuses what explain must never run.
// Whatever goes wrong in reading the text, the statement is refused.
func check(d Dialect, q string) (ck checked, err error) {
	defer func() {
		if r := recover(); r != nil {
			ck, err = checked{}, fmt.Errorf("%w: %w reading the statement", ErrUnsafe, ErrInternal)
		}
	}()
	s := scan(d, q)
	if s.problem != "" {
		return checked{}, fmt.Errorf("%w: %s", ErrUnsafe, s.problem)
	}
	c := classify(s.tokens)
	if c.kind == kindOther {
		return checked{}, fmt.Errorf("%w: only SELECT, UPDATE, DELETE and INSERT ... SELECT are explained", ErrUnsafe)
	}
	return checked{scanned: s, class: c}, nil
}
