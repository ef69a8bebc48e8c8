package bench

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
)

// realClients is the number of concurrent clients of the real-database
// benchmarks.
const realClients = 8

// realRows is the size of the table the real-database loops work on; each
// client updates its own 100 rows so that writes do not wait on each
// other's row locks.
const realRows = 1000

// realDB is a loopback database the same loops run against.
type realDB struct {
	name   string
	driver driver.Driver
	// dsn returns the data source name, or skips tb when the database is
	// not configured.
	dsn func(tb testing.TB) string
	// placeholder returns the n-th (1-based) bind placeholder.
	placeholder func(n int) string
}

var realDBs = []realDB{
	{name: "mariadb", driver: &mysql.MySQLDriver{}, dsn: envDSN("SQLSIGHT_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test"), placeholder: question},
	{name: "postgresql", driver: stdlib.GetDefaultDriver(), dsn: envDSN("SQLSIGHT_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), placeholder: dollar},
	{name: "sqlite", driver: &sqlite.Driver{}, dsn: sqliteDSN, placeholder: question},
}

func question(int) string { return "?" }
func dollar(n int) string { return fmt.Sprintf("$%d", n) }
func envDSN(key, example string) func(testing.TB) string {
	return func(tb testing.TB) string {
		dsn := os.Getenv(key)
		if dsn == "" {
			tb.Skipf("%s is unset; to run against a loopback server set e.g. %s='%s'", key, key, example)
		}
		return dsn
	}
}

// sqliteDSN is a WAL file database in tb's temporary directory; commits do
// not fsync (synchronous=NORMAL) and writers wait for each other.
func sqliteDSN(tb testing.TB) string {
	path := filepath.Join(tb.TempDir(), "bench.db")
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
}

// realOp is one statement the clients repeat; client c's i-th run works on
// row realRowID(c, i).
type realOp struct {
	name  string
	query func(db realDB) string
	run   func(ctx context.Context, db *sql.DB, query string, id int64) error
}

var realOps = []realOp{
	{
		name:  "QueryRow",
		query: func(d realDB) string { return "SELECT id, name FROM bn_item WHERE id = " + d.placeholder(1) },
		run: func(ctx context.Context, db *sql.DB, q string, id int64) error {
			var (
				got  int64
				name string
			)
			if err := db.QueryRowContext(ctx, q, id).Scan(&got, &name); err != nil {
				return err
			}
			if got != id {
				return fmt.Errorf("asked for row %d, got %d", id, got)
			}
			return nil
		},
	},
	{
		name:  "Exec",
		query: func(d realDB) string { return "UPDATE bn_item SET n = n + 1 WHERE id = " + d.placeholder(1) },
		run: func(ctx context.Context, db *sql.DB, q string, id int64) error {
			return affectedOne(db.ExecContext(ctx, q, id))
		},
	},
}

func realRowID(client int, i int64) int64 { return int64(client)*100 + i%100 + 1 }

// openReal opens d with w and the telemetry of s, pooled for realClients,
// and closes both when tb ends.
func openReal(tb testing.TB, d realDB, dsn string, w Wrapper, s Sampling) *sql.DB {
	tb.Helper()
	t := NewTelemetry(s)
	db, err := w.Open(d.driver, dsn, t)
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(realClients)
	db.SetMaxIdleConns(realClients)
	tb.Cleanup(func() {
		db.Close()
		t.Shutdown(context.Background())
	})
	return db
}

// createRealTable creates and fills bn_item through a raw connection.
func createRealTable(tb testing.TB, d realDB, dsn string) {
	tb.Helper()
	db, err := Wrappers[0].Open(d.driver, dsn, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS bn_item (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL, n INT NOT NULL DEFAULT 0)"); err != nil {
		tb.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM bn_item").Scan(&n); err != nil {
		tb.Fatal(err)
	}
	if n == realRows {
		return
	}
	values := make([]string, realRows)
	for i := range values {
		values[i] = fmt.Sprintf("(%d, 'item%d', 0)", i+1, i+1)
	}
	if _, err := db.ExecContext(ctx, "DELETE FROM bn_item"); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO bn_item (id, name, n) VALUES "+strings.Join(values, ", ")); err != nil {
		tb.Fatal(err)
	}
}

// runClients runs op n times in total from realClients goroutines, each
// with its own request contexts, and returns the first error.
func runClients(db *sql.DB, s Sampling, op realOp, query string, n int64) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for c := range realClients {
		wg.Go(func() {
			req := NewRequests(context.Background(), s)
			for i := next.Add(1); i <= n; i = next.Add(1) {
				ctx, _ := req.Next()
				if err := op.run(ctx, db, query, realRowID(c, i)); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("client %d: %w", c, err) })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}
