package explainer

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
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/internal/vocab"
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
	for _, env := range []string{testenv.EnvPostgresDSN, postgres17Env} {
		if dsn := os.Getenv(env); dsn != "" {
			out = append(out, pgServer{name: env, dsn: dsn})
		}
	}
	if len(out) == 0 {
		t.Skipf("set %s (and %s) to run against PostgreSQL", testenv.EnvPostgresDSN, postgres17Env)
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
	if p.verifier.Load() != nil {
		t.Fatal("the verifier outlives the analysis")
	}
	return p, fs, conn
}

// writer inserts rows into a table from its own connection until stopped
// (or a bound of iterations) and records when each write started and
// completed, and the longest a write took.
type writer struct {
	mu      sync.Mutex
	done    [][2]time.Time // start, end
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
			w.done = append(w.done, [2]time.Time{start, time.Now()})
			if took > w.longest {
				w.longest = took
			}
			w.mu.Unlock()
		}
	}()
	testenv.WaitFor(t, 15*time.Second, func() bool { return w.completed(time.Time{}, time.Now().Add(time.Hour)) > 0 }) // the writer's first write
	return w
}

// completed counts writes that started and completed strictly between from
// and to. A locking build lets through at most one: the write it blocked,
// completing as the lock goes.
func (w *writer) completed(from, to time.Time) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, at := range w.done {
		if at[0].After(from) && at[1].Before(to) {
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
// and checks that writes went on during the build and none waited long
// (online), or, where the database has no online build (SQLite), that
// writers waited for the build and no longer.
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
	build := end.Sub(start)
	switch {
	case online && during < 3:
		t.Errorf("%d writes during the %v build: the table was locked", during, build)
	case online && longest > maxWriteLatency:
		t.Errorf("a write waited %v during the build", longest)
	case !online && longest > build+time.Second:
		// SQLite's writers wait for the build, and no longer.
		t.Errorf("a write waited %v, the build took %v", longest, build)
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
		_, db := newMySQL(t, testenv.MySQLDSN(t), nil)
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
		// Fewer rows: modernc.org/sqlite is slow under -race, and its writers
		// wait for the whole build.
		const sqliteRows = 5000
		_, db := newSQLite(t)
		mustExec(t, db, "CREATE TABLE adv_ddl (id INTEGER PRIMARY KEY, user_id INT NOT NULL, note TEXT NOT NULL)")
		mustExec(t, db, fmt.Sprintf(`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %d)
			INSERT INTO adv_ddl (user_id, note) SELECT n, 'note ' || n FROM g`, sqliteRows))
		mustExec(t, db, "ANALYZE")
		f := onlyFinding(t, db, KindUnindexedIn, Statement{Query: query, Args: nv(int64(5), int64(6), int64(7))})
		want := "CREATE INDEX ix_adv_ddl_user_id ON adv_ddl (user_id)"
		if f.Suggestion != want {
			t.Fatalf("suggestion %q, want %q", f.Suggestion, want)
		}
		checkRowsNote(t, f, sqliteRows)
		// SQLite has one writer at a time: the inserts wait for the build,
		// which must stay short.
		buildUnderWrites(t, db, f.Suggestion, insert, arg, false)
	})
}

