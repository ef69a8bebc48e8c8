package explainer

import (
	"fmt"
	"strconv"
	"strings"
)

// mysqlAccess maps MySQL/MariaDB join types ("type" / "access_type") to the
// normalised access methods.
func mysqlAccess(t string) string {
	switch strings.ToLower(t) {
	case "all", "hash_all":
		return AccessFullScan
	case "index", "hash_index":
		return AccessIndexScan
	case "range", "hash_range":
		return AccessRange
	case "index_merge", "hash_index_merge":
		return AccessIndexMerge
	case "ref", "eq_ref", "ref_or_null", "fulltext", "unique_subquery", "index_subquery", "hash_ref", "hash_eq_ref":
		return AccessLookup
	case "const", "system":
		return AccessConst
	case "":
		return ""
	}
	return strings.ToLower(t)
}

// parseMySQLJSON reads EXPLAIN FORMAT=JSON output of MySQL 8 and MariaDB.
// The two formats differ (MariaDB wraps sorts in "filesort" and
// "temporary_table" objects and puts tables under "nested_loop"; MySQL 8
// flags "using_filesort" on "ordering_operation" and counts
// "rows_examined_per_scan"); the walker reads both: tables are objects under a
// "table" key wherever they appear, and every other object is a step.
func parseMySQLJSON(d Dialect, data []byte) (*Plan, error) {
	v, err := parseJSON(repairJSONStrings(data))
	if err != nil {
		return nil, err
	}
	qb := v.get("query_block")
	if qb == nil || qb.kind != 'o' {
		return nil, fmt.Errorf("%w: no query_block in JSON plan", ErrNoPlan)
	}
	p := &Plan{Dialect: d, Format: "json", Raw: string(data)}
	root := newNode("query_block")
	w := mysqlWalker{p: p}
	w.object(qb, root, "query_block")
	p.Root = root
	return p, nil
}

type mysqlWalker struct {
	p *Plan
}

// mysqlScalarKeys are members that describe a step rather than nest one.
var mysqlScalarKeys = map[string]bool{
	"cost_info": true, "used_columns": true, "possible_keys": true, "used_key_parts": true,
	"ref": true, "partitions": true, "r_loops": true, "r_total_time_ms": true, "r_buffer_size": true,
	"r_filesort_passes": true, "r_used_priority_queue": true, "r_output_rows": true, "r_limit": true,
	"r_table_time_ms": true, "r_other_time_ms": true, "r_engine_stats": true, "rowid_filter": true,
	"range-checked-for-each-record": true, "r_effective_rows": true, "r_icp_filtered": true,
}

// object walks the members of a step object, adding what it finds to n.
func (w *mysqlWalker) object(obj *jvalue, n *Node, key string) {
	for _, m := range obj.obj {
		switch m.key {
		case "using_filesort":
			if m.val.truthy() {
				w.p.UsesFilesort = true
			}
			continue
		case "using_temporary_table":
			// A UNION's temporary table is how it removes duplicates, not a
			// missing index.
			if m.val.truthy() && key != "union_result" {
				w.p.UsesTemporary = true
			}
			continue
		case "sort_key":
			n.SortKey = append(n.SortKey, m.val.strings()...)
			continue
		case "attached_condition":
			if n.Filter == "" {
				n.Filter = m.val.text()
			}
			continue
		case "r_rows", "r_loops":
			w.p.Analyzed = true
		}
		if mysqlScalarKeys[m.key] {
			continue
		}
		switch m.val.kind {
		case 'o':
			if m.key == "table" {
				n.Children = append(n.Children, w.table(m.val))
				continue
			}
			step := newNode(m.key)
			switch m.key {
			case "filesort":
				w.p.UsesFilesort = true
			case "temporary_table":
				w.p.UsesTemporary = true
			}
			w.object(m.val, step, m.key)
			if len(step.Children) > 0 || len(step.SortKey) > 0 || step.Filter != "" {
				n.Children = append(n.Children, step)
			}
		case 'a':
			step := newNode(m.key)
			for _, e := range m.val.arr {
				if e.kind == 'o' {
					w.object(e, step, m.key)
				}
			}
			if len(step.Children) > 0 {
				n.Children = append(n.Children, step)
			}
		}
	}
}

