package explainer

import (
	"errors"
	"reflect"
	"testing"
)

var allDialects = []Dialect{MySQL, MariaDB, PostgreSQL, SQLite}

func TestCheckAllowed(t *testing.T) {
	tests := []struct {
		query      string
		dialects   []Dialect // nil: all
		kind       stmtKind
		analyzable bool
	}{
		{query: "SELECT 1", kind: kindSelect, analyzable: true},
		{query: "select * from t where a = ?", kind: kindSelect, analyzable: true},
		{query: "  -- leading comment\nSELECT 1", kind: kindSelect, analyzable: true},
		{query: "/* c */ SELECT 1;", kind: kindSelect, analyzable: true},
		{query: "SELECT*FROM t", kind: kindSelect, analyzable: true},
		{query: "WITH x AS (SELECT 1) SELECT * FROM x", kind: kindSelect, analyzable: true},
		{query: "WITH x (a) AS (SELECT 1), y AS (SELECT 2) SELECT * FROM x, y", kind: kindSelect, analyzable: true},
		{query: "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", dialects: []Dialect{PostgreSQL}, kind: kindSelect},
		{query: "WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM u", dialects: []Dialect{PostgreSQL}, kind: kindSelect},
		{query: "WITH i AS (INSERT INTO t (a) VALUES (1) RETURNING *) SELECT * FROM i", dialects: []Dialect{PostgreSQL}, kind: kindSelect},
		{query: "SELECT * FROM t WHERE id = 1 FOR UPDATE SKIP LOCKED", dialects: []Dialect{PostgreSQL, MySQL}, kind: kindSelect},
		{query: "(SELECT 1) UNION (SELECT 2)", kind: kindSelect, analyzable: true},
		{query: "SELECT * FROM t FOR UPDATE", kind: kindSelect},
		{query: "SELECT * FROM t FOR NO KEY UPDATE", dialects: []Dialect{PostgreSQL}, kind: kindSelect},
		{query: "SELECT * FROM t FOR KEY SHARE", dialects: []Dialect{PostgreSQL}, kind: kindSelect},
		{query: "SELECT * FROM t FOR SHARE", dialects: []Dialect{PostgreSQL, MySQL}, kind: kindSelect},
		{query: "SELECT 1 # comment here", dialects: []Dialect{MySQL, MariaDB}, kind: kindSelect, analyzable: true},
		{query: "SELECT 1;;  \n", kind: kindSelect, analyzable: true},
		{query: "SELECT count(*), max(a), lower(b), coalesce(c, 0), CAST(d AS CHAR(3)) FROM t GROUP BY e", kind: kindSelect, analyzable: true},
		{query: "SELECT * FROM t WHERE a = ANY($1) AND b = lower($2) AND c > now() - interval '1 day'", dialects: []Dialect{PostgreSQL}, kind: kindSelect, analyzable: true},
		{query: "SELECT date_format(a, '%Y'), IF(b, 1, 2), IFNULL(c, 0), DATABASE() FROM t", dialects: []Dialect{MySQL, MariaDB}, kind: kindSelect, analyzable: true},
		{query: "SELECT x FROM generate_series(1, 3) g(n) JOIN t ON t.id = g.n", dialects: []Dialect{PostgreSQL}, kind: kindSelect, analyzable: true},
		{query: "SELECT strftime('%s', a), ifnull(b, 0) FROM t", dialects: []Dialect{SQLite}, kind: kindSelect, analyzable: true},
		{query: "SELECT * FROM t LOCK IN SHARE MODE", dialects: []Dialect{MySQL, MariaDB}, kind: kindSelect},
		{query: "UPDATE t SET a = ? WHERE id = ?", kind: kindUpdate},
		{query: "DELETE FROM t WHERE id IN (?, ?)", kind: kindDelete},
		{query: "INSERT INTO t (a) SELECT a FROM u", kind: kindInsertSelect},
		{query: "INSERT INTO t SELECT * FROM u ON DUPLICATE KEY UPDATE a = VALUES(a)", dialects: []Dialect{MySQL, MariaDB}, kind: kindInsertSelect},
		{query: "INSERT INTO t (SELECT * FROM u)", dialects: []Dialect{MySQL, MariaDB}, kind: kindInsertSelect},
		{query: "WITH s AS (SELECT 1) INSERT INTO t SELECT * FROM s", dialects: []Dialect{PostgreSQL}, kind: kindInsertSelect},
		{query: "WITH s AS (SELECT 1) DELETE FROM t WHERE id IN (SELECT * FROM s)", dialects: []Dialect{PostgreSQL}, kind: kindDelete},
		{query: "SELECT E'it\\'s' FROM t", dialects: []Dialect{PostgreSQL}, kind: kindSelect, analyzable: true},
	}
	for _, tt := range tests {
		ds := tt.dialects
		if ds == nil {
			ds = allDialects
		}
		for _, d := range ds {
			ck, err := check(d, tt.query)
			if err != nil {
				t.Errorf("%s: check(%q) = %v", d, tt.query, err)
				continue
			}
			if ck.class.kind != tt.kind || ck.class.analyzable() != tt.analyzable {
				t.Errorf("%s: check(%q) = %v analyzable=%v, want %v analyzable=%v", d, tt.query, ck.class.kind, ck.class.analyzable(), tt.kind, tt.analyzable)
			}
			// The text sent checks again to the same tokens.
			again, err := check(d, ck.text)
			if err != nil || !reflect.DeepEqual(again.tokens, ck.tokens) || again.text != ck.text {
				t.Errorf("%s: text to send %q does not re-scan cleanly: %+v", d, ck.text, again)
			}
		}
	}
}