// onlyFinding explains st on db and returns its finding of kind.
func onlyFinding(t *testing.T, db *sql.DB, kind Kind, st Statement, opts ...Option) Finding {
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

// scanPlan is a plan reading table whole, under a sort when sorted.
func scanPlan(d Dialect, table string, rows float64, sorted bool, indexes ...[]string) *Plan {
	scan := newNode("Seq Scan")
	scan.Table, scan.Access, scan.EstimatedRows, scan.TableRows = table, AccessFullScan, rows, rows
	scan.Filter = "(filtered)"
	p := &Plan{Dialect: d, Root: scan, Indexes: map[string][][]string{table: indexes}}
	if sorted {
		sort := newNode("Sort")
		sort.EstimatedRows = rows
		sort.Children = []*Node{scan}
		p.Root, p.UsesFilesort = sort, true
	}
	return p
}

func TestCompositeColumnOrder(t *testing.T) {
	tests := []struct {
		name     string
		query    string
		sorted   bool
		indexes  [][]string
		kind     Kind   // of the finding on the scan: full_scan unless set
		fullScan string // that finding's suggested columns, or the start of its advice
		sort     string // the sort_without_index suggestion's columns ("" when none)
	}{
		{
			name:     "scenario 2: a range that is the sort",
			query:    "SELECT * FROM log WHERE log_date BETWEEN $1 AND $2 ORDER BY log_date DESC",
			sorted:   true,
			fullScan: "log_date", sort: "log_date",
		},
		{
			name:     "equality, then the range that is the sort",
			query:    "SELECT * FROM log WHERE log_date > $1 AND user_id = $2 ORDER BY log_date",
			sorted:   true,
			fullScan: "user_id, log_date", sort: "user_id, log_date",
		},
		{
			name:     "equality, then the sort, several sort columns",
			query:    "SELECT * FROM log WHERE user_id = $1 ORDER BY log_date, id",
			sorted:   true,
			fullScan: "user_id, log_date, id", sort: "user_id, log_date, id",
		},
		{
			name:     "IN first; rows of several IN values come unsorted, so the range follows",
			query:    "SELECT * FROM log WHERE user_id = $1 AND status IN ($2, $3) AND created_at > $4 ORDER BY created_at",
			sorted:   true,
			kind:     KindUnindexedIn,
			fullScan: "status, user_id, created_at", sort: "user_id, created_at",
		},
		{
			name:     "a range on another column than the sort: the range serves the filter",
			query:    "SELECT * FROM log WHERE a = $1 AND b > $2 ORDER BY c",
			sorted:   true,
			fullScan: "a, b", sort: "a, c",
		},
		{
			name:     "no sort in the plan: ORDER BY columns are not added",
			query:    "SELECT * FROM log WHERE a = $1 AND b > $2 ORDER BY b",
			fullScan: "a, b",
		},
		{
			name:     "an index with the equality columns in another order already is the suggestion",
			query:    "SELECT * FROM log WHERE a = $1 AND b = $2",
			indexes:  [][]string{{"b", "a", "c"}},
			fullScan: "an index on (b, a, c) exists",
		},
		{
			name:     "an existing index serves the sort: no index suggested for it",
			query:    "SELECT * FROM log WHERE user_id = $1 ORDER BY log_date",
			sorted:   true,
			indexes:  [][]string{{"user_id", "log_date"}},
			fullScan: "an index on (user_id, log_date) exists", sort: "an index on (user_id, log_date) can return the rows in ORDER BY order",
		},
		{
			name:     "an index on other columns does not count",
			query:    "SELECT * FROM log WHERE a = $1 ORDER BY d",
			sorted:   true,
			indexes:  [][]string{{"b", "a"}, {"a", "c"}},
			fullScan: "an index on (a, c) exists", sort: "a, d",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := scanPlan(PostgreSQL, "log", 50000, tt.sorted, tt.indexes...)
			fs := Analyze(p, Statement{Query: tt.query})
			check := func(kind Kind, want string) {
				t.Helper()
				f, ok := findKind(fs, kind)
				if want == "" {
					if ok {
						t.Errorf("unexpected %s: %+v", kind, f)
					}
					return
				}
				if !ok {
					t.Fatalf("no %s in %+v", kind, fs)
				}
				if strings.HasPrefix(f.Suggestion, "CREATE INDEX") {
					i := strings.LastIndexByte(f.Suggestion, '(')
					if got := strings.TrimSuffix(f.Suggestion[i+1:], ")"); got != want {
						t.Errorf("%s columns (%s), want (%s): %s", kind, got, want, f.Suggestion)
					}
					return
				}
				if !strings.HasPrefix(f.Suggestion, want) {
					t.Errorf("%s suggestion %q, want %q…", kind, f.Suggestion, want)
				}
			}
			kind := KindFullScan
			if tt.kind != "" {
				kind = tt.kind
			}
			check(kind, tt.fullScan)
			check(KindSortWithoutIndex, tt.sort)
		})
	}
}

func TestLeadsWith(t *testing.T) {
	tests := []struct {
		index, cols []string
		nEq         int
		want        bool
	}{
		{[]string{"a", "b"}, []string{"a"}, 1, true},
		{[]string{"a", "b"}, []string{"b"}, 1, false},
		{[]string{"B", "a", "c"}, []string{"a", "b"}, 2, true},
		{[]string{"b", "a"}, []string{"a", "b"}, 1, false}, // a = ? AND b > ?: b must follow a
		{[]string{"a", "b", "c"}, []string{"a", "b", "c"}, 1, true},
		{[]string{"a"}, []string{"a", "b"}, 1, false},
	}
	for _, tt := range tests {
		if got := leadsWith(tt.index, tt.cols, tt.nEq); got != tt.want {
			t.Errorf("leadsWith(%v, %v, %d) = %v", tt.index, tt.cols, tt.nEq, got)
		}
	}
}

// advServer is a real database an advice test runs on.
type advServer struct {
	name string
	d    Dialect
	db   *sql.DB
	ph   func(i int) string // the i-th placeholder (1-based)
}

// allServers opens every database of the environment: MariaDB, the
// PostgreSQL servers, SQLite.
func allServers(t *testing.T) []advServer {
	t.Helper()
	var out []advServer
	qmark := func(int) string { return "?" }
	if os.Getenv(testenv.EnvMySQLDSN) != "" {
		_, db := newMySQL(t, os.Getenv(testenv.EnvMySQLDSN), nil)
		out = append(out, advServer{"MariaDB", MariaDB, db, qmark})
	}
	for _, env := range []string{testenv.EnvPostgresDSN, postgres17Env} {
		if dsn := os.Getenv(env); dsn != "" {
			_, db := openPostgres(t, dsn)
			out = append(out, advServer{"PostgreSQL " + env, PostgreSQL, db, func(i int) string { return fmt.Sprintf("$%d", i) }})
		}
	}
	_, db := newSQLite(t)
	return append(out, advServer{"SQLite", SQLite, db, qmark})
}

