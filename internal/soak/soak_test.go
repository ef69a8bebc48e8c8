package soak

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	_ "modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

const (
	// distinctTexts is the population of query texts the load cycles
	// through: far more than the statement cache holds.
	distinctTexts = 1_000_000
	// parents is the population of parent spans statements run under:
	// more than the detectors' tracker holds.
	parents        = 100_000
	sampleInterval = 10 * time.Second
	tableRows      = 1000
	writeKeys      = 10_000
)

// Bounds on what may grow after warm-up. The heap bound allows for the
// garbage collector's slack and the SDK's buffers; a leak of even a few
// bytes per statement exceeds it within minutes.
const (
	heapGrowthFactor = 1.5
	heapGrowthSlack  = 16 << 20
	goroutineSlack   = 8
)

// sample is one reading of the process.
type sample struct {
	at         time.Duration
	heap       uint64
	goroutines int
	statements int64
	texts      int64
	requests   int64
	findings   int64
	spans      int64
}

// load counts what the workers did.
type load struct {
	statements atomic.Int64
	requests   atomic.Int64
	findings   atomic.Int64
	spans      atomic.Int64
	errors     atomic.Int64 // unexpected errors
	lastErr    atomic.Value
}

func TestSoak(t *testing.T) {
	raw := os.Getenv("SQLSIGHT_SOAK")
	if raw == "" {
		t.Skip("soak skipped: set SQLSIGHT_SOAK to a duration to run it, e.g. SQLSIGHT_SOAK=60s (CI) or run scripts/soak.sh (30 minutes)")
	}
	duration, err := time.ParseDuration(raw)
	// Warm-up is when the bounded caches fill: the statement cache, the
	// detectors' tracker (about ten thousand requests), the plan caches.
	warmUp := max(duration/5, 30*time.Second)
	if err != nil || duration < warmUp+2*sampleInterval {
		t.Fatalf("SQLSIGHT_SOAK=%q: want a duration of at least %s", raw, warmUp+2*sampleInterval)
	}

	var l load
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		sdktrace.WithSpanProcessor(sdktrace.NewBatchSpanProcessor(countingExporter{&l.spans})),
	)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	opts := []sqltrace.Option{
		sqltrace.WithTracerProvider(tp), sqltrace.WithMeterProvider(mp),
		sqltrace.WithFindingHandler(func(context.Context, sqltrace.Finding) { l.findings.Add(1) }),
	}

	dbs := []*sql.DB{openSQLite(t, opts)}
	if db := openMariaDB(t, opts); db != nil {
		dbs = append(dbs, db)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Four workers on SQLite, one on MariaDB when it is there. gate pauses
	// them while a sample is taken, so that the reading is not blurred by
	// statements in flight (modernc.org/sqlite runs a goroutine per call).
	var wg sync.WaitGroup
	var gate sync.RWMutex
	for w := range 4 + len(dbs) - 1 {
		db := dbs[0]
		if w >= 4 {
			db = dbs[1]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(ctx, db, &l, &gate)
		}()
	}

	start := time.Now()
	var series []sample
	profiled := false
	ticker := time.NewTicker(sampleInterval)
	t.Logf("%8s %10s %10s %12s %10s %10s %10s %10s", "elapsed", "heap_MiB", "goroutines", "statements", "texts", "requests", "findings", "spans")
	for range duration / sampleInterval {
		<-ticker.C
		var rm metricdata.ResourceMetrics
		_ = reader.Collect(context.Background(), &rm) // as a periodic exporter would
		gate.Lock()
		s := take(time.Since(start), &l)
		if s.at >= warmUp && (!profiled || s.at >= duration) {
			writeHeapProfile(t, s.at)
			profiled = true
		}
		gate.Unlock()
		series = append(series, s)
		t.Logf("%8s %10.1f %10d %12d %10d %10d %10d %10d", s.at.Round(time.Second), float64(s.heap)/(1<<20), s.goroutines,
			s.statements, s.texts, s.requests, s.findings, s.spans)
	}
	ticker.Stop()
	cancel()
	wg.Wait()

	if n := l.errors.Load(); n > 0 {
		t.Errorf("%d unexpected errors, the last: %v", n, l.lastErr.Load())
	}
	if l.findings.Load() == 0 || l.spans.Load() == 0 {
		t.Errorf("the load raised %d findings and exported %d spans; want both", l.findings.Load(), l.spans.Load())
	}
	checkFlat(t, series, warmUp)

	for _, db := range dbs {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}
	_ = tp.Shutdown(context.Background())
	_ = mp.Shutdown(context.Background())
}

