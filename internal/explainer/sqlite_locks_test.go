package explainer

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

// minExplains is how many explains must run during the writes for a test
// to have tried the locks.
const minExplains = 20

// runWritesUnderExplain makes n single-row writes on app while a Sampler
// on connector explains statements as fast as it can, and more writes until
// minExplains explains are done (on a loaded machine the writes, waiting on
// the disk, can outpace the explains, which wait on the CPU). It returns
// the write errors and the number of explains done meanwhile.
func runWritesUnderExplain(t *testing.T, s *Sampler, app *sql.DB, n int) (writeErrs []error, done uint64) {
	t.Helper()
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			s.Submit(context.Background(), Statement{
				Query:       "SELECT * FROM t WHERE v IN (?, ?)",
				Args:        nv(int64(i), int64(i+1)),
				Fingerprint: fmt.Sprint("fp", i),
				Reason:      "in_lookup",
			})
			if len(s.jobs) > 0 {
				time.Sleep(100 * time.Microsecond) // let the worker drain: not a synchronisation
			}
		}
	}()
	before := s.Stats().Done
	deadline := time.Now().Add(time.Minute)
	for i := 0; i < n || s.Stats().Done-before < minExplains && time.Now().Before(deadline); i++ {
		if _, err := app.Exec("INSERT INTO w (v) VALUES (?)", i); err != nil {
			writeErrs = append(writeErrs, err)
		}
	}
	stop.Store(true)
	wg.Wait()
	return writeErrs, s.Stats().Done - before
}

// TestSQLiteExplainNeverFailsAWrite: the application's DSN has no
// busy_timeout and a rollback journal (SQLite's defaults), the setting in
// which any reader's lock fails a writer with SQLITE_BUSY.
func TestSQLiteExplainNeverFailsAWrite(t *testing.T) {
	checkLeaks(t)
	for _, c := range []struct {
		name, journal string
		noIdle        bool
	}{
		{"delete", "delete", false},
		{"wal", "wal", false},
		// Every write opens and closes its connection: an explain
		// connection opened (or closed) meanwhile would run WAL recovery
		// (or a checkpoint) and fail the open with SQLITE_BUSY_RECOVERY.
		// (600 writes: each opens a connection; 102 of 1,800 failed with a
		// connection opened per explain.)
		{"wal, no idle connection", "wal", true},
	} {
		journal, noIdle := c.journal, c.noIdle
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.db")
			c := sqliteConnector{dsn: path} // the default DSN: a bare file name
			app := sql.OpenDB(c)
			defer app.Close()
			app.SetMaxOpenConns(1)
			mustExec(t, app, "PRAGMA journal_mode="+journal)
			mustExec(t, app, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
			mustExec(t, app, "CREATE TABLE w (id INTEGER PRIMARY KEY, v INTEGER)")
			if noIdle {
				app.SetMaxIdleConns(0)
			}

			// A short queue keeps the worker busy all the same, and drains
			// after the writes in a few explains, not 256.
			s := New(c, SQLite, WithRateLimit(1e6, 1000), WithFullScanRows(0), WithQueueSize(8))
			defer s.Close()
			writes := 1800
			if noIdle {
				writes = 600
			}
			errs, done := runWritesUnderExplain(t, s, app, writes)
			if len(errs) > 0 {
				t.Errorf("%d of %d writes failed, first: %v", len(errs), writes, errs[0])
			}
			// The explains did run meanwhile, and gave plans.
			if done < minExplains {
				t.Errorf("only %d explains ran during the writes", done)
			}
			// A read without a lock may meet a page a commit is writing:
			// that explain fails (and only it); it must stay rare.
			if st := s.Stats(); st.Errors*100 > st.Done {
				t.Errorf("%d explains failed, %d done", st.Errors, st.Done)
			}
			testenv.WaitFor(t, 15*time.Second, func() bool { return s.Stats().QueueLen == 0 }) // an empty queue
			if !s.Submit(context.Background(), Statement{Query: "SELECT * FROM t WHERE v = ?", Args: nv(int64(1)), Fingerprint: "last"}) {
				t.Fatal("not queued")
			}
			var v Verdict
			testenv.WaitFor(t, 15*time.Second, func() bool {
				var ok bool
				v, ok = s.Cached("last")
				return ok
			}) // the last verdict
			if v.Err != nil || v.Plan == nil || v.Plan.Root == nil {
				t.Errorf("no plan: %+v", v)
			}
		})
	}
}

// TestSQLiteExplainSeesSchemaChanges: explain's connection in rollback mode
// is immutable (SQLite assumes the file never changes while it is open), so
// each explain opens its own; an index created by the application is used
// by the next explain, and a new table is found.
func TestSQLiteExplainSeesSchemaChanges(t *testing.T) {
	checkLeaks(t)
	for _, journal := range []string{"delete", "wal"} {
		t.Run(journal, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "app.db")
			c := sqliteConnector{dsn: path}
			app := sql.OpenDB(c)
			defer app.Close()
			mustExec(t, app, "PRAGMA journal_mode="+journal)
			mustExec(t, app, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
			s := New(c, SQLite, WithRateLimit(1e6, 1000))
			defer s.Close()
			explainOnce := func(fp, q string) Verdict {
				t.Helper()
				if !s.Submit(context.Background(), Statement{Query: q, Args: nv(int64(1)), Fingerprint: fp}) {
					t.Fatalf("%s not queued", fp)
				}
				var v Verdict
				if !testenv.Eventually(15*time.Second, func() bool {
					var ok bool
					v, ok = s.Cached(fp)
					return ok
				}) {
					t.Fatalf("timed out waiting for %s", fp)
				}
				return v
			}
			if v := explainOnce("before", "SELECT * FROM t WHERE v = ?"); v.Err != nil || !strings.Contains(v.Plan.Text, "SCAN") {
				t.Fatalf("before the index: %v %v", v.Err, v.Plan)
			}
			mustExec(t, app, "CREATE INDEX t_v ON t (v)")
			mustExec(t, app, "CREATE TABLE later (id INTEGER PRIMARY KEY, v INTEGER)")
			if v := explainOnce("after", "SELECT * FROM t WHERE v = ?"); v.Err != nil || !strings.Contains(v.Plan.Text, "t_v") {
				t.Fatalf("after the index: %v %+v", v.Err, v.Plan)
			}
			if v := explainOnce("new table", "SELECT * FROM later WHERE v = ?"); v.Err != nil || v.Plan == nil {
				t.Fatalf("new table: %v", v.Err)
			}
		})
	}
}

// TestSQLiteInMemoryNotExplained: a memory database has no file explain
// could open on its own; it is refused, and the application is untouched.
func TestSQLiteInMemoryNotExplained(t *testing.T) {
	checkLeaks(t)
	c := sqliteConnector{dsn: "file:xsafe_mem?mode=memory&cache=shared"}
	app := sql.OpenDB(c)
	defer app.Close()
	mustExec(t, app, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
	s := New(c, SQLite)
	defer s.Close()
	if !s.Submit(context.Background(), Statement{Query: "SELECT * FROM t WHERE v = ?", Args: nv(int64(1)), Fingerprint: "m"}) {
		t.Fatal("not queued")
	}
	var v Verdict
	testenv.WaitFor(t, 15*time.Second, func() bool {
		var ok bool
		v, ok = s.Cached("m")
		return ok
	}) // verdict
	if v.Err == nil {
		t.Fatalf("explained a memory database: %+v", v.Plan)
	}
	mustExec(t, app, "INSERT INTO t (v) VALUES (1)")
}
