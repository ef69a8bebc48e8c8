package explainer

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

const exReviewRows = 50000

// seedMariaDBReview creates ex_review with exReviewRows rows and no index on
// n_review_id: the missing index an IN lookup needs.
func seedMariaDBReview(t *testing.T) (driver.Connector, func(string)) {
	t.Helper()
	c, db := newMySQL(t, testenv.MySQLDSN(t), nil)
	mustExec(t, db, "DROP TABLE IF EXISTS ex_review")
	mustExec(t, db, `CREATE TABLE ex_review (
		reid BIGINT PRIMARY KEY AUTO_INCREMENT,
		n_review_id BIGINT NOT NULL,
		label VARCHAR(32) NOT NULL
	)`)
	mustExec(t, db, "INSERT INTO ex_review (n_review_id, label) SELECT seq * 7, CONCAT('label-', seq) FROM seq_1_to_50000")
	mustExec(t, db, "ANALYZE TABLE ex_review")
	t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS ex_review") })
	return c, func(q string) { mustExec(t, db, q) }
}

func TestMariaDBUnindexedIn(t *testing.T) {
	checkLeaks(t)
	c, exec := seedMariaDBReview(t)
	tel := newTelemetry(t)
	// MySQL as the hint: the Sampler finds out it is MariaDB.
	s := New(c, MySQL, append(tel.options(), WithDedupeTTL(time.Nanosecond))...)
	defer s.Close()
	ctx, _ := tel.parentContext(t)

	queries := []string{
		"SELECT n_review_id, reid FROM ex_review WHERE n_review_id IN (?, ?, ?, ?, ?)",
		"SELECT r.n_review_id, r.reid FROM ex_review r WHERE r.n_review_id IN (?, ?, ?, ?, ?)",
	}
	args := make([]driver.NamedValue, 5)
	for i := range args {
		args[i] = driver.NamedValue{Ordinal: i + 1, Value: int64(700 + 7*i)}
	}
	var suggestion string
	for i, q := range queries {
		fp := "fp-" + string(rune('a'+i))
		if !s.Submit(ctx, Statement{Query: q, Args: args, Fingerprint: fp, Summary: "SELECT ex_review", Reason: "in_lookup"}) {
			t.Fatalf("Submit refused %q", q)
		}
		v := waitVerdict(t, s, fp)
		if v.Err != nil {
			t.Fatalf("%s: %v", q, v.Err)
		}
		f, ok := findKind(v.Findings, KindUnindexedIn)
		if !ok || f.Table != "ex_review" || len(f.Columns) != 1 || f.Columns[0] != "n_review_id" {
			t.Fatalf("%s: findings %+v\n%s", q, v.Findings, v.Plan.Text)
		}
		if v.Plan.Dialect != MariaDB || v.Plan.Format != "json" {
			t.Errorf("plan dialect %s format %s", v.Plan.Dialect, v.Plan.Format)
		}
		if strings.Contains(v.Plan.Text, "721") || v.Plan.Raw != "" {
			t.Errorf("plan not redacted:\n%s", v.Plan.Text)
		}
		if v.Plan.RowsEstimate() < exReviewRows/2 {
			t.Errorf("rows estimate %v", v.Plan.RowsEstimate())
		}
		suggestion = f.Suggestion
	}
	if suggestion != "ALTER TABLE ex_review ADD INDEX ix_ex_review_n_review_id (n_review_id), ALGORITHM=INPLACE, LOCK=NONE" {
		t.Fatalf("suggestion = %q", suggestion)
	}
	if spans := tel.waitExplainSpans(t, 2); len(spans) != 2 {
		t.Errorf("%d EXPLAIN spans", len(spans))
	} else if sys, _ := attrOf(spans[0], "db.system.name"); sys.AsString() != "mariadb" {
		t.Errorf("db.system.name = %q", sys.AsString())
	}

	exec(suggestion) // the fix works...
	for i, q := range queries {
		fp := "fp-" + string(rune('a'+i))
		explained := len(tel.explainSpans())
		if !s.Submit(ctx, Statement{Query: q, Args: args, Fingerprint: fp}) {
			t.Fatalf("re-Submit refused %q", q)
		}
		tel.waitExplainSpans(t, explained+1)
		v, _ := s.Cached(fp)
		if v.Err != nil || len(v.Findings) != 0 { // ...and the same shape is no longer flagged
			t.Fatalf("%s after the index: err %v findings %+v\n%s", q, v.Err, v.Findings, v.Plan.Text)
		}
		if ix := v.Plan.IndexesUsed(); len(ix) != 1 || ix[0] != "ix_ex_review_n_review_id" {
			t.Errorf("indexes used = %v", ix)
		}
	}
}

