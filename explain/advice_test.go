package explain

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgres17Env names the DSN of a newer PostgreSQL (scripts/pgnew.sh).
const postgres17Env = "SQLSIGHT_POSTGRES17_DSN"

// pgServer is one PostgreSQL server the advice tests run against.
type pgServer struct {
	name string // "15", "17"
	dsn  string
}

// postgresServers returns the servers of the environment: the distribution's
// (SQLSIGHT_POSTGRES_DSN) and a newer one (SQLSIGHT_POSTGRES17_DSN), or skips.
func postgresServers(t *testing.T) []pgServer {
	t.Helper()
	var out []pgServer
	for _, env := range []string{postgresEnv, postgres17Env} {
		if dsn := os.Getenv(env); dsn != "" {
			out = append(out, pgServer{name: env, dsn: dsn})
		}
	}
	if len(out) == 0 {
		t.Skipf("set %s (and %s) to run against PostgreSQL", postgresEnv, postgres17Env)
	}
	return out
}

// openPostgres returns a connector and pool for dsn.
func openPostgres(t testing.TB, dsn string) (driver.Connector, *sql.DB) {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("ParseConfig: %v", err)
	}
	c := stdlib.GetConnector(*cfg)
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("ping PostgreSQL: %v", err)
	}
	return c, db
}

// adviseOnConn explains and analyses st on a connection of db, the way a
// Sampler's worker does, and returns the connection (open until the test
// ends) so that a test can look at its session afterwards.
func adviseOnConn(t *testing.T, db *sql.DB, st Statement, opts ...Option) (*Plan, []Finding, *sql.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	info, err := detectServer(ctx, conn, "")
	if err != nil {
		t.Fatal(err)
	}
	p, err := explainOn(ctx, conn, info, st, runOptions{})
	if err != nil {
		t.Fatalf("%s: %v", st.Query, err)
	}
	fs := analyze(p, st, newConfig(opts))
	if p.verifier != nil {
		t.Fatal("the verifier outlives the analysis")
	}
	return p, fs, conn
}

// writer inserts rows into a table from its own connection until stopped
// (or a bound of iterations) and records when each write completed and the
// longest a write took.
type writer struct {
	mu      sync.Mutex
	done    []time.Time
	longest time.Duration
	err     error
	stop    chan struct{}
	wg      sync.WaitGroup
}

func startWriter(t *testing.T, db *sql.DB, insert string, arg func(i int) []any) *writer {
	t.Helper()
	w := &writer{stop: make(chan struct{})}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for i := 0; i < 200000; i++ {
			select {
			case <-w.stop:
				return
			default:
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			start := time.Now()
			_, err := db.ExecContext(ctx, insert, arg(i)...)
			took := time.Since(start)
			cancel()
			w.mu.Lock()
			if err != nil && w.err == nil {
				w.err = err
			}
			w.done = append(w.done, time.Now())
			if took > w.longest {
				w.longest = took
			}
			w.mu.Unlock()
		}
	}()
	waitFor(t, "the writer's first write", func() bool { return w.completed(time.Time{}, time.Now().Add(time.Hour)) > 0 })
	return w
}

// completed counts writes that completed strictly between from and to.
func (w *writer) completed(from, to time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, at := range w.done {
		if at.After(from) && at.Before(to) {
			n++
		}
	}
	return n
}

func (w *writer) finish() (time.Duration, error) {
	close(w.stop)
	w.wg.Wait()
	return w.longest, w.err
}

// maxWriteLatency is how long a single write may wait while an index is
// built: generous for a loaded machine, far below a locking build of the
// table (seconds to minutes on real tables).
const maxWriteLatency = 2 * time.Second

// buildUnderWrites runs ddl while a writer keeps inserting into the table,
// and checks that writes went on during the build (online) or, where the
// database has no online build (SQLite), at least never waited long.
func buildUnderWrites(t *testing.T, db *sql.DB, ddl, insert string, arg func(int) []any, online bool) {
	t.Helper()
	w := startWriter(t, db, insert, arg)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	_, err := db.ExecContext(ctx, ddl)
	cancel()
	end := time.Now()
	during := w.completed(start, end)
	longest, werr := w.finish()
	if err != nil {
		t.Fatalf("%s: %v", ddl, err)
	}
	if werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	t.Logf("%s: build %v, %d writes during it, longest write %v", ddl, end.Sub(start).Round(time.Millisecond), during, longest.Round(time.Millisecond))
	if online && during == 0 {
		t.Errorf("no write completed during the %v build: the table was locked", end.Sub(start))
	}
	if longest > maxWriteLatency {
		t.Errorf("a write waited %v during the build", longest)
	}
}