// table reads a "table" object: one table access, possibly with nested
// steps (materialized subqueries).
func (w *mysqlWalker) table(obj *jvalue) *Node {
	access := obj.get("access_type").text()
	n := newNode(access)
	if n.Op == "" {
		n.Op = "table"
	}
	if msg := obj.get("message").text(); msg != "" {
		n.Op = msg
	}
	name := obj.get("table_name").text()
	if strings.HasPrefix(name, "<") {
		// <derived2>, <subquery3>, <union1,2>: not a table of the schema.
		n.Op = strings.TrimSpace(n.Op + " " + name)
	} else {
		n.Table = name
		n.Access = mysqlAccess(access)
	}
	n.Index = obj.get("key").text()
	n.PossibleIndexes = obj.get("possible_keys").strings()
	if r, ok := obj.get("rows_examined_per_scan").number(); ok {
		n.EstimatedRows = r
	} else if r, ok := obj.get("rows").number(); ok {
		n.EstimatedRows = r
	}
	if r, ok := obj.get("r_rows").number(); ok {
		n.ActualRows = r
		w.p.Analyzed = true
	}
	n.IndexCond = obj.get("index_condition").text()
	if n.IndexCond == "" {
		n.IndexCond = obj.get("pushed_index_condition").text()
	}
	n.Partitions = obj.get("partitions").strings()
	n.Covering = obj.get("using_index").truthy()
	for _, m := range obj.obj {
		switch m.key {
		case "table_name", "access_type", "key", "possible_keys", "rows", "rows_examined_per_scan",
			"r_rows", "index_condition", "pushed_index_condition", "partitions", "message", "using_index":
			continue
		}
		// Filter, flags and nested steps (materialized, attached_subqueries).
		w.object(&jvalue{kind: 'o', obj: []jmember{m}}, n, "table")
	}
	return n
}

// parseMySQLTabular reads the classic tabular EXPLAIN: one row per table,
// with columns found by name (they differ across versions).
func parseMySQLTabular(d Dialect, cols []string, rows [][]string) (*Plan, error) {
	if len(rows) == 0 {
		return nil, ErrNoPlan
	}
	idx := map[string]int{}
	for i, c := range cols {
		idx[strings.ToLower(c)] = i
	}
	field := func(row []string, name string) string {
		i, ok := idx[name]
		if !ok || i >= len(row) {
			return ""
		}
		if v := row[i]; v != "NULL" {
			return v
		}
		return ""
	}
	p := &Plan{Dialect: d, Format: "tabular"}
	root := newNode("EXPLAIN")
	var raw strings.Builder
	raw.WriteString(strings.Join(cols, "\t"))
	for _, row := range rows {
		raw.WriteByte('\n')
		raw.WriteString(strings.Join(row, "\t"))
		typ := field(row, "type")
		n := newNode(typ)
		if n.Op == "" {
			n.Op = "table"
		}
		if name := field(row, "table"); strings.HasPrefix(name, "<") {
			n.Op = strings.TrimSpace(n.Op + " " + name)
		} else {
			n.Table = name
			if name != "" {
				n.Access = mysqlAccess(typ)
			}
		}
		n.Index = field(row, "key")
		if pk := field(row, "possible_keys"); pk != "" {
			n.PossibleIndexes = strings.Split(pk, ",")
		}
		if parts := field(row, "partitions"); parts != "" {
			n.Partitions = strings.Split(parts, ",")
		}
		if r, err := strconv.ParseFloat(field(row, "rows"), 64); err == nil {
			n.EstimatedRows = r
		}
		extra := field(row, "extra")
		if strings.Contains(extra, "Using filesort") {
			p.UsesFilesort = true
		}
		if strings.Contains(extra, "Using temporary") {
			p.UsesTemporary = true
		}
		if strings.Contains(extra, "Using where") {
			n.Filter = "(using where)"
		}
		if strings.Contains(extra, "Using index condition") {
			n.IndexCond = "(using index condition)"
		}
		for _, e := range strings.Split(extra, ";") {
			if strings.TrimSpace(e) == "Using index" {
				n.Covering = true
			}
		}
		root.Children = append(root.Children, n)
	}
	p.Root = root
	p.Raw = raw.String()
	return p, nil
}

// parseTabularText reads a tab-separated rendering of a tabular plan (a
// header line, then one line per row). It exists for fixtures and fuzzing.
func parseTabularText(d Dialect, text string) (*Plan, error) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) < 2 {
		return nil, ErrNoPlan
	}
	cols := strings.Split(lines[0], "\t")
	rows := make([][]string, 0, len(lines)-1)
	for _, l := range lines[1:] {
		rows = append(rows, strings.Split(l, "\t"))
	}
	return parseMySQLTabular(d, cols, rows)
}

// repairJSONStrings makes the string escapes of MariaDB's JSON plans valid:
// MariaDB writes a quote inside a condition as \' (invalid in JSON) and can
// leave control characters unescaped. Both are fixed inside strings only;
// valid JSON comes out unchanged (and uncopied).
func repairJSONStrings(data []byte) []byte {
	var out []byte // allocated at the first repair
	repair := func(i int) {
		if out == nil {
			out = append(make([]byte, 0, len(data)+16), data[:i]...)
		}
	}
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\':
			if i+1 < len(data) && strings.IndexByte(`"\/bfnrtu`, data[i+1]) >= 0 {
				if out != nil {
					out = append(out, c, data[i+1])
				}
				i++
				continue
			}
			// An invalid escape: drop the backslash. A quote becomes a doubled
			// quote, so that the SQL in the string stays one literal (and
			// redaction replaces all of it).
			repair(i)
			if i+1 < len(data) && data[i+1] == '\'' {
				out = append(out, '\'')
			}
			continue
		case c < 0x20:
			repair(i)
			out = append(out, fmt.Sprintf(`\u%04x`, c)...)
			continue
		}
		if out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return data
	}
	return out
}
