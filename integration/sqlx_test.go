package integration

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

type sqlxItem struct {
	ID       int64  `db:"id"`
	ParentID int64  `db:"parent_id"`
	Name     string `db:"name"`
}

type sqlxBackend struct {
	name, driver string
	dsn          func(t testing.TB) string
	autoID       string
}

// The PostgreSQL run goes through lib/pq, the other backends' tests use pgx.
var sqlxBackends = []sqlxBackend{
	{"mariadb", "mysql", mysqlDSN, "BIGINT AUTO_INCREMENT PRIMARY KEY"},
	{"postgresql-libpq", "postgres", postgresDSN, "BIGSERIAL PRIMARY KEY"},
	{"sqlite", "sqlite", func(t testing.TB) string {
		return "file:" + filepath.Join(t.TempDir(), "sqlx.db") + "?_pragma=busy_timeout(5000)"
	}, "INTEGER PRIMARY KEY AUTOINCREMENT"},
}

// TestSQLX drives sqlx, whose statements bind their arguments.
func TestSQLX(t *testing.T) {
	for _, b := range sqlxBackends {
		t.Run(b.name, func(t *testing.T) {
			rec := sqltracetest.New(t)
			db := openTraced(t, rec, b.driver, b.dsn(t))
			x := sqlx.NewDb(db, b.driver)
			ctx := context.Background()
			x.MustExecContext(ctx, "DROP TABLE IF EXISTS sqlx_items")
			x.MustExecContext(ctx, "CREATE TABLE sqlx_items (id "+b.autoID+", parent_id BIGINT NOT NULL, name VARCHAR(100) NOT NULL)")
			t.Cleanup(func() { x.MustExecContext(ctx, "DROP TABLE IF EXISTS sqlx_items") })
			seed := make([]sqlxItem, 20)
			for i := range seed {
				seed[i] = sqlxItem{ParentID: int64(i % 4), Name: fmt.Sprintf("item %d", i)}
			}
			if _, err := x.NamedExecContext(ctx, "INSERT INTO sqlx_items (parent_id, name) VALUES (:parent_id, :name)", seed); err != nil {
				t.Fatal(err)
			}
			var ids []int64
			if err := x.SelectContext(ctx, &ids, "SELECT id FROM sqlx_items ORDER BY id"); err != nil {
				t.Fatal(err)
			}

			t.Run("N+1 loop", func(t *testing.T) {
				req := startRequest(rec, "show items")
				for _, id := range ids {
					var it sqlxItem
					if err := x.GetContext(req.ctx, &it, x.Rebind("SELECT id, parent_id, name FROM sqlx_items WHERE id = ?"), id); err != nil { // sqlsight:at sqlx-n+1
						t.Fatal(err)
					}
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), map[sqltrace.Kind]int{sqltrace.KindNPlusOne: 1})
				requireLocation(t, req.spans(rec), sqltrace.KindNPlusOne, "sqlx-n+1")
			})

			t.Run("sqlx.In on the primary key is quiet", func(t *testing.T) {
				req := startRequest(rec, "show items at once")
				q, args, err := sqlx.In("SELECT id, parent_id, name FROM sqlx_items WHERE id IN (?)", ids)
				if err != nil {
					t.Fatal(err)
				}
				var items []sqlxItem
				if err := x.SelectContext(req.ctx, &items, x.Rebind(q), args...); err != nil {
					t.Fatal(err)
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})

			t.Run("batch NamedExec is quiet", func(t *testing.T) {
				req := startRequest(rec, "import")
				if _, err := x.NamedExecContext(req.ctx, "INSERT INTO sqlx_items (parent_id, name) VALUES (:parent_id, :name)", seed); err != nil {
					t.Fatal(err)
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})

			t.Run("loop of single inserts", func(t *testing.T) {
				req := startRequest(rec, "import one by one")
				for _, it := range seed {
					if _, err := x.NamedExecContext(req.ctx, "INSERT INTO sqlx_items (parent_id, name) VALUES (:parent_id, :name)", it); err != nil {
						t.Fatal(err)
					}
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), map[sqltrace.Kind]int{sqltrace.KindRepeatedWrite: 1})
			})

			t.Run("retry after rollback is quiet", func(t *testing.T) {
				req := startRequest(rec, "rename with retry")
				update := x.Rebind("UPDATE sqlx_items SET name = ? WHERE id = ?")
				for attempt := range 2 {
					tx, err := x.BeginTxx(req.ctx, nil)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := tx.ExecContext(req.ctx, update, "renamed", ids[0]); err != nil {
						t.Fatal(err)
					}
					if attempt == 0 {
						err = tx.Rollback() // as after a serialization failure
					} else {
						err = tx.Commit()
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})

			t.Run("re-read after a write is quiet", func(t *testing.T) {
				req := startRequest(rec, "update and show")
				get := x.Rebind("SELECT id, parent_id, name FROM sqlx_items WHERE id = ?")
				var it sqlxItem
				if err := x.GetContext(req.ctx, &it, get, ids[1]); err != nil {
					t.Fatal(err)
				}
				x.MustExecContext(req.ctx, x.Rebind("UPDATE sqlx_items SET name = ? WHERE id = ?"), "changed", ids[1])
				if err := x.GetContext(req.ctx, &it, get, ids[1]); err != nil {
					t.Fatal(err)
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})
		})
	}
}
