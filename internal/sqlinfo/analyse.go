package sqlinfo

import (
	"strings"

	sqllexer "github.com/DataDog/go-sqllexer"
)

// ddlObjects are the object types named after CREATE, ALTER and DROP.
var ddlObjects = map[string]bool{
	"TABLE": true, "INDEX": true, "VIEW": true, "PROCEDURE": true, "PROC": true, "TRIGGER": true,
	"DATABASE": true, "SCHEMA": true, "SEQUENCE": true, "FUNCTION": true, "USER": true, "ROLE": true,
	"TYPE": true, "EXTENSION": true,
}

// clauseEnd are keywords that end a FROM list.
var clauseEnd = map[string]bool{
	"WHERE": true, "GROUP": true, "ORDER": true, "HAVING": true, "LIMIT": true, "UNION": true,
	"SET": true, "VALUES": true, "ON": true, "USING": true, "WINDOW": true, "OFFSET": true,
	"RETURNING": true, "FOR": true, "EXCEPT": true, "INTERSECT": true, "SELECT": true,
}

// setOperators join SELECTs into one operation.
var setOperators = map[string]bool{"UNION": true, "ALL": true, "INTERSECT": true, "EXCEPT": true, "DISTINCT": true}

// notNames are keywords that can stand where a table name is expected
// without being one; other keywords there are names ("FROM table").
var notNames = map[string]bool{"LATERAL": true, "ONLY": true, "IF": true, "NOT": true, "EXISTS": true, "IGNORE": true}

// dmlCommands start a statement (or a nested one) and name the operation.
var dmlCommands = map[string]Kind{
	"SELECT": KindSelect, "INSERT": KindInsert, "UPDATE": KindUpdate, "DELETE": KindDelete,
	"REPLACE": KindInsert, "MERGE": KindOther,
}

type summaryBuilder struct {
	b    strings.Builder
	full bool
}

func (s *summaryBuilder) add(part string) {
	if s.full || part == "" {
		return
	}
	n := len(part)
	if s.b.Len() > 0 {
		n++
	}
	if s.b.Len()+n > maxSummaryLen {
		s.full = true // later parts would only make it longer
		return
	}
	if s.b.Len() > 0 {
		s.b.WriteByte(' ')
	}
	s.b.WriteString(part)
}

