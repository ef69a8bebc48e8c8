package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

// The texts below hold a second statement that go-sqllexer does not see
// (it reads t."it's" as a name followed by a string running to the end, and
// does not nest PostgreSQL comments). They are fed straight to the runners,
// past the text rules of check, so that what is tested is the server's own
// refusal of a second statement: the INSERT must never run.
const (
	sqliteHiddenInsert   = `SELECT t."it's" FROM t WHERE id IN (1,2); INSERT INTO log VALUES (1) -- '`
	postgresHiddenInsert = `SELECT * FROM t WHERE id IN (1,2) /* /* */ ' */; INSERT INTO log VALUES (1); SELECT 1 /* ' */`
)

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func rawConn(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	conn, err := db.Conn(ctxFor(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestSQLiteRunnerRunsOneStatement(t *testing.T) {
	checkLeaks(t)
	_, db := newSQLite(t)
	mustExec(t, db, `CREATE TABLE t (id INTEGER PRIMARY KEY, "it's" TEXT)`)
	mustExec(t, db, `CREATE TABLE log (x INTEGER)`)
	conn := rawConn(t, db)
	ctx := ctxFor(t)

	for _, text := range []string{
		sqliteHiddenInsert,
		"SELECT * FROM t WHERE id = ?; INSERT INTO log VALUES (1)",
		"SELECT * FROM t; VACUUM INTO 'x.db'",
		"SELECT * FROM t;INSERT INTO log VALUES (1)",
	} {
		args := []driver.NamedValue(nil)
		if strings.Contains(text, "?") {
			args = nv(int64(1))
		}
		p, err := explainSQLite(ctx, conn, text, args)
		if err == nil {
			t.Errorf("%q: explained (%v), want a refusal", text, p)
		}
		if n := countRows(t, db, "SELECT COUNT(*) FROM log"); n != 0 {
			t.Fatalf("%q: the hidden INSERT ran: log has %d rows", text, n)
		}
	}
	// A single statement is still explained, with and without arguments.
	for _, c := range []struct {
		text string
		args []driver.NamedValue
	}{
		{`SELECT t."it's" FROM t WHERE id IN (1,2) -- '`, nil},
		{"SELECT * FROM t WHERE id = ?", nv(int64(1))},
		{"SELECT * FROM t WHERE id = :id", []driver.NamedValue{{Name: "id", Ordinal: 1, Value: int64(1)}}},
		{"SELECT * FROM t WHERE id = 1; \n", nil},
	} {
		p, err := explainSQLite(ctx, conn, c.text, c.args)
		if err != nil || p.Root == nil {
			t.Errorf("%q: %v, want a plan", c.text, err)
		}
	}
}

func TestPostgresRunnerRunsOneStatement(t *testing.T) {
	checkLeaks(t)
	dsn := os.Getenv(testenv.EnvPostgresDSN)
	if dsn == "" {
		t.Skipf("set %s", testenv.EnvPostgresDSN)
	}
	_, app := newPostgres(t)
	mustExec(t, app, "DROP TABLE IF EXISTS t, log")
	mustExec(t, app, "CREATE TABLE t (id int PRIMARY KEY, v text)")
	mustExec(t, app, "CREATE TABLE log (x int)")
	t.Cleanup(func() { mustExec(t, app, "DROP TABLE IF EXISTS t, log") })

	simple, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	simple.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	pqConnector, err := pq.NewConnector(dsn)
	if err != nil {
		t.Fatal(err)
	}
	drivers := []struct {
		name string
		c    driver.Connector
	}{
		{"lib/pq", pqConnector},
		{"pgx simple_protocol", stdlib.GetConnector(*simple)},
		{"pgx default", stdlib.GetConnector(*mustParsePgx(t, dsn))},
	}
	attacks := []struct {
		text string
		args []any
	}{
		{postgresHiddenInsert, nil},
		{"SELECT * FROM t WHERE id IN (1,2); INSERT INTO log VALUES (1)", nil},
		{"SELECT * FROM t WHERE id = $1; INSERT INTO log VALUES (1)", []any{int64(1)}},
	}
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			db := sql.OpenDB(d.c)
			defer db.Close()
			conn := rawConn(t, db)
			ctx := ctxFor(t)
			for _, a := range attacks {
				for _, analyze := range []bool{false, true} {
					if _, err := explainPostgres(ctx, conn, a.text, a.args, analyze, false); err == nil {
						t.Errorf("%q (analyze %v): explained, want a server error", a.text, analyze)
					}
					if n := countRows(t, app, "SELECT COUNT(*) FROM log"); n != 0 {
						t.Fatalf("%q (analyze %v): the hidden INSERT ran: log has %d rows", a.text, analyze, n)
					}
				}
			}
			// The prepared path still explains one statement, with and
			// without arguments.
			if p, err := explainPostgres(ctx, conn, "SELECT * FROM t WHERE id IN (1,2)", nil, false, false); err != nil || p.Root == nil {
				t.Errorf("no arguments: %v", err)
			}
			if p, err := explainPostgres(ctx, conn, "SELECT * FROM t WHERE id = $1", []any{int64(1)}, false, false); err != nil || p.Root == nil {
				t.Errorf("with an argument: %v", err)
			}
			// The generic-plan path parses the text as a prepared statement
			// first, so a second statement is refused there too.
			if _, err := explainPostgresGeneric(ctx, conn, "EXPLAIN (FORMAT JSON) "+postgresHiddenInsert); err == nil {
				t.Errorf("generic path: explained, want a server error")
			}
			if n := countRows(t, app, "SELECT COUNT(*) FROM log"); n != 0 {
				t.Fatalf("generic path: the hidden INSERT ran: log has %d rows", n)
			}
		})
	}
}