// seedLog creates adv_log: rows log lines of 200 users over time, with no
// index but the primary key.
func seedLog(t *testing.T, s advServer, rows int) {
	t.Helper()
	mustExec(t, s.db, "DROP TABLE IF EXISTS adv_log")
	t.Cleanup(func() { mustExec(t, s.db, "DROP TABLE IF EXISTS adv_log") })
	switch s.d {
	case MariaDB:
		mustExec(t, s.db, "CREATE TABLE adv_log (id BIGINT PRIMARY KEY, user_id INT NOT NULL, log_date BIGINT NOT NULL, payload VARCHAR(100))")
		mustExec(t, s.db, fmt.Sprintf("INSERT INTO adv_log SELECT seq, seq %% 200, 1700000000000 + seq * 1000, REPEAT('x', 80) FROM seq_1_to_%d", rows))
		mustExec(t, s.db, "ANALYZE TABLE adv_log")
	case PostgreSQL:
		mustExec(t, s.db, "CREATE TABLE adv_log (id BIGINT PRIMARY KEY, user_id INT NOT NULL, log_date BIGINT NOT NULL, payload TEXT)")
		mustExec(t, s.db, fmt.Sprintf("INSERT INTO adv_log SELECT g, g %% 200, 1700000000000 + g * 1000, repeat('x', 80) FROM generate_series(1, %d) g", rows))
		mustExec(t, s.db, "VACUUM ANALYZE adv_log")
	case SQLite:
		mustExec(t, s.db, "CREATE TABLE adv_log (id INTEGER PRIMARY KEY, user_id INT NOT NULL, log_date INT NOT NULL, payload TEXT)")
		mustExec(t, s.db, fmt.Sprintf(`WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %d)
			INSERT INTO adv_log SELECT n, n %% 200, 1700000000000 + n * 1000, printf('%%.80c', 'x') FROM g`, rows))
		mustExec(t, s.db, "ANALYZE")
	}
}

// TestCompositeSuggestionOnServers checks the column order suggested from
// real plans, and that once the suggested index exists neither the scan nor
// the sort is reported again.
func TestCompositeSuggestionOnServers(t *testing.T) {
	checkLeaks(t)
	from, to := int64(1700000000000+2000*1000), int64(1700000000000+3000*1000)
	for _, s := range allServers(t) {
		t.Run(s.name, func(t *testing.T) {
			rows := 40000
			if s.d == SQLite {
				rows = 10000 // modernc.org/sqlite is slow under -race
			}
			seedLog(t, s, rows)
			tests := []struct {
				query string
				args  []driver.NamedValue
				cols  string
			}{
				{
					query: fmt.Sprintf("SELECT id, payload FROM adv_log WHERE user_id = %s AND log_date BETWEEN %s AND %s ORDER BY log_date DESC",
						s.ph(1), s.ph(2), s.ph(3)),
					args: nv(int64(7), from, to),
					cols: "user_id, log_date",
				},
				{ // scenario 2's read
					query: fmt.Sprintf("SELECT * FROM adv_log WHERE log_date BETWEEN %s AND %s ORDER BY log_date DESC LIMIT 200", s.ph(1), s.ph(2)),
					args:  nv(from, to),
					cols:  "log_date",
				},
			}
			for _, tt := range tests {
				st := Statement{Query: tt.query, Args: tt.args}
				f := onlyFinding(t, s.db, KindFullScan, st)
				if !strings.Contains(f.Suggestion, "("+tt.cols+")") || !strings.Contains(f.Message, "ORDER BY") {
					t.Fatalf("%s: suggestion %q, want columns (%s) serving the ORDER BY; %s", tt.query, f.Suggestion, tt.cols, f.Message)
				}
				mustExec(t, s.db, f.Suggestion)
				p, fs, _ := adviseOnConn(t, s.db, st)
				for _, f := range fs {
					if f.Kind == KindFullScan || f.Kind == KindSortWithoutIndex {
						t.Errorf("%s: after %s: %+v\n%s", tt.query, f.Suggestion, f, p.render(false))
					}
				}
				// A sort of the few rows the index finds may remain (PostgreSQL
				// prefers a bitmap scan and a 10-row sort): no finding for it.
				if used := strings.Join(p.IndexesUsed(), ","); !strings.Contains(used, "ix_adv_log_"+strings.ReplaceAll(tt.cols, ", ", "_")) {
					t.Errorf("%s: the plan does not read the new index:\n%s", tt.query, p.render(false))
				}
			}
		})
	}
}

