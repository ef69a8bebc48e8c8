package demoapp

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/resource"
	"github.com/sqlsight/sqlsight/sqltrace"
)

// Dialect says how to write placeholders and auto-increment keys.
type Dialect string

// Dialects of the demo.
const (
	SQLite     Dialect = "sqlite"
	MySQL      Dialect = "mysql"
	PostgreSQL Dialect = "postgresql"
)

func (d Dialect) ph(i int) string {
	if d == PostgreSQL {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

// placeholders returns n placeholders starting at the first.
func (d Dialect) placeholders(from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = d.ph(from + i)
	}
	return strings.Join(ps, ", ")
}

func (d Dialect) autoID() string {
	switch d {
	case MySQL:
		return "BIGINT AUTO_INCREMENT PRIMARY KEY"
	case PostgreSQL:
		return "BIGSERIAL PRIMARY KEY"
	}
	return "INTEGER PRIMARY KEY AUTOINCREMENT"
}

// Seed (re)creates the demo tables: review with reviews rows and no index
// on n_review_id (the mistake the IN lookup exposes), label and item.
func Seed(ctx context.Context, db *sql.DB, d Dialect, reviews int) error {
	ctx = sqltrace.Scope(ctx) // seeding is one unit of work, not traced as a request
	for _, stmt := range []string{
		"DROP TABLE IF EXISTS item", "DROP TABLE IF EXISTS label", "DROP TABLE IF EXISTS review",
		"CREATE TABLE review (id " + d.autoID() + ", n_review_id BIGINT NOT NULL, reid VARCHAR(32) NOT NULL, score INT NOT NULL)",
		"CREATE TABLE label (id INT PRIMARY KEY, name VARCHAR(32) NOT NULL)",
		"CREATE TABLE item (id " + d.autoID() + ", review_id BIGINT NOT NULL, label_id INT NOT NULL)",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	const batch = 500
	for start := 0; start < reviews; start += batch {
		n := min(batch, reviews-start)
		var sb strings.Builder
		args := make([]any, 0, 3*n)
		sb.WriteString("INSERT INTO review (n_review_id, reid, score) VALUES ")
		for i := range n {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("(" + d.placeholders(len(args)+1, 3) + ")")
			id := start + i
			args = append(args, int64(1_000_000+id), fmt.Sprintf("r%06d", id), id%5)
		}
		if _, err := db.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	var sb strings.Builder
	var args []any
	sb.WriteString("INSERT INTO label (id, name) VALUES ")
	for i := range 20 {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(" + d.placeholders(len(args)+1, 2) + ")")
		args = append(args, i, fmt.Sprintf("label-%d", i))
	}
	_, err := db.ExecContext(ctx, sb.String(), args...)
	return err
}

// App is the demo service.
type App struct {
	DB      *sql.DB
	Dialect Dialect
	Tracer  trace.Tracer // default: the global tracer provider's
}

func (a *App) tracer() trace.Tracer {
	if a.Tracer != nil {
		return a.Tracer
	}
	return otel.Tracer("github.com/sqlsight/sqlsight/internal/demoapp")
}

// request runs fn under a new root span, as an HTTP handler would.
func (a *App) request(ctx context.Context, name string, fn func(context.Context) error) error {
	ctx, span := a.tracer().Start(ctx, name, trace.WithNewRoot(), trace.WithSpanKind(trace.SpanKindServer))
	defer span.End()
	return fn(ctx)
}

// UpsertReviews is scenario 1 of sqltrace/scenarios_test.go: check which
// reviews exist with an IN lookup on n_review_id (no index), then insert
// the missing ones in one statement.
// The block is tracked like the author's CPU/memory context manager.
func (a *App) UpsertReviews(ctx context.Context, ids []int64) error {
	return a.request(ctx, "POST /reviews/upsert", func(ctx context.Context) error {
		ctx, end := resource.Track(ctx, "upsert batch")
		defer end()
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		rows, err := a.DB.QueryContext(ctx,
			"SELECT n_review_id, reid FROM review WHERE n_review_id IN ("+a.Dialect.placeholders(1, len(ids))+")", args...)
		if err != nil {
			return err
		}
		existing := map[int64]bool{}
		for rows.Next() {
			var id int64
			var reid string
			if err := rows.Scan(&id, &reid); err != nil {
				rows.Close()
				return err
			}
			existing[id] = true
		}
		if err := rows.Close(); err != nil {
			return err
		}
		var values []string
		var ins []any
		for _, id := range ids {
			if !existing[id] {
				values = append(values, "("+a.Dialect.placeholders(len(ins)+1, 3)+")")
				ins = append(ins, id, fmt.Sprintf("new%d", id), 0)
			}
		}
		if len(values) == 0 {
			return nil
		}
		_, err = a.DB.ExecContext(ctx, "INSERT INTO review (n_review_id, reid, score) VALUES "+strings.Join(values, ", "), ins...)
		return err
	})
}

// ListLabels is an N+1: one query for the labels of the items, then one
// query per label.
func (a *App) ListLabels(ctx context.Context, labelIDs []int) ([]string, error) {
	var names []string
	err := a.request(ctx, "GET /labels", func(ctx context.Context) error {
		for _, id := range labelIDs {
			var name string
			if err := a.DB.QueryRowContext(ctx, "SELECT name FROM label WHERE id = "+a.Dialect.ph(1), id).Scan(&name); err != nil {
				return err
			}
			names = append(names, name)
		}
		return nil
	})
	return names, err
}

// SaveItems is scenario 3 of sqltrace/scenarios_test.go: one INSERT per item.
func (a *App) SaveItems(ctx context.Context, reviewID int64, labelIDs []int) error {
	return a.request(ctx, "POST /items", func(ctx context.Context) error {
		for _, id := range labelIDs {
			if _, err := a.DB.ExecContext(ctx, "INSERT INTO item (review_id, label_id) VALUES ("+a.Dialect.placeholders(1, 2)+")", reviewID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// RunAll runs each request once: the upsert, the N+1 and the insert loop.
func (a *App) RunAll(ctx context.Context) error {
	if err := a.UpsertReviews(ctx, []int64{1_000_010, 1_000_020, 1_000_030, 5, 6}); err != nil {
		return err
	}
	ids := make([]int, 20)
	for i := range ids {
		ids[i] = i
	}
	if _, err := a.ListLabels(ctx, ids); err != nil {
		return err
	}
	return a.SaveItems(ctx, 1_000_010, ids)
}
