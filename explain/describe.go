package explain

import (
	"strings"

	"github.com/DataDog/go-sqllexer"
)

// description is what the statement text says about tables and the columns
// its conditions, sorts and groupings use. It feeds the analysers' choice of
// columns for an index.
type description struct {
	tables []TableRef
	// in are columns looked up with IN (value list) or = ANY(...).
	in []ColumnRef
	// eq are columns compared for equality (= value, IS NULL, join keys).
	eq []ColumnRef
	// join are columns compared with another column (join keys).
	join []ColumnRef
	// rng are columns compared with <, >, BETWEEN or LIKE.
	rng []ColumnRef
	// order and group are the plain columns of ORDER BY and GROUP BY;
	// orderComplex is set when ORDER BY holds expressions too.
	order, group []ColumnRef
	orderComplex bool
}

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

// describe reads tables and predicate columns from the tokens of a statement.
func describe(d Dialect, toks []token) description {
	var desc description
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
func (desc *description) readTables(d Dialect, toks []token, used []bool, j int, list, into bool) int {
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
			parts := identParts(d, t.val)
			ref := TableRef{Name: strings.Join(parts, ".")}
			used[j] = true
			j++
			if j+1 < n && isWord(toks[j], "AS") && isIdentTok(toks[j+1]) {
				ref.Alias = lastPart(strings.Join(identParts(d, toks[j+1].val), "."))
				used[j+1] = true
				j += 2
			} else if j < n && isIdentTok(toks[j]) && !notAlias[strings.ToUpper(toks[j].val)] && !into {
				ref.Alias = lastPart(strings.Join(identParts(d, toks[j].val), "."))
				used[j] = true
				j++
			}
			desc.addTable(ref)
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
	if j < len(toks) && isIdentTok(toks[j]) && !notAlias[strings.ToUpper(toks[j].val)] {
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

func (desc *description) addTable(ref TableRef) {
	if ref.Name == "" {
		return
	}
	for i, t := range desc.tables {
		if !strings.EqualFold(t.Name, ref.Name) {
			continue
		}
		if strings.EqualFold(t.Alias, ref.Alias) || ref.Alias == "" {
			return
		}
		if t.Alias == "" {
			desc.tables[i].Alias = ref.Alias
			return
		}
	}
	desc.tables = append(desc.tables, ref)
}

func addColumn(list []ColumnRef, c ColumnRef) []ColumnRef {
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
		return strings.Contains(t.val, "?")
	}
	return false
}

// readPredicates collects the columns of comparisons, ORDER BY and GROUP BY.
func (desc *description) readPredicates(d Dialect, toks []token, used []bool) {
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
					desc.order = addColumn(desc.order, c)
				}
				desc.orderComplex = desc.orderComplex || complex
			} else {
				for _, c := range cols {
					desc.group = addColumn(desc.group, c)
				}
			}
			i = next - 1
			continue
		}
		if inSet || used[i] || !isIdentTok(t) || i+1 >= n {
			continue
		}
		next := toks[i+1]
		col := columnRef(d, t.val)
		switch {
		case isWord(next, "IN") && i+2 < n && isPunct(toks[i+2], "("):
			if i+3 < n && (isWord(toks[i+3], "SELECT") || isWord(toks[i+3], "WITH")) {
				desc.eq = addColumn(desc.eq, col) // a semi-join, not a value list
			} else {
				desc.in = addColumn(desc.in, col)
			}
		case next.typ == sqllexer.OPERATOR && (next.val == "=" || next.val == "==" || next.val == "<=>"):
			if i+2 >= n {
				continue
			}
			rhs := toks[i+2]
			switch {
			case isWord(rhs, "ANY") || isWord(rhs, "SOME"):
				desc.in = addColumn(desc.in, col)
			case isIdentTok(rhs) && !(i+3 < n && isPunct(toks[i+3], "(")):
				desc.join = addColumn(desc.join, col)
				desc.join = addColumn(desc.join, columnRef(d, rhs.val))
				used[i+2] = true
			case isValueTok(rhs) || isPunct(rhs, "("):
				desc.eq = addColumn(desc.eq, col)
			}
		case next.typ == sqllexer.OPERATOR && (next.val == "<" || next.val == ">" || next.val == "<=" || next.val == ">="):
			desc.rng = addColumn(desc.rng, col)
		case isWord(next, "BETWEEN") || isWord(next, "LIKE"):
			desc.rng = addColumn(desc.rng, col)
		case isWord(next, "IS") && i+2 < n && toks[i+2].typ == sqllexer.NULL:
			desc.eq = addColumn(desc.eq, col)
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
			cols = append(cols, columnRef(d, item[0].val))
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

// resolve finds the table a column belongs to: by alias or name for a
// qualified column, the only table for an unqualified one.
func (desc *description) resolve(c ColumnRef) (TableRef, bool) {
	if c.Qualifier == "" {
		if len(desc.tables) == 1 {
			return desc.tables[0], true
		}
		return TableRef{}, false
	}
	q := c.Qualifier
	for _, t := range desc.tables {
		if t.Alias != "" && strings.EqualFold(t.Alias, lastPart(q)) {
			return t, true
		}
	}
	for _, t := range desc.tables {
		if strings.EqualFold(t.Name, q) || strings.EqualFold(lastPart(t.Name), lastPart(q)) {
			return t, true
		}
	}
	return TableRef{}, false
}

// describeStatement reads the statement and merges what the caller knew.
func describeStatement(d Dialect, st Statement) description {
	var desc description
	if s, _, err := read(d, st.Query); err == nil {
		desc = describe(d, s.tokens)
	}
	for _, t := range st.Tables {
		desc.addTable(t)
	}
	for _, c := range st.InColumns {
		desc.in = addColumn(desc.in, c)
	}
	return desc
}