func TestMariaDBBinaryProtocol(t *testing.T) {
	// Even with interpolateParams on, explain sends the arguments through a
	// server-side prepared statement, never spliced into the text.
	_, db := newMySQL(t, testenv.MySQLDSN(t), func(c *mysql.Config) { c.InterpolateParams = true })
	db.SetMaxOpenConns(1)
	mustExec(t, db, "DROP TABLE IF EXISTS ex_bin")
	mustExec(t, db, "CREATE TABLE ex_bin (id INT PRIMARY KEY, v VARCHAR(10))")
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_bin")
	ctx := context.Background()
	var before, after int
	var name string
	if err := db.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").Scan(&name, &before); err != nil {
		t.Fatal(err)
	}
	p, err := Query(ctx, db, "SELECT * FROM ex_bin WHERE v = ?", "x'; DROP TABLE ex_bin; --")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'").Scan(&name, &after); err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Errorf("Com_stmt_prepare %d -> %d: EXPLAIN was not prepared", before, after)
	}
	if p.Dialect != MariaDB || len(p.Tables()) != 1 {
		t.Errorf("plan %+v\n%s", p, p.Text)
	}
	if _, err := Query(ctx, db, "SELECT * FROM ex_bin WHERE id = ?"); !errors.Is(err, ErrMissingArgs) {
		t.Errorf("missing args: %v", err)
	}
}

func TestMariaDBMultiStatementsNeverRun(t *testing.T) {
	checkLeaks(t)
	c, db := newMySQL(t, testenv.MySQLDSN(t), func(c *mysql.Config) { c.MultiStatements = true })
	mustExec(t, db, "DROP TABLE IF EXISTS ex_ms")
	mustExec(t, db, "CREATE TABLE ex_ms (id INT PRIMARY KEY)")
	mustExec(t, db, "INSERT INTO ex_ms VALUES (1), (2), (3)")
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_ms")
	attack := []string{
		"SELECT 1; DELETE FROM ex_ms",
		"SELECT * FROM ex_ms WHERE id IN (1, 2);DELETE FROM ex_ms;",
		"SELECT 1 /*!; DELETE FROM ex_ms */",
		"SELECT 1 --1;DELETE FROM ex_ms",
		"SELECT 'x\\'; DELETE FROM ex_ms; -- '",
	}
	s := New(c, MariaDB, WithRateLimit(1000, 1000))
	defer s.Close()
	ctx := context.Background()
	for _, q := range attack {
		if s.Submit(ctx, Statement{Query: q, Fingerprint: q}) {
			t.Errorf("Submit accepted %q", q)
		}
		if _, err := Query(ctx, db, q); !errors.Is(err, ErrUnsafe) {
			t.Errorf("Query(%q) = %v, want ErrUnsafe", q, err)
		}
		// Defence in depth: the runner refuses even when handed the text
		// directly, past Submit's check.
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := explainOn(ctx, conn, serverInfo{dialect: MariaDB}, Statement{Query: q}, runOptions{}); !errors.Is(err, ErrUnsafe) {
			t.Errorf("explainOn(%q) = %v, want ErrUnsafe", q, err)
		}
		conn.Close()
	}
	if n := countRows(t, db, "SELECT COUNT(*) FROM ex_ms"); n != 3 {
		t.Fatalf("ex_ms has %d rows: a statement ran", n)
	}
}

