package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// seedDocumentLog creates the log tables of a reporting service:
// document_log and file_log range-partitioned by partition_date, one
// partition a month, queried by log_date (epoch milliseconds).
func seedDocumentLog(t *testing.T, db *sql.DB) {
	t.Helper()
	mustExec(t, db, "DROP TABLE IF EXISTS ex_document_log, ex_file_log")
	mustExec(t, db, `CREATE TABLE ex_document_log (
		id VARCHAR NOT NULL,
		transaction_id VARCHAR,
		partition_date TIMESTAMP NOT NULL,
		log_date BIGINT,
		upload_status SMALLINT,
		PRIMARY KEY (id, partition_date)
	) PARTITION BY RANGE (partition_date)`)
	mustExec(t, db, `CREATE TABLE ex_file_log (
		id VARCHAR NOT NULL,
		transaction_id VARCHAR NOT NULL,
		partition_date TIMESTAMP NOT NULL,
		log_date BIGINT,
		process_time TIMESTAMP,
		PRIMARY KEY (id, transaction_id, partition_date)
	) PARTITION BY RANGE (partition_date)`)
	for m := 1; m <= 8; m++ {
		from := fmt.Sprintf("2023-%02d-01", m)
		to := fmt.Sprintf("2023-%02d-01", m+1)
		for _, tbl := range []string{"ex_document_log", "ex_file_log"} {
			mustExec(t, db, fmt.Sprintf("CREATE TABLE %s_2023_%02d PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')", tbl, m, tbl, from, to))
		}
	}
	mustExec(t, db, "CREATE INDEX ex_document_log_log_date_idx ON ex_document_log (log_date)")
	mustExec(t, db, `INSERT INTO ex_document_log
		SELECT 'doc-' || g, 'tx-' || (g % 3000), ts, (extract(epoch FROM ts) * 1000)::bigint, 0
		FROM generate_series(1, 16000) g, LATERAL (SELECT TIMESTAMP '2023-01-01' + (g % 240) * INTERVAL '1 day' + (g % 24) * INTERVAL '1 hour' AS ts) x`)
	mustExec(t, db, `INSERT INTO ex_file_log
		SELECT 'file-' || g, 'tx-' || (g % 3000), ts, (extract(epoch FROM ts) * 1000)::bigint, ts
		FROM generate_series(1, 16000) g, LATERAL (SELECT TIMESTAMP '2023-01-01' + (g % 240) * INTERVAL '1 day' AS ts) x`)
	mustExec(t, db, "ANALYZE ex_document_log, ex_file_log")
	t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS ex_document_log, ex_file_log") })
}

