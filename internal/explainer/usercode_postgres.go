package explainer

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// PostgreSQL reaches user code where the text does not say "call": a user
// overload of a built-in name (public.lower(int)), a user operator, and
// attribute notation ((row).fn and t.fn both call fn). The planner folds an
// immutable or stable call while planning, so plain EXPLAIN runs it. The
// read-only transaction every EXPLAIN runs in stops such code from writing;
// what it allows (an advisory lock, a sleep) is stopped here: a statement
// that names a function or uses an operator the database's users defined is
// not explained. Extensions' functions and operators are trusted like
// built-ins: a database administrator installed them.

// userCode is what the catalog says about the functions and operators
// defined outside pg_catalog, information_schema and extensions.
type userCode struct {
	names     map[string]bool // function names, as the catalog spells them
	operators []string        // operator symbols
	// stable is set when some user function is immutable or stable: the
	// planner may call it from where no name shows (a view, a cast, a
	// domain check, a row-level security policy), so the session is
	// checked for locks it left.
	stable bool
	// overflow is set when there were more than maxUserCode entries: every
	// statement is then refused rather than checked against a partial list.
	overflow bool
}

// maxUserCode bounds the names and symbols kept per database.
const maxUserCode = 10000

// userCodeQuery lists user-defined functions and operators. Aggregates and
// window functions are functions too; trigger functions cannot be called
// from a statement but are listed all the same (a name is all it costs).
var userCodeQuery = `
SELECT 'f', p.proname::text, p.provolatile <> 'v'
FROM pg_catalog.pg_proc p
WHERE p.pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'o', o.oprname::text, false
FROM pg_catalog.pg_operator o
WHERE o.oprnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_operator'::regclass AND d.objid = o.oid AND d.deptype = 'e')
LIMIT ` + strconv.Itoa(maxUserCode+1)

// readUserCode reads the catalog. Its queries are fixed texts of explain's
// own: nothing of the application's runs.
func readUserCode(ctx context.Context, conn *sql.Conn) (*userCode, error) {
	rs, err := conn.QueryContext(ctx, userCodeQuery)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	uc := &userCode{names: map[string]bool{}}
	n := 0
	for rs.Next() {
		var kind, name string
		var stable bool
		if err := rs.Scan(&kind, &name, &stable); err != nil {
			return nil, err
		}
		if n++; n > maxUserCode {
			uc.overflow = true
			break
		}
		if kind == "o" {
			uc.operators = append(uc.operators, name)
			continue
		}
		uc.names[name] = true
		uc.stable = uc.stable || stable
	}
	return uc, rs.Err()
}

// reaches says which user function or operator the statement names, ""
// when none. A name declared pure (WithPureFunctions) does not count.
func (uc *userCode) reaches(r *sqlinfo.Reading, pure []string) string {
	if uc.overflow {
		return fmt.Sprintf("more than %d user-defined functions and operators", maxUserCode)
	}
	found := ""
	if len(uc.names) > 0 {
		r.Names(func(name string) bool {
			if uc.names[name] && !declaredPure(pure, name) {
				found = "user-defined function " + name
			}
			return found == ""
		})
	}
	if found != "" || len(uc.operators) == 0 {
		return found
	}
	// The lexer may cut a run of operator characters differently from
	// the server ("=###" as one token, "###" as three): either containing
	// the other counts.
	r.Operators(func(op string) bool {
		for _, u := range uc.operators {
			if strings.Contains(op, u) || strings.Contains(u, op) {
				found = "user-defined operator " + u
				return false
			}
		}
		return true
	})
	return found
}

// userCodeCache keeps one database's userCode for a while: functions are
// created with releases, not per statement. A function created in the
// window is still stopped from writing by the read-only transaction.
type userCodeCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	val     *userCode
	fetched time.Time
	now     func() time.Time
}

// userCodeTTL is how long a catalog reading is trusted.
const userCodeTTL = 30 * time.Second

func newUserCodeCache() *userCodeCache {
	return &userCodeCache{ttl: userCodeTTL, now: time.Now}
}

// get returns the cached reading, reading the catalog on conn when there
// is none or it expired. A nil cache reads every time (Query).
func (c *userCodeCache) get(ctx context.Context, conn *sql.Conn) (*userCode, error) {
	if c == nil {
		return readUserCode(ctx, conn)
	}
	c.mu.Lock()
	if c.val != nil && c.now().Sub(c.fetched) < c.ttl {
		v := c.val
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v, err := readUserCode(ctx, conn)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.val, c.fetched = v, c.now()
	c.mu.Unlock()
	return v, nil
}

// forget drops the reading, so that the next explain reads the catalog.
func (c *userCodeCache) forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.val = nil
	c.mu.Unlock()
}

// holdsAdvisoryLocks reports whether conn's session holds an advisory
// lock, which a user function the planner called may have taken and which
// a rollback does not release. An error counts as holding one.
func holdsAdvisoryLocks(ctx context.Context, conn *sql.Conn) bool {
	var held bool
	err := conn.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND pid = pg_catalog.pg_backend_pid())`).Scan(&held)
	return err != nil || held
}
