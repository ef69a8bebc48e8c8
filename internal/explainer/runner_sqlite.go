package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// errSQLiteNoFile refuses to explain on an SQLite database that is not a
// file (":memory:", a shared-cache memory database): a connection of
// explain's own would see another database, or share the application's
// table locks.
var errSQLiteNoFile = errors.New("explain: SQLite database is not a file")

// sqliteExplainConnector opens the Sampler's SQLite connections on the file the
// application's connector opens, never with the application's DSN:
//
//   - rollback journal (delete, truncate, persist, memory, off):
//     "file:PATH?mode=ro&immutable=1". Any reader's SHARED lock makes a
//     writer's commit fail with SQLITE_BUSY when the application set no
//     busy_timeout (measured: a read-only connection explaining in a loop
//     failed 324 of 1,800 writes; immutable, 0). An immutable connection
//     takes no lock and never looks for a hot journal, so it can neither
//     block nor roll back the application's transaction. It also assumes
//     the file does not change while it is open, so each explain opens a
//     connection of its own and closes it (the schema is read afresh); a
//     read that races a commit may see a torn page and fail, which is
//     explain's error, never the application's.
//   - WAL: "file:PATH?mode=ro". WAL readers never block writers, and an
//     immutable connection would ignore the WAL (tables created since the
//     last checkpoint would be missing). This connection is kept open
//     between explains: opening one when the application has none open
//     runs WAL recovery (and closing the last one, a checkpoint), during
//     which the application's own open fails with SQLITE_BUSY_RECOVERY
//     (measured: 102 of 1,800 writes of an application that keeps no idle
//     connection, with a connection opened per explain; 0 with one kept).
//
// The journal mode is read from the file header (bytes 18 and 19 are 2 in
// WAL mode) before each connection, without SQLite and so without a lock.
type sqliteExplainConnector struct {
	app driver.Connector

	mu   sync.Mutex
	path string // the main database file, resolved once
}

func (c *sqliteExplainConnector) Driver() driver.Driver { return c.app.Driver() }

func (c *sqliteExplainConnector) Connect(ctx context.Context) (driver.Conn, error) {
	path, err := c.file(ctx)
	if err != nil {
		return nil, err
	}
	d := c.app.Driver()
	if d == nil {
		return nil, ErrUnknownDialect
	}
	return d.Open(sqliteURI(path, sqliteIsWAL(path)))
}

// file asks a connection of the application's connector, once, which file
// the main database is. PRAGMA database_list reads no page of the file.
func (c *sqliteExplainConnector) file(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path != "" {
		return c.path, nil
	}
	dc, err := c.app.Connect(ctx)
	if err != nil {
		return "", err
	}
	defer dc.Close()
	qc, ok := dc.(driver.QueryerContext)
	if !ok {
		return "", fmt.Errorf("%w: SQLite driver %T cannot query", ErrUnknownDialect, dc)
	}
	rs, err := qc.QueryContext(ctx, "PRAGMA database_list", nil)
	if err != nil {
		return "", err
	}
	defer rs.Close()
	row := make([]driver.Value, len(rs.Columns()))
	for len(row) >= 3 {
		if err := rs.Next(row); err != nil {
			break
		}
		if asString(row[1]) == "main" {
			if f := asString(row[2]); f != "" {
				c.path = f
				return f, nil
			}
			break
		}
	}
	return "", errSQLiteNoFile
}

// sqliteURI is the DSN of explain's connection to the file at path.
func sqliteURI(path string, wal bool) string {
	u := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro"
	if !wal {
		u += "&immutable=1"
	}
	return u
}

// sqliteIsWAL reads the file header: the read and write format versions
// (bytes 18 and 19) are 2 for a database in WAL mode.
func sqliteIsWAL(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var h [20]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return false
	}
	return string(h[:16]) == "SQLite format 3\x00" && h[18] == 2 && h[19] == 2
}

