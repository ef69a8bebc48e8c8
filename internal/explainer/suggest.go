package explainer

import (
	"hash/fnv"
	"strconv"
	"strings"
)

// maxIdentLen is the shortest identifier limit of the dialects (PostgreSQL
// 63 bytes, MySQL 64).
const maxIdentLen = 63

// indexSpec is a suggested index: its key columns in order (equality and IN
// columns first, then a range or the sort) and the columns it carries only
// to answer the statement from the index (INCLUDE on PostgreSQL; MySQL and
// SQLite have no INCLUDE, so there they are appended to the key).
type indexSpec struct {
	table   string // as the statement wrote it, schema kept
	cols    []string
	include []string
}

func newIndexSpec(d Dialect, table string, cols, include []string) indexSpec {
	ix := indexSpec{table: table, cols: appendNew(nil, cols...)}
	for _, c := range include {
		if containsFold(ix.cols, c) || containsFold(ix.include, c) {
			continue
		}
		if d == PostgreSQL {
			ix.include = append(ix.include, c)
		} else {
			ix.cols = append(ix.cols, c)
		}
	}
	return ix
}

func (ix indexSpec) name() string {
	return indexName(ix.table, append(append([]string(nil), ix.cols...), ix.include...))
}

// onlineDDL is the statement that builds the index without blocking the
// table's writers: PostgreSQL builds it CONCURRENTLY, MySQL and MariaDB in
// place with LOCK=NONE (refused, not silently locking, where the engine
// cannot). SQLite has no online build; its writers wait for the build.
func (ix indexSpec) onlineDDL(d Dialect) string {
	switch {
	case d == PostgreSQL:
		return ix.create(d, "CREATE INDEX CONCURRENTLY ")
	case d.isMySQLFamily():
		var b strings.Builder
		b.WriteString("ALTER TABLE ")
		b.WriteString(quoteQualified(d, ix.table))
		b.WriteString(" ADD INDEX ")
		b.WriteString(quoteIdent(d, ix.name()))
		b.WriteString(" (")
		writeColumns(&b, d, ix.cols)
		b.WriteString("), ALGORITHM=INPLACE, LOCK=NONE")
		return b.String()
	}
	return ix.plainDDL(d)
}

// plainDDL is CREATE INDEX without options: what hypopg reads.
func (ix indexSpec) plainDDL(d Dialect) string { return ix.create(d, "CREATE INDEX ") }

func (ix indexSpec) create(d Dialect, verb string) string {
	var b strings.Builder
	b.WriteString(verb)
	b.WriteString(quoteIdent(d, ix.name()))
	b.WriteString(" ON ")
	b.WriteString(quoteQualified(d, ix.table))
	b.WriteString(" (")
	writeColumns(&b, d, ix.cols)
	b.WriteByte(')')
	if len(ix.include) > 0 {
		b.WriteString(" INCLUDE (")
		writeColumns(&b, d, ix.include)
		b.WriteByte(')')
	}
	return b.String()
}

func writeColumns(b *strings.Builder, d Dialect, cols []string) {
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(d, c))
	}
}

// createIndex writes the online DDL for an index on table and columns, in
// the order given.
func createIndex(d Dialect, table string, cols []string) string {
	return newIndexSpec(d, table, cols, nil).onlineDDL(d)
}

// indexName returns ix_<table>_<cols>: lower case, letters, digits and '_'
// only, shortened with a hash when it would exceed identifier limits.
func indexName(table string, cols []string) string {
	var b strings.Builder
	b.WriteString("ix_")
	writeSafe(&b, lastPart(table))
	for _, c := range cols {
		b.WriteByte('_')
		writeSafe(&b, c)
	}
	name := b.String()
	if len(name) <= maxIdentLen {
		return name
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	suffix := "_" + strconv.FormatUint(uint64(h.Sum32()), 16)
	return name[:maxIdentLen-len(suffix)] + suffix
}

func writeSafe(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := lowerByte(s[i])
		if c == '_' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
			b.WriteByte(c)
		} else {
			b.WriteByte('_')
		}
	}
}

// quoteQualified quotes each part of a possibly schema-qualified name.
func quoteQualified(d Dialect, name string) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = quoteIdent(d, p)
	}
	return strings.Join(parts, ".")
}

// quoteIdent quotes an identifier only when it needs it: characters beyond
// letters, digits and '_', a leading digit, a reserved word, or (PostgreSQL,
// which folds unquoted names to lower case) an upper-case letter.
func quoteIdent(d Dialect, s string) string {
	if !needsQuote(d, s) {
		return s
	}
	if d.isMySQLFamily() {
		return "`" + strings.ReplaceAll(s, "`", "``") + "`"
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func needsQuote(d Dialect, s string) bool {
	if s == "" || '0' <= s[0] && s[0] <= '9' {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
		case 'A' <= c && c <= 'Z':
			if d == PostgreSQL {
				return true
			}
		default:
			return true
		}
	}
	return reservedWords[strings.ToLower(s)]
}

// reservedWords are words reserved in at least one of the dialects that a
// table or column might plausibly be named.
var reservedWords = map[string]bool{
	"all": true, "and": true, "any": true, "array": true, "as": true, "asc": true, "between": true,
	"by": true, "case": true, "check": true, "column": true, "constraint": true, "create": true,
	"cross": true, "current_date": true, "current_time": true, "current_timestamp": true,
	"current_user": true, "default": true, "delete": true, "desc": true, "distinct": true, "do": true,
	"drop": true, "else": true, "end": true, "except": true, "exists": true, "false": true,
	"fetch": true, "for": true, "foreign": true, "from": true, "full": true, "grant": true,
	"group": true, "having": true, "in": true, "index": true, "inner": true, "insert": true,
	"intersect": true, "interval": true, "into": true, "is": true, "join": true, "key": true,
	"keys": true, "leading": true, "left": true, "like": true, "limit": true, "natural": true,
	"not": true, "null": true, "offset": true, "on": true, "only": true, "or": true, "order": true,
	"outer": true, "primary": true, "range": true, "references": true, "right": true, "rows": true,
	"select": true, "session_user": true, "set": true, "some": true, "table": true, "then": true,
	"to": true, "trailing": true, "true": true, "union": true, "unique": true, "update": true,
	"user": true, "using": true, "values": true, "when": true, "where": true, "window": true,
	"with": true, "condition": true, "match": true, "rank": true, "read": true, "row": true,
	"usage": true, "analyze": true,
}
