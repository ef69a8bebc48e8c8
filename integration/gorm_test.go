package integration

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	gmysql "gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/sqlsight/sqlsight/sqltrace"
	"github.com/sqlsight/sqlsight/sqltrace/sqltracetest"
)

type gormAuthor struct {
	ID    uint
	Name  string
	Books []gormBook `gorm:"foreignKey:AuthorID"`
}

func (gormAuthor) TableName() string { return "gorm_authors" }

// gormBook's author_id has no index: GORM creates none for a foreign key
// when it creates no constraint (and MariaDB's implicit one is off, below).
type gormBook struct {
	ID       uint
	AuthorID uint
	Title    string
}

func (gormBook) TableName() string { return "gorm_books" }

type gormBackend struct {
	name string
	open func(t *testing.T, rec *sqltracetest.Recorder) (*gorm.DB, *sql.DB)
}

// gormConfig returns a new configuration: gorm.Open keeps and changes it.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger: logger.Discard,
		// MariaDB indexes a foreign key by itself; the Preload test needs an
		// unindexed one on both servers.
		DisableForeignKeyConstraintWhenMigrating: true,
	}
}

var gormBackends = []gormBackend{
	{"mariadb", func(t *testing.T, rec *sqltracetest.Recorder) (*gorm.DB, *sql.DB) {
		db := openTraced(t, rec, "mysql", mysqlDSN(t))
		g, err := gorm.Open(gmysql.New(gmysql.Config{Conn: db}), gormConfig())
		if err != nil {
			t.Fatal(err)
		}
		return g, db
	}},
	{"postgresql", func(t *testing.T, rec *sqltracetest.Recorder) (*gorm.DB, *sql.DB) {
		db := openTraced(t, rec, "pgx", postgresDSN(t))
		g, err := gorm.Open(postgres.New(postgres.Config{Conn: db}), gormConfig())
		if err != nil {
			t.Fatal(err)
		}
		return g, db
	}},
}