func TestMariaDBDDLNeverExplained(t *testing.T) {
	c, db := newMySQL(t, testenv.MySQLDSN(t), func(c *mysql.Config) { c.MultiStatements = true })
	mustExec(t, db, "DROP TABLE IF EXISTS ex_ddl")
	mustExec(t, db, "CREATE TABLE ex_ddl (id INT PRIMARY KEY, v INT)")
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_ddl")
	s := New(c, MariaDB, WithRateLimit(1000, 1000))
	defer s.Close()
	ctx := context.Background()
	for _, q := range []string{
		"DROP TABLE ex_ddl",
		"ALTER TABLE ex_ddl ADD COLUMN w INT",
		"CREATE INDEX ix_ex_ddl_v ON ex_ddl (v)",
		"TRUNCATE TABLE ex_ddl",
		"RENAME TABLE ex_ddl TO ex_ddl2",
		"CREATE TABLE ex_ddl3 AS SELECT * FROM ex_ddl",
		"INSERT INTO ex_ddl VALUES (1, 1)",
	} {
		if s.Submit(ctx, Statement{Query: q, Fingerprint: q}) {
			t.Errorf("Submit accepted %q", q)
		}
		if _, err := Query(ctx, db, q); !errors.Is(err, ErrUnsafe) {
			t.Errorf("Query(%q) = %v", q, err)
		}
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ex_ddl'`); n != 2 {
		t.Errorf("ex_ddl has %d columns", n)
	}
	if n := countRows(t, db, `SELECT COUNT(*) FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ex_ddl'`); n != 1 {
		t.Errorf("ex_ddl has %d index columns", n)
	}
	if n := countRows(t, db, "SELECT COUNT(*) FROM ex_ddl"); n != 0 {
		t.Errorf("ex_ddl has %d rows", n)
	}
}

