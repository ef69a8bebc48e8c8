package sqltrace_test

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// Secrets planted where an application keeps them: in the DSN, in bound
// arguments, in literals of the query text, in comments, and in a value a
// driver error quotes back (a duplicate key).
const (
	secretPassword = "pw-Zq8sEcRet-dsn"
	secretArg      = "arg-Zq8sEcRet-bound"
	secretLiteral  = "lit-Zq8sEcRet-text"
	secretInList   = "in-Zq8sEcRet-list"
	secretComment  = "cmt-Zq8sEcRet-comment"
	secretDup      = "dup-Zq8sEcRet-key"
	secretNumber   = "987650123456789"
)

var secrets = []string{secretPassword, secretArg, secretLiteral, secretInList, secretComment, secretDup, secretNumber}

// secretsBackend is a database the secrets test runs on.
type secretsBackend struct {
	name string
	// connector connects with the planted password (where the database
	// has passwords); prepare runs as an administrator first.
	connector func(t *testing.T) driver.Connector
	ph        func(i int) string
	// partitioned creates a table partitioned by k, or "" where there are
	// no partitions; {t} is the table.
	partitioned []string
	// fill inserts n rows into {t} in one statement; analyze updates the
	// planner's statistics.
	fill, analyze string
	// estimates is false where plans carry no row estimates (SQLite), so
	// no full_scan is raised.
	estimates bool
}

func secretsBackends() []secretsBackend {
	return []secretsBackend{
		{
			name: "mariadb",
			connector: func(t *testing.T) driver.Connector {
				admin, err := sql.Open("mysql", testenv.MySQLDSN(t))
				if err != nil {
					t.Fatal(err)
				}
				defer admin.Close()
				cfg, err := mysql.ParseDSN(testenv.MySQLDSN(t))
				if err != nil {
					t.Fatal(err)
				}
				for _, host := range []string{"%", "localhost", "127.0.0.1"} {
					for _, q := range []string{
						fmt.Sprintf("CREATE USER IF NOT EXISTS 'sqlsight_secret'@'%s' IDENTIFIED BY '%s'", host, secretPassword),
						fmt.Sprintf("GRANT ALL ON `%s`.* TO 'sqlsight_secret'@'%s'", cfg.DBName, host),
					} {
						if _, err := admin.Exec(q); err != nil {
							t.Fatal(err)
						}
					}
				}
				cfg.User, cfg.Passwd = "sqlsight_secret", secretPassword
				c, err := mysql.NewConnector(cfg)
				if err != nil {
					t.Fatal(err)
				}
				return c
			},
			ph: func(int) string { return "?" },
			partitioned: []string{"CREATE TABLE {t} (id INT NOT NULL, k INT NOT NULL, name VARCHAR(60), PRIMARY KEY (id, k)) " +
				"PARTITION BY RANGE (k) (PARTITION p0 VALUES LESS THAN (100), PARTITION p1 VALUES LESS THAN MAXVALUE)"},
			fill:      "INSERT INTO {t} (id, name, email, score) SELECT seq, CONCAT('n', seq), CONCAT('e', seq), seq % 97 FROM seq_1_to_3000",
			analyze:   "ANALYZE TABLE {t}",
			estimates: true,
		},
		{
			name: "postgresql",
			connector: func(t *testing.T) driver.Connector {
				cfg, err := pgx.ParseConfig(testenv.PostgresDSN(t))
				if err != nil {
					t.Fatal(err)
				}
				cfg.Password = secretPassword // trust authentication ignores it; it is in the DSN all the same
				return stdlib.GetConnector(*cfg)
			},
			ph: func(i int) string { return fmt.Sprintf("$%d", i) },
			partitioned: []string{
				"CREATE TABLE {t} (id INT NOT NULL, k INT NOT NULL, name VARCHAR(60)) PARTITION BY RANGE (k)",
				"CREATE TABLE {t}_p0 PARTITION OF {t} FOR VALUES FROM (0) TO (100)",
				"CREATE TABLE {t}_p1 PARTITION OF {t} FOR VALUES FROM (100) TO (1000000)",
			},
			fill:      "INSERT INTO {t} (id, name, email, score) SELECT g, 'n' || g, 'e' || g, g % 97 FROM generate_series(1, 3000) g",
			analyze:   "ANALYZE {t}",
			estimates: true,
		},
		{
			name: "sqlite",
			connector: func(t *testing.T) driver.Connector {
				c, err := sqlite.NewConnector("file:" + filepath.Join(t.TempDir(), "secrets.db") + "?_pragma=busy_timeout(5000)")
				if err != nil {
					t.Fatal(err)
				}
				return c
			},
			ph: func(int) string { return "?" },
			fill: "INSERT INTO {t} (id, name, email, score) WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 3000) " +
				"SELECT x, 'n' || x, 'e' || x, x % 97 FROM s",
			analyze: "ANALYZE",
		},
	}
}

