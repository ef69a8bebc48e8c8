package sqltrace_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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
	_ "modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/internal/testenv"
	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// telemetry collects what a wrapped database emits.
type telemetry struct {
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newTelemetry(t testing.TB) *telemetry {
	e := testenv.NewTelemetry(t)
	return &telemetry{spans: e.Spans, tp: e.TracerProvider, reader: e.Metrics, mp: e.MeterProvider}
}

// newRecorded returns telemetry whose spans, metrics and findings rec
// records: open databases with rec.Options.
func newRecorded(t testing.TB) (tel *telemetry, rec *sqltracetest.Recorder) {
	rec = sqltracetest.New(t)
	return &telemetry{spans: rec.Spans, tp: rec.TracerProvider, reader: rec.Metrics, mp: rec.MeterProvider}, rec
}

func (tel *telemetry) options(extra ...sqltrace.Option) []sqltrace.Option {
	return append([]sqltrace.Option{sqltrace.WithTracerProvider(tel.tp), sqltrace.WithMeterProvider(tel.mp)}, extra...)
}

// ended returns the ended spans named name.
func (tel *telemetry) ended(name string) []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range tel.spans.Ended() {
		if s.Name() == name {
			out = append(out, s)
		}
	}
	return out
}

func (tel *telemetry) names() []string {
	var out []string
	for _, s := range tel.spans.Ended() {
		out = append(out, s.Name())
	}
	return out
}

func (tel *telemetry) reset() { tel.spans.Reset() }

func (tel *telemetry) metrics(t testing.TB) metricdata.ResourceMetrics {
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

func attr(s sdktrace.ReadOnlySpan, key string) (attribute.Value, bool) {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// backend is one real database the same suite runs against.
type backend struct {
	name   string
	system string
	// open returns a traced database whose tables are dropped at cleanup.
	open func(t testing.TB, opts ...sqltrace.Option) *sql.DB
	// openRaw returns an untraced database for set-up work.
	openRaw func(t testing.TB) *sql.DB
	// ph returns the i-th (1-based) placeholder.
	ph        func(i int) string
	namespace string
	address   string
	// missingTableCode is db.response.status_code for a missing table.
	missingTableCode string
	autoID           string
}

// databaseOf returns the database named by the DSN in the environment
// variable env ("test" when unset or unnamed): the expected db.namespace.
func databaseOf(env string) string {
	dsn := os.Getenv(env)
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			return db
		}
	} else if cfg, err := mysql.ParseDSN(dsn); err == nil && cfg.DBName != "" {
		return cfg.DBName
	}
	return "test"
}

func sqliteBackend() backend {
	return backend{
		name: "sqlite", system: "sqlite", namespace: "sqlsight.db", missingTableCode: "1",
		autoID: "INTEGER PRIMARY KEY AUTOINCREMENT",
		ph:     func(int) string { return "?" },
		open: func(t testing.TB, opts ...sqltrace.Option) *sql.DB {
			path := filepath.Join(t.TempDir(), "sqlsight.db")
			db, err := sqltrace.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)", opts...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
}

func mysqlBackend() backend {
	return backend{
		name: "mariadb", system: "mariadb", namespace: databaseOf(testenv.EnvMySQLDSN), address: "127.0.0.1", missingTableCode: "1146",
		autoID: "BIGINT AUTO_INCREMENT PRIMARY KEY",
		ph:     func(int) string { return "?" },
		open: func(t testing.TB, opts ...sqltrace.Option) *sql.DB {
			cfg, err := mysql.ParseDSN(testenv.MySQLDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			connector, err := mysql.NewConnector(cfg)
			if err != nil {
				t.Fatal(err)
			}
			db := sqltrace.OpenDB(connector, opts...)
			t.Cleanup(func() { db.Close() })
			return db
		},
		openRaw: func(t testing.TB) *sql.DB {
			db, err := sql.Open("mysql", testenv.MySQLDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
}

func postgresBackend() backend {
	return backend{
		name: "postgresql", system: "postgresql", namespace: databaseOf(testenv.EnvPostgresDSN), address: "127.0.0.1", missingTableCode: "42P01",
		autoID: "BIGSERIAL PRIMARY KEY",
		ph:     func(i int) string { return fmt.Sprintf("$%d", i) },
		open: func(t testing.TB, opts ...sqltrace.Option) *sql.DB {
			cfg, err := pgx.ParseConfig(testenv.PostgresDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			db := sqltrace.OpenDB(stdlib.GetConnector(*cfg), opts...)
			t.Cleanup(func() { db.Close() })
			return db
		},
		openRaw: func(t testing.TB) *sql.DB {
			db, err := sql.Open("pgx", testenv.PostgresDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		},
	}
}

func backends() []backend { return []backend{sqliteBackend(), mysqlBackend(), postgresBackend()} }

// table creates a uniquely named table for one test and drops it after.
func table(t testing.TB, db *sql.DB, prefix, columns string) string {
	name := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano()%1_000_000_000)
	name = strings.ReplaceAll(name, "-", "_")
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+name+" ("+columns+")"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE "+name) })
	return name
}
