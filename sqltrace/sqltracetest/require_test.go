package sqltracetest_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// fakeTB records failures instead of stopping the test.
type fakeTB struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = true
	f.msg = fmt.Sprintf(format, args...)
}

func runLookups(t *testing.T, rec *sqltracetest.Recorder, n int) {
	db, err := sqltrace.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "t.db"), rec.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE item (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < 99) INSERT INTO item SELECT i FROM s"); err != nil {
		t.Fatal(err)
	}
	ctx := sqltrace.Scope(context.Background())
	for i := range n {
		var v int
		if err := db.QueryRowContext(ctx, "SELECT id * 2 FROM item WHERE id = ?", i).Scan(&v); err != nil { // the N+1 line
			t.Fatal(err)
		}
	}
}

func TestRequireNoFindingsFailsOnNPlusOne(t *testing.T) {
	rec := sqltracetest.New(t)
	runLookups(t, rec, 10)
	fake := &fakeTB{TB: t}
	sqltracetest.RequireNoFindings(fake, rec)
	if !fake.failed {
		t.Fatal("RequireNoFindings passed a test with an N+1 loop")
	}
	for _, want := range []string{"n_plus_one", "fix: fetch the rows in one query", "require_test.go:45 (sqltracetest_test.runLookups)"} {
		if !strings.Contains(fake.msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, fake.msg)
		}
	}
}

func TestRequireNoFindingsPasses(t *testing.T) {
	rec := sqltracetest.New(t)
	runLookups(t, rec, 3)
	fake := &fakeTB{TB: t}
	sqltracetest.RequireNoFindings(fake, rec)
	if fake.failed {
		t.Fatalf("RequireNoFindings failed a clean test: %s", fake.msg)
	}
}

func TestRequireNoFindingsAllowList(t *testing.T) {
	rec := sqltracetest.New(t)
	runLookups(t, rec, 10)
	for name, allow := range map[string]sqltracetest.Allow{
		"kind":        sqltracetest.AllowKind(sqltrace.KindNPlusOne),
		"summary":     sqltracetest.AllowSummary("SELECT item"),
		"fingerprint": sqltracetest.AllowFingerprint(rec.Findings()[0].Fingerprint),
	} {
		fake := &fakeTB{TB: t}
		sqltracetest.RequireNoFindings(fake, rec, allow)
		if fake.failed {
			t.Errorf("allowed by %s, still failed: %s", name, fake.msg)
		}
	}
}

// Example shows the one-line wrap in a test, failing it on an N+1 loop.
func Example() {
	t := &testing.T{} // in a real test: the *testing.T
	rec := sqltracetest.New(t)
	db, _ := sqltrace.Open("sqlite", "file::memory:", rec.Options()...)
	defer db.Close()
	db.SetMaxOpenConns(1) // one in-memory database
	_, _ = db.Exec("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT)")
	ctx := sqltrace.Scope(context.Background())
	for i := range 6 {
		var name sql.NullString
		_ = db.QueryRowContext(ctx, "SELECT name FROM item WHERE id = ?", i).Scan(&name)
	}
	for _, f := range rec.Findings() {
		fmt.Println(f.Kind, "at", f.Location)
		fmt.Println("fix:", f.Suggestion)
	}
	// Output:
	// n_plus_one at sqltracetest/require_test.go:103 (sqltracetest_test.Example)
	// fix: fetch the rows in one query: collect the keys and use WHERE key IN (...) (or = ANY($1) in PostgreSQL), or JOIN the parent query
}