// checkFlat asserts the heap and goroutine bounds on the samples taken
// after warm-up.
func checkFlat(t *testing.T, series []sample, warmUp time.Duration) {
	t.Helper()
	var after []sample
	for _, s := range series {
		if s.at >= warmUp {
			after = append(after, s)
		}
	}
	if len(after) < 2 {
		t.Fatalf("only %d samples after the %s warm-up: run longer", len(after), warmUp)
	}
	first, last := after[0], after[len(after)-1]
	bound := uint64(float64(first.heap)*heapGrowthFactor) + heapGrowthSlack
	if last.heap > bound {
		t.Errorf("heap grew after warm-up: %.1f MiB at %s, %.1f MiB at the end (bound %.1f MiB)",
			float64(first.heap)/(1<<20), first.at.Round(time.Second), float64(last.heap)/(1<<20), float64(bound)/(1<<20))
	}
	for _, s := range after {
		if s.goroutines > first.goroutines+goroutineSlack {
			t.Errorf("goroutines grew after warm-up: %d at %s, %d at %s", first.goroutines, first.at.Round(time.Second),
				s.goroutines, s.at.Round(time.Second))
		}
	}
	t.Logf("after warm-up (%s): heap %.1f -> %.1f MiB (bound %.1f), goroutines %d -> %d; %d distinct texts, %d requests over %d parents",
		warmUp, float64(first.heap)/(1<<20), float64(last.heap)/(1<<20), float64(bound)/(1<<20),
		first.goroutines, last.goroutines, last.texts, last.requests, min(last.requests, parents))
}

// writeHeapProfile writes the heap profile to SQLSIGHT_SOAK_PROFILE_DIR, if
// set, once after warm-up and once at the end: compare them with
// go tool pprof -sample_index=inuse_space -base <first> <last>.
func writeHeapProfile(t *testing.T, at time.Duration) {
	dir := os.Getenv("SQLSIGHT_SOAK_PROFILE_DIR")
	if dir == "" {
		return
	}
	path := filepath.Join(dir, fmt.Sprintf("heap-%06.0fs.pprof", at.Seconds()))
	f, err := os.Create(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Error(err)
	}
	t.Logf("heap profile: %s", path)
}

// take reads the live heap after a collection, and the goroutine count
// once the goroutines of the last statements have ended.
func take(at time.Duration, l *load) sample {
	goroutines := runtime.NumGoroutine()
	for deadline, still := time.Now().Add(2*time.Second), 0; still < 5 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		if n := runtime.NumGoroutine(); n < goroutines {
			goroutines, still = n, 0
		} else {
			still++
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return sample{at: at, heap: ms.HeapAlloc, goroutines: goroutines,
		statements: l.statements.Load(), texts: min(3*l.requests.Load(), distinctTexts), requests: l.requests.Load(),
		findings: l.findings.Load(), spans: l.spans.Load()}
}

func openSQLite(t *testing.T, opts []sqltrace.Option) *sql.DB {
	path := filepath.Join(t.TempDir(), "soak.db")
	db, err := sqltrace.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)", opts...)
	if err != nil {
		t.Fatal(err)
	}
	setup(t, db, "soak", "INSERT OR REPLACE INTO soak_w (k, v) VALUES (?, ?)")
	return db
}