func mustParsePgx(t *testing.T, dsn string) *pgx.ConnConfig {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestMySQLRunnerRunsOneStatement(t *testing.T) {
	checkLeaks(t)
	dsn := testenv.MySQLDSN(t)
	_, app := newMySQL(t, dsn, nil)
	mustExec(t, app, "DROP TABLE IF EXISTS t, log")
	mustExec(t, app, "CREATE TABLE t (id int PRIMARY KEY, v text)")
	mustExec(t, app, "CREATE TABLE log (x int)")
	t.Cleanup(func() { mustExec(t, app, "DROP TABLE IF EXISTS t, log") })
	_, db := newMySQL(t, dsn, func(c *mysql.Config) {
		c.MultiStatements = true
		c.InterpolateParams = true
	})
	conn := rawConn(t, db)
	ctx := ctxFor(t)
	var version string
	if err := conn.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	d := MySQL
	if strings.Contains(strings.ToLower(version), "mariadb") {
		d = MariaDB
	}
	for _, a := range []struct {
		text string
		args []any
	}{
		{"SELECT * FROM t WHERE id IN (1,2); INSERT INTO log VALUES (1)", nil},
		{"SELECT * FROM t WHERE id IN (?, ?); INSERT INTO log VALUES (1)", []any{int64(1), int64(2)}},
		{`SELECT * FROM t WHERE v = "it's"; INSERT INTO log VALUES (1) -- '`, nil},
	} {
		for _, analyze := range []bool{false, true} {
			// Read-write: the prepared statement is the layer under test.
			if _, err := explainMySQL(ctx, conn, d, a.text, a.args, analyze && d == MariaDB, false); err == nil {
				t.Errorf("%q: explained, want a server error", a.text)
			}
			if n := countRows(t, app, "SELECT COUNT(*) FROM log"); n != 0 {
				t.Fatalf("%q: the hidden INSERT ran: log has %d rows", a.text, n)
			}
		}
	}
	if p, err := explainMySQL(ctx, conn, d, "SELECT * FROM t WHERE id IN (?, ?)", []any{int64(1), int64(2)}, false, true); err != nil || p.Root == nil {
		t.Errorf("one statement: %v", err)
	}
}
