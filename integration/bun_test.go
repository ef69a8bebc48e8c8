package integration

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite"

	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

type bunAuthor struct {
	bun.BaseModel `bun:"table:bun_authors,alias:author"`
	ID            int64 `bun:",pk,autoincrement"`
	Name          string
	Books         []bunBook `bun:"rel:has-many,join:id=author_id"`
}

// bunBook's author_id has no index.
type bunBook struct {
	bun.BaseModel `bun:"table:bun_books,alias:book"`
	ID            int64 `bun:",pk,autoincrement"`
	AuthorID      int64
	Title         string
}

type bunBackend struct {
	name string
	open func(t *testing.T, rec *sqltracetest.Recorder) (*bun.DB, *sql.DB)
}

var bunBackends = []bunBackend{
	{"postgresql", func(t *testing.T, rec *sqltracetest.Recorder) (*bun.DB, *sql.DB) {
		db := openTraced(t, rec, "pgx", postgresDSN(t))
		return bun.NewDB(db, pgdialect.New()), db
	}},
	{"sqlite", func(t *testing.T, rec *sqltracetest.Recorder) (*bun.DB, *sql.DB) {
		db := openTraced(t, rec, "sqlite", "file:"+filepath.Join(t.TempDir(), "bun.db")+"?_pragma=busy_timeout(5000)")
		return bun.NewDB(db, sqlitedialect.New()), db
	}},
}

// TestBun drives bun, which formats values into the SQL text by default:
// the detectors see no arguments, only literals.
func TestBun(t *testing.T) {
	for _, b := range bunBackends {
		t.Run(b.name, func(t *testing.T) {
			rec := sqltracetest.New(t)
			bdb, db := b.open(t, rec)
			dropBunTables(t, bdb)
			t.Cleanup(func() { dropBunTables(t, bdb) })

			t.Run("schema creation is quiet", func(t *testing.T) {
				req := startRequest(rec, "create schema")
				for _, model := range []any{(*bunAuthor)(nil), (*bunBook)(nil)} {
					if _, err := bdb.NewCreateTable().Model(model).IfNotExists().Exec(req.ctx); err != nil {
						t.Fatal(err)
					}
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})
			authors := seedBun(t, bdb)

			t.Run("N+1 loop with values in the text", func(t *testing.T) {
				req := startRequest(rec, "list authors")
				var all []bunAuthor
				if err := bdb.NewSelect().Model(&all).Scan(req.ctx); err != nil {
					t.Fatal(err)
				}
				for _, a := range all {
					var books []bunBook
					if err := bdb.NewSelect().Model(&books).Where("author_id = ?", a.ID).Scan(req.ctx); err != nil { // sqlsight:at bun-n+1
						t.Fatal(err)
					}
				}
				req.end()
				barrier(t, rec, db)
				// One n_plus_one and no duplicate_query: the texts differ by
				// their literals.
				requireKinds(t, req.findings(rec), map[sqltrace.Kind]int{sqltrace.KindNPlusOne: 1})
				requireLocation(t, req.spans(rec), sqltrace.KindNPlusOne, "bun-n+1")
			})

			t.Run("relation on an unindexed foreign key", func(t *testing.T) {
				load := func() request {
					req := startRequest(rec, "authors with books")
					var all []bunAuthor
					if err := bdb.NewSelect().Model(&all).Relation("Books").Scan(req.ctx); err != nil {
						t.Fatal(err)
					}
					req.end()
					return req
				}
				requireUnindexedThenClean(t, rec, db, "bun_books", "author_id", load,
					func(suggestion string) error { _, err := bdb.ExecContext(context.Background(), suggestion); return err })
			})

			t.Run("bulk insert is quiet", func(t *testing.T) {
				req := startRequest(rec, "import")
				books := make([]bunBook, 50)
				for i := range books {
					books[i] = bunBook{AuthorID: authors[i%len(authors)].ID, Title: fmt.Sprintf("bulk %d", i)}
				}
				if _, err := bdb.NewInsert().Model(&books).Exec(req.ctx); err != nil {
					t.Fatal(err)
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})

			t.Run("loop of single inserts", func(t *testing.T) {
				req := startRequest(rec, "import one by one")
				for i := range 20 {
					book := bunBook{AuthorID: authors[0].ID, Title: fmt.Sprintf("single %d", i)}
					if _, err := bdb.NewInsert().Model(&book).Exec(req.ctx); err != nil {
						t.Fatal(err)
					}
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), map[sqltrace.Kind]int{sqltrace.KindRepeatedWrite: 1})
			})
		})
	}
}

func dropBunTables(t *testing.T, bdb *bun.DB) {
	t.Helper()
	for _, model := range []any{(*bunBook)(nil), (*bunAuthor)(nil)} {
		if _, err := bdb.NewDropTable().Model(model).IfExists().Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// seedBun inserts 20 authors with two books each, outside any request.
func seedBun(t *testing.T, bdb *bun.DB) []bunAuthor {
	t.Helper()
	ctx := context.Background()
	authors := make([]bunAuthor, 20)
	for i := range authors {
		authors[i] = bunAuthor{Name: fmt.Sprintf("author %d", i)}
	}
	if _, err := bdb.NewInsert().Model(&authors).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var books []bunBook
	for _, a := range authors {
		books = append(books, bunBook{AuthorID: a.ID, Title: "one"}, bunBook{AuthorID: a.ID, Title: "two"})
	}
	if _, err := bdb.NewInsert().Model(&books).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return authors
}