// TestOnlineDDLUnderWrites runs the statement each dialect suggests on its
// server while another connection keeps inserting into the table.
func TestOnlineDDLUnderWrites(t *testing.T) {
	checkLeaks(t)
	const rows = 300000
	query := "SELECT id, note FROM adv_ddl WHERE user_id IN (?, ?, ?)"
	insert := "INSERT INTO adv_ddl (user_id, note) VALUES (?, ?)"
	arg := func(i int) []any { return []any{rows + i, "written during the build"} }

	t.Run("MariaDB", func(t *testing.T) {
		_, db := newMySQL(t, mysqlDSN(t), nil)
		mustExec(t, db, "DROP TABLE IF EXISTS adv_ddl")
		mustExec(t, db, "CREATE TABLE adv_ddl (id BIGINT PRIMARY KEY AUTO_INCREMENT, user_id BIGINT NOT NULL, note VARCHAR(64) NOT NULL) ENGINE=InnoDB")
		t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS adv_ddl") })
		mustExec(t, db, fmt.Sprintf("INSERT INTO adv_ddl (user_id, note) SELECT seq, CONCAT('note ', seq) FROM seq_1_to_%d", rows))
		mustExec(t, db, "ANALYZE TABLE adv_ddl")
		f := onlyFinding(t, db, KindUnindexedIn, Statement{Query: query, Args: nv(int64(5), int64(6), int64(7))})
		want := "ALTER TABLE adv_ddl ADD INDEX ix_adv_ddl_user_id (user_id), ALGORITHM=INPLACE, LOCK=NONE"
		if f.Suggestion != want {
			t.Fatalf("suggestion %q, want %q", f.Suggestion, want)
		}
		checkRowsNote(t, f, rows)
		buildUnderWrites(t, db, f.Suggestion, insert, arg, true)
	})
	for _, srv := range postgresServers(t) {
		t.Run("PostgreSQL "+srv.name, func(t *testing.T) {
			_, db := openPostgres(t, srv.dsn)
			mustExec(t, db, "DROP TABLE IF EXISTS adv_ddl")
			mustExec(t, db, "CREATE TABLE adv_ddl (id BIGSERIAL PRIMARY KEY, user_id BIGINT NOT NULL, note TEXT NOT NULL)")
			t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS adv_ddl") })
			mustExec(t, db, fmt.Sprintf("INSERT INTO adv_ddl (user_id, note) SELECT g, 'note ' || g FROM generate_series(1, %d) g", rows))
			mustExec(t, db, "ANALYZE adv_ddl")
			pq := "SELECT id, note FROM adv_ddl WHERE user_id IN ($1, $2, $3)"
			f := onlyFinding(t, db, KindUnindexedIn, Statement{Query: pq, Args: nv(int64(5), int64(6), int64(7))})
			want := "CREATE INDEX CONCURRENTLY ix_adv_ddl_user_id ON adv_ddl (user_id)"
			if f.Suggestion != want {
				t.Fatalf("suggestion %q, want %q", f.Suggestion, want)
			}
			checkRowsNote(t, f, rows)
			buildUnderWrites(t, db, f.Suggestion, "INSERT INTO adv_ddl (user_id, note) VALUES ($1, $2)", arg, true)
		})
	}
	t.Run("SQLite", func(t *testing.T) {
		_, db := newSQLite(t)
		mustExec(t, db, "CREATE TABLE adv_ddl (id INTEGER PRIMARY KEY, user_id INT NOT NULL, note TEXT NOT NULL)")
		mustExec(t, db, fmt.Sprintf(`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %d)
			INSERT INTO adv_ddl (user_id, note) SELECT n, 'note ' || n FROM g`, rows/3))
		mustExec(t, db, "ANALYZE")
		f := onlyFinding(t, db, KindUnindexedIn, Statement{Query: query, Args: nv(int64(5), int64(6), int64(7))})
		want := "CREATE INDEX ix_adv_ddl_user_id ON adv_ddl (user_id)"
		if f.Suggestion != want {
			t.Fatalf("suggestion %q, want %q", f.Suggestion, want)
		}
		checkRowsNote(t, f, rows/3)
		// SQLite has one writer at a time: the inserts wait for the build,
		// which must stay short.
		buildUnderWrites(t, db, f.Suggestion, insert, arg, false)
	})
}

// onlyFinding explains st on db and returns its finding of kind.
func onlyFinding(t *testing.T, db *sql.DB, kind string, st Statement, opts ...Option) Finding {
	t.Helper()
	p, fs, _ := adviseOnConn(t, db, st, opts...)
	f, ok := findKind(fs, kind)
	if !ok {
		t.Fatalf("%s: no %s in %+v\n%s", st.Query, kind, fs, p.render(false))
	}
	return f
}

// checkRowsNote checks that the finding carries the table's size (the
// catalog's estimate: within 20 % of the truth) in its fields and message.
func checkRowsNote(t *testing.T, f Finding, rows int) {
	t.Helper()
	if f.TableRows < float64(rows)*0.8 || f.TableRows > float64(rows)*1.2 {
		t.Errorf("TableRows %v, want ~%d", f.TableRows, rows)
	}
	if !strings.Contains(f.Message, "building the index reads the table's ~"+formatRows(f.TableRows)+" rows") {
		t.Errorf("message without the table's size: %q", f.Message)
	}
}

var _ = reflect.DeepEqual
