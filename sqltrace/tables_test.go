package sqltrace

import (
	"slices"
	"testing"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

func TestIsCatalog(t *testing.T) {
	for q, want := range map[string]bool{
		"SELECT DATABASE()": true,
		"SELECT 1":          true,
		"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_NAME IN (?, ?)":                     true,
		"SELECT description FROM pg_catalog.pg_description WHERE objoid = $1":                             true,
		"SELECT a FROM pg_description d JOIN pg_class c ON c.oid = d.objoid WHERE c.relname = 'x'":        true,
		"SELECT name FROM sqlite_master WHERE type = 'table'":                                             true,
		"SELECT * FROM performance_schema.events_statements_current":                                      true,
		"SELECT * FROM orders WHERE id = ?":                                                               false,
		"SELECT o.id FROM orders o JOIN information_schema.TABLES t ON t.TABLE_NAME = o.name WHERE 1 = 1": false,
	} {
		// The generic dialect knows every server's catalogs.
		if got := isCatalog(sqlinfo.Parse(q, "")); got != want {
			t.Errorf("isCatalog(%q) = %v, want %v", q, got, want)
		}
	}
}

func TestDDLTables(t *testing.T) {
	for _, c := range []struct {
		q      string
		tables []string
		all    bool
		ok     bool
	}{
		{"CREATE INDEX ix ON review (n_review_id)", []string{"review"}, false, true},
		{"CREATE UNIQUE INDEX IF NOT EXISTS ix ON public.review USING btree (a, b)", []string{"review"}, false, true},
		{"CREATE INDEX ix ON review(n)", []string{"review"}, false, true},
		{"DROP INDEX ix ON review", []string{"review"}, false, true},
		{"DROP INDEX ix", nil, true, true},
		{"ALTER TABLE review ADD COLUMN c INT", []string{"review"}, false, true},
		{"CREATE TABLE IF NOT EXISTS review (id INT)", []string{"review"}, false, true},
		{"DROP TABLE IF EXISTS a, b", []string{"a", "b"}, false, true},
		{"TRUNCATE review", []string{"review"}, false, true},
		{"CREATE VIEW v AS SELECT 1", nil, true, true},
		{"SELECT * FROM review", nil, false, false},
		{"UPDATE review SET a = 1", nil, false, false},
	} {
		tables, all, ok := ddlTables(sqlinfo.Parse(c.q, sqlinfo.PostgreSQL))
		if !slices.Equal(tables, c.tables) || all != c.all || ok != c.ok {
			t.Errorf("ddlTables(%q) = %v %v %v, want %v %v %v", c.q, tables, all, ok, c.tables, c.all, c.ok)
		}
	}
}

func TestTableHashIgnoresSchemaQuotesAndCase(t *testing.T) {
	h := tableHash("orders")
	for _, n := range []string{"Orders", `"Orders"`, "shop.orders", "`shop`.`ORDERS`"} {
		if tableHash(n) != h {
			t.Errorf("tableHash(%s) differs from orders", n)
		}
	}
	if tableHash("order") == h {
		t.Error("order and orders collide")
	}
}

func TestIsCatalogAllocatesNothing(t *testing.T) {
	info := sqlinfo.Parse("SELECT * FROM Shop.Orders o JOIN Customer c ON c.id = o.customer_id WHERE o.id = ?", sqlinfo.MySQL)
	if n := testing.AllocsPerRun(100, func() { _ = isCatalog(info) }); n != 0 {
		t.Fatalf("%v allocations per statement", n)
	}
}
