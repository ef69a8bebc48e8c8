package explainer

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// PostgreSQL calls user code in places a reading of the text cannot see:
// a user overload of a built-in name (public.lower(int)), a user operator,
// and attribute notation ((row).fn is fn(row)). The planner folds an
// immutable call with constant arguments while planning, so plain EXPLAIN
// runs it. Two layers stop it: the EXPLAIN runs in a read-only transaction
// (a write fails: "cannot execute INSERT in a read-only transaction"), and
// a statement naming a user-defined function or operator of the database
// is not explained at all (which also covers what a read-only transaction
// allows: advisory locks, pg_sleep).
func TestExplainRunsNoUserCodePostgres(t *testing.T) {
	for _, srv := range postgresServers(t) {
		t.Run(srv.name, func(t *testing.T) {
			checkLeaks(t)
			c, db := openPostgres(t, srv.dsn)
			for _, q := range []string{
				`DROP VIEW IF EXISTS adv_v_write, adv_v_lock`,
				`DROP TABLE IF EXISTS adv_t, adv_log CASCADE`,
				`DROP TYPE IF EXISTS adv_pair CASCADE`,
				`DROP FUNCTION IF EXISTS public.lower(int), public.upper(int), adv_op(int, int), adv_attr(adv_pair) CASCADE`,
				`CREATE TABLE adv_t (id int PRIMARY KEY, v text)`,
				`INSERT INTO adv_t SELECT g, 'v' || g FROM generate_series(1, 50) g`,
				`CREATE TABLE adv_log (id serial PRIMARY KEY)`,
				`CREATE TYPE adv_pair AS (a int, b int)`,
				`DROP FUNCTION IF EXISTS adv_insert()`,
				// A sequence is not rolled back: only a read-only
				// transaction keeps it where it was.
				`DROP SEQUENCE IF EXISTS adv_seq`,
				`CREATE SEQUENCE adv_seq`,
				`CREATE FUNCTION adv_insert() RETURNS void LANGUAGE plpgsql VOLATILE AS
				   $$ BEGIN INSERT INTO adv_log DEFAULT VALUES; PERFORM nextval('adv_seq'); END $$`,
				// Each pretends to be pure; each writes.
				`CREATE FUNCTION public.lower(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
				   $$ BEGIN PERFORM adv_insert(); RETURN $1; END $$`,
				`CREATE FUNCTION adv_op(int, int) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS
				   $$ BEGIN PERFORM adv_insert(); RETURN true; END $$`,
				`CREATE OPERATOR ### (LEFTARG = int, RIGHTARG = int, FUNCTION = adv_op)`,
				`CREATE FUNCTION adv_attr(adv_pair) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
				   $$ BEGIN PERFORM adv_insert(); RETURN 1; END $$`,
				// Takes a session lock, which a read-only transaction allows
				// and a rollback does not release.
				`CREATE FUNCTION public.upper(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS
				   $$ BEGIN PERFORM pg_advisory_lock(7341); RETURN $1; END $$`,
				// Views reach them with no name in the statement's text.
				`CREATE VIEW adv_v_write AS SELECT * FROM adv_t WHERE id = lower(1)`,
				`CREATE VIEW adv_v_lock AS SELECT * FROM adv_t WHERE id = upper(1)`,
			} {
				mustExec(t, db, q)
			}
			t.Cleanup(func() {
				mustExec(t, db, `DROP TABLE IF EXISTS adv_t, adv_log CASCADE`)
				mustExec(t, db, `DROP FUNCTION IF EXISTS public.lower(int), public.upper(int), adv_op(int, int), adv_attr(adv_pair), adv_insert() CASCADE`)
				mustExec(t, db, `DROP TYPE IF EXISTS adv_pair CASCADE`)
				mustExec(t, db, `DROP SEQUENCE IF EXISTS adv_seq`)
			})
			// The functions do what they say when the application calls them.
			mustExec(t, db, `SELECT * FROM adv_t WHERE id = lower(1)`)
			if n := countRows(t, db, `SELECT count(*) FROM adv_log`); n != 1 {
				t.Fatalf("control: the overload wrote %d rows, want 1", n)
			}
			mustExec(t, db, `TRUNCATE adv_log`)
			mustExec(t, db, `SELECT setval('adv_seq', 1, false)`)

			s := New(c, PostgreSQL, WithRateLimit(100, 100))
			defer s.Close()
			// Declared pure (wrongly, as a user might), the overloads pass
			// the name check: the read-only transaction must stop them.
			trusting := New(c, PostgreSQL, WithRateLimit(100, 100), WithPureFunctions("lower", "adv_attr"))
			defer trusting.Close()
			for i, q := range []string{
				`SELECT * FROM adv_v_write WHERE v = 'x'`,
				`SELECT * FROM adv_v_lock WHERE v = 'x'`,
			} {
				v := analyzeOnce(t, s, Statement{Query: q, Fingerprint: fmt.Sprintf("view-%d", i), Reason: ReasonSlow})
				t.Logf("%s: plan=%v err=%v", q, v.Plan != nil, v.Err)
			}
			for i, q := range []string{
				`SELECT * FROM adv_t WHERE id = lower(1)`,
				`SELECT * FROM adv_t WHERE id = (ROW(1, 1)::adv_pair).adv_attr`,
			} {
				v := analyzeOnce(t, trusting, Statement{Query: q, Fingerprint: fmt.Sprintf("trusting-%d", i), Reason: ReasonSlow})
				t.Logf("declared pure: %s: plan=%v err=%v", q, v.Plan != nil, v.Err)
			}
			for i, q := range []string{
				`SELECT * FROM adv_t WHERE id = lower(1)`,
				`SELECT * FROM adv_t WHERE id = LOWER(1) AND v = 'x'`,
				`SELECT * FROM adv_t WHERE 1 ### 2`,
				`SELECT * FROM adv_t WHERE 1 OPERATOR(public.###) 2`,
				`SELECT * FROM adv_t WHERE id = (ROW(1, 1)::adv_pair).adv_attr`,
				`SELECT * FROM adv_t WHERE id = upper(1)`,
				`SELECT * FROM adv_t WHERE id = $1 AND lower(2) = 2`,
			} {
				st := Statement{Query: q, Fingerprint: fmt.Sprintf("adv-%d", i), Reason: ReasonSlow}
				if strings.Contains(q, "$1") {
					st.Args = nv(int64(1))
				}
				v := analyzeOnce(t, s, st)
				t.Logf("%s: plan=%v err=%v", q, v.Plan != nil, v.Err)
			}
			if n := countRows(t, db, `SELECT count(*) FROM adv_log`); n != 0 {
				t.Errorf("the explains ran user code: %d rows written", n)
			}
			if n := countRows(t, db, `SELECT count(*) FROM adv_seq WHERE is_called`); n != 0 {
				t.Error("the explains ran user code: the sequence advanced")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, "SET lock_timeout = '2s'"); err != nil {
				t.Fatal(err)
			}
			var got bool
			if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(7341)").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !got {
				t.Error("an explain took the advisory lock the user function takes, and holds it")
			} else if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock(7341)"); err != nil {
				t.Error(err)
			}
		})
	}
}

