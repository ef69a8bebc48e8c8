package sqlinfo

import (
	"strings"

	sqllexer "github.com/DataDog/go-sqllexer"
)

// isNameTok reports whether t can be a table name: an identifier, or a
// keyword used as one.
func isNameTok(t token) bool {
	switch t.typ {
	case sqllexer.IDENT, sqllexer.QUOTED_IDENT, sqllexer.KEYWORD, sqllexer.FUNCTION:
		return true
	}
	return false
}

// bareName is a table name without its schema and quotes, lower-cased.
func bareName(v string) string {
	v = unquote(v)
	if i := strings.LastIndexByte(v, '.'); i >= 0 {
		v = v[i+1:]
	}
	return strings.ToLower(strings.TrimSpace(v))
}

// ddlTables fills DDLTables and DDLAllTables for the DDL command at toks[i]
// (CREATE/DROP INDEX, ALTER TABLE, CREATE/DROP TABLE, TRUNCATE, RENAME
// TABLE): the tables whose indexes or columns it may change.
func ddlTables(toks []token, i int, info *Info) {
	j := i + 1
	skip := func(words ...string) {
		for j < len(toks) && (contains(words, toks[j].upper) || contains(words, toks[j].value)) {
			j++
		}
	}
	add := func() bool {
		if j < len(toks) && isNameTok(toks[j]) && toks[j].upper != "IF" {
			if n := bareName(toks[j].value); n != "" && !contains(info.DDLTables, n) {
				info.DDLTables = append(info.DDLTables, n)
			}
			j++
			return true
		}
		return false
	}
	list := func() { // a, b, c
		for add() {
			if j < len(toks) && toks[j].value == "," {
				j++
				continue
			}
			return
		}
	}
	at := func(w string) bool { return j < len(toks) && toks[j].upper == w }
	switch toks[i].upper {
	case "CREATE":
		skip("OR", "REPLACE", "UNIQUE", "FULLTEXT", "SPATIAL", "CLUSTERED", "NONCLUSTERED", "TEMPORARY", "TEMP",
			"GLOBAL", "LOCAL", "UNLOGGED")
		switch {
		case at("INDEX"):
			for j < len(toks) && !(toks[j].upper == "ON" && toks[j].depth == toks[i].depth) {
				j++
			}
			j++
			skip("ONLY")
			if !add() {
				info.DDLAllTables = true
			}
		case at("TABLE"):
			j++
			skip("IF", "NOT", "EXISTS")
			add()
		}
	case "DROP":
		switch {
		case at("INDEX"):
			// MySQL names the table (DROP INDEX ix ON t); PostgreSQL and
			// SQLite do not: any table's verdict may be stale.
			for j < len(toks) && toks[j].upper != "ON" {
				j++
			}
			j++
			if !add() {
				info.DDLAllTables = true
			}
		case at("TABLE"):
			j++
			skip("IF", "EXISTS")
			list()
		}
	case "ALTER":
		switch {
		case at("TABLE"):
			j++
			skip("IF", "EXISTS", "ONLY")
			add()
			// ALTER TABLE a RENAME TO b: b's verdicts are a's.
			for ; j+2 < len(toks); j++ {
				if toks[j].upper == "RENAME" && toks[j+1].upper == "TO" {
					j += 2
					add()
					break
				}
			}
		case at("INDEX"):
			info.DDLAllTables = true
		}
	case "TRUNCATE":
		skip("TABLE", "ONLY")
		list()
	case "RENAME":
		if at("TABLE") || at("TABLES") {
			j++
			for add() { // a TO b, c TO d
				skip("TO", ",")
			}
		}
	}
}

// catalogSchemas are the schemas of system catalogs, per dialect.
var catalogSchemas = map[Dialect][]string{
	MySQL:      {"information_schema", "mysql", "performance_schema", "sys"},
	PostgreSQL: {"information_schema", "pg_catalog"},
	SQLite:     {},
	"":         {"information_schema", "pg_catalog", "mysql", "performance_schema", "sys"},
}

// isCatalog reports whether a table as written names a system catalog.
func isCatalog(d Dialect, name string) bool {
	n := strings.ToLower(unquote(name))
	schema, rel := "", n
	if i := strings.LastIndexByte(n, '.'); i >= 0 {
		schema, rel = n[:i], n[i+1:]
		if k := strings.LastIndexByte(schema, '.'); k >= 0 {
			schema = schema[k+1:] // database.schema.table
		}
	}
	if schema != "" && contains(catalogSchemas[d], schema) {
		return true
	}
	switch d {
	case PostgreSQL:
		return strings.HasPrefix(rel, "pg_") && (schema == "" || schema == "pg_catalog")
	case SQLite:
		return strings.HasPrefix(rel, "sqlite_")
	case "":
		return strings.HasPrefix(rel, "pg_") || strings.HasPrefix(rel, "sqlite_")
	}
	return false
}

// finish sets what depends on everything analyse read: the catalog flag
// and the summary fallback.
func finish(toks []token, d Dialect, info *Info) {
	if info.Summary == "" && len(toks) > 0 && toks[0].upper != "" {
		// SAVEPOINT x, RELEASE SAVEPOINT x, SHOW ..., SET ...: the
		// conventions' fallback is the operation.
		op := toks[0].upper
		info.Summary = toks[0].value
		if info.Operation == "" {
			info.Operation = op
		}
		if len(info.Summary) > maxSummaryLen {
			info.Summary = info.Summary[:maxSummaryLen]
		}
	}
	if info.Kind == KindDDL {
		return
	}
	info.Catalog = true
	for _, t := range info.Tables {
		if !isCatalog(d, t.Name) {
			info.Catalog = false
			return
		}
	}
}
