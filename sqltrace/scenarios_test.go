package sqltrace_test

// Five production incidents sqlsight is built to catch, each reproduced
// against a real database and described above its test.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/resource"
	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

func endedNamed(rec *sqltracetest.Recorder, name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range rec.Spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

func waitSpans(t *testing.T, rec *sqltracetest.Recorder, name string, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	if !testenv.Eventually(10*time.Second, func() bool { return len(endedNamed(rec, name)) >= n }) {
		t.Fatalf("timed out waiting for %d %q spans", n, name)
	}
	return endedNamed(rec, name)
}

func findingsOf(rec *sqltracetest.Recorder, kind sqltrace.Kind, summary string) []sqltracetest.Recorded {
	var out []sqltracetest.Recorded
	for _, f := range rec.Findings() {
		if f.Kind == kind && (summary == "" || f.Summary == summary) {
			out = append(out, f)
		}
	}
	return out
}

// Scenario 1: a batch upsert checks existing rows with an IN lookup on a
// column that was never indexed. sqlsight shows the CPU/memory deltas,
// explains the statement itself, flags unindexed_in and writes the index.
func TestScenario1UnindexedInLookup(t *testing.T) {
	rec := sqltracetest.New(t)
	db := mysqlBackend().open(t, rec.Options()...)
	ctx := context.Background()
	review := table(t, db, "sc1_review", "id BIGINT AUTO_INCREMENT PRIMARY KEY, n_review_id BIGINT NOT NULL, reid VARCHAR(32) NOT NULL")
	if _, err := db.ExecContext(sqltrace.Scope(ctx),
		"INSERT INTO "+review+" (n_review_id, reid) SELECT seq, CONCAT('r', seq) FROM seq_1_to_30000"); err != nil {
		t.Fatal(err)
	}

	tctx, end := resource.Track(ctx, "upsert batch", resource.WithTracerProvider(rec.TracerProvider))
	rows, err := db.QueryContext(tctx, "SELECT n_review_id, reid FROM "+review+" WHERE n_review_id IN (?, ?, ?, ?, ?)", 11, 22, 33, 44, 55)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	rows.Close()
	end()
	if n != 5 {
		t.Fatalf("%d rows", n)
	}

	f := rec.WaitForFinding(t, sqltrace.KindUnindexedIn, 15*time.Second)
	if f.Table != review || !slices.Equal(f.Columns, []string{"n_review_id"}) {
		t.Fatalf("finding on %s %v", f.Table, f.Columns)
	}
	want := "ALTER TABLE " + review + " ADD INDEX ix_" + review + "_n_review_id (n_review_id), ALGORITHM=INPLACE, LOCK=NONE"
	if f.Suggestion != want {
		t.Fatalf("suggestion %q, want %q", f.Suggestion, want)
	}
	lookup := endedNamed(rec, "SELECT "+review)[0]
	for _, k := range []string{"sqlsight.cpu.user_ms", "sqlsight.cpu.system_ms", "sqlsight.mem.heap_alloc_bytes"} {
		if _, ok := attr(lookup, k); !ok {
			t.Errorf("statement span lacks %s", k)
		}
	}
	track := endedNamed(rec, "upsert batch")
	if len(track) != 1 || lookup.Parent().SpanID() != track[0].SpanContext().SpanID() {
		t.Fatalf("the lookup is not inside the Track span")
	}
	if _, ok := attr(track[0], "sqlsight.cpu.user_ms"); !ok {
		t.Error("Track span lacks the CPU delta")
	}

	// The fix works: after the suggested index, the same shape is not flagged.
	if _, err := db.ExecContext(ctx, f.Suggestion); err != nil {
		t.Fatalf("the suggestion does not run: %v", err)
	}
	rec.Reset()
	rows, err = db.QueryContext(ctx, "SELECT reid, n_review_id FROM "+review+" WHERE n_review_id IN (?, ?, ?)", 1, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	waitSpans(t, rec, "EXPLAIN SELECT "+review, 2)
	if fs := findingsOf(rec, sqltrace.KindUnindexedIn, ""); len(fs) != 0 {
		t.Fatalf("still flagged after the index: %+v", fs)
	}
}

// Scenario 2: tables partitioned by partition_date read by log_date. The
// read and the batch UPDATE are flagged partitions_not_pruned and slow,
// with the plan on the EXPLAIN span; filtering on the key is not flagged.
func TestScenario2PartitionsNotPruned(t *testing.T) {
	rec := sqltracetest.New(t)
	// Every statement counts as slow here: the test data is small.
	db := postgresBackend().open(t, rec.Options(sqltrace.WithSlowThreshold(time.Nanosecond))...)
	raw := postgresBackend().openRaw(t)
	ctx := sqltrace.Scope(context.Background())
	suffix := time.Now().UnixNano() % 1_000_000
	doc := fmt.Sprintf("sc2_document_log_%d", suffix)
	file := fmt.Sprintf("sc2_file_log_%d", suffix)
	setup := []string{
		"CREATE TABLE " + doc + " (id BIGSERIAL, transaction_id BIGINT NOT NULL, log_date BIGINT NOT NULL, partition_date DATE NOT NULL, status INT NOT NULL DEFAULT 0) PARTITION BY RANGE (partition_date)",
		"CREATE TABLE " + file + " (transaction_id BIGINT NOT NULL, log_date BIGINT NOT NULL, partition_date DATE NOT NULL) PARTITION BY RANGE (partition_date)",
	}
	for m := 1; m <= 6; m++ {
		from, to := fmt.Sprintf("2026-%02d-01", m), fmt.Sprintf("2026-%02d-01", m+1)
		setup = append(setup,
			fmt.Sprintf("CREATE TABLE %s_m%d PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')", doc, m, doc, from, to),
			fmt.Sprintf("CREATE TABLE %s_m%d PARTITION OF %s FOR VALUES FROM ('%s') TO ('%s')", file, m, file, from, to))
	}
	setup = append(setup,
		"INSERT INTO "+doc+" (transaction_id, log_date, partition_date) SELECT g, extract(epoch FROM d)::bigint, d::date FROM generate_series(1, 6000) g, LATERAL (SELECT timestamp '2026-01-01' + (g % 180) * interval '1 day' AS d) x",
		"INSERT INTO "+file+" (transaction_id, log_date, partition_date) SELECT transaction_id, log_date, partition_date FROM "+doc,
		"ANALYZE "+doc, "ANALYZE "+file)
	for _, s := range setup {
		if _, err := raw.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		_, _ = raw.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+doc+", "+file)
	})

	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 7)
	rows, err := db.QueryContext(ctx, "SELECT id, transaction_id, log_date FROM "+doc+" WHERE log_date BETWEEN $1 AND $2 ORDER BY log_date DESC LIMIT 200", from.Unix(), to.Unix())
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	readSummary := "SELECT " + doc
	if fs := findingsOf(rec, sqltrace.KindSlowQuery, readSummary); len(fs) != 1 {
		t.Fatalf("slow_query findings %v", rec.Findings())
	}
	testenv.WaitFor(t, 10*time.Second, func() bool { return len(findingsOf(rec, sqltrace.KindPartitionsNotPruned, readSummary)) == 1 }) // partitions_not_pruned on the read
	f := findingsOf(rec, sqltrace.KindPartitionsNotPruned, readSummary)[0]
	if f.Table != doc || !strings.Contains(f.Suggestion, "partition_date") {
		t.Errorf("finding %+v", f)
	}
	explainSpan := waitSpans(t, rec, "EXPLAIN "+readSummary, 1)[0]
	if plan, _ := attr(explainSpan, "sqlsight.explain.plan"); !strings.Contains(plan.AsString(), doc) {
		t.Errorf("EXPLAIN span plan %q", plan.AsString())
	}

	// The rewrite filters on the partition key and is not flagged.
	rows, err = db.QueryContext(ctx, "SELECT id, transaction_id, log_date FROM "+doc+" WHERE partition_date BETWEEN $1 AND $2 AND log_date BETWEEN $3 AND $4 ORDER BY log_date DESC LIMIT 200",
		from, to, from.Unix(), to.Unix())
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	waitSpans(t, rec, "EXPLAIN "+readSummary, 2)
	if fs := findingsOf(rec, sqltrace.KindPartitionsNotPruned, readSummary); len(fs) != 1 {
		t.Fatalf("the rewrite was flagged too: %d findings", len(fs))
	}

	// The five-minute batch UPDATE.
	res, err := db.ExecContext(ctx, "UPDATE "+doc+" SET status = 1 WHERE transaction_id IN (SELECT transaction_id FROM "+file+" WHERE log_date BETWEEN $1 AND $2)", from.Unix(), to.Unix())
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatal("the UPDATE changed nothing")
	}
	updateSummary := "UPDATE " + doc + " SELECT " + file
	testenv.WaitFor(t, 10*time.Second, func() bool {
		return len(findingsOf(rec, sqltrace.KindPartitionsNotPruned, updateSummary)) > 0
	}) // partitions_not_pruned on the UPDATE
}