// A statement that calls none of the database's user code is still
// explained once the catalog has been read.
func TestExplainWithUserFunctionsElsewherePostgres(t *testing.T) {
	checkLeaks(t)
	c, db := newPostgres(t)
	mustExec(t, db, `DROP TABLE IF EXISTS adv_ok`)
	mustExec(t, db, `DROP FUNCTION IF EXISTS adv_unrelated(int)`)
	mustExec(t, db, `CREATE TABLE adv_ok (id int PRIMARY KEY, name text)`)
	mustExec(t, db, `CREATE FUNCTION adv_unrelated(int) RETURNS int LANGUAGE sql IMMUTABLE AS $$ SELECT $1 $$`)
	t.Cleanup(func() {
		mustExec(t, db, `DROP TABLE IF EXISTS adv_ok`)
		mustExec(t, db, `DROP FUNCTION IF EXISTS adv_unrelated(int)`)
	})
	s := New(c, PostgreSQL, WithRateLimit(100, 100))
	defer s.Close()
	v := analyzeOnce(t, s, Statement{Query: `SELECT * FROM adv_ok WHERE lower(name) = 'x'`, Fingerprint: "ok", Reason: ReasonSlow})
	if v.Err != nil || v.Plan == nil {
		t.Fatalf("a statement calling only built-ins was not explained: plan=%v err=%v", v.Plan != nil, v.Err)
	}
	v = analyzeOnce(t, s, Statement{Query: `SELECT * FROM adv_ok WHERE id = adv_unrelated(1)`, Fingerprint: "user", Reason: ReasonSlow})
	if v.Plan != nil {
		t.Fatal("a statement calling a user function was explained")
	}
}
