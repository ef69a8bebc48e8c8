package sqltrace

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// pqConfig and pqConnector have the shape of lib/pq's Config and Connector
// (v1.10 to v1.12), which this module does not import; the integration
// module checks the real pq.NewConnector.
type pqConfig struct {
	Host     string
	Port     uint16
	Database string
	User     string
	Password string
}

type pqConnector struct {
	cfg    pqConfig
	dialer any
}

func TestEndpointFromDSN(t *testing.T) {
	cases := []struct {
		name, system, dsn string
		want              endpoint
	}{
		{"postgres URL", SystemPostgreSQL, "postgres://u:secret@db.example:6543/shop?sslmode=disable", endpoint{"db.example", 6543, "shop"}},
		{"postgres URL default port", SystemPostgreSQL, "postgresql://u@db.example/shop", endpoint{"db.example", 5432, "shop"}},
		{"key/value", SystemPostgreSQL, "host=127.0.0.1 port=5433 dbname=shop user=app password=secret sslmode=disable", endpoint{"127.0.0.1", 5433, "shop"}},
		{"key/value default port", SystemPostgreSQL, "dbname=shop host=db.example", endpoint{"db.example", 5432, "shop"}},
		{"key/value spaces and quotes", SystemPostgreSQL, "host = db.example  dbname = 'my \\'shop\\'' password='a b=c'", endpoint{"db.example", 5432, "my 'shop'"}},
		{"key/value host list", SystemPostgreSQL, "host=a.example,b.example port=5433,5434 dbname=shop", endpoint{"a.example", 5433, "shop"}},
		{"key/value unix socket", SystemPostgreSQL, "host=/var/run/postgresql dbname=shop", endpoint{"/var/run/postgresql", 0, "shop"}},
		{"key/value without host", SystemPostgreSQL, "dbname=shop", endpoint{"", 0, "shop"}},
		{"key/value malformed", SystemPostgreSQL, "host=db.example dbname", endpoint{"db.example", 5432, ""}},
		{"empty", SystemPostgreSQL, "", endpoint{}},
		{"sqlite file", SystemSQLite, "file:/tmp/x/app.db?_pragma=busy_timeout(5000)", endpoint{namespace: "app.db"}},
		{"sqlite memory", SystemSQLite, ":memory:", endpoint{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := endpointFromDSN(c.system, c.dsn); got != c.want {
				t.Errorf("endpointFromDSN(%q) = %+v, want %+v", c.dsn, got, c.want)
			}
		})
	}
}

func TestPGKeyValuesKeepsNoCredentials(t *testing.T) {
	kv := pgKeyValues("user=app password='s3cret' host=h dbname=d", "host", "port", "dbname")
	for k, v := range kv {
		if k == "user" || k == "password" || strings.Contains(v, "s3cret") {
			t.Errorf("kept %s=%q", k, v)
		}
	}
	if kv["host"] != "h" || kv["dbname"] != "d" {
		t.Errorf("got %v", kv)
	}
}

func TestEndpointFromConnector(t *testing.T) {
	const kv = "host=db.example port=6543 dbname=shop user=app password=secret"
	pool, err := pgxpool.New(context.Background(), kv) // connects lazily: nothing is dialled here
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	cases := []struct {
		name string
		c    any
		want endpoint
	}{
		{"pgx GetPoolConnector", stdlib.GetPoolConnector(pool), endpoint{"db.example", 6543, "shop"}},
		{"lib/pq NewConnector shape", &pqConnector{cfg: pqConfig{Host: "db.example", Port: 6543, Database: "shop", User: "app", Password: "secret"}}, endpoint{"db.example", 6543, "shop"}},
		{"lib/pq host list", &pqConnector{cfg: pqConfig{Host: "a.example,b.example", Database: "shop"}}, endpoint{"a.example", 5432, "shop"}},
		{"unknown connector", struct{ dsn string }{"host=x"}, endpoint{}},
		{"nil", nil, endpoint{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := endpointFromConnector(c.c); got != c.want {
				t.Errorf("endpointFromConnector = %+v, want %+v", got, c.want)
			}
		})
	}
}