// explainSQLite runs EXPLAIN QUERY PLAN with the arguments bound, through a
// statement prepared on the driver's connection whose tail (the text after
// the first statement SQLite compiled) is verified to be empty: SQLite's own
// tokenizer decides where the statement ends, not explain's lexer, and a text
// holding a second statement is refused before anything runs.
func explainSQLite(ctx context.Context, conn *sql.Conn, text string, args []driver.NamedValue) (*Plan, error) {
	// EXPLAIN QUERY PLAN compiles against the schema the connection has
	// cached and never checks it is current; a statement that reads the
	// schema table does (the schema cookie), and reloads it when the
	// application changed it since (a connection kept between explains).
	var one int
	if err := conn.QueryRowContext(ctx, "SELECT 1 FROM sqlite_master LIMIT 1").Scan(&one); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	// A ';' or whitespace after the statement is a tail to SQLite too
	// (modernc treats any byte left as a second statement): drop them.
	text = strings.TrimRight(text, " \t\r\n\f\v;")
	var rows []eqpRow
	err := conn.Raw(func(dc any) error {
		vals, err := querySingleSQLite(ctx, dc, "EXPLAIN QUERY PLAN "+text, args, 4)
		for _, v := range vals {
			if len(rows) >= maxPlanRows {
				break
			}
			rows = append(rows, eqpRow{id: asInt(v[0]), parent: asInt(v[1]), detail: asString(v[3])})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return parseSQLitePlan(rows)
}

// releaseSQLiteConn returns conn to the pool only when it is a WAL
// connection; an immutable one (rollback journal) is closed, so that the
// next explain reads the file, and its schema, afresh.
func releaseSQLiteConn(ctx context.Context, conn *sql.Conn) {
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || !strings.EqualFold(mode, "wal") {
		discardConn(conn)
	}
}

// errSQLiteTail refuses a text in which SQLite found more than one statement.
var errSQLiteTail = fmt.Errorf("%w: more than one statement (SQLite left a tail)", ErrUnsafe)

// querySingleSQLite prepares q on the driver connection dc, refuses it unless
// it is exactly one statement with nothing after it, and reads at most
// maxPlanRows rows of cols values each.
//
// Why at the driver level: modernc.org/sqlite runs every statement of a
// multi-statement text, also through a prepared statement (it keeps the text
// and loops over the tail when the statement is executed), and database/sql
// does not say whether a prepared text had a tail. The drivers' statement
// types do: modernc caches the compiled statement only when the tail is
// empty; mattn/go-sqlite3 keeps the tail beside the statement (and executes
// only the one statement). A driver explain cannot check is refused.
func querySingleSQLite(ctx context.Context, dc any, q string, args []driver.NamedValue, cols int) ([][]driver.Value, error) {
	prep, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("%w: SQLite driver %T cannot prepare with a context", ErrUnsafe, dc)
	}
	ds, err := prep.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer ds.Close()
	if single, known := sqliteSingleStatement(ds); !known {
		return nil, fmt.Errorf("%w: cannot verify that SQLite driver %T prepared a single statement", ErrUnsafe, ds)
	} else if !single {
		return nil, errSQLiteTail
	}
	sq, ok := ds.(driver.StmtQueryContext)
	if !ok {
		return nil, fmt.Errorf("%w: SQLite driver %T cannot query with a context", ErrUnsafe, ds)
	}
	bound, err := sqliteArgs(args)
	if err != nil {
		return nil, err
	}
	rs, err := sq.QueryContext(ctx, bound)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	if n := len(rs.Columns()); n < cols {
		return nil, fmt.Errorf("%w: %d columns, want %d", ErrNoPlan, n, cols)
	}
	var out [][]driver.Value
	for {
		row := make([]driver.Value, len(rs.Columns()))
		if err := rs.Next(row); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		if len(out) < maxPlanRows {
			out = append(out, row)
		}
	}
}

// sqliteSingleStatement reports whether the driver statement ds holds exactly
// one statement and no tail; known is false for a driver it does not know.
// It reads unexported fields by reflection (reading, not writing, them is
// allowed) so that explain links no SQLite driver into every program.
func sqliteSingleStatement(ds driver.Stmt) (single, known bool) {
	v := reflect.ValueOf(ds)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false, false
	}
	t := v.Elem().Type()
	e := v.Elem()
	switch pkg := t.PkgPath(); {
	case pkg == "modernc.org/sqlite":
		// newStmt keeps the compiled statement in pstmt only when the text
		// held one statement and an empty tail; otherwise pstmt is 0 and the
		// text is re-parsed, statement after statement, on execution.
		f := e.FieldByName("pstmt")
		if !f.IsValid() || f.Kind() != reflect.Uintptr {
			return false, false
		}
		return f.Uint() != 0, true
	case pkg == "github.com/mattn/go-sqlite3":
		// SQLiteStmt.t is the tail sqlite3_prepare_v2 left.
		f := e.FieldByName("t")
		if !f.IsValid() || f.Kind() != reflect.String {
			return false, false
		}
		return strings.TrimSpace(f.String()) == "", true
	}
	return false, false
}

// sqliteArgs turns captured arguments into driver values: the Sampler's are
// driver values already; Query's come from the caller as any Go value.
func sqliteArgs(args []driver.NamedValue) ([]driver.NamedValue, error) {
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a.Value)
		if err != nil {
			return nil, fmt.Errorf("explain: argument %d: %w", i+1, err)
		}
		a.Value = v
		out[i] = a
	}
	return out, nil
}

func asInt(v driver.Value) int {
	switch x := v.(type) {
	case int64:
		return int(x)
	case float64:
		return int(x)
	case []byte:
		n, _ := strconv.Atoi(string(x))
		return n
	case string:
		n, _ := strconv.Atoi(x)
		return n
	}
	return 0
}

func asString(v driver.Value) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// enrichSQLite reads the indexes of tables scanned whole, and their size
// when ANALYZE has filled sqlite_stat1.
func enrichSQLite(ctx context.Context, conn *sql.Conn, p *Plan) {
	for _, t := range scannedTables(p, func(n *Node) bool { return wholeScan(n.Access) }) {
		rs, err := conn.QueryContext(ctx, `SELECT il.name, ii.name
			FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii
			ORDER BY il.name, ii.seqno`, t)
		if err != nil {
			continue
		}
		ix, err := readIndexRows(rs)
		if err != nil {
			continue
		}
		if p.Indexes == nil {
			p.Indexes = map[string][][]string{}
		}
		p.Indexes[strings.ToLower(t)] = ix
		var stat string
		if conn.QueryRowContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1`, t).Scan(&stat) == nil {
			if f := strings.Fields(stat); len(f) > 0 {
				if n, err := strconv.ParseFloat(f[0], 64); err == nil {
					for _, node := range p.Nodes() {
						if strings.EqualFold(node.Table, t) {
							node.TableRows = n
						}
					}
				}
			}
		}
	}
}
