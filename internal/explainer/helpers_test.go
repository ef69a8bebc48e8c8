package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

// sqliteConnector opens modernc.org/sqlite connections to one DSN: the
// unwrapped connector a Sampler is given.
type sqliteConnector struct{ dsn string }

func (c sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	return (&sqlite.Driver{}).Open(c.dsn)
}

func (c sqliteConnector) Driver() driver.Driver { return &sqlite.Driver{} }

// newSQLite returns a connector and an application pool on a fresh SQLite
// file database.
func newSQLite(t testing.TB) (driver.Connector, *sql.DB) {
	t.Helper()
	dsn := "file:" + filepath.Join(t.TempDir(), "ex.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(wal)"
	c := sqliteConnector{dsn: dsn}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return c, db
}

// newMySQL returns an unwrapped connector and an application pool for dsn
// with extra DSN parameters applied.
func newMySQL(t testing.TB, dsn string, tweak func(*mysql.Config)) (driver.Connector, *sql.DB) {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("ParseDSN: %v", err)
	}
	if tweak != nil {
		tweak(cfg)
	}
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatalf("NewConnector: %v", err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("ping MySQL: %v", err)
	}
	return c, db
}

// newPostgres returns an unwrapped pgx connector and an application pool.
func newPostgres(t testing.TB) (driver.Connector, *sql.DB) {
	t.Helper()
	return openPostgres(t, testenv.PostgresDSN(t))
}

func mustExec(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func countRows(t testing.TB, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func findingKinds(fs []Finding) []Kind {
	var out []Kind
	for _, f := range fs {
		out = append(out, f.Kind)
	}
	return out
}

func findKind(fs []Finding, kind Kind) (Finding, bool) {
	for _, f := range fs {
		if f.Kind == kind {
			return f, true
		}
	}
	return Finding{}, false
}