// TestNoSecretsInTelemetry runs statements holding planted secrets through
// the wrapper with its default options (plus a tiny slow threshold, so that
// everything is EXPLAINed), raises every finding kind, and then searches
// every span name, attribute, event, status, link, log line, finding and
// metric attribute for the secrets.
func TestNoSecretsInTelemetry(t *testing.T) {
	for _, b := range secretsBackends() {
		t.Run(b.name, func(t *testing.T) {
			connector := b.connector(t)
			spans := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			var logs bytes.Buffer
			var logMu sync.Mutex
			var findingsMu sync.Mutex
			var findings []sqltrace.Finding
			seen := map[sqltrace.Kind]bool{}
			db := sqltrace.OpenDB(connector,
				sqltrace.WithTracerProvider(tp), sqltrace.WithMeterProvider(mp),
				sqltrace.WithSlowThreshold(time.Nanosecond),
				// Privacy options stay at their defaults; the rate limit is
				// raised so that every statement here gets its EXPLAIN.
				sqltrace.WithExplain(explain.WithRateLimit(1000, 1000)),
				sqltrace.WithLogger(slog.New(slog.NewJSONHandler(lockedWriter{&logs, &logMu}, nil))),
				sqltrace.WithFindingHandler(func(_ context.Context, f sqltrace.Finding) {
					findingsMu.Lock()
					defer findingsMu.Unlock()
					findings = append(findings, f)
					seen[f.Kind] = true
				}))
			defer func() {
				db.Close()
				_ = tp.Shutdown(context.Background())
				_ = mp.Shutdown(context.Background())
			}()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()

			tbl := fmt.Sprintf("sq_%d_%d", os.Getpid(), time.Now().UnixNano()%1_000_000)
			x := func(q string) string {
				q = strings.ReplaceAll(q, "{t}", tbl)
				for i := 9; i >= 1; i-- {
					q = strings.ReplaceAll(q, fmt.Sprintf("{%d}", i), b.ph(i))
				}
				return q
			}
			must := func(q string, args ...any) {
				t.Helper()
				if _, err := db.ExecContext(ctx, x(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			query := func(ctx context.Context, q string, args ...any) {
				t.Helper()
				rows, err := db.QueryContext(ctx, x(q), args...)
				if err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				for rows.Next() {
				}
				if err := rows.Close(); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() {
				admin := sql.OpenDB(connector)
				defer admin.Close()
				for _, s := range []string{"{t}_part_p0", "{t}_part_p1", "{t}_part", "{t}"} {
					_, _ = admin.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+x(s))
				}
			})
			must("CREATE TABLE {t} (id INT PRIMARY KEY, name VARCHAR(60), email VARCHAR(60) UNIQUE, score INT)")
			must(b.fill)
			must(b.analyze)

			// The driver's error quotes the duplicate value.
			must("INSERT INTO {t} (id, name, email) VALUES ({1}, {2}, {3})", 5001, secretArg, secretDup)
			if _, err := db.ExecContext(ctx, x("INSERT INTO {t} (id, name, email) VALUES ({1}, {2}, {3})"), 5002, "x", secretDup); err == nil {
				t.Fatal("duplicate key accepted")
			}
			// Literals and comments in the text.
			query(ctx, "/* "+secretComment+" */ SELECT id FROM {t} WHERE name = '"+secretLiteral+"' OR score = "+secretNumber)
			// N+1, duplicate query, repeated write, under one scope; the
			// loop's arguments are secrets too.
			sctx := sqltrace.Scope(ctx)
			for i := range 6 {
				query(sctx, "SELECT name FROM {t} WHERE id = {1}", i+1)
			}
			query(sctx, "SELECT name FROM {t} WHERE email = {1}", secretArg)
			query(sctx, "SELECT name FROM {t} WHERE email = {1}", secretArg)
			for i := range 5 {
				if _, err := db.ExecContext(sctx, x("UPDATE {t} SET name = {1} WHERE id = {2}"), secretArg, i+10); err != nil {
					t.Fatal(err)
				}
			}
			_, _ = db.ExecContext(sctx, x("INSERT INTO {t} (id, name, email) VALUES ({1}, {2}, {3})"), 6000, secretArg, secretDup)
			// Plans: an IN lookup on an unindexed column, a full scan, a
			// sort without index, partitions not pruned; literals and
			// arguments in all of them.
			query(ctx, "SELECT id FROM {t} WHERE name IN ('"+secretInList+"', {1}, 'n7')", secretArg)
			query(ctx, "SELECT id, name FROM {t} WHERE score > {1} ORDER BY name DESC", 3)
			query(ctx, "SELECT id FROM {t} WHERE name LIKE '%"+secretLiteral+"%' OR email = {1}", secretArg)
			want := []sqltrace.Kind{sqltrace.KindNPlusOne, sqltrace.KindDuplicateQuery, sqltrace.KindRepeatedWrite,
				sqltrace.KindSlowQuery, sqltrace.KindUnindexedIn, sqltrace.KindSortWithoutIndex}
			if b.estimates {
				want = append(want, sqltrace.KindFullScan)
			}
			if len(b.partitioned) > 0 {
				for _, q := range b.partitioned {
					must(strings.ReplaceAll(q, "{t}", "{t}_part"))
				}
				must("INSERT INTO {t}_part (id, k, name) VALUES (1, 5, {1}), (2, 500, 'b')", secretArg)
				query(ctx, "SELECT id FROM {t}_part WHERE name = '"+secretLiteral+"' OR name = {1}", secretArg)
				want = append(want, sqltrace.KindPartitionsNotPruned)
			}

			missing := func() []sqltrace.Kind {
				findingsMu.Lock()
				defer findingsMu.Unlock()
				var out []sqltrace.Kind
				for _, k := range want {
					if !seen[k] {
						out = append(out, k)
					}
				}
				return out
			}
			for deadline := time.Now().Add(30 * time.Second); len(missing()) > 0; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					for _, sp := range spans.Ended() {
						if strings.HasPrefix(sp.Name(), "EXPLAIN") {
							t.Logf("%s %v %v", sp.Name(), sp.Status(), sp.Attributes())
						}
					}
					t.Fatalf("findings never raised: %v", missing())
				}
			}
			db.Close() // flushes the sampler: every EXPLAIN span has ended

			var rm metricdata.ResourceMetrics
			if err := reader.Collect(context.Background(), &rm); err != nil {
				t.Fatal(err)
			}
			findingsMu.Lock()
			fs := append([]sqltrace.Finding(nil), findings...)
			findingsMu.Unlock()
			logMu.Lock()
			logText := logs.String()
			logMu.Unlock()

			places := exported(spans.Ended(), rm, fs, logText)
			if len(places) < 100 {
				t.Fatalf("only %d exported strings: the test sees too little", len(places))
			}
			for _, secret := range secrets {
				for _, p := range places {
					if strings.Contains(p.text, secret) {
						t.Errorf("secret %q in %s: %q", secret, p.where, p.text)
					}
				}
			}
			// The checks above would pass on empty telemetry: make sure the
			// places searched hold what they should.
			for _, needle := range []string{"sqlsight.explain.plan", "db.query.text", string(sqltrace.KindUnindexedIn), " ix_"} {
				found := false
				for _, p := range places {
					if strings.Contains(p.where+" "+p.text, needle) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("nothing exported mentions %q", needle)
				}
			}
		})
	}
}