// TestGORM drives GORM through the wrapper on MariaDB and PostgreSQL.
func TestGORM(t *testing.T) {
	for _, b := range gormBackends {
		t.Run(b.name, func(t *testing.T) {
			rec := sqltracetest.New(t)
			g, db := b.open(t, rec)
			dropGORMTables(t, g)
			t.Cleanup(func() { dropGORMTables(t, g) })

			t.Run("AutoMigrate is quiet", func(t *testing.T) {
				req := startRequest(rec, "migrate")
				// Creating the tables, then migrating existing ones (the
				// column-by-column catalog lookups).
				for range 2 {
					if err := g.WithContext(req.ctx).AutoMigrate(&gormAuthor{}, &gormBook{}); err != nil {
						t.Fatal(err)
					}
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})
			authors := seedGORM(t, g)

			t.Run("N+1 loop", func(t *testing.T) {
				req := startRequest(rec, "list authors")
				var all []gormAuthor
				if err := g.WithContext(req.ctx).Find(&all).Error; err != nil {
					t.Fatal(err)
				}
				for _, a := range all {
					var books []gormBook
					if err := g.WithContext(req.ctx).Where("author_id = ?", a.ID).Find(&books).Error; err != nil { // sqlsight:at gorm-n+1
						t.Fatal(err)
					}
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), map[sqltrace.Kind]int{sqltrace.KindNPlusOne: 1})
				requireLocation(t, req.spans(rec), sqltrace.KindNPlusOne, "gorm-n+1")
			})

			t.Run("Preload on an unindexed foreign key", func(t *testing.T) {
				preload := func() request {
					req := startRequest(rec, "authors with books")
					var all []gormAuthor
					if err := g.WithContext(req.ctx).Preload("Books").Find(&all).Error; err != nil {
						t.Fatal(err)
					}
					req.end()
					return req
				}
				requireUnindexedThenClean(t, rec, db, "gorm_books", "author_id", preload,
					func(suggestion string) error { return g.Exec(suggestion).Error })
			})

			t.Run("CreateInBatches is quiet", func(t *testing.T) {
				req := startRequest(rec, "import")
				books := make([]gormBook, 50)
				for i := range books {
					books[i] = gormBook{AuthorID: authors[i%len(authors)].ID, Title: fmt.Sprintf("batch %d", i)}
				}
				if err := g.WithContext(req.ctx).CreateInBatches(books, 10).Error; err != nil {
					t.Fatal(err)
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})

			t.Run("loop of single creates", func(t *testing.T) {
				req := startRequest(rec, "import one by one")
				for i := range 20 {
					if err := g.WithContext(req.ctx).Create(&gormBook{AuthorID: authors[0].ID, Title: fmt.Sprintf("single %d", i)}).Error; err != nil {
						t.Fatal(err)
					}
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), map[sqltrace.Kind]int{sqltrace.KindRepeatedWrite: 1})
			})

			t.Run("retry after rollback is quiet", func(t *testing.T) {
				req := startRequest(rec, "rename with retry")
				errRetry := errors.New("serialization failure, retry")
				for attempt := range 2 {
					err := g.WithContext(req.ctx).Transaction(func(tx *gorm.DB) error {
						if err := tx.Model(&gormAuthor{}).Where("id = ?", authors[0].ID).Update("name", "renamed").Error; err != nil {
							return err
						}
						if attempt == 0 {
							return errRetry
						}
						return nil
					})
					if attempt == 0 && !errors.Is(err, errRetry) || attempt == 1 && err != nil {
						t.Fatalf("attempt %d: %v", attempt, err)
					}
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})

			t.Run("re-read after a write is quiet", func(t *testing.T) {
				req := startRequest(rec, "update and show")
				var a gormAuthor
				if err := g.WithContext(req.ctx).First(&a, authors[1].ID).Error; err != nil {
					t.Fatal(err)
				}
				if err := g.WithContext(req.ctx).Model(&a).Update("name", "changed").Error; err != nil {
					t.Fatal(err)
				}
				var again gormAuthor // a new value: GORM adds a loaded value's key to the WHERE
				if err := g.WithContext(req.ctx).First(&again, authors[1].ID).Error; err != nil {
					t.Fatal(err)
				}
				req.end()
				barrier(t, rec, db)
				requireKinds(t, req.findings(rec), nil)
			})
		})
	}
}

func dropGORMTables(t *testing.T, g *gorm.DB) {
	t.Helper()
	if err := g.Migrator().DropTable(&gormBook{}, &gormAuthor{}); err != nil {
		t.Fatal(err)
	}
}

// seedGORM inserts 20 authors with two books each, outside any request.
func seedGORM(t *testing.T, g *gorm.DB) []gormAuthor {
	t.Helper()
	authors := make([]gormAuthor, 20)
	for i := range authors {
		authors[i] = gormAuthor{Name: fmt.Sprintf("author %d", i),
			Books: []gormBook{{Title: fmt.Sprintf("book %d.1", i)}, {Title: fmt.Sprintf("book %d.2", i)}}}
	}
	if err := g.CreateInBatches(authors, 20).Error; err != nil {
		t.Fatal(err)
	}
	return authors
}

// requireUnindexedThenClean runs load (relation loading with IN on
// table.column), waits for unindexed_in naming table and column, runs the
// suggestion with exec, and checks that the next load is clean at once: no
// finding on the statement's span and no new delivery.
func requireUnindexedThenClean(t *testing.T, rec *sqltracetest.Recorder, db *sql.DB, table, column string,
	load func() request, exec func(suggestion string) error) {
	t.Helper()
	first := load()
	var found *sqltracetest.Recorded
	waitFor(t, "unindexed_in on "+table, planWait, func() bool {
		for _, f := range first.findings(rec) {
			if f.Kind == sqltrace.KindUnindexedIn {
				found = &f
				return true
			}
		}
		return false
	})
	if found.Table != table || !slices.Contains(found.Columns, column) {
		t.Errorf("unindexed_in names %s %v, want %s (%s)", found.Table, found.Columns, table, column)
	}
	if err := exec(found.Suggestion); err != nil {
		t.Fatalf("the suggestion %q does not run: %v", found.Suggestion, err)
	}
	second := load()
	for _, s := range second.spans(rec) {
		if slices.Contains(spanKinds(s), string(sqltrace.KindUnindexedIn)) {
			t.Errorf("after %q, %q still carries unindexed_in", found.Suggestion, s.Name())
		}
	}
	barrier(t, rec, db)
	if n := countKind(second.findings(rec), sqltrace.KindUnindexedIn); n > 0 {
		t.Errorf("after %q, unindexed_in delivered %d more time(s)", found.Suggestion, n)
	}
}