func nv(vals ...any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(vals))
	for i, v := range vals {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

func TestPostgresPartitionsNotPruned(t *testing.T) {
	checkLeaks(t)
	c, db := newPostgres(t)
	seedDocumentLog(t, db)
	tel := newTelemetry(t)
	s := New(c, PostgreSQL, append(tel.options(), WithRateLimit(100, 100))...)
	defer s.Close()
	ctx, _ := tel.parentContext(t)

	// June 15 to June 25, as in the write-up.
	from, to := int64(1686754800000), int64(1687618800000)
	read := Statement{
		Query:       "SELECT * FROM ex_document_log WHERE log_date BETWEEN $1 AND $2 ORDER BY log_date DESC LIMIT 200",
		Args:        nv(from, to),
		Fingerprint: "read",
		Summary:     "SELECT ex_document_log",
		Reason:      "slow",
	}
	pruned := Statement{
		Query: "SELECT * FROM ex_document_log WHERE partition_date BETWEEN $1 AND $2 AND log_date BETWEEN $3 AND $4 " +
			"ORDER BY log_date DESC LIMIT 200",
		Args:        nv(time.Date(2023, 6, 15, 0, 0, 0, 0, time.UTC), time.Date(2023, 6, 25, 0, 0, 0, 0, time.UTC), from, to),
		Fingerprint: "pruned",
	}
	update := Statement{
		Query: `UPDATE ex_document_log SET upload_status = 1
			WHERE upload_status != 1
			AND transaction_id IN (SELECT transaction_id FROM ex_file_log WHERE process_time >= $1)`,
		Args:        nv(time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)),
		Fingerprint: "update",
		Summary:     "UPDATE ex_document_log",
	}
	before := countRows(t, db, "SELECT count(*) FROM ex_document_log WHERE upload_status = 1")
	for _, st := range []Statement{read, pruned, update} {
		if !s.Submit(ctx, st) {
			t.Fatalf("Submit refused %s", st.Fingerprint)
		}
	}

	v := waitVerdict(t, s, "read")
	if v.Err != nil {
		t.Fatal(v.Err)
	}
	f, ok := findKind(v.Findings, KindPartitionsNotPruned)
	if !ok || f.Table != "ex_document_log" || len(f.Columns) != 1 || f.Columns[0] != "partition_date" ||
		!strings.Contains(f.Suggestion, "partition_date BETWEEN ? AND ? from the log_date range") {
		t.Fatalf("read: findings %+v\n%s", v.Findings, v.Plan.Text)
	}
	if strings.Contains(v.Plan.Text, "1686754800000") {
		t.Errorf("plan not redacted:\n%s", v.Plan.Text)
	}
	if !strings.Contains(v.Plan.Text, "partitions=8/8") {
		t.Errorf("plan text without the partitions read:\n%s", v.Plan.Text)
	}

	v = waitVerdict(t, s, "pruned")
	if v.Err != nil {
		t.Fatal(v.Err)
	}
	if _, ok := findKind(v.Findings, KindPartitionsNotPruned); ok {
		t.Errorf("pruned read flagged: %+v\n%s", v.Findings, v.Plan.Text)
	}
	if tables := v.Plan.Tables(); len(tables) != 1 || tables[0] != "ex_document_log" {
		t.Errorf("tables of the pruned read = %v", tables)
	}

	v = waitVerdict(t, s, "update")
	if v.Err != nil {
		t.Fatal(v.Err)
	}
	if f, ok := findKind(v.Findings, KindPartitionsNotPruned); !ok || f.Table != "ex_document_log" {
		t.Errorf("update: findings %+v\n%s", v.Findings, v.Plan.Text)
	}
	if after := countRows(t, db, "SELECT count(*) FROM ex_document_log WHERE upload_status = 1"); after != before {
		t.Fatalf("the UPDATE ran: %d rows updated before, %d after", before, after)
	}
	var names []string
	for _, sp := range tel.waitExplainSpans(t, 3) {
		names = append(names, sp.Name())
	}
	if len(names) != 3 {
		t.Errorf("EXPLAIN spans = %v", names)
	}
}

