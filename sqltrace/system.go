package sqltrace

import (
	"net"
	"net/url"
	"path"
	"reflect"
	"slices"
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
// configurations by reflection (go-sql-driver/mysql's cfg, lib/pq's cfg,
// pgx's ConnConfig or the pool behind stdlib.GetPoolConnector) so that
// OpenDB users get server.address without importing the drivers here. Only
// the host, port and database fields are read, never the user or the
// password. Unknown connectors yield nothing.
func endpointFromConnector(c any) endpoint {
	v, ok := structOf(reflect.ValueOf(c))
	if !ok {
		return endpoint{}
	}
	if cfg, ok := structOf(v.FieldByName("cfg")); ok {
		// go-sql-driver/mysql: connector{cfg *Config{Net, Addr, DBName}}
		if addr, db := stringField(cfg, "Addr"), stringField(cfg, "DBName"); addr != "" || db != "" {
			e := splitHostPort(addr, 3306)
			if stringField(cfg, "Net") == "unix" {
				e = endpoint{address: addr}
			}
			e.namespace = db
			return e
		}
		// lib/pq: Connector{cfg Config{Host, Port, Database}}
		if e := pgEndpoint(cfg); e != (endpoint{}) {
			return e
		}
	}
	// pgx stdlib: connector{pgx.ConnConfig{pgconn.Config{Host, Port,
	// Database}}, pool}. A pool connector leaves ConnConfig empty: the
	// configuration is the pool's (pgxpool.Pool{config *Config{ConnConfig}}).
	if cc, ok := structOf(v.FieldByName("ConnConfig")); ok {
		if e := pgEndpoint(cc); e != (endpoint{}) {
			return e
		}
	}
	if pool, ok := structOf(v.FieldByName("pool")); ok {
		if pc, ok := structOf(pool.FieldByName("config")); ok {
			if cc, ok := structOf(pc.FieldByName("ConnConfig")); ok {
				return pgEndpoint(cc)
			}
		}
	}
	return endpoint{}
}

// structOf follows pointers and interfaces to a struct; ok is false for
// nil, invalid and non-struct values.
func structOf(v reflect.Value) (reflect.Value, bool) {
	for v.IsValid() && (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	return v, v.IsValid() && v.Kind() == reflect.Struct
}

// pgEndpoint reads a PostgreSQL driver configuration with the fields Host,
// Port and Database (pgconn.Config, lib/pq's Config).
func pgEndpoint(cfg reflect.Value) endpoint {
	host, db := stringField(cfg, "Host"), stringField(cfg, "Database")
	if host == "" && db == "" {
		return endpoint{}
	}
	var port int
	if p := cfg.FieldByName("Port"); p.IsValid() && p.CanUint() {
		port = int(p.Uint())
	}
	return pgHostEndpoint(host, port, db)
}

// pgHostEndpoint builds the endpoint of a PostgreSQL host setting: the
// first of a comma-separated list, a unix socket directory without port.
func pgHostEndpoint(host string, port int, db string) endpoint {
	if i := strings.IndexByte(host, ','); i >= 0 {
		host = host[:i]
	}
	e := endpoint{address: host, namespace: db}
	switch {
	case host == "":
	case strings.HasPrefix(host, "/") || strings.HasPrefix(host, "@"):
		// a unix socket (directory, or abstract namespace): no port
	case port > 0:
		e.port = port
	default:
		e.port = 5432
	}
	return e
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
// names, and DSNs of drivers we only know by their text (lib/pq's and pgx's
// URLs and key/value strings).
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
		if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
			u, err := url.Parse(dsn)
			if err != nil {
				return endpoint{}
			}
			port, _ := strconv.Atoi(u.Port())
			return pgHostEndpoint(u.Hostname(), port, strings.TrimPrefix(u.Path, "/"))
		}
		kv := pgKeyValues(dsn, "host", "port", "dbname")
		port, _ := strconv.Atoi(firstOfList(kv["port"]))
		return pgHostEndpoint(kv["host"], port, kv["dbname"])
	}
	return endpoint{}
}

func firstOfList(s string) string {
	if i := strings.IndexByte(s, ','); i >= 0 {
		return s[:i]
	}
	return s
}

// pgKeyValues reads the wanted keys of a libpq key/value connection string
// ("host=db port=5432 dbname='my db'"): values are bare words or
// single-quoted with backslash escapes. Other keys (user, password, ...) are
// skipped without being kept. Malformed text yields what was read so far.
func pgKeyValues(dsn string, want ...string) map[string]string {
	out := map[string]string{}
	i := 0
	for i < len(dsn) {
		for i < len(dsn) && isSpace(dsn[i]) {
			i++
		}
		start := i
		for i < len(dsn) && dsn[i] != '=' && !isSpace(dsn[i]) {
			i++
		}
		key := dsn[start:i]
		for i < len(dsn) && isSpace(dsn[i]) {
			i++
		}
		if i >= len(dsn) || dsn[i] != '=' || key == "" {
			return out
		}
		i++ // '='
		keep := slices.Contains(want, key)
		for i < len(dsn) && isSpace(dsn[i]) {
			i++
		}
		var val strings.Builder
		if i < len(dsn) && dsn[i] == '\'' {
			i++
			for i < len(dsn) && dsn[i] != '\'' {
				if dsn[i] == '\\' && i+1 < len(dsn) {
					i++
				}
				if keep {
					val.WriteByte(dsn[i])
				}
				i++
			}
			i++ // closing quote
		} else {
			for i < len(dsn) && !isSpace(dsn[i]) {
				if dsn[i] == '\\' && i+1 < len(dsn) {
					i++
				}
				if keep {
					val.WriteByte(dsn[i])
				}
				i++
			}
		}
		if keep {
			out[key] = val.String()
		}
	}
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
