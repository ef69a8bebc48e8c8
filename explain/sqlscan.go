package explain

import (
	"errors"
	"fmt"
	"strings"

	"github.com/DataDog/go-sqllexer"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
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
	// text is the statement to send: the original text without trailing
	// semicolons and spaces.
	text string
	// placeholders counts bind placeholders (?, $n, :name, @name).
	placeholders int
	// problem says why the text cannot be explained safely, "" if it can.
	problem string
}

// maxTokens bounds the work spent on one statement.
const maxTokens = 1 << 16

// scan lexes q for dialect d and checks that it holds exactly one statement
// that explain can read with certainty. check and describeStatement scan
// the reader's text (see read), never the application's.
func scan(d Dialect, q string) scanned {
	s := scanned{text: q}
	lx := d.lexer(q)
	depth := 0
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
			// read has cut the trailing ones: any other may end a statement.
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

// analyzable reports whether EXPLAIN ANALYZE may run the statement: a
// SELECT that passed check (one statement, a text read one way only, every
// function called known to be free of side effects, no INTO anywhere) and
// that has no locking clause (FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE,
// FOR KEY SHARE, LOCK IN SHARE MODE) and no data-modifying CTE.
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
		// Anywhere: MySQL takes (SELECT ...) INTO OUTFILE too.
		for j := range toks {
			if isWord(toks[j], "INTO") && !(j > 0 && insertsInto(toks[j-1])) {
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
	// functions are the functions the statement calls.
	functions []string
}

// errFunction is wrapped (with ErrUnsafe) in the error of a statement that
// calls a function not known to be free of side effects.
var errFunction = errors.New("calls a function not known to be free of side effects")

// check lexes and classifies q and refuses what explain must never run.
// Whatever goes wrong in reading the text, the statement is refused.
func check(d Dialect, q string) (checked, error) { return checkWith(d, q, nil) }

// checkWith is check with more functions the user declared pure
// (WithPureFunctions).
func checkWith(d Dialect, q string, pure []string) (ck checked, err error) {
	defer func() {
		if r := recover(); r != nil {
			ck, err = checked{}, fmt.Errorf("%w: %w reading the statement", ErrUnsafe, ErrInternal)
		}
	}()
	s, info, err := read(d, q)
	if err != nil {
		return checked{}, err
	}
	if info.UnnamedCall {
		return checked{}, fmt.Errorf("%w: %w: a call whose function cannot be named", ErrUnsafe, errFunction)
	}
	for _, f := range info.Functions {
		if !sqlinfo.SafeFunction(readerDialect(d), f) && !declaredPure(pure, f) {
			return checked{}, fmt.Errorf("%w: %w: %s", ErrUnsafe, errFunction, f)
		}
	}
	c := classify(s.tokens)
	if c.kind == kindOther {
		return checked{}, fmt.Errorf("%w: only SELECT, UPDATE, DELETE and INSERT ... SELECT are explained", ErrUnsafe)
	}
	return checked{scanned: s, class: c, functions: info.Functions}, nil
}

func declaredPure(pure []string, f string) bool {
	for _, p := range pure {
		if p == f || strings.ToLower(p) == f {
			return true
		}
	}
	return false
}

// readerDialect is the dialect of sqlsight's SQL reader for d.
func readerDialect(d Dialect) sqlinfo.Dialect {
	switch {
	case d.isMySQLFamily():
		return sqlinfo.MySQL
	case d == PostgreSQL:
		return sqlinfo.PostgreSQL
	case d == SQLite:
		return sqlinfo.SQLite
	}
	return ""
}

// oneStatement returns q without trailing spaces and semicolons, and false
// when a ';' remains: then it may hold a second statement, whatever a
// tokenizer thinks of the quotes and comments around it. This rule is a
// byte scan on purpose: no reading of the text can defeat it. A statement
// with a ';' inside a literal or a comment is not explained (rare; the cost
// of a rule that cannot be fooled).
func oneStatement(q string) (string, bool) {
	text := strings.TrimRight(q, " \t\n\r\f\v;")
	return text, strings.IndexByte(text, ';') < 0
}

// read applies the text rules to q and reads it with sqlsight's SQL reader,
// which redacts (and so refuses here) any text it can read two ways. The
// tokens are those of the reader's text, where each literal is a 0 and each
// comment a space: go-sqllexer cannot be misled by a literal or a comment
// into missing a call or a keyword. scanned.text is the text to send.
func read(d Dialect, q string) (scanned, *sqlinfo.Info, error) {
	text, ok := oneStatement(q)
	if !ok {
		return scanned{}, nil, fmt.Errorf("%w: ';' inside the text (more than one statement, or one in a literal or comment)", ErrUnsafe)
	}
	// MySQL runs the text of /*! ... */ and /*M! ... */ comments.
	if d.isMySQLFamily() && (strings.Contains(text, "/*!") || strings.Contains(text, "/*M!") || strings.Contains(text, "/*+")) {
		return scanned{}, nil, fmt.Errorf("%w: executable comment", ErrUnsafe)
	}
	info, code := sqlinfo.ParseCode(text, readerDialect(d))
	if info.Redacted {
		return scanned{}, nil, fmt.Errorf("%w: a text that can be read two ways (quotes, comments, escapes)", ErrUnsafe)
	}
	s := scan(d, code)
	if s.problem != "" {
		return scanned{}, nil, fmt.Errorf("%w: %s", ErrUnsafe, s.problem)
	}
	s.text = text
	return s, info, nil
}
