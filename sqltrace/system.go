package sqltrace

import (
	"net"
	"net/url"
	"path"
	"reflect"
	"strconv"
	"strings"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// Values of db.system.name.
const (
	SystemMySQL      = "mysql"
	SystemMariaDB    = "mariadb"
	SystemPostgreSQL = "postgresql"
	SystemSQLite     = "sqlite"
	SystemOther      = "other_sql"
)

// detectSystem names the database behind a driver from the driver's Go
// package, so that no driver has to be imported here.
func detectSystem(d any) string {
	if d == nil {
		return SystemOther
	}
	t := reflect.TypeOf(d)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	pkg := t.PkgPath()
	switch {
	case strings.Contains(pkg, "go-sql-driver/mysql"), strings.Contains(pkg, "ziutek/mymysql"):
		return SystemMySQL
	case strings.Contains(pkg, "jackc/pgx"), strings.Contains(pkg, "lib/pq"), strings.Contains(pkg, "cockroach"):
		return SystemPostgreSQL
	case strings.Contains(pkg, "sqlite"):
		return SystemSQLite
	}
	return SystemOther
}

func dialectOf(system string) sqlinfo.Dialect {
	switch system {
	case SystemMySQL, SystemMariaDB:
		return sqlinfo.MySQL
	case SystemPostgreSQL:
		return sqlinfo.PostgreSQL
	case SystemSQLite:
		return sqlinfo.SQLite
	}
	return ""
}

// endpoint is where a connector connects: server.address, server.port and
// db.namespace. Never the user or the password.
type endpoint struct {
	address   string
	port      int
	namespace string
}

// endpointFromConnector reads the address out of well-known connector
// configurations by reflection (go-sql-driver/mysql's cfg, pgx's
// ConnConfig) so that OpenDB users get server.address without importing
// the drivers here. Unknown connectors yield nothing.
func endpointFromConnector(c any) endpoint {
	v := reflect.ValueOf(c)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return endpoint{}
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return endpoint{}
	}
	// go-sql-driver/mysql: connector{cfg *Config{Addr, DBName}}
	if cfg := v.FieldByName("cfg"); cfg.IsValid() && cfg.Kind() == reflect.Pointer && !cfg.IsNil() {
		cfg = cfg.Elem()
		if addr, db := stringField(cfg, "Addr"), stringField(cfg, "DBName"); addr != "" || db != "" {
			e := splitHostPort(addr, 3306)
			if stringField(cfg, "Net") == "unix" {
				e = endpoint{address: addr}
			}
			e.namespace = db
			return e
		}
	}
	// pgx stdlib: connector{pgx.ConnConfig{pgconn.Config{Host, Port, Database}}}
	if cc := v.FieldByName("ConnConfig"); cc.IsValid() && cc.Kind() == reflect.Struct {
		e := endpoint{address: stringField(cc, "Host"), namespace: stringField(cc, "Database")}
		if p := cc.FieldByName("Port"); p.IsValid() && p.CanUint() {
			e.port = int(p.Uint())
		}
		return e
	}
	return endpoint{}
}

func stringField(v reflect.Value, name string) string {
	f := v.FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}

func splitHostPort(addr string, defaultPort int) endpoint {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return endpoint{address: addr, port: defaultPort}
	}
	p, _ := strconv.Atoi(port)
	return endpoint{address: host, port: p}
}

// endpointFromDSN covers what the connector does not tell: SQLite file
// names, and DSNs of drivers we only know by their text.
func endpointFromDSN(system, dsn string) endpoint {
	switch system {
	case SystemSQLite:
		name := strings.TrimPrefix(dsn, "file:")
		if i := strings.IndexByte(name, '?'); i >= 0 {
			name = name[:i]
		}
		if name == "" || strings.Contains(name, ":memory:") {
			return endpoint{}
		}
		return endpoint{namespace: path.Base(name)}
	case SystemPostgreSQL:
		if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
			e := endpoint{address: u.Hostname(), namespace: strings.TrimPrefix(u.Path, "/")}
			e.port, _ = strconv.Atoi(u.Port())
			if e.port == 0 {
				e.port = 5432
			}
			return e
		}
	}
	return endpoint{}
}
