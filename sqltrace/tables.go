package sqltrace

import (
	"strings"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// isCatalog reports whether a statement reads only system catalogs, or no
// table at all (SELECT DATABASE(), SELECT 1): such statements are the
// ORM's or the driver's business, not the application's data access, and
// never count towards loops or duplicates nor get plan findings.
func isCatalog(info *sqlinfo.Info) bool { return info.Catalog }

// catalogTable reports whether a table name, as written, names a system
// catalog: information_schema, pg_catalog and pg_* relations, mysql,
// performance_schema, sys, and SQLite's sqlite_* tables.
func catalogTable(name string) bool {
	if strings.ContainsAny(name, "\"`[]") {
		name = unquoteName(name)
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		schema := name[:i]
		for _, c := range [...]string{"information_schema", "pg_catalog", "mysql", "performance_schema", "sys"} {
			if strings.EqualFold(schema, c) {
				return true
			}
		}
		name = name[i+1:]
	}
	return hasPrefixFold(name, "pg_") || hasPrefixFold(name, "sqlite_") || strings.EqualFold(name, "information_schema")
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case, without the
// allocation of lowering the name: it runs for every statement.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func unquoteName(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '"', '`', '[', ']':
			return -1
		}
		return r
	}, s)
}

// ddlTables returns the tables a schema change names, or all=true when it
// may concern any table (PostgreSQL's DROP INDEX names no table); ok is
// false for statements that are not DDL.
func ddlTables(info *sqlinfo.Info) (tables []string, all, ok bool) {
	if info.Kind != sqlinfo.KindDDL {
		return nil, false, false
	}
	return info.DDLTables, info.DDLAllTables || len(info.DDLTables) == 0, true
}

// tableHash is a key of a table name that ignores quotes, the schema and
// letter case: a write to "Shop"."Orders" is a write to orders.
func tableHash(name string) uint64 {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '"' || c == '`' || c == '[' || c == ']':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}