// Scenario 3: ~100 single-row inserts per request; the count is on the
// trace and repeated_write suggests one multi-row INSERT.
func TestScenario3InsertLoop(t *testing.T) {
	rec := sqltracetest.New(t)
	db := mysqlBackend().open(t, rec.Options()...)
	ctx := context.Background()
	cafe := table(t, db, "sc3_un_viewed_cafe", "id BIGINT AUTO_INCREMENT PRIMARY KEY, user_id BIGINT NOT NULL, cafe_id BIGINT NOT NULL")
	pctx, request := rec.TracerProvider.Tracer("app").Start(ctx, "POST /cafes/unviewed")
	for i := range 100 {
		if _, err := db.ExecContext(pctx, "INSERT INTO "+cafe+" (user_id, cafe_id) VALUES (?, ?)", 7, i); err != nil {
			t.Fatal(err)
		}
	}
	request.End()
	fs := findingsOf(rec, sqltrace.KindRepeatedWrite, "")
	if len(fs) != 1 || fs[0].Count != sqltrace.DefaultRepeatedWriteThreshold {
		t.Fatalf("repeated_write findings %+v", fs)
	}
	if !strings.Contains(fs[0].Suggestion, "VALUES (...), (...)") {
		t.Errorf("suggestion %q", fs[0].Suggestion)
	}
	spans := endedNamed(rec, "INSERT "+cafe)
	if c, _ := attr(spans[len(spans)-1], "sqlsight.n_plus_one.count"); c.AsInt64() != 100 {
		t.Fatalf("the last INSERT says %d statements in the request, want 100", c.AsInt64())
	}
}

