package explainer

import (
	"strconv"
	"strings"
)

// eqpRow is one row of SQLite's EXPLAIN QUERY PLAN.
type eqpRow struct {
	id, parent int
	detail     string
}

// parseSQLitePlan builds a plan from EXPLAIN QUERY PLAN rows. SQLite gives
// no row estimates; EstimatedRows stays unknown.
func parseSQLitePlan(rows []eqpRow) (*Plan, error) {
	if len(rows) == 0 {
		return nil, ErrNoPlan
	}
	p := &Plan{Dialect: SQLite, Format: "eqp"}
	root := newNode("QUERY PLAN")
	byID := map[int]*Node{}
	var raw strings.Builder
	for _, r := range rows {
		raw.WriteString(strconv.Itoa(r.id))
		raw.WriteByte('|')
		raw.WriteString(strconv.Itoa(r.parent))
		raw.WriteByte('|')
		raw.WriteString(r.detail)
		raw.WriteByte('\n')
		n := sqliteNode(p, r.detail)
		parent := root
		// A parent must come earlier; anything else is attached to the
		// root, which also keeps malformed input from forming cycles.
		if pn, ok := byID[r.parent]; ok && r.parent != r.id {
			parent = pn
		}
		parent.Children = append(parent.Children, n)
		if _, dup := byID[r.id]; !dup {
			byID[r.id] = n
		}
	}
	p.Root = root
	p.Raw = strings.TrimRight(raw.String(), "\n")
	return p, nil
}

// sqliteNode reads one detail line: "SCAN t", "SEARCH t USING INDEX ix
// (a=?)", "USE TEMP B-TREE FOR ORDER BY", ...
func sqliteNode(p *Plan, detail string) *Node {
	n := newNode(detail)
	f := strings.Fields(detail)
	if len(f) == 0 {
		return n
	}
	switch f[0] {
	case "SCAN", "SEARCH":
		n.Op = f[0]
		rest := f[1:]
		if len(rest) > 0 && rest[0] == "TABLE" { // SQLite < 3.36
			rest = rest[1:]
		}
		if len(rest) == 0 || rest[0] == "CONSTANT" || strings.HasPrefix(rest[0], "(") {
			n.Op = detail
			return n
		}
		n.Table = rest[0]
		rest = rest[1:]
		if len(rest) >= 2 && rest[0] == "AS" {
			n.Alias = rest[1]
			rest = rest[2:]
		}
		using := strings.Join(rest, " ")
		cond := ""
		if i := strings.IndexByte(using, '('); i >= 0 {
			cond = strings.TrimSuffix(strings.TrimSpace(using[i+1:]), ")")
			using = strings.TrimSpace(using[:i])
		}
		n.IndexCond = cond
		switch {
		case strings.Contains(using, "AUTOMATIC"):
			n.Access = AccessAutoIndex
			n.Index = "(automatic)"
		case strings.HasPrefix(using, "USING INTEGER PRIMARY KEY"), strings.HasPrefix(using, "USING ROWID"):
			n.Index = "(rowid)"
			n.Access = sqliteSearchAccess(f[0], cond)
		case strings.HasPrefix(using, "USING PRIMARY KEY"):
			n.Index = "(primary key)"
			n.Access = sqliteSearchAccess(f[0], cond)
		case strings.HasPrefix(using, "USING COVERING INDEX "), strings.HasPrefix(using, "USING INDEX "):
			words := strings.Fields(using)
			n.Index = words[len(words)-1]
			n.Covering = strings.HasPrefix(using, "USING COVERING INDEX ")
			n.Access = sqliteSearchAccess(f[0], cond)
		case strings.Contains(using, "VIRTUAL TABLE"):
			n.Access = ""
		default:
			if f[0] == "SCAN" {
				n.Access = AccessFullScan
			} else {
				n.Access = sqliteSearchAccess(f[0], cond)
			}
		}
	case "USE":
		if strings.HasPrefix(detail, "USE TEMP B-TREE FOR ") {
			what := strings.TrimPrefix(detail, "USE TEMP B-TREE FOR ")
			if strings.Contains(what, "ORDER BY") {
				p.UsesFilesort = true
			} else {
				p.UsesTemporary = true
			}
		}
	}
	return n
}

func sqliteSearchAccess(op, cond string) string {
	switch {
	case op == "SCAN":
		return AccessIndexScan
	case cond == "":
		return AccessLookup
	}
	return condAccess(cond)
}

// parseEQPText reads "id|parent|detail" lines (the shape of Plan.Raw for
// SQLite). It exists for fixtures and fuzzing.
func parseEQPText(text string) (*Plan, error) {
	var rows []eqpRow
	for _, l := range strings.Split(text, "\n") {
		parts := strings.SplitN(l, "|", 3)
		if len(parts) != 3 {
			continue
		}
		id, err1 := strconv.Atoi(strings.TrimSpace(parts[0]))
		parent, err2 := strconv.Atoi(strings.TrimSpace(parts[1]))
		if err1 != nil || err2 != nil {
			continue
		}
		rows = append(rows, eqpRow{id: id, parent: parent, detail: parts[2]})
	}
	return parseSQLitePlan(rows)
}
