package integration

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"

	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

// TestPQCopyIn: a COPY ... FROM STDIN through lib/pq is one span for the
// whole COPY, with its row count, not one span per buffered row.
func TestPQCopyIn(t *testing.T) {
	rec := sqltracetest.New(t)
	db := openTraced(t, rec, "postgres", postgresDSN(t))
	ctx := context.Background()
	mustExec(t, db, "DROP TABLE IF EXISTS pq_copy")
	mustExec(t, db, "CREATE TABLE pq_copy (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
	t.Cleanup(func() { mustExec(t, db, "DROP TABLE IF EXISTS pq_copy") })

	req := startRequest(rec, "bulk load")
	tx, err := db.BeginTx(req.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := tx.PrepareContext(req.ctx, pq.CopyIn("pq_copy", "id", "name"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := stmt.ExecContext(req.ctx, i, fmt.Sprintf("row %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := stmt.ExecContext(req.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 50 {
		t.Fatalf("COPY reports %d rows (%v), want 50: the driver's result must come back unchanged", n, err)
	}
	if err := stmt.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	req.end()

	var names []string
	var copySpan []string
	for _, s := range req.spans(rec) {
		names = append(names, s.Name())
		if s.Name() != "COPY pq_copy" {
			continue
		}
		copySpan = append(copySpan, s.Name())
		if v, ok := attrOf(s, string(sqltrace.AttrRowsAffected)); !ok || v.AsInt64() != 50 {
			t.Errorf("COPY span: %s = %v, want 50", sqltrace.AttrRowsAffected, v.Emit())
		}
		if v, _ := attrOf(s, "db.operation.name"); v.AsString() != "COPY" {
			t.Errorf("COPY span: db.operation.name = %q, want COPY", v.AsString())
		}
		if v, _ := attrOf(s, "db.collection.name"); v.AsString() != "pq_copy" {
			t.Errorf("COPY span: db.collection.name = %q, want pq_copy", v.AsString())
		}
	}
	if len(copySpan) != 1 || len(names) != 3 {
		t.Errorf("spans of the request: %q; want BEGIN, one COPY pq_copy, COMMIT", names)
	}
	var count int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM pq_copy").Scan(&count); err != nil || count != 50 {
		t.Fatalf("pq_copy holds %d rows (%v), want 50", count, err)
	}
}

// keyValueDSN rewrites a postgres:// URL as the key/value form
// ("host=... port=... dbname=..."), which lib/pq and pgx both accept.
func keyValueDSN(t testing.TB, rawURL string) (dsn, host, port, dbname, user string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	host, port, dbname = u.Hostname(), u.Port(), strings.TrimPrefix(u.Path, "/")
	if port == "" {
		port = "5432"
	}
	parts := []string{"host=" + host, "port=" + port, "dbname=" + dbname}
	if u.User != nil {
		user = u.User.Username()
		parts = append(parts, "user="+user)
		if p, ok := u.User.Password(); ok {
			parts = append(parts, "password="+p)
		}
	}
	for k, v := range u.Query() {
		parts = append(parts, k+"="+v[0])
	}
	return strings.Join(parts, " "), host, port, dbname, user
}

// TestKeyValueEndpoint: db.namespace, server.address and server.port for
// key/value DSNs and for connectors built without a DSN sqltrace can read.
func TestKeyValueEndpoint(t *testing.T) {
	kv, host, port, dbname, user := keyValueDSN(t, postgresDSN(t))
	pool, err := pgxpool.New(context.Background(), kv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	pqConnector, err := pq.NewConnector(kv)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		open func(rec *sqltracetest.Recorder) (*sql.DB, error)
	}{
		{"lib/pq Open", func(rec *sqltracetest.Recorder) (*sql.DB, error) {
			return sqltrace.Open("postgres", kv, recorderOptions(rec)...)
		}},
		{"pq.NewConnector", func(rec *sqltracetest.Recorder) (*sql.DB, error) {
			return sqltrace.OpenDB(pqConnector, recorderOptions(rec)...), nil
		}},
		{"pgx Open", func(rec *sqltracetest.Recorder) (*sql.DB, error) {
			return sqltrace.Open("pgx", kv, recorderOptions(rec)...)
		}},
		{"pgx GetPoolConnector", func(rec *sqltracetest.Recorder) (*sql.DB, error) {
			return sqltrace.OpenDB(stdlib.GetPoolConnector(pool), recorderOptions(rec)...), nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := sqltracetest.New(t)
			db, err := c.open(rec)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var one int
			if err := db.QueryRow("SELECT 1").Scan(&one); err != nil {
				t.Fatal(err)
			}
			spans := rec.Spans.Ended()
			if len(spans) == 0 {
				t.Fatal("no span")
			}
			s := spans[len(spans)-1]
			for key, want := range map[string]string{"db.namespace": dbname, "server.address": host, "server.port": port} {
				v, ok := attrOf(s, key)
				if !ok || v.Emit() != want {
					t.Errorf("%s = %q (set: %v), want %q", key, v.Emit(), ok, want)
				}
			}
			for _, a := range s.Attributes() {
				if user != "" && a.Value.Emit() == user || strings.Contains(a.Value.Emit(), "password") {
					t.Errorf("attribute %s = %q tells the credentials", a.Key, a.Value.Emit())
				}
			}
		})
	}
}

// TestErrorTypeIsLowCardinality: an error without a status code and of an
// unexported type is error.type "_OTHER", never "*errors.errorString".
func TestErrorTypeIsLowCardinality(t *testing.T) {
	rec := sqltracetest.New(t)
	db := openTraced(t, rec, "pgx", postgresDSN(t))
	req := startRequest(rec, "bad call")
	// pgx refuses the call itself (a plain fmt error): no SQLSTATE.
	if _, err := db.ExecContext(req.ctx, "SELECT $1::int + $2::int", 1); err == nil {
		t.Fatal("pgx accepted a missing argument")
	}
	req.end()
	spans := req.spans(rec)
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	if v, _ := attrOf(spans[0], "error.type"); v.AsString() != "_OTHER" {
		t.Errorf("error.type = %q, want _OTHER", v.AsString())
	}
}

func mustExec(t testing.TB, db *sql.DB, query string) {
	t.Helper()
	if _, err := db.Exec(query); err != nil {
		t.Fatal(err)
	}
}