// openMariaDB opens the MariaDB share of the load, or returns nil when no
// DSN is set.
func openMariaDB(t *testing.T, opts []sqltrace.Option) *sql.DB {
	dsn := os.Getenv(testenv.EnvMySQLDSN) // optional: the soak runs on SQLite alone
	if dsn == "" {
		t.Logf("MariaDB share skipped: set %s='root@tcp(127.0.0.1:3306)/test' to add it", testenv.EnvMySQLDSN)
		return nil
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sqltrace.OpenDB(c, opts...)
	db.SetMaxOpenConns(4)
	prefix := fmt.Sprintf("soak_%d", os.Getpid())
	setup(t, db, prefix, "INSERT INTO "+prefix+"_w (k, v) VALUES (?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v)")
	t.Cleanup(func() {
		// db is closed by then: drop through a connection of our own.
		raw, err := sql.Open("mysql", dsn)
		if err == nil {
			_, _ = raw.Exec("DROP TABLE IF EXISTS " + prefix + "_t, " + prefix + "_w")
			raw.Close()
		}
	})
	return db
}

// schema holds the statements of one database's share of the load.
type schema struct {
	table, writes string
	upsert        string
}

var schemas sync.Map // *sql.DB -> schema

func setup(t *testing.T, db *sql.DB, prefix, upsert string) {
	ctx := context.Background()
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + prefix + "_t",
		"DROP TABLE IF EXISTS " + prefix + "_w",
		"CREATE TABLE " + prefix + "_t (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, hits BIGINT NOT NULL DEFAULT 0)",
		"CREATE TABLE " + prefix + "_w (k BIGINT PRIMARY KEY, v VARCHAR(40))",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var values []string
	for i := range tableRows {
		values = append(values, fmt.Sprintf("(%d, 'name-%d', 0)", i, i))
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO "+prefix+"_t (id, name, hits) VALUES "+strings.Join(values, ", ")); err != nil {
		t.Fatal(err)
	}
	schemas.Store(db, schema{table: prefix + "_t", writes: prefix + "_w", upsert: upsert})
}

// work runs requests until ctx ends. A request is what one handler of a
// web service does under its span: a lookup by a query text never seen
// before, an N+1 loop, a loop of single-row writes, a duplicate query, an
// IN lookup on an unindexed column, and now and then a transaction or a
// failing statement.
//
// The statements' parent is one of the parent spans, in turn: the
// detectors see every one of them again and again, more than they keep.
func work(ctx context.Context, db *sql.DB, l *load, gate *sync.RWMutex) {
	v, _ := schemas.Load(db)
	s := v.(schema)
	for ctx.Err() == nil {
		gate.RLock()
		r := uint64(l.requests.Add(1))
		request(trace.ContextWithSpanContext(ctx, parent(r%parents)), db, s, l, r)
		gate.RUnlock()
	}
}

func request(ctx context.Context, db *sql.DB, s schema, l *load, r uint64) {
	stmt := func(err error) {
		l.statements.Add(1)
		if err != nil && ctx.Err() == nil && !strings.Contains(err.Error(), "doesn't exist") &&
			!strings.Contains(err.Error(), "no such table") {
			l.errors.Add(1)
			l.lastErr.Store(err)
		}
	}
	query := func(q string, args ...any) {
		rows, err := db.QueryContext(ctx, q, args...)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		stmt(err)
	}
	// Three texts never sent before (until the population wraps): two that
	// differ in a literal only (one fingerprint), one with its own alias
	// (a fingerprint of its own).
	text := r * 3 % distinctTexts
	query(fmt.Sprintf("SELECT id, name FROM %s WHERE id = %d OR id = %d", s.table, text%tableRows, text))
	_, err := db.ExecContext(ctx, fmt.Sprintf("UPDATE %s SET hits = hits + 1 WHERE id = %d AND %d > 0", s.table, (text+1)%tableRows, text+1))
	stmt(err)
	query(fmt.Sprintf("SELECT name AS c%d FROM %s WHERE id = ?", text+2, s.table), int64(r%tableRows))

	// N+1: one SELECT per item with different arguments.
	for i := range uint64(6) {
		query("SELECT name, hits FROM "+s.table+" WHERE id = ?", int64((r+i*17)%tableRows))
	}
	// Repeated single-row writes.
	for i := range uint64(5) {
		_, err := db.ExecContext(ctx, s.upsert, int64((r*5+i)%writeKeys), fmt.Sprintf("v%d", r))
		stmt(err)
	}
	// Duplicate query: the same statement with the same arguments.
	for range 2 {
		query("SELECT count(*) FROM "+s.table+" WHERE hits > ?", int64(r%3))
	}
	// IN lookup on an unindexed column: EXPLAINed in the background.
	query("SELECT id FROM "+s.table+" WHERE name IN (?, ?, ?)", "name-1", fmt.Sprintf("name-%d", r%tableRows), "none")
	if r%50 == 0 {
		query("SELECT * FROM " + s.table + "_missing")
	}
	if r%20 == 0 {
		tx, err := db.BeginTx(ctx, nil)
		stmt(err)
		if err == nil {
			_, err = tx.ExecContext(ctx, "UPDATE "+s.table+" SET hits = hits + 1 WHERE id = ?", int64(r%tableRows))
			stmt(err)
			if r%40 == 0 {
				stmt(tx.Rollback())
			} else {
				stmt(tx.Commit())
			}
		}
	}
}

// parent returns the i-th parent span: a sampled span context, as a
// service receives it from its caller.
func parent(i uint64) trace.SpanContext {
	var tid trace.TraceID
	var sid trace.SpanID
	binary.BigEndian.PutUint64(tid[8:], i+1)
	binary.BigEndian.PutUint64(sid[:], (i+1)*0x9E3779B97F4A7C15|1)
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true})
}

// countingExporter counts and drops spans.
type countingExporter struct{ n *atomic.Int64 }

func (e countingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.n.Add(int64(len(spans)))
	return nil
}

func (countingExporter) Shutdown(context.Context) error { return nil }