// Scenario 4: per-item SELECT, UPDATE and INSERT loops, and a result read
// slowly by the application: the driver time is small, the span long.
func TestScenario4ItemLoopsAndHydration(t *testing.T) {
	rec := sqltracetest.New(t)
	// Slow detection off: a loaded CI machine can make one fsync slow.
	db := sqliteBackend().open(t, rec.Options(sqltrace.WithSlowThreshold(0))...)
	ctx := context.Background()
	data := table(t, db, "sc4_data", "data_id INTEGER PRIMARY KEY, label TEXT")
	review := table(t, db, "sc4_review", "data_id INTEGER, label TEXT")
	if _, err := db.ExecContext(sqltrace.Scope(ctx),
		"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300) INSERT INTO "+data+" SELECT i, 'a' FROM s"); err != nil {
		t.Fatal(err)
	}
	pctx, request := rec.TracerProvider.Tracer("app").Start(ctx, "PUT /reviews/labels")
	for i := 1; i <= 300; i++ {
		var label string
		if err := db.QueryRowContext(pctx, "SELECT label FROM "+data+" WHERE data_id = ?", i).Scan(&label); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(pctx, "UPDATE "+data+" SET label = ? WHERE data_id = ?", "b", i); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(pctx, "INSERT INTO "+review+" (data_id, label) VALUES (?, ?)", i, "b"); err != nil {
			t.Fatal(err)
		}
	}
	// Hydration: the application spends time on every row it reads.
	rows, err := db.QueryContext(pctx, "SELECT data_id, label FROM "+review)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		burnCPU(200 * time.Microsecond)
	}
	rows.Close()
	request.End()

	var kinds []string
	for _, f := range rec.Findings() {
		kinds = append(kinds, string(f.Kind)+" "+f.Summary)
	}
	slices.Sort(kinds)
	want := []string{"n_plus_one SELECT " + data, "repeated_write INSERT " + review, "repeated_write UPDATE " + data}
	if !slices.Equal(kinds, want) {
		t.Fatalf("findings %v, want %v", kinds, want)
	}
	read := endedNamed(rec, "SELECT "+review)[0]
	driverMS, _ := attr(read, "sqlsight.driver_time_ms")
	totalMS := float64(read.EndTime().Sub(read.StartTime())) / float64(time.Millisecond)
	if totalMS < 50 || driverMS.AsFloat64() > totalMS/2 {
		t.Fatalf("driver time %.1f ms of a %.1f ms span: the application's share is not visible", driverMS.AsFloat64(), totalMS)
	}
}