// seedChatMembers creates scenario 5's shape: adv_chat_member, a big table
// whose index on user_id does not hold the columns the chat-room list
// reads; user 1 is in 5,000 rooms, scattered over the table.
func seedChatMembers(t *testing.T, d Dialect, db *sql.DB) {
	t.Helper()
	const rows = 120000
	mustExec(t, db, "DROP TABLE IF EXISTS adv_chat_member")
	t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS adv_chat_member") })
	switch d {
	case MariaDB:
		mustExec(t, db, `CREATE TABLE adv_chat_member (id BIGINT PRIMARY KEY, user_id INT NOT NULL, room_id INT NOT NULL,
			unread INT NOT NULL, joined_at DATETIME NOT NULL, profile VARCHAR(200) NOT NULL, KEY adv_chat_member_user (user_id))`)
		mustExec(t, db, fmt.Sprintf(`INSERT INTO adv_chat_member SELECT seq, IF(seq %% 40 = 0, 1, 2 + seq %% 5000), seq %% 7919,
			seq %% 13, '2024-01-01' + INTERVAL (seq %% 1000) MINUTE, REPEAT('p', 200) FROM seq_1_to_%d`, rows))
		mustExec(t, db, "ANALYZE TABLE adv_chat_member")
	case PostgreSQL:
		mustExec(t, db, `CREATE TABLE adv_chat_member (id BIGINT PRIMARY KEY, user_id INT NOT NULL, room_id INT NOT NULL,
			unread INT NOT NULL, joined_at TIMESTAMP NOT NULL, profile TEXT NOT NULL)`)
		mustExec(t, db, "CREATE INDEX adv_chat_member_user ON adv_chat_member (user_id)")
		mustExec(t, db, fmt.Sprintf(`INSERT INTO adv_chat_member SELECT g, CASE WHEN g %% 40 = 0 THEN 1 ELSE 2 + g %% 5000 END, g %% 7919,
			g %% 13, TIMESTAMP '2024-01-01' + (g %% 1000) * INTERVAL '1 minute', repeat('p', 200) FROM generate_series(1, %d) g`, rows))
		mustExec(t, db, "VACUUM ANALYZE adv_chat_member")
	}
}

// TestKeyLookupsScenario5 reads the chat-room list through the non-covering
// index: key_lookups with a covering index as the fix; once that index
// exists, the plan reads the index alone and the finding is gone.
func TestKeyLookupsScenario5(t *testing.T) {
	checkLeaks(t)
	type target struct {
		name  string
		d     Dialect
		db    *sql.DB
		query string
		want  string
	}
	var targets []target
	if dsn := os.Getenv(testenv.EnvMySQLDSN); dsn != "" {
		_, db := newMySQL(t, dsn, nil)
		targets = append(targets, target{"MariaDB", MariaDB, db, "SELECT room_id, unread FROM adv_chat_member WHERE user_id = ?",
			"ALTER TABLE adv_chat_member ADD INDEX ix_adv_chat_member_user_id_room_id_unread (user_id, room_id, unread), ALGORITHM=INPLACE, LOCK=NONE"})
	}
	pgWant := "CREATE INDEX CONCURRENTLY ix_adv_chat_member_user_id_room_id_unread ON adv_chat_member (user_id) INCLUDE (room_id, unread)"
	for _, srv := range postgresServers(t) {
		_, db := openPostgres(t, srv.dsn)
		targets = append(targets, target{"PostgreSQL " + srv.name, PostgreSQL, db, "SELECT room_id, unread FROM adv_chat_member WHERE user_id = $1", pgWant})
	}
	if db := hypopgDB(t); db != nil {
		targets = append(targets, target{"PostgreSQL with hypopg", PostgreSQL, db, "SELECT room_id, unread FROM adv_chat_member WHERE user_id = $1", pgWant})
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			seedChatMembers(t, tg.d, tg.db)
			st := Statement{Query: tg.query, Args: nv(int64(1))}
			f := onlyFinding(t, tg.db, KindKeyLookups, st)
			if f.Suggestion != tg.want || f.Table != "adv_chat_member" {
				t.Fatalf("finding %+v, want suggestion %q", f, tg.want)
			}
			if !strings.Contains(f.Message, "room_id, unread") || f.TableRows < 90000 {
				t.Errorf("message %q, table rows %v", f.Message, f.TableRows)
			}
			t.Logf("%s: %s (verified %v, cost %.0f → %.0f)", tg.name, f.Message, f.Verified, f.CostBefore, f.CostAfter)
			if tg.name == "PostgreSQL with hypopg" && (!f.Verified || f.CostAfter > f.CostBefore/2) {
				t.Errorf("not verified: %+v", f)
			}
			// A few rows fetched: below the bound, nothing to report.
			if _, fs, _ := adviseOnConn(t, tg.db, Statement{Query: tg.query, Args: nv(int64(7))}); len(fs) != 0 {
				t.Errorf("user with few rooms: %+v", fs)
			}

			mustExec(t, tg.db, f.Suggestion)
			if tg.d == PostgreSQL {
				mustExec(t, tg.db, "VACUUM ANALYZE adv_chat_member") // the visibility map lets the index answer alone
			} else {
				mustExec(t, tg.db, "ANALYZE TABLE adv_chat_member")
			}
			p, fs, _ := adviseOnConn(t, tg.db, st)
			if len(fs) != 0 {
				t.Errorf("with the covering index: %+v\n%s", fs, p.render(false))
			}
			covered := false
			for _, n := range p.Nodes() {
				if n.Table == "adv_chat_member" && n.Covering && strings.HasPrefix(n.Index, "ix_adv_chat_member_user_id") {
					covered = true
					if tg.d == PostgreSQL && n.Op != "Index Only Scan" {
						t.Errorf("covering node %s", n.Op)
					}
				}
			}
			if !covered {
				t.Errorf("the plan does not read the covering index alone:\n%s\n%s", p.render(false), p.Raw)
			}
		})
	}
}