// analyse fills the summary, operation, tables, IN columns and kind.
func analyse(toks []token, info *Info) {
	var (
		sum        summaryBuilder
		ops        []string
		inFromList bool
		expectName bool // the next identifier is a table name
		lastTable  = -1
		skipToEnd  bool // rest of statement is a DDL/EXEC body
		fromDepth  = -1 // depth of the FROM whose list is being read
	)
	info.Statements = 0
	startOfStatement := true
	// funcParens tracks, per open parenthesis, whether it opens a function
	// call: FROM inside extract(x FROM y) or substring(a FROM b) names no table.
	var funcParens []bool
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch t.value {
		case "(":
			funcParens = append(funcParens, i > 0 && (toks[i-1].typ == sqllexer.FUNCTION || toks[i-1].typ == sqllexer.IDENT))
		case ")":
			if len(funcParens) > 0 {
				funcParens = funcParens[:len(funcParens)-1]
			}
		}
		inFunction := len(funcParens) > 0 && funcParens[len(funcParens)-1]
		if t.value == ";" && t.depth == 0 {
			startOfStatement, skipToEnd, inFromList, expectName = true, false, false, false
			continue
		}
		if startOfStatement {
			info.Statements++
			startOfStatement = false
		}
		if skipToEnd {
			continue
		}
		up := t.upper
		if up == "COPY" && (i == 0 || toks[i-1].value == ";") {
			// COPY t [(columns)] FROM STDIN / TO ...: the table, not STDIN.
			part := t.value
			if i+1 < len(toks) && isNameTok(toks[i+1]) {
				name := unquote(toks[i+1].value)
				part += " " + name
				info.Tables = append(info.Tables, TableRef{Name: name})
			}
			sum.add(part)
			ops = append(ops, up)
			skipToEnd = true
			continue
		}
		if up == "RENAME" && (i == 0 || toks[i-1].value == ";") && i+1 < len(toks) && toks[i+1].upper == "TABLE" {
			sum.add(t.value + " " + toks[i+1].value) // MySQL's RENAME TABLE a TO b
			ops = append(ops, up)
			if len(ops) == 1 {
				info.Kind = KindDDL
			}
			ddlTables(toks, i, info)
			skipToEnd = true
			continue
		}
		switch {
		case t.typ == sqllexer.COMMAND || (up == "REPLACE" && (i == 0 || toks[i-1].value == ";")):
			switch up {
			case "CREATE", "ALTER", "DROP", "TRUNCATE":
				sum.add(ddlSummary(toks, i))
				ops = append(ops, up)
				if len(ops) == 1 {
					info.Kind = KindDDL
				}
				ddlTables(toks, i, info)
				skipToEnd = true
				continue
			case "EXEC", "EXECUTE", "CALL":
				part := t.value
				if i+1 < len(toks) && isIdentifier(toks[i+1].typ) {
					part += " " + toks[i+1].value
				}
				sum.add(part)
				ops = append(ops, up)
				skipToEnd = true
				continue
			case "JOIN", "STRAIGHT_JOIN":
				expectName = true
				continue
			}
			if k, ok := dmlCommands[up]; ok {
				if !(up == "SELECT" && i > 0 && setOperators[toks[i-1].upper]) {
					sum.add(t.value) // a UNIONed SELECT is the same operation
				}
				ops = append(ops, up)
				if info.Kind == KindOther && len(ops) == 1 {
					info.Kind = k
				}
				if up == "SELECT" && info.Kind == KindInsert {
					info.InsertSelect = true
				}
				inFromList = false
				expectName = up == "UPDATE"
			}
			continue
		case (up == "FROM" || up == "INTO" || up == "ONLY") && !inFunction:
			inFromList = up == "FROM"
			if inFromList {
				fromDepth = t.depth
			}
			expectName = true
			continue
		case up == "JOIN":
			expectName = true
			continue
		case clauseEnd[up]:
			inFromList = false
			expectName = false
		case t.value == "," && inFromList && t.depth == fromDepth:
			expectName = true
			continue
		}

		if expectName && (isIdentifier(t.typ) || (t.typ == sqllexer.KEYWORD && !notNames[up])) {
			name := unquote(t.value)
			sum.add(name)
			info.Tables = append(info.Tables, TableRef{Name: name})
			lastTable = len(info.Tables) - 1
			expectName = false
			// An alias may follow: "review r" or "review AS r".
			j := i + 1
			if j < len(toks) && toks[j].typ == sqllexer.ALIAS_INDICATOR {
				j++
			}
			if j < len(toks) && isIdentifier(toks[j].typ) && !clauseEnd[toks[j].upper] {
				info.Tables[lastTable].Alias = unquote(toks[j].value)
				i = j
			}
			continue
		}
		expectName = false

		// Column lookups: col IN (...), col NOT IN (...), col = ANY(...).
		if up == "IN" || up == "ANY" {
			col := i - 1
			if up == "IN" && col >= 0 && toks[col].upper == "NOT" {
				col--
			}
			if up == "ANY" && col >= 0 && toks[col].value == "=" {
				col--
			}
			if col >= 0 && isIdentifier(toks[col].typ) && i+1 < len(toks) && toks[i+1].value == "(" {
				info.InColumns = append(info.InColumns, splitColumn(toks[col].value))
			}
		}
	}
	info.Summary = sum.b.String()
	if len(ops) > 0 {
		same := true
		for _, o := range ops[1:] {
			same = same && o == ops[0]
		}
		if same {
			info.Operation = ops[0]
		}
	}
	if distinct := distinctTables(info.Tables); distinct == 1 {
		info.Collection = info.Tables[0].Name
	}
	switch info.Kind {
	case KindInsert:
		info.SingleRowWrite = !info.InsertSelect && info.ValuesRows == 1
	case KindUpdate, KindDelete:
		info.SingleRowWrite = hasWhere(toks) && len(info.InColumns) == 0
	}
}

// ddlSummary renders "CREATE TABLE name" for the DDL starting at toks[i].
func ddlSummary(toks []token, i int) string {
	cmd := toks[i].value
	for j := i + 1; j < len(toks); j++ {
		up := toks[j].upper
		if !ddlObjects[up] {
			if toks[j].typ == sqllexer.IDENT || toks[j].typ == sqllexer.KEYWORD || toks[j].typ == sqllexer.PROC_INDICATOR {
				continue // UNIQUE, CLUSTERED, OR REPLACE, TEMPORARY, ...
			}
			return cmd
		}
		part := cmd + " " + toks[j].value
		for k := j + 1; k < len(toks); k++ {
			switch toks[k].upper {
			case "IF", "NOT", "EXISTS":
				continue
			}
			if isIdentifier(toks[k].typ) || toks[k].typ == sqllexer.FUNCTION || toks[k].typ == sqllexer.KEYWORD {
				part += " " + unquote(toks[k].value)
			}
			break
		}
		return part
	}
	return cmd
}

func hasWhere(toks []token) bool {
	for _, t := range toks {
		if t.upper == "WHERE" {
			return true
		}
	}
	return false
}

func distinctTables(ts []TableRef) int {
	seen := map[string]bool{}
	for _, t := range ts {
		seen[strings.ToLower(t.Name)] = true
	}
	return len(seen)
}

func splitColumn(s string) ColumnRef {
	s = unquote(s)
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return ColumnRef{Qualifier: s[:i], Name: s[i+1:]}
	}
	return ColumnRef{Name: s}
}

// unquote strips identifier quotes: `a`.`b` → a.b, "x" → x, [x] → x.
func unquote(s string) string {
	if !strings.ContainsAny(s, "`\"[]") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '`', '"', '[', ']':
			return -1
		}
		return r
	}, s)
}