func TestCheckRefused(t *testing.T) {
	tests := []struct {
		query    string
		dialects []Dialect
	}{
		{query: "SELECT 1; DELETE FROM t"},
		// A ';' anywhere but at the end: never explained, whatever the
		// tokenizer makes of the quotes and comments around it.
		{query: "SELECT t.\"it's\" FROM t WHERE id IN (1,2); INSERT INTO log VALUES (1) -- '"},
		{query: "SELECT * FROM t WHERE id IN (1,2) /* /* */ ' */; INSERT INTO log VALUES (1); SELECT 1 /* ' */"},
		{query: "SELECT 1; -- a trailing comment; with a semicolon"},
		{query: "SELECT 1 ; /* done */"},
		{query: "SELECT 'a;b' FROM t"},
		{query: "SELECT \"a;b\" FROM t"},
		{query: "SELECT $$;$$", dialects: []Dialect{PostgreSQL}},
		{query: "SELECT 1 # comment; here", dialects: []Dialect{MySQL, MariaDB}},
		// Text read two ways: refused before any tokenizer's view counts.
		{query: "SELECT * FROM t WHERE id IN (1,2) /* /* */ ' */ AND pg_sleep(1) IS NULL /* ' */"},
		{query: "SELECT a FROM t WHERE b = '\\' AND c = sleep(1) -- '", dialects: []Dialect{MySQL, MariaDB}},
		{query: "SELECT 1abc FROM t", dialects: []Dialect{MySQL, MariaDB}},
		{query: "SELECT 1;DELETE FROM ex_t;"},
		{query: "SELECT 1; SELECT 2"},
		{query: ""},
		{query: "   ;"},
		{query: "-- only a comment"},
		{query: "INSERT INTO t VALUES (1)"},
		{query: "INSERT INTO t (a) VALUES ((SELECT 1))"},
		{query: "INSERT INTO t SET a = 1", dialects: []Dialect{MySQL, MariaDB}},
		{query: "INSERT INTO t DEFAULT VALUES", dialects: []Dialect{PostgreSQL, SQLite}},
		{query: "REPLACE INTO t SELECT * FROM u", dialects: []Dialect{MySQL, MariaDB, SQLite}},
		{query: "CREATE TABLE t AS SELECT 1"},
		{query: "CREATE INDEX ix ON t (a)"},
		{query: "DROP TABLE t"},
		{query: "ALTER TABLE t ADD COLUMN x INT"},
		{query: "TRUNCATE t"},
		{query: "SELECT * INTO newt FROM t"},
		{query: "SELECT a INTO @v FROM t", dialects: []Dialect{MySQL, MariaDB}},
		{query: "(SELECT a FROM t) INTO OUTFILE '/tmp/x'", dialects: []Dialect{MySQL, MariaDB}},
		{query: "SELECT * FROM (SELECT a INTO @v FROM t) x", dialects: []Dialect{MySQL, MariaDB}},
		{query: "SELECT a FROM t INTO DUMPFILE '/tmp/x'", dialects: []Dialect{MySQL, MariaDB}},
		{query: "EXPLAIN SELECT 1"},
		{query: "EXPLAIN ANALYZE SELECT 1"},
		{query: "ANALYZE t"},
		{query: "ANALYZE SELECT 1", dialects: []Dialect{MariaDB}},
		{query: "CALL p()"},
		{query: "SET @a = 1"},
		{query: "BEGIN"},
		{query: "COMMIT"},
		{query: "VACUUM"},
		{query: "GRANT ALL ON t TO u"},
		{query: "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE", dialects: []Dialect{PostgreSQL}},
		{query: "WITH x AS (SELECT 1) VALUES (1)"},
		{query: "TABLE t"},
		{query: "VALUES (1), (2)"},
		{query: "SELECT 'unterminated"},
		{query: "SELECT 1 /* unterminated"},
		{query: "SELECT (1"},
		{query: "SELECT 1 /*!; DELETE FROM t */", dialects: []Dialect{MySQL, MariaDB}},
		{query: "SELECT 1 /*M!100000 ; DELETE FROM t */", dialects: []Dialect{MariaDB}},
		{query: "SELECT 1 --1;DELETE FROM t", dialects: []Dialect{MySQL, MariaDB}},
		{query: "SELECT 'a\\'; DELETE FROM t; -- '"},
		{query: "SELECT \"a\\\"; DELETE FROM t; -- \"", dialects: []Dialect{MySQL, MariaDB}},
		{query: "SELECT $tag$ unterminated", dialects: []Dialect{PostgreSQL}},
		{query: "DO $$ BEGIN DELETE FROM t; END $$", dialects: []Dialect{PostgreSQL}},
		{query: "PRAGMA table_info(t)", dialects: []Dialect{SQLite}},
		{query: "ATTACH DATABASE 'x' AS y", dialects: []Dialect{SQLite}},
		{query: "LOCK TABLES t WRITE", dialects: []Dialect{MySQL}},
		{query: "HANDLER t OPEN", dialects: []Dialect{MySQL}},
		{query: "DELETE", dialects: nil},
	}
	for _, tt := range tests {
		ds := tt.dialects
		if ds == nil {
			ds = allDialects
		}
		for _, d := range ds {
			ck, err := check(d, tt.query)
			if tt.query == "DELETE" {
				// A bare keyword is a statement kind explain accepts; the
				// server rejects it. Nothing to assert beyond no panic.
				continue
			}
			if !errors.Is(err, ErrUnsafe) {
				t.Errorf("%s: check(%q) = %v (kind %v), want ErrUnsafe", d, tt.query, err, ck.class.kind)
			}
		}
	}
}

