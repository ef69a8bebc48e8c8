package sqltracetest_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// openShop opens a SQLite database with a users table of three rows.
func openShop(t testing.TB, rec *sqltracetest.Recorder) *sql.DB {
	db, err := sqltrace.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "shop.db"), rec.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)",
		"INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// namesOneByOne is the code under test: one lookup per id.
func namesOneByOne(ctx context.Context, t testing.TB, db *sql.DB, ids ...int) {
	for _, id := range ids {
		var name string
		if err := db.QueryRowContext(ctx, "SELECT name FROM users WHERE id = ?", id).Scan(&name); err != nil { // the loop's line
			t.Fatal(err)
		}
	}
}

func TestRequireQueriesPasses(t *testing.T) {
	rec := sqltracetest.New(t)
	db := openShop(t, rec)
	m := rec.Mark()
	namesOneByOne(context.Background(), t, db, 1, 2)
	for name, check := range map[string]func(testing.TB){
		"exact":           func(tb testing.TB) { sqltracetest.RequireQueries(tb, rec, 2, sqltracetest.Since(m)) },
		"max":             func(tb testing.TB) { sqltracetest.RequireMaxQueries(tb, rec, 2, sqltracetest.Since(m)) },
		"max above":       func(tb testing.TB) { sqltracetest.RequireMaxQueries(tb, rec, 5, sqltracetest.Since(m)) },
		"whole test":      func(tb testing.TB) { sqltracetest.RequireQueries(tb, rec, 4) }, // CREATE, INSERT and the two lookups
		"mark at the end": func(tb testing.TB) { sqltracetest.RequireQueries(tb, rec, 0, sqltracetest.Since(rec.Mark())) },
	} {
		fake := &fakeTB{TB: t}
		check(fake)
		if fake.failed {
			t.Errorf("%s: failed within budget: %s", name, fake.msg)
		}
	}
}

func TestRequireQueriesFailsWithList(t *testing.T) {
	rec := sqltracetest.New(t)
	db := openShop(t, rec)
	m := rec.Mark()
	namesOneByOne(context.Background(), t, db, 1, 2, 3)
	if _, err := db.Exec("UPDATE users SET name = 'dee' WHERE id = 3"); err != nil {
		t.Fatal(err)
	}

	fake := &fakeTB{TB: t}
	sqltracetest.RequireMaxQueries(fake, rec, 2, sqltracetest.Since(m))
	if !fake.failed {
		t.Fatal("RequireMaxQueries passed 4 statements with a budget of 2")
	}
	t.Logf("the failure reads:\n%s", fake.msg)
	lines := strings.Split(fake.msg, "\n")
	want := []string{
		"sqlsight: 4 statement(s) ran, want at most 2:",
		"    3× SELECT users: SELECT name FROM users WHERE id = ?  (at sqltracetest/budget_test.go:",
		"    1× UPDATE users: UPDATE users SET name = ? WHERE id = ?  (at sqltracetest/budget_test.go:",
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(want), fake.msg)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}

	fake = &fakeTB{TB: t}
	sqltracetest.RequireQueries(fake, rec, 3, sqltracetest.Since(m))
	if !fake.failed || !strings.HasPrefix(fake.msg, "sqlsight: 4 statement(s) ran, want exactly 3:") {
		t.Errorf("RequireQueries(3) on 4 statements: failed=%v %q", fake.failed, fake.msg)
	}
}

// TestRequireQueriesInSpan counts the statements under a span, at any
// depth, and not those beside it.
func TestRequireQueriesInSpan(t *testing.T) {
	rec := sqltracetest.New(t)
	db := openShop(t, rec)
	tracer := rec.TracerProvider.Tracer("test")
	ctx, request := tracer.Start(context.Background(), "GET /cart")
	inner, handler := tracer.Start(ctx, "loadCart")
	namesOneByOne(inner, t, db, 1, 2)
	handler.End()
	namesOneByOne(ctx, t, db, 3)
	namesOneByOne(context.Background(), t, db, 1) // outside the request

	sqltracetest.RequireQueries(t, rec, 3, sqltracetest.InSpan(ctx)) // the request is still open
	sqltracetest.RequireQueries(t, rec, 2, sqltracetest.InSpan(inner))
	request.End()
	sqltracetest.RequireQueries(t, rec, 3, sqltracetest.InSpan(ctx))
	fake := &fakeTB{TB: t}
	sqltracetest.RequireMaxQueries(fake, rec, 1, sqltracetest.InSpan(inner))
	if !fake.failed || !strings.Contains(fake.msg, "2× SELECT users") {
		t.Errorf("budget of 1 in a span with 2: failed=%v %q", fake.failed, fake.msg)
	}
}

// ExampleRequireMaxQueries pins the round trips of a code path, as
// Django's assertNumQueries does.
func ExampleRequireMaxQueries() {
	t := &testing.T{} // in a real test: the *testing.T
	rec := sqltracetest.New(t)
	db, _ := sqltrace.Open("sqlite", "file::memory:", rec.Options()...)
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	_, _ = db.Exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")

	m := rec.Mark()
	for id := range 3 { // the code under test, one query per user
		var name string
		_ = db.QueryRow("SELECT name FROM users WHERE id = ?", id).Scan(&name)
	}
	// Passes; with a budget of 2 it would fail the test with the list of
	// statements: "3× SELECT users: SELECT name FROM users WHERE id = ?".
	sqltracetest.RequireMaxQueries(t, rec, 3, sqltracetest.Since(m))
	for _, q := range rec.Queries(sqltracetest.Since(m)) {
		fmt.Println(q.Summary, "|", q.Text)
	}
	// Output:
	// SELECT users | SELECT name FROM users WHERE id = ?
	// SELECT users | SELECT name FROM users WHERE id = ?
	// SELECT users | SELECT name FROM users WHERE id = ?
}