// hypopgDB returns a pool on a database of the PostgreSQL 15 server that has
// the hypopg extension: <database>_hypopg, created for the tests, so that
// the application database of other tests never has it. nil (and the test
// goes on without) when the server has no hypopg to install.
func hypopgDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := os.Getenv(testenv.EnvPostgresDSN)
	if dsn == "" {
		return nil
	}
	_, db := openPostgres(t, dsn)
	var available int
	if err := db.QueryRow("SELECT count(*) FROM pg_available_extensions WHERE name = 'hypopg'").Scan(&available); err != nil || available == 0 {
		t.Logf("no hypopg on this server (apt-get install postgresql-15-hypopg): verified suggestions untested")
		return nil
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database += "_hypopg"
	var exists int
	if err := db.QueryRow("SELECT count(*) FROM pg_database WHERE datname = $1", cfg.Database).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists == 0 {
		if _, err := db.Exec(`CREATE DATABASE "` + cfg.Database + `"`); err != nil && !strings.Contains(err.Error(), "already exists") {
			t.Fatal(err)
		}
	}
	hdb := sql.OpenDB(stdlib.GetConnector(*cfg))
	t.Cleanup(func() { hdb.Close() })
	mustExec(t, hdb, "CREATE EXTENSION IF NOT EXISTS hypopg")
	return hdb
}

// seedHypoReview creates scenario 1's table: adv_review, 50,000 rows, no
// index on n_review_id, and a flag true for every other row.
func seedHypoReview(t *testing.T, db *sql.DB) {
	t.Helper()
	mustExec(t, db, "DROP TABLE IF EXISTS adv_review")
	t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS adv_review") })
	mustExec(t, db, `CREATE TABLE adv_review (reid BIGINT PRIMARY KEY, n_review_id BIGINT NOT NULL, flag BOOLEAN NOT NULL, label TEXT NOT NULL)`)
	mustExec(t, db, `INSERT INTO adv_review SELECT g, g * 7, g % 2 = 0, 'label-' || g FROM generate_series(1, 50000) g`)
	mustExec(t, db, "VACUUM ANALYZE adv_review")
}

var (
	hypoLookup = Statement{
		Query: "SELECT n_review_id, reid FROM adv_review WHERE n_review_id IN ($1, $2, $3, $4, $5)",
		Args:  nv(int64(700), int64(707), int64(714), int64(721), int64(728)),
	}
	hypoFlag = Statement{Query: "SELECT reid, label FROM adv_review WHERE flag = $1", Args: nv(true)}
)

// TestHypoPGVerifiedSuggestions: with hypopg the scenario-1 lookup's index
// is verified by the planner, an index on a two-valued flag is not, and no
// hypothetical index outlives the check on the connection.
func TestHypoPGVerifiedSuggestions(t *testing.T) {
	checkLeaks(t)
	db := hypopgDB(t)
	if db == nil {
		t.Skip("no hypopg")
	}
	seedHypoReview(t, db)

	_, fs, conn := adviseOnConn(t, db, hypoLookup)
	f, ok := findKind(fs, KindUnindexedIn)
	if !ok {
		t.Fatalf("findings %+v", fs)
	}
	t.Logf("lookup: %s, cost %.1f → %.1f\n%s", f.Suggestion, f.CostBefore, f.CostAfter, f.PlanWithIndex)
	if !f.Verified || f.CostBefore < 20*f.CostAfter || f.CostAfter <= 0 ||
		f.Suggestion != "CREATE INDEX CONCURRENTLY ix_adv_review_n_review_id ON adv_review (n_review_id)" {
		t.Errorf("lookup not verified: %+v", f)
	}
	if !strings.Contains(f.PlanWithIndex, "btree_adv_review_n_review_id") || strings.Contains(f.PlanWithIndex, "721") {
		t.Errorf("plan with the index (hypothetical, redacted):\n%s", f.PlanWithIndex)
	}
	assertNoHypoIndexes(t, conn)

	_, fs, conn = adviseOnConn(t, db, hypoFlag)
	f, ok = findKind(fs, KindFullScan)
	if !ok {
		t.Fatalf("flag: findings %+v", fs)
	}
	t.Logf("flag: %s", f.Suggestion)
	if f.Verified || strings.Contains(f.Suggestion, "CONCURRENTLY") || !strings.Contains(f.Suggestion, "hypopg") {
		t.Errorf("an index on a two-valued flag suggested: %+v", f)
	}
	assertNoHypoIndexes(t, conn)

	// A plan from Query has lost its connection: nothing is verified, and
	// analysing it neither fails nor waits.
	qp, err := Query(context.Background(), db, hypoLookup.Query, 700, 707, 714, 721, 728)
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := findKind(Analyze(qp, hypoLookup), KindUnindexedIn); !ok || f.Verified || !strings.HasPrefix(f.Suggestion, "CREATE INDEX CONCURRENTLY") {
		t.Errorf("Query plan: %+v", f)
	}

	// A stricter bar drops what the default keeps: the share is the option's.
	_, fs, conn = adviseOnConn(t, db, hypoLookup, WithSuggestionMinCostDrop(1))
	if f, _ := findKind(fs, KindUnindexedIn); f.Verified || strings.Contains(f.Suggestion, "CONCURRENTLY") {
		t.Errorf("a 100 %% cost drop required, yet verified: %+v", f)
	}
	assertNoHypoIndexes(t, conn)
}

