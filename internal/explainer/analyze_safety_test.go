package explainer

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

// WithAnalyze executes the statement, in a read-only transaction that is
// rolled back. What a rollback does not undo must not survive either: these
// statements are the issue's, run by the Sampler exactly as the application
// would hand them over. Which layer stops each one differs: session state
// (advisory locks, GET_LOCK) ends because ANALYZE's connection is closed
// after it; pg_terminate_backend and INTO OUTFILE must never be analyzed at
// all (the function allow-list and the INTO classification).

// analyzeOnce submits st and waits for its verdict. A statement the text
// rules refuse at Submit is never run: that is a pass as well, and the
// zero Verdict says so.
func analyzeOnce(t *testing.T, s *Sampler, st Statement) Verdict {
	t.Helper()
	if !s.Submit(context.Background(), st) {
		return Verdict{}
	}
	return waitVerdict(t, s, st.Fingerprint)
}

// mustAnalyze is analyzeOnce for statements that must reach the server, so
// that the layer under test (the connection closed after ANALYZE) is the
// one that holds.
func mustAnalyze(t *testing.T, s *Sampler, st Statement) Verdict {
	t.Helper()
	if !s.Submit(context.Background(), st) {
		t.Fatalf("%s: not queued", st.Fingerprint)
	}
	return waitVerdict(t, s, st.Fingerprint)
}

func TestAnalyzeLeavesNoAdvisoryLockPostgres(t *testing.T) {
	checkLeaks(t)
	c, app := newPostgres(t)
	// The function allow-list would refuse these: declared pure (wrongly,
	// as a user might), they reach the server and the closed connection
	// must release what they took.
	s := New(c, PostgreSQL, WithAnalyze(), WithRateLimit(100, 100),
		WithPureFunctions("pg_advisory_lock", "pg_advisory_lock_shared"))
	defer s.Close()
	const key = 0x5af3
	mustAnalyze(t, s, Statement{Query: fmt.Sprintf("SELECT pg_advisory_lock(%d)", key), Fingerprint: "lock"})
	mustAnalyze(t, s, Statement{Query: "SELECT pg_advisory_lock_shared($1)", Args: nv(int64(key + 1)), Fingerprint: "shared"})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := app.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The application's next lock call gets the lock (a closed session's
	// locks are released as its backend exits: allow it a few seconds).
	if _, err := conn.ExecContext(ctx, "SET lock_timeout = '5s'"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []int64{key, key + 1} {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", k); err != nil {
			t.Errorf("advisory lock %d is still held after the explain: %v", k, err)
			continue
		}
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", k); err != nil {
			t.Error(err)
		}
	}
}

func TestAnalyzeKillsNoSessionPostgres(t *testing.T) {
	checkLeaks(t)
	c, app := newPostgres(t)
	s := New(c, PostgreSQL, WithAnalyze(), WithRateLimit(100, 100))
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	victim, err := app.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	var pid int64
	if err := victim.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	analyzeOnce(t, s, Statement{Query: "SELECT pg_terminate_backend($1)", Args: nv(pid), Fingerprint: "terminate"})
	analyzeOnce(t, s, Statement{Query: "SELECT pg_cancel_backend($1)", Args: nv(pid), Fingerprint: "cancel"})
	var one int
	if err := victim.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("the application's session was killed by the explain: %v", err)
	}
}

func TestAnalyzeLeavesNoLockMariaDB(t *testing.T) {
	checkLeaks(t)
	c, app := newMySQL(t, testenv.MySQLDSN(t), nil)
	s := New(c, MariaDB, WithAnalyze(), WithRateLimit(100, 100), WithPureFunctions("get_lock"))
	defer s.Close()
	mustAnalyze(t, s, Statement{Query: "SELECT GET_LOCK('xsafe_analyze', 0)", Fingerprint: "get_lock"})
	mustAnalyze(t, s, Statement{Query: "SELECT GET_LOCK(?, 0)", Args: nv("xsafe_analyze_arg"), Fingerprint: "get_lock_arg"})

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := app.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, name := range []string{"xsafe_analyze", "xsafe_analyze_arg"} {
		var got sql.NullInt64
		if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 5)", name).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got.Int64 != 1 {
			t.Errorf("GET_LOCK(%q) = %v: the explain's session still holds it", name, got)
			continue
		}
		if _, err := conn.ExecContext(ctx, "SELECT RELEASE_LOCK(?)", name); err != nil {
			t.Error(err)
		}
	}
}

func TestAnalyzeWritesNoFileMariaDB(t *testing.T) {
	checkLeaks(t)
	c, app := newMySQL(t, testenv.MySQLDSN(t), nil)
	mustExec(t, app, "DROP TABLE IF EXISTS ex_outfile")
	mustExec(t, app, "CREATE TABLE ex_outfile (id INT PRIMARY KEY)")
	mustExec(t, app, "INSERT INTO ex_outfile VALUES (1), (2)")
	t.Cleanup(func() { mustExec(t, app, "DROP TABLE IF EXISTS ex_outfile") })
	s := New(c, MariaDB, WithAnalyze(), WithRateLimit(100, 100))
	defer s.Close()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("xsafe_outfile_%d_%d", os.Getpid(), time.Now().UnixNano()))
	for i, q := range []string{
		"(SELECT id FROM ex_outfile) INTO OUTFILE '%s'",
		"(SELECT id FROM ex_outfile WHERE id > ?) INTO DUMPFILE '%s'",
		"SELECT id FROM ex_outfile WHERE id > ? INTO OUTFILE '%s'",
	} {
		path := fmt.Sprintf("%s_%d.txt", dir, i)
		t.Cleanup(func() { os.Remove(path) })
		st := Statement{Query: fmt.Sprintf(q, path), Fingerprint: fmt.Sprint("outfile", i)}
		if countPlaceholdersIn(st.Query) > 0 {
			st.Args = nv(int64(1))
		}
		if s.Submit(context.Background(), st) {
			waitVerdict(t, s, st.Fingerprint)
		}
		var written bool
		if err := app.QueryRow("SELECT LOAD_FILE(?) IS NOT NULL", path).Scan(&written); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); written || err == nil {
			t.Errorf("%q: the explain wrote the file", st.Query)
		}
	}
}

func countPlaceholdersIn(q string) int {
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
		}
	}
	return n
}
