package explainer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// scanned is a statement read by sqlsight's SQL reader (internal/sqlinfo),
// the same reader that sanitizes and summarizes every statement.
type scanned struct {
	// tokens is the reading of the statement's code: its literals as 0,
	// without comments.
	tokens *sqlinfo.Reading
	// text is the statement to send: the original text without trailing
	// semicolons and spaces.
	text string
	// placeholders counts bind placeholders (?, $n, :name, @name).
	placeholders int
	// problem says why the text cannot be explained safely, "" if it can.
	problem string
}

// scan reads q for dialect d and checks that it holds exactly one statement
// that explain can read with certainty.
func scan(d Dialect, q string) scanned {
	r := sqlinfo.Read(q, readerDialect(d))
	return scanned{tokens: r, text: q, placeholders: r.Placeholders(), problem: r.Problem()}
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

// classify says what the statement does.
func classify(r *sqlinfo.Reading) classification {
	c := r.Classify()
	k := kindOther
	switch c.Kind {
	case sqlinfo.KindSelect:
		k = kindSelect
	case sqlinfo.KindUpdate:
		k = kindUpdate
	case sqlinfo.KindDelete:
		k = kindDelete
	case sqlinfo.KindInsert:
		k = kindInsertSelect
	}
	return classification{kind: k, writes: c.Writes}
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
// tokens are those of the reader's code, where each literal is a 0 and each
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
	s := scan(d, text)
	if s.problem != "" {
		return scanned{}, nil, fmt.Errorf("%w: %s", ErrUnsafe, s.problem)
	}
	return s, s.tokens.Info, nil
}

// maxTokens bounds the work spent on one statement or plan expression.
const maxTokens = sqlinfo.MaxTokens