func TestTrailingSemicolonCut(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT x FROM t;":          "SELECT x FROM t",
		"SELECT 1 ;; \n":            "SELECT 1",
		"SELECT 1":                  "SELECT 1",
		"SELECT 1 -- trailing\n ; ": "SELECT 1 -- trailing",
	} {
		ck, err := check(SQLite, in)
		if err != nil {
			t.Errorf("check(%q): %v", in, err)
			continue
		}
		if ck.text != want {
			t.Errorf("text of %q = %q, want %q", in, ck.text, want)
		}
	}
}

// TestFunctionAllowList: a statement is explained only when every function
// it calls is a built-in without side effects, or one the user declared
// pure.
func TestFunctionAllowList(t *testing.T) {
	refused := []struct {
		d     Dialect
		query string
	}{
		{MariaDB, "SELECT * FROM t WHERE id = f(?)"},
		{MariaDB, "SELECT * FROM t WHERE id IN (f(?), ?)"},
		{MariaDB, "SELECT * FROM t WHERE id = (SELECT BENCHMARK(3000000, MD5('x')))"},
		{MySQL, "SELECT SLEEP(1)"},
		{MySQL, "SELECT GET_LOCK('x', 1)"},
		{MySQL, "SELECT RELEASE_LOCK('x')"},
		{MySQL, "SELECT IS_FREE_LOCK('x')"},
		{MySQL, "SELECT LOAD_FILE('/etc/passwd')"},
		{MySQL, "SELECT `app`.`f`(1) FROM t"},
		{MySQL, "SELECT app.f(1) FROM t"},
		{PostgreSQL, "SELECT pg_sleep(1)"},
		{PostgreSQL, "SELECT pg_sleep_for('1 second')"},
		{PostgreSQL, "SELECT pg_advisory_lock(1)"},
		{PostgreSQL, "SELECT pg_try_advisory_xact_lock(1)"},
		{PostgreSQL, "SELECT pg_terminate_backend(123)"},
		{PostgreSQL, "SELECT pg_cancel_backend(123)"},
		{PostgreSQL, "SELECT nextval('s')"},
		{PostgreSQL, "SELECT setval('s', 1)"},
		{PostgreSQL, "SELECT currval('s')"},
		{PostgreSQL, "SELECT set_config('a', 'b', false)"},
		{PostgreSQL, "SELECT * FROM dblink('x', 'y') AS t(a int)"},
		{PostgreSQL, "SELECT lo_import('/etc/passwd')"},
		{PostgreSQL, "SELECT pg_read_file('x')"},
		{PostgreSQL, "SELECT txid_current()"},
		{PostgreSQL, "SELECT * FROM t WHERE id = public.f($1)"},
		{PostgreSQL, `SELECT * FROM t WHERE id = "Lower"($1)`},
		{PostgreSQL, `SELECT * FROM t WHERE id = "f"($1)`},
		{PostgreSQL, "WITH x (a) AS (SELECT pg_sleep(1)) SELECT * FROM x"},
		{PostgreSQL, "SELECT * FROM t WHERE a IN (SELECT f(b) FROM u)"},
		{SQLite, "SELECT load_extension('x')"},
		{SQLite, "SELECT randomblob(1000000000)"},
		{SQLite, "SELECT [f](1) FROM t"},
	}
	for _, tt := range refused {
		_, err := check(tt.d, tt.query)
		if !errors.Is(err, ErrUnsafe) || !errors.Is(err, errFunction) {
			t.Errorf("%s: check(%q) = %v, want a function refusal", tt.d, tt.query, err)
		}
	}
	// Declared pure, a function passes.
	for _, tt := range []struct {
		d     Dialect
		query string
		pure  []string
	}{
		{MariaDB, "SELECT * FROM t WHERE id = f(?)", []string{"F"}},
		{PostgreSQL, "SELECT * FROM t WHERE id = app.price($1)", []string{"app.price"}},
		{PostgreSQL, `SELECT * FROM t WHERE id = "Slug"($1)`, []string{"Slug"}},
	} {
		if _, err := checkWith(tt.d, tt.query, tt.pure); err != nil {
			t.Errorf("%s: checkWith(%q, %q) = %v", tt.d, tt.query, tt.pure, err)
		}
		if _, err := check(tt.d, tt.query); !errors.Is(err, errFunction) {
			t.Errorf("%s: check(%q) = %v without the option", tt.d, tt.query, err)
		}
	}
	// The sampler can tell a function refusal from the others.
	_, errF := check(MySQL, "SELECT SLEEP(1)")
	_, errU := check(MySQL, "SELECT 1; SELECT 2")
	if skipReason(errF, "") != SkipFunction || skipReason(errU, "") != SkipMultipleStatements || skipReason(nil, "") != "" {
		t.Errorf("skip reasons %q %q", skipReason(errF, ""), skipReason(errU, ""))
	}
	// The option reaches the config.
	if c := newConfig([]Option{WithPureFunctions("a", "b")}); len(c.pureFunctions) != 2 {
		t.Errorf("pure functions %q", c.pureFunctions)
	}
}

