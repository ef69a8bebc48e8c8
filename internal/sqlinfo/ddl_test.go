package sqlinfo

import (
	"slices"
	"testing"
)

func TestDDL(t *testing.T) {
	tests := []struct {
		dialect Dialect
		query   string
		tables  []string
		all     bool
	}{
		{MySQL, "CREATE INDEX ix_a ON review (a)", []string{"review"}, false},
		{PostgreSQL, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON ONLY public.\"Review\" (a)", []string{"review"}, false},
		{SQLite, "CREATE INDEX IF NOT EXISTS ix ON item(a, b)", []string{"item"}, false},
		{MySQL, "DROP INDEX ix_a ON `app`.`review`", []string{"review"}, false},
		{PostgreSQL, "DROP INDEX IF EXISTS ix_a", nil, true},
		{SQLite, "DROP INDEX ix_a", nil, true},
		{PostgreSQL, "ALTER TABLE IF EXISTS ONLY review ADD COLUMN x int", []string{"review"}, false},
		{PostgreSQL, "ALTER TABLE review RENAME TO review_old", []string{"review", "review_old"}, false},
		{PostgreSQL, "ALTER INDEX ix RENAME TO ix2", nil, true},
		{MySQL, "CREATE TABLE IF NOT EXISTS Users (id INT PRIMARY KEY)", []string{"users"}, false},
		{PostgreSQL, "CREATE TEMPORARY TABLE t (id int)", []string{"t"}, false},
		{MySQL, "DROP TABLE IF EXISTS a, b", []string{"a", "b"}, false},
		{PostgreSQL, "TRUNCATE TABLE ONLY a, b", []string{"a", "b"}, false},
		{MySQL, "TRUNCATE a", []string{"a"}, false},
		{MySQL, "RENAME TABLE a TO b, c TO d", []string{"a", "b", "c", "d"}, false},
		{PostgreSQL, "CREATE VIEW v AS SELECT * FROM t", nil, false},
	}
	for _, tt := range tests {
		info := Parse(tt.query, tt.dialect)
		if info.Kind != KindDDL || !slices.Equal(info.DDLTables, tt.tables) || info.DDLAllTables != tt.all {
			t.Errorf("%s: %q: kind %d, tables %q, all %v; want %q, %v", dialectName(tt.dialect), tt.query, info.Kind, info.DDLTables, info.DDLAllTables, tt.tables, tt.all)
		}
		if info.Catalog {
			t.Errorf("%q: DDL is not a catalog read", tt.query)
		}
	}
}

func TestCatalog(t *testing.T) {
	tests := []struct {
		dialect Dialect
		query   string
		catalog bool
	}{
		{MySQL, "SELECT DATABASE()", true},
		{PostgreSQL, "SELECT VERSION()", true},
		{SQLite, "SELECT 1", true},
		{MySQL, "SELECT * FROM INFORMATION_SCHEMA.TABLES WHERE table_schema = ?", true},
		{MySQL, "SELECT * FROM information_schema.columns c JOIN information_schema.statistics s ON s.x = c.x", true},
		{MySQL, "SELECT * FROM mysql.user", true},
		{MySQL, "SELECT * FROM performance_schema.events_statements_summary_by_digest", true},
		{MySQL, "SELECT * FROM sys.schema_unused_indexes", true},
		{PostgreSQL, "SELECT description FROM pg_catalog.pg_description WHERE objoid = $1", true},
		{PostgreSQL, "SELECT * FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace", true},
		{PostgreSQL, "SELECT * FROM information_schema.tables", true},
		{SQLite, "SELECT sql FROM sqlite_master WHERE name = ?", true},
		{SQLite, "SELECT * FROM sqlite_schema", true},
		{MySQL, "SELECT * FROM review", false},
		{MySQL, "SELECT * FROM information_schema.tables t JOIN review r ON r.x = t.x", false},
		{MySQL, "SELECT * FROM pg_like_name", false},
		{PostgreSQL, "SELECT * FROM app.pg_thing", false},
		{PostgreSQL, "INSERT INTO t VALUES (1)", false},
		{PostgreSQL, "SELECT * FROM t WHERE a = '\\' AND b = 'x'", false}, // redacted: unknown
	}
	for _, tt := range tests {
		if got := Parse(tt.query, tt.dialect).Catalog; got != tt.catalog {
			t.Errorf("%s: %q: catalog %v, want %v", dialectName(tt.dialect), tt.query, got, tt.catalog)
		}
	}
}

func TestSummaryFallback(t *testing.T) {
	tests := []struct {
		dialect        Dialect
		query, summary string
		op, collection string
	}{
		{PostgreSQL, "SAVEPOINT sp1", "SAVEPOINT", "SAVEPOINT", ""},
		{PostgreSQL, "RELEASE SAVEPOINT sp1", "RELEASE", "RELEASE", ""},
		{MySQL, "SHOW TABLES", "SHOW", "SHOW", ""},
		{PostgreSQL, "SET search_path TO app", "SET", "SET", ""},
		{PostgreSQL, "COPY review FROM STDIN", "COPY review", "COPY", "review"},
		{PostgreSQL, `COPY "Review" (a, b) FROM STDIN`, "COPY Review", "COPY", "Review"},
		{SQLite, "SELECT * FROM t", "SELECT t", "SELECT", "t"},
	}
	for _, tt := range tests {
		info := Parse(tt.query, tt.dialect)
		if info.Summary != tt.summary || info.Operation != tt.op || info.Collection != tt.collection {
			t.Errorf("%q: summary %q op %q collection %q, want %q %q %q", tt.query, info.Summary, info.Operation, info.Collection, tt.summary, tt.op, tt.collection)
		}
	}
}
