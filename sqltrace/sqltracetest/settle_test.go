package sqltracetest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// TestUnindexedLookupFailsEveryTime: an IN lookup on an unindexed column
// of a 2000-row SQLite table is explained in the background, and
// RequireNoFindings, called right after the lookup, waits for that verdict:
// it fails on every run, however fast or slow the worker is.
func TestUnindexedLookupFailsEveryTime(t *testing.T) {
	for i := range 20 {
		rec := sqltracetest.New(t)
		db, err := sqltrace.Open("sqlite", "file:"+filepath.Join(t.TempDir(), fmt.Sprint("reviews", i, ".db")), rec.Options()...)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		for _, q := range []string{
			"CREATE TABLE review (id INTEGER PRIMARY KEY, n_review_id INT, reid TEXT)",
			"INSERT INTO review (n_review_id, reid) WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT x, x FROM c",
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.QueryContext(ctx, "SELECT n_review_id, reid FROM review WHERE n_review_id IN (?, ?, ?)", 1, 2, 3)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()

		fake := &fakeTB{TB: t}
		sqltracetest.RequireNoFindings(fake, rec)
		if !fake.failed || !strings.Contains(fake.msg, "unindexed_in") {
			t.Fatalf("run %d: RequireNoFindings right after an unindexed IN lookup: failed=%v %q", i, fake.failed, fake.msg)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSettleAfterClose: closing a database drops its queued explains, and
// Settle does not wait for them.
func TestSettleAfterClose(t *testing.T) {
	rec := sqltracetest.New(t)
	db, err := sqltrace.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "closed.db"), rec.Options()...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t (a INT)"); err != nil {
		t.Fatal(err)
	}
	for i := range 50 { // distinct texts, so that none is deduplicated
		rows, err := db.Query(fmt.Sprintf("SELECT a AS c%d FROM t WHERE a IN (?, ?)", i), 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), sqltracetest.SettleTimeout)
	defer cancel()
	if err := rec.Settle(ctx); err != nil {
		t.Fatalf("Settle after Close: %v", err)
	}
}