func TestPostgresNeverInApplicationTransaction(t *testing.T) {
	checkLeaks(t)
	c, db := newPostgres(t)
	mustExec(t, db, "DROP TABLE IF EXISTS ex_pglock")
	mustExec(t, db, "CREATE TABLE ex_pglock (id INT PRIMARY KEY, v INT)")
	mustExec(t, db, "INSERT INTO ex_pglock SELECT g, g FROM generate_series(1, 10) g")
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_pglock")
	db.SetMaxOpenConns(1)

	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// Inside the application's transaction, this lock does not stop an
	// EXPLAIN; from any other session, the EXPLAIN waits for it.
	if _, err := tx.ExecContext(ctx, "LOCK TABLE ex_pglock IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	s := New(c, PostgreSQL, WithTimeout(300*time.Millisecond))
	defer s.Close()
	if !s.Submit(ctx, Statement{Query: "SELECT v FROM ex_pglock WHERE id = ANY($1)", Args: nv([]int64{1, 2}), Fingerprint: "lock"}) {
		t.Fatal("Submit refused")
	}
	v := waitVerdict(t, s, "lock")
	if v.Err == nil || errorClass(v.Err) != "timeout" {
		t.Fatalf("explain under the application's lock: %v (class %q)", v.Err, errorClass(v.Err))
	}
	if _, err := tx.ExecContext(ctx, "UPDATE ex_pglock SET v = v + 1"); err != nil {
		t.Fatalf("the application's transaction was disturbed: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := Query(ctx, db, "SELECT v FROM ex_pglock WHERE id = ANY($1)", []int64{1, 2}); err != nil {
		t.Fatalf("after COMMIT: %v", err)
	}
}

func TestPostgresMissingArgsAndGenericPlan(t *testing.T) {
	_, db := newPostgres(t)
	ctx := context.Background()
	q := "SELECT * FROM pg_class WHERE relname = $1"
	if _, err := Query(ctx, db, q); !errors.Is(err, ErrMissingArgs) {
		t.Errorf("PostgreSQL 15 without values: %v", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var version int
	if err := conn.QueryRowContext(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		t.Fatal(err)
	}
	// 16+ plans without values through GENERIC_PLAN. On an older server,
	// pretending to be 16 shows the option is what gets sent.
	p, err := explainOn(ctx, conn, serverInfo{dialect: PostgreSQL, pgVersion: 160000}, Statement{Query: q}, runOptions{})
	switch {
	case version >= 160000:
		if err != nil || !p.Generic {
			t.Errorf("generic plan: %v", err)
		}
	case err == nil || !strings.Contains(err.Error(), "SQLSTATE"):
		// The server (not pgx's argument check) refused the placeholder.
		t.Errorf("GENERIC_PLAN not sent over the simple protocol: %v", err)
	}
	// The simple-protocol path itself, on any version.
	out, handled, err := pgxSimpleQuery(ctx, conn, "EXPLAIN (FORMAT JSON) SELECT 1")
	if !handled || err != nil {
		t.Fatalf("pgxSimpleQuery: handled %v, %v", handled, err)
	}
	if p, err := parseGenericPlan(out); err != nil || !p.Generic || p.Root.Op != "Result" {
		t.Errorf("plan %+v, %v", p, err)
	}
	// The connection is still usable through database/sql afterwards.
	var one int
	if err := conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("connection after the simple protocol: %v", err)
	}
}

func TestPgxSimpleQueryOtherDrivers(t *testing.T) {
	_, db := newSQLite(t)
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, handled, err := pgxSimpleQuery(context.Background(), conn, "SELECT 1"); handled || err != nil {
		t.Errorf("non-pgx connection handled: %v %v", handled, err)
	}
}

func TestPostgresAnalyzeOnlyReadOnlySelects(t *testing.T) {
	c, db := newPostgres(t)
	mustExec(t, db, "DROP TABLE IF EXISTS ex_pgan")
	mustExec(t, db, "CREATE TABLE ex_pgan (id INT PRIMARY KEY, v INT)")
	mustExec(t, db, "INSERT INTO ex_pgan SELECT g, 0 FROM generate_series(1, 100) g")
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_pgan")
	s := New(c, PostgreSQL, WithAnalyze(), WithRateLimit(100, 100))
	defer s.Close()
	ctx := context.Background()
	stmts := map[string]Statement{
		"select": {Query: "SELECT * FROM ex_pgan WHERE v = $1", Args: nv(int64(0))},
		"lock":   {Query: "SELECT * FROM ex_pgan WHERE v = $1 FOR UPDATE", Args: nv(int64(0))},
		"update": {Query: "UPDATE ex_pgan SET v = v + 1 WHERE id > $1", Args: nv(int64(0))},
		"cte":    {Query: "WITH d AS (DELETE FROM ex_pgan WHERE id > $1 RETURNING *) SELECT count(*) FROM d", Args: nv(int64(0))},
	}
	for fp, st := range stmts {
		st.Fingerprint = fp
		if !s.Submit(ctx, st) {
			t.Fatalf("Submit refused %s", fp)
		}
	}
	for fp := range stmts {
		v := waitVerdict(t, s, fp)
		if v.Err != nil {
			t.Fatalf("%s: %v", fp, v.Err)
		}
		if want := fp == "select"; v.Plan.Analyzed != want {
			t.Errorf("%s: analyzed = %v", fp, v.Plan.Analyzed)
		}
	}
	if n := countRows(t, db, "SELECT count(*) FROM ex_pgan WHERE v = 0"); n != 100 {
		t.Fatalf("a statement ran: %d rows left unchanged of 100", n)
	}
}

func TestPostgresDDLNeverExplained(t *testing.T) {
	c, db := newPostgres(t)
	mustExec(t, db, "DROP TABLE IF EXISTS ex_pgddl")
	mustExec(t, db, "CREATE TABLE ex_pgddl (id INT PRIMARY KEY)")
	defer mustExec(t, db, "DROP TABLE IF EXISTS ex_pgddl")
	s := New(c, PostgreSQL, WithRateLimit(100, 100))
	defer s.Close()
	for _, q := range []string{
		"DROP TABLE ex_pgddl",
		"CREATE TABLE ex_pgddl2 AS SELECT * FROM ex_pgddl",
		"SELECT * INTO ex_pgddl3 FROM ex_pgddl",
		"CREATE INDEX ix_ex_pgddl ON ex_pgddl (id)",
		"DO $$ BEGIN DROP TABLE ex_pgddl; END $$",
	} {
		if s.Submit(context.Background(), Statement{Query: q, Fingerprint: q}) {
			t.Errorf("Submit accepted %q", q)
		}
	}
	if n := countRows(t, db, "SELECT count(*) FROM pg_class WHERE relname LIKE 'ex_pgddl%'"); n != 2 { // table and its pkey
		t.Errorf("%d relations named ex_pgddl*", n)
	}
}