// place is one exported string and where it was found.
type place struct{ where, text string }

// exported lists every string the telemetry holds.
func exported(spans []sdktrace.ReadOnlySpan, rm metricdata.ResourceMetrics, fs []sqltrace.Finding, logs string) []place {
	var out []place
	kv := func(where string, attrs []attribute.KeyValue) {
		for _, a := range attrs {
			out = append(out, place{where + " attribute " + string(a.Key), string(a.Key) + "=" + a.Value.Emit()})
		}
	}
	for _, s := range spans {
		w := "span " + s.Name()
		out = append(out, place{w + " name", s.Name()}, place{w + " status", s.Status().Description})
		kv(w, s.Attributes())
		kv(w+" resource", s.Resource().Attributes())
		for _, e := range s.Events() {
			out = append(out, place{w + " event name", e.Name})
			kv(w+" event "+e.Name, e.Attributes)
		}
		for _, l := range s.Links() {
			kv(w+" link", l.Attributes)
		}
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			w := "metric " + m.Name
			out = append(out, place{w + " name", m.Name + " " + m.Description + " " + m.Unit})
			for _, set := range metricAttributeSets(m.Data) {
				kv(w, set.ToSlice())
			}
		}
	}
	for _, f := range fs {
		out = append(out, place{"finding " + string(f.Kind), fmt.Sprintf("%+v", f)})
	}
	for _, line := range strings.Split(logs, "\n") {
		if line != "" {
			out = append(out, place{"log", line})
		}
	}
	return out
}

func metricAttributeSets(data metricdata.Aggregation) []attribute.Set {
	var sets []attribute.Set
	switch d := data.(type) {
	case metricdata.Sum[int64]:
		for _, dp := range d.DataPoints {
			sets = append(sets, dp.Attributes)
		}
	case metricdata.Sum[float64]:
		for _, dp := range d.DataPoints {
			sets = append(sets, dp.Attributes)
		}
	case metricdata.Gauge[int64]:
		for _, dp := range d.DataPoints {
			sets = append(sets, dp.Attributes)
		}
	case metricdata.Gauge[float64]:
		for _, dp := range d.DataPoints {
			sets = append(sets, dp.Attributes)
		}
	case metricdata.Histogram[int64]:
		for _, dp := range d.DataPoints {
			sets = append(sets, dp.Attributes)
		}
	case metricdata.Histogram[float64]:
		for _, dp := range d.DataPoints {
			sets = append(sets, dp.Attributes)
		}
	}
	return sets
}

// lockedWriter serialises writes from the statement goroutines and the
// EXPLAIN worker.
type lockedWriter struct {
	b  *bytes.Buffer
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
