package sqlinfo

import (
	"strings"

	sqllexer "github.com/DataDog/go-sqllexer"
)

// Description is what a statement's text says about its tables and the
// columns its conditions, sorts and groupings use: what an index
// suggestion is built from.
type Description struct {
	Tables []TableRef
	// In are columns looked up with IN (value list) or = ANY(...).
	In []ColumnRef
	// Eq are columns compared for equality (= value, IS NULL, semi-joins).
	Eq []ColumnRef
	// Join are columns compared with another column (join keys).
	Join []ColumnRef
	// Range are columns compared with <, >, BETWEEN or LIKE.
	Range []ColumnRef
	// Order and Group are the plain columns of ORDER BY and GROUP BY;
	// OrderComplex is set when ORDER BY holds expressions too.
	Order, Group []ColumnRef
	OrderComplex bool
}

// isWord reports whether t is the bare word w (upper-case): a keyword or
// an unquoted name, never a quoted name, a literal or a parameter.
func isWord(t token, w string) bool { return t.upper == w }

func isPunct(t token, p string) bool { return t.typ == sqllexer.PUNCTUATION && t.value == p }

// notAlias lists words that may follow a table name without being its alias.
var notAlias = map[string]bool{
	"FORCE": true, "IGNORE": true, "USE": true, "FOR": true, "NATURAL": true, "CROSS": true,
	"FULL": true, "PARTITION": true, "TABLESAMPLE": true, "LOCK": true, "RETURNING": true,
	"STRAIGHT_JOIN": true, "WINDOW": true, "FETCH": true, "NOWAIT": true, "OUTER": true,
	"INNER": true, "LEFT": true, "RIGHT": true, "ON": true, "WHERE": true, "SET": true,
	"GROUP": true, "ORDER": true, "LIMIT": true, "UNION": true, "EXCEPT": true, "INTERSECT": true,
	"HAVING": true, "USING": true, "JOIN": true, "VALUES": true, "SELECT": true, "DEFAULT": true,
	"INDEXED": true, "NOT": true, "OFFSET": true, "SKIP": true, "AS": true, "WITH": true,
}

func isIdentTok(t token) bool {
	return t.typ == sqllexer.IDENT || t.typ == sqllexer.QUOTED_IDENT
}