// Scenario 5: on a hot path the library must stay out of the way: EXPLAIN
// is rate-limited and counted, never runs DDL, and the plan's access types
// and row estimates are on the EXPLAIN span.
func TestScenario5ExplainStaysBounded(t *testing.T) {
	rec := sqltracetest.New(t)
	db := mysqlBackend().open(t, rec.Options(
		sqltrace.WithSlowThreshold(time.Nanosecond), // every statement qualifies
		sqltrace.WithExplain(explain.WithRateLimit(2, 2)),
	)...)
	ctx := sqltrace.Scope(context.Background())
	raw := mysqlBackend().openRaw(t)
	room := table(t, raw, "sc5_chat_room", "id BIGINT AUTO_INCREMENT PRIMARY KEY, owner BIGINT NOT NULL, title VARCHAR(64)")
	if _, err := raw.ExecContext(ctx, "INSERT INTO "+room+" (owner, title) SELECT seq % 100, CONCAT('room ', seq) FROM seq_1_to_5000"); err != nil {
		t.Fatal(err)
	}
	// DDL through the traced database is slow by this test's threshold,
	// yet never explained.
	if _, err := db.ExecContext(ctx, "ALTER TABLE "+room+" ADD INDEX ix_owner (owner)"); err != nil {
		t.Fatal(err)
	}
	const burst = 50
	began := time.Now()
	for i := range burst { // distinct statements in a burst
		rows, err := db.QueryContext(ctx, fmt.Sprintf("SELECT id, title AS title_%d FROM %s WHERE owner = ?", i, room), i)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	// The limiter (2 tokens, 2 more a second) admits at most this many
	// during the burst, however long a loaded machine made it.
	admissible := 2 + int64(2*time.Since(began).Seconds()) + 1
	testenv.WaitFor(t, 10*time.Second, func() bool { return len(endedNamed(rec, "EXPLAIN SELECT "+room)) >= 1 })
	for _, s := range rec.Spans.Ended() {
		if strings.HasPrefix(s.Name(), "EXPLAIN") && !strings.HasPrefix(s.Name(), "EXPLAIN SELECT") && !strings.HasPrefix(s.Name(), "EXPLAIN INSERT") {
			t.Errorf("explained %q", s.Name())
		}
	}
	var dropped, done int64
	var rm metricdata.ResourceMetrics
	if err := rec.Metrics.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "sqlsight.explain.requests" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				switch o, _ := dp.Attributes.Value("outcome"); o.AsString() {
				case "dropped":
					dropped += dp.Value
				case "done":
					done += dp.Value
				}
			}
		}
	}
	if dropped < burst-admissible {
		t.Fatalf("%d EXPLAIN requests dropped by the rate limit of 2/s over a burst of %d, want ≥ %d (done %d)", dropped, burst, burst-admissible, done)
	}
	span := endedNamed(rec, "EXPLAIN SELECT "+room)[0]
	access, _ := attr(span, "sqlsight.explain.access_types")
	rowsEst, _ := attr(span, "sqlsight.explain.rows_estimate")
	if len(access.AsStringSlice()) == 0 || rowsEst.AsFloat64() <= 0 && rowsEst.AsInt64() <= 0 {
		t.Fatalf("EXPLAIN span lacks access types (%v) or row estimates (%v)", access.AsInterface(), rowsEst.AsInterface())
	}
}