func TestPlaceholders(t *testing.T) {
	tests := []struct {
		d     Dialect
		query string
		want  int
	}{
		{MySQL, "SELECT * FROM t WHERE a = ? AND b IN (?, ?)", 3},
		{MySQL, "SELECT * FROM t WHERE a=?", 1},
		{SQLite, "SELECT * FROM t WHERE a = :a AND b = @b AND c = ?", 3},
		{PostgreSQL, "SELECT * FROM t WHERE a = $1 AND b = ANY($2)", 2},
		{PostgreSQL, "SELECT * FROM t WHERE data ? 'key'", 0},
		{MySQL, "SELECT '?' FROM t", 0},
	}
	for _, tt := range tests {
		if got := scan(tt.d, tt.query).placeholders; got != tt.want {
			t.Errorf("%s %q: placeholders = %d, want %d", tt.d, tt.query, got, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		d     Dialect
		query string
		want  description
	}{
		{
			d:     MySQL,
			query: "SELECT n_review_id, reid FROM review r WHERE r.n_review_id IN (?, ?)",
			want: description{
				tables: []TableRef{{Name: "review", Alias: "r"}},
				in:     []ColumnRef{{Qualifier: "r", Name: "n_review_id"}},
			},
		},
		{
			d:     MySQL,
			query: "SELECT * FROM a JOIN b AS bb ON bb.x = a.y WHERE a.id = ? AND bb.t > ? ORDER BY a.c DESC, bb.d",
			want: description{
				tables: []TableRef{{Name: "a"}, {Name: "b", Alias: "bb"}},
				eq:     []ColumnRef{{Qualifier: "a", Name: "id"}},
				join:   []ColumnRef{{Qualifier: "bb", Name: "x"}, {Qualifier: "a", Name: "y"}},
				rng:    []ColumnRef{{Qualifier: "bb", Name: "t"}},
				order:  []ColumnRef{{Qualifier: "a", Name: "c"}, {Qualifier: "bb", Name: "d"}},
			},
		},
		{
			d: PostgreSQL,
			query: "UPDATE document_log SET upload_status = 1 WHERE upload_status != 1 AND transaction_id IN " +
				"(SELECT transaction_id FROM file_log WHERE process_time >= $1)",
			want: description{
				tables: []TableRef{{Name: "document_log"}, {Name: "file_log"}},
				eq:     []ColumnRef{{Name: "transaction_id"}},
				rng:    []ColumnRef{{Name: "process_time"}},
			},
		},
		{
			d:     PostgreSQL,
			query: `SELECT * FROM "Review" R WHERE R."nReviewId" = ANY($1) AND R.Kind = $2`,
			want: description{
				tables: []TableRef{{Name: "Review", Alias: "r"}},
				in:     []ColumnRef{{Qualifier: "r", Name: "nReviewId"}},
				eq:     []ColumnRef{{Qualifier: "r", Name: "kind"}},
			},
		},
		{
			d:     PostgreSQL,
			query: "SELECT EXTRACT(epoch FROM created_at) FROM t GROUP BY 1",
			want:  description{tables: []TableRef{{Name: "t"}}},
		},
		{
			d:     MySQL,
			query: "INSERT INTO t (a, b) SELECT a, b FROM u WHERE u.k = ?",
			want: description{
				tables: []TableRef{{Name: "t"}, {Name: "u"}},
				eq:     []ColumnRef{{Qualifier: "u", Name: "k"}},
			},
		},
		{
			d:     SQLite,
			query: "SELECT * FROM t1, t2 x WHERE t1.a = x.b ORDER BY lower(x.c)",
			want: description{
				tables:       []TableRef{{Name: "t1"}, {Name: "t2", Alias: "x"}},
				join:         []ColumnRef{{Qualifier: "t1", Name: "a"}, {Qualifier: "x", Name: "b"}},
				orderComplex: true,
			},
		},
		{
			d:     MySQL,
			query: "SELECT * FROM `db`.`t` FORCE INDEX (ix) WHERE `t`.`a` IN (1) AND b BETWEEN 1 AND 2",
			want: description{
				tables: []TableRef{{Name: "db.t"}},
				in:     []ColumnRef{{Qualifier: "t", Name: "a"}},
				rng:    []ColumnRef{{Name: "b"}},
			},
		},
		{
			d:     MySQL,
			query: "INSERT INTO t SELECT * FROM u WHERE u.x IS NULL ON DUPLICATE KEY UPDATE a = VALUES(a)",
			want: description{
				tables: []TableRef{{Name: "t"}, {Name: "u"}},
				eq:     []ColumnRef{{Qualifier: "u", Name: "x"}},
			},
		},
		{
			d:     PostgreSQL,
			query: "DELETE FROM ONLY t USING u WHERE t.id = u.id AND u.name LIKE $1",
			want: description{
				tables: []TableRef{{Name: "t"}, {Name: "u"}},
				join:   []ColumnRef{{Qualifier: "t", Name: "id"}, {Qualifier: "u", Name: "id"}},
				rng:    []ColumnRef{{Qualifier: "u", Name: "name"}},
			},
		},
	}
	for _, tt := range tests {
		s := scan(tt.d, tt.query)
		if s.problem != "" {
			t.Errorf("scan(%q): %s", tt.query, s.problem)
			continue
		}
		if got := describe(tt.d, s.tokens); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("describe(%q)\n got %+v\nwant %+v", tt.query, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	desc := description{tables: []TableRef{{Name: "app.review", Alias: "r"}, {Name: "other"}}}
	for _, tt := range []struct {
		c    ColumnRef
		want string
		ok   bool
	}{
		{ColumnRef{Qualifier: "r", Name: "x"}, "app.review", true},
		{ColumnRef{Qualifier: "review", Name: "x"}, "app.review", true},
		{ColumnRef{Qualifier: "app.review", Name: "x"}, "app.review", true},
		{ColumnRef{Qualifier: "OTHER", Name: "x"}, "other", true},
		{ColumnRef{Name: "x"}, "", false},
		{ColumnRef{Qualifier: "nope", Name: "x"}, "", false},
	} {
		got, ok := desc.resolve(tt.c)
		if ok != tt.ok || got.Name != tt.want {
			t.Errorf("resolve(%+v) = %+v, %v", tt.c, got, ok)
		}
	}
}