// identParts splits a possibly qualified identifier into its parts, removing
// quotes. PostgreSQL folds unquoted names to lower case, so they are folded
// here too and the names match the catalog's.
func identParts(d Dialect, v string) []string {
	var parts []string
	var cur strings.Builder
	quoted := false
	var quote byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quote != 0:
			closing := quote
			if quote == '[' {
				closing = ']'
			}
			if c == closing {
				if i+1 < len(v) && v[i+1] == closing && closing != ']' {
					cur.WriteByte(c)
					i++
					continue
				}
				quote = 0
				continue
			}
			cur.WriteByte(c)
		case c == '"' || c == '`' || c == '[':
			quote = c
			quoted = true
		case c == '.':
			parts = append(parts, cur.String())
			cur.Reset()
			quoted = false
		default:
			if d == PostgreSQL && !quoted {
				c = lowerByte(c)
			}
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func columnRef(d Dialect, v string) ColumnRef {
	parts := identParts(d, v)
	if len(parts) == 1 {
		return ColumnRef{Name: parts[0]}
	}
	return ColumnRef{Qualifier: strings.Join(parts[:len(parts)-1], "."), Name: parts[len(parts)-1]}
}

// lastPart returns the name without its schema.
func lastPart(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// matchParen returns the index of the ')' closing the '(' at i, or len-1.
func matchParen(toks []token, i int) int {
	if i >= len(toks) || !isPunct(toks[i], "(") {
		return i - 1
	}
	d := toks[i].depth
	for j := i + 1; j < len(toks); j++ {
		if isPunct(toks[j], ")") && toks[j].depth == d {
			return j
		}
	}
	return len(toks) - 1
}

// describeTokens reads tables and predicate columns from the tokens of a
// statement.
func describeTokens(d Dialect, toks []token) Description {
	var desc Description
	used := make([]bool, len(toks))
	inFunc := functionParens(toks)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		prev := token{}
		if i > 0 {
			prev = toks[i-1]
		}
		switch {
		case isWord(t, "FROM") && !inFunc[i], isWord(t, "USING") && i+1 < len(toks) && !isPunct(toks[i+1], "("):
			i = desc.readTables(d, toks, used, i+1, true, false) - 1
		case isWord(t, "JOIN") || isWord(t, "STRAIGHT_JOIN") && !isWord(prev, "SELECT"):
			i = desc.readTables(d, toks, used, i+1, false, false) - 1
		case isWord(t, "INTO"):
			i = desc.readTables(d, toks, used, i+1, false, true) - 1
		case isWord(t, "UPDATE") && !isWord(prev, "KEY") && !isWord(prev, "FOR") && !isWord(prev, "DO") && !isWord(prev, "NO"):
			i = desc.readTables(d, toks, used, i+1, true, false) - 1
		}
	}
	desc.readPredicates(d, toks, used)
	return desc
}

// functionParens reports, per token, whether its innermost parenthesis is
// a function call's (so that EXTRACT(x FROM y) is not read as a table).
func functionParens(toks []token) []bool {
	out := make([]bool, len(toks))
	var stack []bool
	for i, t := range toks {
		if len(stack) > 0 {
			out[i] = stack[len(stack)-1]
		}
		switch {
		case isPunct(t, "("):
			stack = append(stack, i > 0 && toks[i-1].typ == sqllexer.FUNCTION)
		case isPunct(t, ")") && len(stack) > 0:
			stack = stack[:len(stack)-1]
		}
	}
	return out
}

// readTables reads table references from j: one, or a comma-separated list.
// It returns the index of the first token it did not consume.
func (desc *Description) readTables(d Dialect, toks []token, used []bool, j int, list, into bool) int {
	n := len(toks)
	for j < n {
		for j < n && (isWord(toks[j], "ONLY") || isWord(toks[j], "LATERAL") || isWord(toks[j], "TABLE") && into) {
			j++
		}
		if j >= n {
			return j
		}
		t := toks[j]
		switch {
		case isPunct(t, "("):
			j = matchParen(toks, j) + 1
			j = skipAlias(toks, used, j)
		case t.typ == sqllexer.FUNCTION && !into:
			j = matchParen(toks, j+1) + 1
			j = skipAlias(toks, used, j)
		case isIdentTok(t) || t.typ == sqllexer.FUNCTION:
			parts := identParts(d, t.value)
			ref := TableRef{Name: strings.Join(parts, ".")}
			used[j] = true
			j++
			if j+1 < n && isWord(toks[j], "AS") && isIdentTok(toks[j+1]) {
				ref.Alias = lastPart(strings.Join(identParts(d, toks[j+1].value), "."))
				used[j+1] = true
				j += 2
			} else if j < n && isIdentTok(toks[j]) && !notAlias[strings.ToUpper(toks[j].value)] && !into {
				ref.Alias = lastPart(strings.Join(identParts(d, toks[j].value), "."))
				used[j] = true
				j++
			}
			desc.AddTable(ref)
		default:
			return j
		}
		j = skipTableHints(toks, j)
		if list && j < n && isPunct(toks[j], ",") {
			j++
			continue
		}
		return j
	}
	return j
}

func skipAlias(toks []token, used []bool, j int) int {
	if j < len(toks) && isWord(toks[j], "AS") {
		j++
	}
	if j < len(toks) && isIdentTok(toks[j]) && !notAlias[strings.ToUpper(toks[j].value)] {
		used[j] = true
		j++
	}
	return j
}

// skipTableHints skips MySQL PARTITION (...) and index hints, and SQLite's
// INDEXED BY / NOT INDEXED, after a table name.
func skipTableHints(toks []token, j int) int {
	for j < len(toks) {
		switch t := toks[j]; {
		case isWord(t, "PARTITION"):
			j = matchParen(toks, j+1) + 1
		case isWord(t, "USE") || isWord(t, "FORCE") || isWord(t, "IGNORE"):
			k := j + 1
			for k < len(toks) && !isPunct(toks[k], "(") && k < j+5 {
				k++
			}
			j = matchParen(toks, k) + 1
		case isWord(t, "INDEXED") && j+2 < len(toks):
			j += 3
		case isWord(t, "NOT") && j+1 < len(toks) && isWord(toks[j+1], "INDEXED"):
			j += 2
		default:
			return j
		}
	}
	return j
}

// AddTable adds a table unless it is there; a known table gains an alias.
func (desc *Description) AddTable(ref TableRef) {
	if ref.Name == "" {
		return
	}
	for i, t := range desc.Tables {
		if !strings.EqualFold(t.Name, ref.Name) {
			continue
		}
		if strings.EqualFold(t.Alias, ref.Alias) || ref.Alias == "" {
			return
		}
		if t.Alias == "" {
			desc.Tables[i].Alias = ref.Alias
			return
		}
	}
	desc.Tables = append(desc.Tables, ref)
}

// AddColumn appends c to list unless it is there (names compared
// case-insensitively).
func AddColumn(list []ColumnRef, c ColumnRef) []ColumnRef {
	if c.Name == "" {
		return list
	}
	for _, x := range list {
		if strings.EqualFold(x.Name, c.Name) && strings.EqualFold(x.Qualifier, c.Qualifier) {
			return list
		}
	}
	return append(list, c)
}

// isValueTok reports whether t is a literal or a placeholder.
func isValueTok(t token) bool {
	switch t.typ {
	case sqllexer.STRING, sqllexer.NUMBER, sqllexer.POSITIONAL_PARAMETER, sqllexer.BIND_PARAMETER,
		sqllexer.BOOLEAN, sqllexer.NULL, sqllexer.FUNCTION, sqllexer.DOLLAR_QUOTED_STRING:
		return true
	case sqllexer.OPERATOR:
		return strings.Contains(t.value, "?")
	}
	return false
}

// readPredicates collects the columns of comparisons, ORDER BY and GROUP BY.
func (desc *Description) readPredicates(d Dialect, toks []token, used []bool) {
	n := len(toks)
	inSet, setDepth := false, 0
	for i := 0; i < n; i++ {
		t := toks[i]
		switch {
		case isWord(t, "SET") && t.typ != sqllexer.IDENT:
			inSet, setDepth = true, t.depth
			continue
		case isWord(t, "UPDATE") && i > 0 && isWord(toks[i-1], "KEY"):
			inSet, setDepth = true, t.depth // ON DUPLICATE KEY UPDATE
			continue
		case inSet && t.depth <= setDepth && (isWord(t, "WHERE") || isWord(t, "FROM") || isWord(t, "RETURNING")):
			inSet = false
		case (isWord(t, "ORDER") || isWord(t, "GROUP")) && i+1 < n && isWord(toks[i+1], "BY"):
			cols, complex, next := readByList(d, toks, i+2)
			if isWord(t, "ORDER") {
				for _, c := range cols {
					desc.Order = AddColumn(desc.Order, c)
				}
				desc.OrderComplex = desc.OrderComplex || complex
			} else {
				for _, c := range cols {
					desc.Group = AddColumn(desc.Group, c)
				}
			}
			i = next - 1
			continue
		}
		if inSet || used[i] || !isIdentTok(t) || i+1 >= n {
			continue
		}
		next := toks[i+1]
		col := columnRef(d, t.value)
		switch {
		case isWord(next, "IN") && i+2 < n && isPunct(toks[i+2], "("):
			if i+3 < n && (isWord(toks[i+3], "SELECT") || isWord(toks[i+3], "WITH")) {
				desc.Eq = AddColumn(desc.Eq, col) // a semi-join, not a value list
			} else {
				desc.In = AddColumn(desc.In, col)
			}
		case next.typ == sqllexer.OPERATOR && (next.value == "=" || next.value == "==" || next.value == "<=>"):
			if i+2 >= n {
				continue
			}
			rhs := toks[i+2]
			switch {
			case isWord(rhs, "ANY") || isWord(rhs, "SOME"):
				desc.In = AddColumn(desc.In, col)
			case isIdentTok(rhs) && !(i+3 < n && isPunct(toks[i+3], "(")):
				desc.Join = AddColumn(desc.Join, col)
				desc.Join = AddColumn(desc.Join, columnRef(d, rhs.value))
				used[i+2] = true
			case isValueTok(rhs) || isPunct(rhs, "("):
				desc.Eq = AddColumn(desc.Eq, col)
			}
		case next.typ == sqllexer.OPERATOR && (next.value == "<" || next.value == ">" || next.value == "<=" || next.value == ">="):
			desc.Range = AddColumn(desc.Range, col)
		case isWord(next, "BETWEEN") || isWord(next, "LIKE"):
			desc.Range = AddColumn(desc.Range, col)
		case isWord(next, "IS") && i+2 < n && toks[i+2].typ == sqllexer.NULL:
			desc.Eq = AddColumn(desc.Eq, col)
		}
	}
}

// readByList reads an ORDER BY or GROUP BY list starting at i. It returns
// the plain columns, whether some items were expressions, and the index
// after the list.
func readByList(d Dialect, toks []token, i int) ([]ColumnRef, bool, int) {
	if i >= len(toks) {
		return nil, false, i
	}
	depth := toks[i].depth
	var cols []ColumnRef
	complex := false
	var item []token
	flush := func() {
		switch {
		case len(item) == 0:
		case isIdentTok(item[0]) && allModifiers(item[1:]):
			cols = append(cols, columnRef(d, item[0].value))
		default:
			complex = true
		}
		item = item[:0]
	}
	j := i
	for ; j < len(toks); j++ {
		t := toks[j]
		if t.depth < depth || (t.depth == depth && isPunct(t, ")")) {
			break
		}
		if t.depth == depth {
			if isPunct(t, ",") {
				flush()
				continue
			}
			if t.typ == sqllexer.KEYWORD && !isWord(t, "ASC") && !isWord(t, "DESC") || t.typ == sqllexer.COMMAND ||
				isWord(t, "FOR") || isWord(t, "FETCH") {
				break
			}
		}
		item = append(item, t)
	}
	flush()
	return cols, complex, j
}

func allModifiers(ts []token) bool {
	for _, t := range ts {
		if !(isWord(t, "ASC") || isWord(t, "DESC") || isWord(t, "NULLS") || isWord(t, "FIRST") || isWord(t, "LAST") || isWord(t, "COLLATE")) {
			return false
		}
	}
	return true
}

// Resolve finds the table a column belongs to: by alias or name for a
// qualified column, the only table for an unqualified one.
func (desc *Description) Resolve(c ColumnRef) (TableRef, bool) {
	if c.Qualifier == "" {
		if len(desc.Tables) == 1 {
			return desc.Tables[0], true
		}
		return TableRef{}, false
	}
	q := c.Qualifier
	for _, t := range desc.Tables {
		if t.Alias != "" && strings.EqualFold(t.Alias, lastPart(q)) {
			return t, true
		}
	}
	for _, t := range desc.Tables {
		if strings.EqualFold(t.Name, q) || strings.EqualFold(lastPart(t.Name), lastPart(q)) {
			return t, true
		}
	}
	return TableRef{}, false
}