func assertNoHypoIndexes(t *testing.T, conn *sql.Conn) {
	t.Helper()
	var n int
	if err := conn.QueryRowContext(context.Background(), "SELECT count(*) FROM hypopg_list_indexes").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d hypothetical indexes left on the EXPLAIN connection", n)
	}
}

// TestHypoPGSampler goes through a Sampler: the verdict carries the verified
// suggestion; without hypopg the same statement's suggestion is unverified.
func TestHypoPGSampler(t *testing.T) {
	checkLeaks(t)
	run := func(t *testing.T, c driver.Connector, wantVerified bool) {
		tel := newTelemetry(t)
		s := New(c, PostgreSQL, append(tel.options(), WithRateLimit(100, 100))...)
		defer s.Close()
		ctx, _ := tel.parentContext(t)
		st := hypoLookup
		st.Fingerprint = "lookup"
		if !s.Submit(ctx, st) {
			t.Fatal("Submit refused")
		}
		v := waitVerdict(t, s, "lookup")
		f, ok := findKind(v.Findings, KindUnindexedIn)
		if v.Err != nil || !ok {
			t.Fatalf("verdict %+v", v)
		}
		if f.Verified != wantVerified || !strings.HasPrefix(f.Suggestion, "CREATE INDEX CONCURRENTLY") {
			t.Errorf("verified %v, want %v: %+v", f.Verified, wantVerified, f)
		}
		testenv.WaitFor(t, 15*time.Second, func() bool { return len(tel.explainSpans()) == 1 }) // the EXPLAIN span
		checkSuggestionTelemetry(t, tel.explainSpans()[0], wantVerified)
	}
	t.Run("with hypopg", func(t *testing.T) {
		db := hypopgDB(t)
		if db == nil {
			t.Skip("no hypopg")
		}
		seedHypoReview(t, db)
		cfg, _ := pgx.ParseConfig(os.Getenv(testenv.EnvPostgresDSN))
		cfg.Database += "_hypopg"
		run(t, stdlib.GetConnector(*cfg), true)
	})
	for _, srv := range postgresServers(t) {
		t.Run("without hypopg "+srv.name, func(t *testing.T) {
			c, db := openPostgres(t, srv.dsn)
			var n int
			if err := db.QueryRow("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'").Scan(&n); err != nil || n != 0 {
				t.Skipf("the database has hypopg (%v)", err)
			}
			seedHypoReview(t, db)
			run(t, c, false)
		})
	}
}

// checkSuggestionTelemetry checks that the EXPLAIN span and its finding
// event say whether the planner verified the suggested index, at what cost
// and on how large a table; the span carries the plan with the index when
// it was verified.
func checkSuggestionTelemetry(t *testing.T, span sdktrace.ReadOnlySpan, wantVerified bool) {
	t.Helper()
	var events [][]attribute.KeyValue
	for _, e := range span.Events() {
		if e.Name == EventFinding {
			events = append(events, e.Attributes)
		}
	}
	if len(events) != 1 {
		t.Fatalf("%d finding events on %q", len(events), span.Name())
	}
	for _, on := range []struct {
		what  string
		attrs []attribute.KeyValue
	}{{"span", span.Attributes()}, {"event", events[0]}} {
		got := map[attribute.Key]attribute.Value{}
		for _, kv := range on.attrs {
			got[kv.Key] = kv.Value
		}
		v, ok := got[vocab.AttrSuggestionVerified]
		if !ok || v.Type() != attribute.BOOL || v.AsBool() != wantVerified {
			t.Errorf("%s: %s = %v (present %v), want %v", on.what, vocab.AttrSuggestionVerified, v.Emit(), ok, wantVerified)
		}
		if rows := got[vocab.AttrIndexTableRows].AsFloat64(); rows < 40000 || rows > 60000 {
			t.Errorf("%s: %s = %v, want about 50,000", on.what, vocab.AttrIndexTableRows, rows)
		}
		before, after := got[vocab.AttrSuggestionCostBefore].AsFloat64(), got[vocab.AttrSuggestionCostAfter].AsFloat64()
		if wantVerified && (after <= 0 || before < 20*after) {
			t.Errorf("%s: cost %v → %v, want a large drop", on.what, before, after)
		}
		if !wantVerified && (before != 0 || after != 0) {
			t.Errorf("%s: cost %v → %v without the planner asked", on.what, before, after)
		}
	}
	plan, ok := attrOf(span, vocab.AttrSuggestionPlan)
	if ok != wantVerified || wantVerified && !strings.Contains(plan.AsString(), "btree_adv_review_n_review_id") {
		t.Errorf("%s = %q (present %v), want it when verified", vocab.AttrSuggestionPlan, plan.AsString(), ok)
	}
}

