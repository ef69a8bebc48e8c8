package conformance

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/internal/testenv"
)

// backend is one database the cases run on, raw and wrapped.
type backend struct {
	name string
	// connectors returns a function making connectors of the driver
	// itself, all to the same database.
	connectors func(t *testing.T) func() driver.Connector
	// ph is the i-th (1-based) placeholder.
	ph func(i int) string
	// fixture is the DDL of the cases' table (columns only) and the rows
	// put in it, as INSERT statements with {t} for the table.
	columns string
	rows    []string
	// cases are the backend's own cases, run after the common ones.
	cases []testCase
}

func sqliteBackend() backend {
	return backend{
		name: "sqlite",
		connectors: func(t *testing.T) func() driver.Connector {
			dsn := "file:" + filepath.Join(t.TempDir(), "conformance.db") + "?_pragma=busy_timeout(5000)"
			return func() driver.Connector {
				c, err := sqlite.NewConnector(dsn)
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
		},
		ph:      func(int) string { return "?" },
		columns: "id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, score REAL, data BLOB, created DATETIME, note TEXT, n NUMERIC(10,2)",
		rows: []string{
			"INSERT INTO {t} VALUES (1, 'alice', 1.5, x'00ff10', '2024-02-29 13:14:15.123456', NULL, 12.5)",
			"INSERT INTO {t} VALUES (2, 'bob', NULL, NULL, '2023-01-01 00:00:00', 'a note', 7)",
			"INSERT INTO {t} VALUES (3, 'carol', -2.25, x'', NULL, '', NULL)",
		},
		cases: sqliteCases(),
	}
}

// mysqlBackend runs with parseTime on or off: the driver then scans
// DATETIME as time.Time or as []byte.
func mysqlBackend(parseTime bool) backend {
	name := "mariadb"
	if parseTime {
		name = "mariadb-parsetime"
	}
	return backend{
		name: name,
		connectors: func(t *testing.T) func() driver.Connector {
			cfg, err := mysql.ParseDSN(testenv.MySQLDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			cfg.ParseTime = parseTime
			cfg.MultiStatements = true
			return func() driver.Connector {
				c, err := mysql.NewConnector(cfg.Clone())
				if err != nil {
					t.Fatal(err)
				}
				return c
			}
		},
		ph: func(int) string { return "?" },
		columns: "id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(40) NOT NULL UNIQUE, score DECIMAL(10,3), data VARBINARY(16), " +
			"created DATETIME(6), note TEXT NULL, big BIGINT UNSIGNED, flag TINYINT(1), ratio DOUBLE, day DATE, " +
			"kind ENUM('a','b'), bits BIT(8), doc JSON, small SMALLINT NOT NULL DEFAULT 0, f FLOAT",
		rows: []string{
			"INSERT INTO {t} VALUES (1, 'alice', 1.5, x'00ff10', '2024-02-29 13:14:15.123456', NULL, 18446744073709551615, 1, 0.25, '2024-02-29', 'a', b'10100101', '{\"k\": [1, 2]}', -5, 1.25)",
			"INSERT INTO {t} VALUES (2, 'bob', NULL, NULL, '2023-01-01 00:00:00', 'a note', 0, 0, NULL, NULL, 'b', NULL, NULL, 7, NULL)",
			"INSERT INTO {t} VALUES (3, 'carol', -2.25, x'', NULL, '', 9223372036854775808, NULL, -1e300, '1999-12-31', NULL, b'0', 'null', 0, -0.5)",
		},
		cases: mysqlCases(),
	}
}

func postgresBackend() backend {
	return backend{
		name: "postgresql",
		connectors: func(t *testing.T) func() driver.Connector {
			cfg, err := pgx.ParseConfig(testenv.PostgresDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			return func() driver.Connector { return stdlib.GetConnector(*cfg.Copy()) }
		},
		ph: func(i int) string { return fmt.Sprintf("$%d", i) },
		columns: "id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, score NUMERIC(10,3), data BYTEA, created TIMESTAMPTZ, note TEXT, " +
			"tags INT[], span INT4RANGE, doc JSONB, uid UUID, flag BOOLEAN, ratio DOUBLE PRECISION, day DATE, " +
			"every INTERVAL, addr INET, label VARCHAR(12), code CHAR(3)",
		rows: []string{
			"INSERT INTO {t} VALUES (1, 'alice', 1.5, '\\x00ff10', '2024-02-29 13:14:15.123456+00', NULL, '{1,2,3}', '[1,10)', '{\"k\": [1, 2]}', " +
				"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true, 0.25, '2024-02-29', '1 day 02:03:04', '10.1.2.3/32', 'label', 'abc')",
			"INSERT INTO {t} VALUES (2, 'bob', NULL, NULL, '2023-01-01 00:00:00+02', 'a note', '{}', 'empty', NULL, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL)",
			"INSERT INTO {t} VALUES (3, 'carol', -2.25, '', NULL, '', NULL, '(,5]', 'null', NULL, NULL, 'NaN', '-infinity', '-1 mon', '::1', '', 'x')",
		},
		cases: postgresCases(),
	}
}

// fixture creates the backend's table for one mode and fills it; it is
// dropped when the test ends.
func fixture(t *testing.T, db *sql.DB, b backend, name string) {
	ctx := context.Background()
	_, _ = db.ExecContext(ctx, "DROP TABLE IF EXISTS "+name)
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+name+" ("+b.columns+")"); err != nil {
		t.Fatalf("%s: %v", b.name, err)
	}
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE IF EXISTS "+name) })
	for _, r := range b.rows {
		if _, err := db.ExecContext(ctx, strings.ReplaceAll(r, "{t}", name)); err != nil {
			t.Fatalf("%s: %s: %v", b.name, r, err)
		}
	}
}

// uniqueName returns a table name no concurrent test run uses.
func uniqueName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano()%1_000_000)
}
