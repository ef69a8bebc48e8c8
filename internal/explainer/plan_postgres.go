package explainer

import (
	"fmt"
	"strings"
)

// parsePostgresJSON reads EXPLAIN (FORMAT JSON) output.
func parsePostgresJSON(data []byte) (*Plan, error) {
	v, err := parseJSON(data)
	if err != nil {
		return nil, err
	}
	top := v
	if v.kind == 'a' {
		if len(v.arr) == 0 {
			return nil, ErrNoPlan
		}
		top = v.arr[0]
	}
	pv := top.get("Plan")
	if pv == nil || pv.kind != 'o' {
		return nil, fmt.Errorf("%w: no Plan in JSON plan", ErrNoPlan)
	}
	p := &Plan{Dialect: PostgreSQL, Format: "json", Raw: string(data)}
	p.Root = pgNode(p, pv, 0)
	return p, nil
}

// pgFilterKeys are the condition members of a PostgreSQL plan node that go
// into Node.Filter (IndexCond takes "Index Cond" and "Recheck Cond").
var pgFilterKeys = []string{"Filter", "Hash Cond", "Merge Cond", "Join Filter", "One-Time Filter", "TID Cond"}

func pgNode(p *Plan, v *jvalue, depth int) *Node {
	typ := v.get("Node Type").text()
	n := newNode(typ)
	if op := v.get("Operation").text(); typ == "ModifyTable" && op != "" {
		n.Op = op
	}
	if r, ok := v.get("Plan Rows").number(); ok {
		n.EstimatedRows = r
	}
	if c, ok := v.get("Total Cost").number(); ok {
		n.Cost = c
	}
	n.Covering = typ == "Index Only Scan"
	if r, ok := v.get("Actual Rows").number(); ok {
		n.ActualRows = r
		p.Analyzed = true
	}
	n.Table = v.get("Relation Name").text()
	if n.Table != "" {
		n.Alias = v.get("Alias").text()
	}
	n.Index = v.get("Index Name").text()
	n.IndexCond = v.get("Index Cond").text()
	if rc := v.get("Recheck Cond").text(); rc != "" && n.IndexCond == "" {
		n.IndexCond = rc
	}
	var filters []string
	for _, k := range pgFilterKeys {
		if f := v.get(k).text(); f != "" {
			filters = append(filters, f)
		}
	}
	n.Filter = strings.Join(filters, " AND ")
	n.SortKey = v.get("Sort Key").strings()
	if typ == "Sort" {
		p.UsesFilesort = true
	}
	if depth < maxJSONDepth {
		if kids := v.get("Plans"); kids != nil {
			for _, k := range kids.arr {
				if k.kind == 'o' {
					n.Children = append(n.Children, pgNode(p, k, depth+1))
				}
			}
		}
	}
	n.Access = pgAccess(n)
	if typ == "Bitmap Heap Scan" && n.Index == "" {
		// The index is read by the Bitmap Index Scan(s) below.
		var names []string
		for _, c := range n.Children {
			c.Walk(func(x *Node) bool {
				if x.Index != "" && !contains(names, x.Index) {
					names = append(names, x.Index)
				}
				return true
			})
		}
		n.Index = strings.Join(names, ",")
	}
	return n
}

// pgAccess maps a PostgreSQL node to a normalised access method.
func pgAccess(n *Node) string {
	switch n.Op {
	case "Seq Scan", "Sample Scan":
		return AccessFullScan
	case "Index Scan", "Index Only Scan", "Bitmap Heap Scan":
		if n.Table == "" {
			return ""
		}
		if n.IndexCond == "" {
			return AccessIndexScan
		}
		return condAccess(n.IndexCond)
	case "Tid Scan":
		return AccessConst
	case "Tid Range Scan":
		return AccessRange
	}
	return ""
}

// condAccess tells a lookup (equalities) from a range read by the operators
// of an index condition.
func condAccess(cond string) string {
	if strings.ContainsAny(cond, "<>~") || strings.Contains(strings.ToUpper(cond), " LIKE ") {
		return AccessRange
	}
	return AccessLookup
}