// TestGenericPlanOnNewerPostgres explains a statement captured without its
// values: PostgreSQL 16+ plans it with GENERIC_PLAN and the advice is the
// same; older servers refuse it as missing arguments.
func TestGenericPlanOnNewerPostgres(t *testing.T) {
	checkLeaks(t)
	tested := false
	for _, srv := range postgresServers(t) {
		t.Run(srv.name, func(t *testing.T) {
			_, db := openPostgres(t, srv.dsn)
			seedHypoReview(t, db)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			info, err := detectServer(ctx, conn, "")
			if err != nil {
				t.Fatal(err)
			}
			st := Statement{Query: hypoLookup.Query} // no values captured
			p, err := explainOn(ctx, conn, info, st, runOptions{})
			if info.pgVersion < 160000 {
				if err != ErrMissingArgs {
					t.Errorf("PostgreSQL %d: err %v, want ErrMissingArgs", info.pgVersion, err)
				}
				return
			}
			tested = true
			if err != nil {
				t.Fatalf("PostgreSQL %d: %v", info.pgVersion, err)
			}
			if !p.Generic {
				t.Errorf("not a generic plan:\n%s", p.render(false))
			}
			fs := analyze(p, st, newConfig(nil))
			f, ok := findKind(fs, KindUnindexedIn)
			if !ok || f.Suggestion != "CREATE INDEX CONCURRENTLY ix_adv_review_n_review_id ON adv_review (n_review_id)" || f.TableRows != 50000 {
				t.Errorf("generic plan findings %+v\n%s", fs, p.render(false))
			}
		})
	}
	if !tested {
		t.Logf("no PostgreSQL 16+ among the servers: set %s (scripts/pgnew.sh)", postgres17Env)
	}
}

// TestMariaDBLargeInList keeps MariaDB's rewrite of long IN lists (from
// in_predicate_conversion_threshold, 1,000 values, the list becomes a join
// with a derived table) a regression test: 1,500 values on an indexed
// column stay quiet, on an unindexed one they give unindexed_in on the
// table and column of the lookup.
func TestMariaDBLargeInList(t *testing.T) {
	checkLeaks(t)
	_, db := newMySQL(t, testenv.MySQLDSN(t), nil)
	mustExec(t, db, "DROP TABLE IF EXISTS adv_in")
	t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS adv_in") })
	mustExec(t, db, "CREATE TABLE adv_in (id BIGINT PRIMARY KEY, indexed_id BIGINT NOT NULL, plain_id BIGINT NOT NULL, KEY adv_in_indexed (indexed_id))")
	mustExec(t, db, "INSERT INTO adv_in SELECT seq, seq * 3, seq * 5 FROM seq_1_to_50000")
	mustExec(t, db, "ANALYZE TABLE adv_in")
	marks := strings.TrimSuffix(strings.Repeat("?, ", 1500), ", ")
	args := make([]driver.NamedValue, 1500)
	literals := make([]string, 1500)
	for i := range args {
		args[i] = driver.NamedValue{Ordinal: i + 1, Value: int64(15 * (i + 1))}
		literals[i] = fmt.Sprint(15 * (i + 1))
	}
	// Bound values (how explain sends captured arguments) are not rewritten;
	// literal values in the text (ORMs that inline them) are.
	for _, form := range []struct {
		name, list string
		args       []driver.NamedValue
		rewritten  bool
	}{
		{"bound", marks, args, false},
		{"literal", strings.Join(literals, ", "), nil, true},
	} {
		t.Run(form.name, func(t *testing.T) {
			p, fs, _ := adviseOnConn(t, db, Statement{Query: "SELECT id FROM adv_in WHERE indexed_id IN (" + form.list + ")", Args: form.args})
			if len(fs) != 0 {
				t.Errorf("indexed: %+v\n%.2000s", fs, p.render(true))
			}
			if got := strings.Contains(p.Raw, "<derived"); got != form.rewritten {
				t.Errorf("IN list rewritten into a derived table: %v, want %v\n%.2000s", got, form.rewritten, p.render(true))
			}
			p, fs, _ = adviseOnConn(t, db, Statement{Query: "SELECT id FROM adv_in WHERE plain_id IN (" + form.list + ")", Args: form.args})
			f, ok := findKind(fs, KindUnindexedIn)
			if !ok || len(fs) != 1 || f.Table != "adv_in" || !reflect.DeepEqual(f.Columns, []string{"plain_id"}) ||
				f.Suggestion != "ALTER TABLE adv_in ADD INDEX ix_adv_in_plain_id (plain_id), ALGORITHM=INPLACE, LOCK=NONE" {
				t.Errorf("unindexed: %+v\n%.2000s", fs, p.render(true))
			}
		})
	}
}

// lookupPlan is a PostgreSQL plan reading rows of chat through index
// chat_user (user_id), under a LIMIT when limit ≥ 0.
func lookupPlan(op string, rows, limit float64) *Plan {
	n := newNode(op)
	n.Table, n.Index, n.IndexCond, n.Access, n.EstimatedRows = "chat", "chat_user", "(user_id = 1)", AccessLookup, rows
	n.Covering = op == "Index Only Scan"
	p := &Plan{Dialect: PostgreSQL, Root: n}
	if limit >= 0 {
		l := newNode("Limit")
		l.EstimatedRows = limit
		l.Children = []*Node{n}
		p.Root = l
	}
	return p
}

