package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"reflect"
	"strings"

	"github.com/DataDog/go-sqllexer"
)

// Dialect names the database family a plan comes from. The values are the
// db.system.name values of the OpenTelemetry conventions.
type Dialect string

// The dialects explain knows how to run and read.
const (
	MySQL      Dialect = "mysql"
	MariaDB    Dialect = "mariadb"
	PostgreSQL Dialect = "postgresql"
	SQLite     Dialect = "sqlite"
)

// isMySQLFamily reports whether d speaks the MySQL protocol and syntax.
func (d Dialect) isMySQLFamily() bool { return d == MySQL || d == MariaDB }

// lexer returns a go-sqllexer lexer configured for d.
func (d Dialect) lexer(q string) *sqllexer.Lexer {
	switch {
	case d.isMySQLFamily():
		return sqllexer.New(q, sqllexer.WithDBMS(sqllexer.DBMSMySQL))
	case d == PostgreSQL:
		return sqllexer.New(q, sqllexer.WithDBMS(sqllexer.DBMSPostgres))
	default:
		return sqllexer.New(q)
	}
}

// dialectOfDriver guesses the dialect from the package of the driver type.
// MySQL and MariaDB share drivers; the server version tells them apart later.
func dialectOfDriver(d driver.Driver) Dialect {
	if d == nil {
		return ""
	}
	t := reflect.TypeOf(d)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pkg := strings.ToLower(t.PkgPath() + "." + t.Name())
	switch {
	case strings.Contains(pkg, "sqlite"):
		return SQLite
	case strings.Contains(pkg, "pgx"), strings.Contains(pkg, "lib/pq"), strings.Contains(pkg, "postgres"):
		return PostgreSQL
	case strings.Contains(pkg, "mysql"), strings.Contains(pkg, "maria"):
		return MySQL
	}
	return ""
}

// serverInfo is what a runner needs to know about the server beyond its
// dialect. It is detected once per pool.
type serverInfo struct {
	dialect Dialect
	// pgVersion is server_version_num (e.g. 150004) on PostgreSQL.
	pgVersion int
}

// queryer is the part of *sql.Conn (or *sql.DB) the detection needs.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// detectServer resolves the dialect hint against the server: MariaDB versus
// MySQL from VERSION(), the PostgreSQL version number, and, when the hint is
// empty, the family itself by probing.
func detectServer(ctx context.Context, q queryer, hint Dialect) (serverInfo, error) {
	switch hint {
	case SQLite:
		return serverInfo{dialect: SQLite}, nil
	case MySQL, MariaDB:
		var v string
		if err := q.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
			return serverInfo{}, err
		}
		if strings.Contains(strings.ToLower(v), "mariadb") {
			return serverInfo{dialect: MariaDB}, nil
		}
		return serverInfo{dialect: MySQL}, nil
	case PostgreSQL:
		var n int
		if err := q.QueryRowContext(ctx, "SELECT current_setting('server_version_num')::int").Scan(&n); err != nil {
			return serverInfo{}, err
		}
		return serverInfo{dialect: PostgreSQL, pgVersion: n}, nil
	}
	// Unknown driver (a wrapper, say): ask the server. version() exists on
	// PostgreSQL and MySQL; SQLite has sqlite_version() only.
	var v string
	if err := q.QueryRowContext(ctx, "SELECT version()").Scan(&v); err == nil {
		switch lv := strings.ToLower(v); {
		case strings.Contains(lv, "postgres"):
			return detectServer(ctx, q, PostgreSQL)
		case strings.Contains(lv, "mariadb"):
			return serverInfo{dialect: MariaDB}, nil
		default:
			return serverInfo{dialect: MySQL}, nil
		}
	}
	if err := q.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&v); err == nil {
		return serverInfo{dialect: SQLite}, nil
	}
	return serverInfo{}, ErrUnknownDialect
}