func TestMariaDBNeverInApplicationTransaction(t *testing.T) {
	checkLeaks(t)
	c, db := newMySQL(t, testenv.MySQLDSN(t), nil)
	mustExec(t, db, "DROP TABLE IF EXISTS ex_lock")
	mustExec(t, db, "CREATE TABLE ex_lock (id INT PRIMARY KEY, v INT)")
	mustExec(t, db, "INSERT INTO ex_lock VALUES (1, 1), (2, 2)")
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_lock")
	db.SetMaxOpenConns(1) // the application's only connection is busy below

	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The application holds a write lock on ex_lock in its session. An
	// EXPLAIN in that session would succeed at once; anywhere else it waits
	// for the lock, until explain's timeout.
	if _, err := conn.ExecContext(ctx, "LOCK TABLES ex_lock WRITE"); err != nil {
		t.Fatal(err)
	}
	s := New(c, MariaDB, WithTimeout(300*time.Millisecond))
	defer s.Close()
	st := Statement{Query: "SELECT v FROM ex_lock WHERE id IN (?, ?)", Args: []driver.NamedValue{{Ordinal: 1, Value: int64(1)}, {Ordinal: 2, Value: int64(2)}}, Fingerprint: "lock"}
	if !s.Submit(ctx, st) {
		t.Fatal("Submit refused")
	}
	v := waitVerdict(t, s, "lock")
	if v.Err == nil || errorClass(v.Err) != "timeout" {
		t.Fatalf("explain under the application's lock: %v (class %s)", v.Err, errorClass(v.Err))
	}
	// The application's session is untouched and still holds its lock.
	if _, err := conn.ExecContext(ctx, "UPDATE ex_lock SET v = v + 1"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if p, err := Query(ctx, db, st.Query, 1, 2); err != nil || len(p.Tables()) != 1 {
		t.Fatalf("after UNLOCK: %v", err)
	}
}

func TestMariaDBPartitions(t *testing.T) {
	_, db := newMySQL(t, testenv.MySQLDSN(t), nil)
	mustExec(t, db, "DROP TABLE IF EXISTS ex_mdoc_log")
	mustExec(t, db, `CREATE TABLE ex_mdoc_log (
		id BIGINT NOT NULL,
		partition_date DATE NOT NULL,
		log_date BIGINT NOT NULL,
		PRIMARY KEY (id, partition_date),
		KEY ix_log_date (log_date)
	) PARTITION BY RANGE (TO_DAYS(partition_date)) (
		PARTITION p01 VALUES LESS THAN (TO_DAYS('2023-02-01')),
		PARTITION p02 VALUES LESS THAN (TO_DAYS('2023-03-01')),
		PARTITION p03 VALUES LESS THAN (TO_DAYS('2023-04-01')),
		PARTITION p04 VALUES LESS THAN (TO_DAYS('2023-05-01')),
		PARTITION p05 VALUES LESS THAN (TO_DAYS('2023-06-01')),
		PARTITION p06 VALUES LESS THAN (TO_DAYS('2023-07-01'))
	)`)
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_mdoc_log")
	mustExec(t, db, `INSERT INTO ex_mdoc_log SELECT seq, DATE('2023-01-01') + INTERVAL (seq % 180) DAY,
		UNIX_TIMESTAMP(DATE('2023-01-01') + INTERVAL (seq % 180) DAY) * 1000 FROM seq_1_to_6000`)
	ctx := context.Background()
	read := "SELECT * FROM ex_mdoc_log WHERE log_date BETWEEN ? AND ? ORDER BY log_date DESC LIMIT 200"
	p, err := Query(ctx, db, read, int64(1686000000000), int64(1687000000000))
	if err != nil {
		t.Fatal(err)
	}
	f, ok := findKind(Analyze(p, Statement{Query: read}), KindPartitionsNotPruned)
	if !ok || f.Table != "ex_mdoc_log" || len(f.Columns) != 1 || f.Columns[0] != "partition_date" {
		t.Fatalf("findings %+v\n%s", Analyze(p, Statement{Query: read}), p.Text)
	}
	pruned := "SELECT * FROM ex_mdoc_log WHERE partition_date BETWEEN ? AND ? AND log_date BETWEEN ? AND ? ORDER BY log_date DESC LIMIT 200"
	p, err = Query(ctx, db, pruned, "2023-06-10", "2023-06-20", int64(1686000000000), int64(1687000000000))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := findKind(Analyze(p, Statement{Query: pruned}), KindPartitionsNotPruned); ok {
		t.Errorf("pruned read flagged:\n%s", p.Text)
	}
}

func TestMariaDBAnalyzeOnlySelects(t *testing.T) {
	c, db := newMySQL(t, testenv.MySQLDSN(t), nil)
	mustExec(t, db, "DROP TABLE IF EXISTS ex_an")
	mustExec(t, db, "CREATE TABLE ex_an (id INT PRIMARY KEY, v INT)")
	mustExec(t, db, "INSERT INTO ex_an SELECT seq, 0 FROM seq_1_to_100")
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_an")
	s := New(c, MariaDB, WithAnalyze(), WithRateLimit(1000, 1000))
	defer s.Close()
	ctx := context.Background()
	sel := Statement{Query: "SELECT * FROM ex_an WHERE v = ?", Args: []driver.NamedValue{{Ordinal: 1, Value: int64(0)}}, Fingerprint: "sel"}
	upd := Statement{Query: "UPDATE ex_an SET v = v + 1 WHERE id > ?", Args: []driver.NamedValue{{Ordinal: 1, Value: int64(0)}}, Fingerprint: "upd"}
	s.Submit(ctx, sel)
	s.Submit(ctx, upd)
	vs, vu := waitVerdict(t, s, "sel"), waitVerdict(t, s, "upd")
	if vs.Err != nil || !vs.Plan.Analyzed {
		t.Errorf("SELECT not analyzed: %v", vs.Err)
	}
	if vu.Err != nil || vu.Plan.Analyzed {
		t.Errorf("UPDATE analyzed (or failed): %v", vu.Err)
	}
	if n := countRows(t, db, "SELECT COUNT(*) FROM ex_an WHERE v <> 0"); n != 0 {
		t.Fatalf("the UPDATE ran: %d rows changed", n)
	}
}

func TestMariaDBRawPlans(t *testing.T) {
	c, db := newMySQL(t, testenv.MySQLDSN(t), nil)
	mustExec(t, db, "DROP TABLE IF EXISTS ex_raw")
	mustExec(t, db, "CREATE TABLE ex_raw (id INT PRIMARY KEY, v INT)")
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_raw")
	ctx := context.Background()
	for _, raw := range []bool{false, true} {
		opts := []Option{}
		if raw {
			opts = append(opts, WithRawPlans())
		}
		s := New(c, MariaDB, opts...)
		st := Statement{Query: "SELECT id FROM ex_raw WHERE v IN (?, ?)", Args: nv(int64(987654), int64(987655)), Fingerprint: "raw"}
		if !s.Submit(ctx, st) {
			t.Fatal("Submit refused")
		}
		v := waitVerdict(t, s, "raw")
		s.Close()
		if v.Err != nil {
			t.Fatal(v.Err)
		}
		if has := strings.Contains(v.Plan.Text, "987654"); has != raw || (v.Plan.Raw != "") != raw {
			t.Errorf("raw=%v: plan text %q, Raw %q", raw, v.Plan.Text, v.Plan.Raw)
		}
	}
}