func TestKeyLookupsRules(t *testing.T) {
	const list = "SELECT room_id, unread FROM chat WHERE user_id = $1"
	tests := []struct {
		name  string
		plan  *Plan
		query string
		opts  []Option
		want  string // suggestion, "" for no finding
	}{
		{"index scan of many rows", lookupPlan("Index Scan", 5000, -1), list,
			nil, "CREATE INDEX CONCURRENTLY ix_chat_user_id_room_id_unread ON chat (user_id) INCLUDE (room_id, unread)"},
		{"bitmap heap scan", lookupPlan("Bitmap Heap Scan", 5000, -1), list,
			nil, "CREATE INDEX CONCURRENTLY ix_chat_user_id_room_id_unread ON chat (user_id) INCLUDE (room_id, unread)"},
		{"ORDER BY columns are needed too", lookupPlan("Index Scan", 5000, -1), list + " ORDER BY joined_at",
			nil, "CREATE INDEX CONCURRENTLY ix_chat_user_id_room_id_unread_joined_at ON chat (user_id) INCLUDE (room_id, unread, joined_at)"},
		{"index only scan already", lookupPlan("Index Only Scan", 5000, -1), list, nil, ""},
		{"few rows", lookupPlan("Index Scan", 999, -1), list, nil, ""},
		{"a lower bound", lookupPlan("Index Scan", 999, -1), list, []Option{WithKeyLookupRows(500)},
			"CREATE INDEX CONCURRENTLY ix_chat_user_id_room_id_unread ON chat (user_id) INCLUDE (room_id, unread)"},
		{"LIMIT stops the read early", lookupPlan("Index Scan", 5000, 20), list + " LIMIT 20", nil, ""},
		{"every column", lookupPlan("Index Scan", 5000, -1), "SELECT * FROM chat WHERE user_id = $1", nil, ""},
		{"expressions", lookupPlan("Index Scan", 5000, -1), "SELECT count(room_id) FROM chat WHERE user_id = $1", nil, ""},
		{"too many columns", lookupPlan("Index Scan", 5000, -1), "SELECT a, b, c, d, e FROM chat WHERE user_id = $1", nil, ""},
		{"aliases and qualifiers", lookupPlan("Index Scan", 5000, -1), "SELECT c.room_id AS r, c.unread u FROM chat c WHERE c.user_id = $1",
			nil, "CREATE INDEX CONCURRENTLY ix_chat_user_id_room_id_unread ON chat (user_id) INCLUDE (room_id, unread)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Analyze(tt.plan, Statement{Query: tt.query}, tt.opts...)
			f, ok := findKind(fs, KindKeyLookups)
			switch {
			case tt.want == "" && ok:
				t.Errorf("unexpected %+v", f)
			case tt.want != "" && (!ok || f.Suggestion != tt.want):
				t.Errorf("findings %+v, want %s", fs, tt.want)
			}
		})
	}

	// Before PostgreSQL 11 (no INCLUDE) and on MySQL the columns join the key.
	p := lookupPlan("Index Scan", 5000, -1)
	p.catalog = &catalogFacts{pgVersion: 100021, tables: map[string]*tableFacts{}}
	if f, _ := findKind(Analyze(p, Statement{Query: list}), KindKeyLookups); f.Suggestion != "CREATE INDEX CONCURRENTLY ix_chat_user_id_room_id_unread ON chat (user_id, room_id, unread)" {
		t.Errorf("PostgreSQL 10: %q", f.Suggestion)
	}
	p = lookupPlan("ref", 5000, -1)
	p.Dialect = MariaDB
	if f, _ := findKind(Analyze(p, Statement{Query: "SELECT room_id, unread FROM chat WHERE user_id = ?"}), KindKeyLookups); f.Suggestion != "ALTER TABLE chat ADD INDEX ix_chat_user_id_room_id_unread (user_id, room_id, unread), ALGORITHM=INPLACE, LOCK=NONE" {
		t.Errorf("MariaDB: %q", f.Suggestion)
	}
}

// TestHypoPGResetOnError: the hypothetical index is removed when planning
// with it fails, and when the explain's deadline cut the check short.
func TestHypoPGResetOnError(t *testing.T) {
	checkLeaks(t)
	db := hypopgDB(t)
	if db == nil {
		t.Skip("no hypopg")
	}
	seedHypoReview(t, db)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var schema string
	if err := conn.QueryRowContext(context.Background(), "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'hypopg'").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	spec := indexSpec{table: "adv_review", cols: []string{"n_review_id"}}

	v := &hypoVerifier{ctx: context.Background(), conn: conn, schema: schema, text: "SELECT no_such_column FROM adv_review"}
	if _, err := v.try(spec); err == nil {
		t.Fatal("planning a broken statement succeeded")
	}
	assertNoHypoIndexes(t, conn)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v = &hypoVerifier{ctx: ctx, conn: conn, schema: schema, text: hypoLookup.Query, args: bindArgs(hypoLookup.Args)}
	if _, err := v.try(spec); err == nil {
		t.Fatal("a cancelled check succeeded")
	}
	assertNoHypoIndexes(t, conn)
}
