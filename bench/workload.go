package bench

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
)

// Op is one operation the benchmarks repeat on the fake driver.
type Op struct {
	Name string
	// Statements is the number of statements one run executes, to state
	// costs per statement.
	Statements int
	// Prepare readies the operation on db and returns the function that
	// runs it once (safe for concurrent use) and the one that releases
	// what Prepare made.
	Prepare func(ctx context.Context, db *sql.DB) (run func(context.Context, int64) error, release func() error, err error)
}

// The statements of the operations. Every SELECT returns preset rows from
// the fake driver whatever its arguments; RowCount asks for more than one.
const (
	selectOne    = "SELECT id, name FROM bench_item WHERE id = ?"
	selectMany   = "SELECT id, name FROM bench_item WHERE id > ? ORDER BY id LIMIT 100"
	updateOne    = "UPDATE bench_item SET name = ? WHERE id = ?"
	insertAudit  = "INSERT INTO bench_audit (item_id, note) VALUES (?, ?)"
	manyRowCount = 100
)

// The fake-driver operations.
var (
	// QueryRow is QueryRow and Scan of one row.
	QueryRow = Op{Name: "QueryRow", Statements: 1, Prepare: prepareQueryRow}
	// Query100 is Query, then Next and Scan over 100 rows.
	Query100 = Op{Name: "Query100", Statements: 1, Prepare: prepareQuery100}
	// Exec is an UPDATE and its RowsAffected.
	Exec = Op{Name: "Exec", Statements: 1, Prepare: prepareExec}
	// Prepared is QueryRow on a statement prepared once and reused.
	Prepared = Op{Name: "Prepared", Statements: 1, Prepare: preparePrepared}
	// Tx3 is BEGIN, a SELECT, an UPDATE, an INSERT and COMMIT.
	Tx3 = Op{Name: "Tx3", Statements: 3, Prepare: prepareTx3}
)

// Ops are the fake-driver operations, in the order they run.
var Ops = []Op{QueryRow, Query100, Exec, Prepared, Tx3}

func noRelease() error { return nil }

func prepareQueryRow(_ context.Context, db *sql.DB) (func(context.Context, int64) error, func() error, error) {
	return func(ctx context.Context, n int64) error {
		return scanOne(db.QueryRowContext(ctx, selectOne, n))
	}, noRelease, nil
}

// QueryText returns an operation that runs QueryRow with texts[i] on its
// i-th run, cycling: with many texts, caches keyed by text miss.
func QueryText(texts []string) Op {
	return Op{Name: "QueryText", Statements: 1, Prepare: func(_ context.Context, db *sql.DB) (func(context.Context, int64) error, func() error, error) {
		var next atomic.Uint64
		return func(ctx context.Context, n int64) error {
			i := next.Add(1) - 1
			return scanOne(db.QueryRowContext(ctx, texts[i%uint64(len(texts))], n))
		}, noRelease, nil
	}}
}

// DistinctTexts returns n query texts of one placeholder that differ only
// in a literal, as an application that formats some values into SQL sends
// them.
func DistinctTexts(n int) []string {
	texts := make([]string, n)
	for i := range texts {
		texts[i] = fmt.Sprintf("SELECT id, name FROM bench_item WHERE id = ? AND owner = 'user%d'", i+1)
	}
	return texts
}

func prepareQuery100(_ context.Context, db *sql.DB) (func(context.Context, int64) error, func() error, error) {
	return func(ctx context.Context, n int64) error {
		rows, err := db.QueryContext(ctx, selectMany, n, RowCount(manyRowCount))
		if err != nil {
			return err
		}
		var (
			id    int64
			name  string
			count int
		)
		for rows.Next() {
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return err
			}
			count++
			if id != int64(count) || name != FakeName {
				rows.Close()
				return fmt.Errorf("row %d: got (%d, %q)", count, id, name)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if count != manyRowCount {
			return fmt.Errorf("got %d rows, want %d", count, manyRowCount)
		}
		return nil
	}, noRelease, nil
}

func prepareExec(_ context.Context, db *sql.DB) (func(context.Context, int64) error, func() error, error) {
	return func(ctx context.Context, n int64) error {
		return affectedOne(db.ExecContext(ctx, updateOne, "renamed", n))
	}, noRelease, nil
}

func preparePrepared(ctx context.Context, db *sql.DB) (func(context.Context, int64) error, func() error, error) {
	stmt, err := db.PrepareContext(ctx, selectOne)
	if err != nil {
		return nil, nil, err
	}
	return func(ctx context.Context, n int64) error {
		return scanOne(stmt.QueryRowContext(ctx, n))
	}, stmt.Close, nil
}

func prepareTx3(_ context.Context, db *sql.DB) (func(context.Context, int64) error, func() error, error) {
	return func(ctx context.Context, n int64) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := scanOne(tx.QueryRowContext(ctx, selectOne, n)); err != nil {
			tx.Rollback()
			return err
		}
		if err := affectedOne(tx.ExecContext(ctx, updateOne, "renamed", n)); err != nil {
			tx.Rollback()
			return err
		}
		if err := affectedOne(tx.ExecContext(ctx, insertAudit, n, "renamed")); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}, noRelease, nil
}

// scanOne scans a row of the fake driver and checks it is the first one.
func scanOne(row *sql.Row) error {
	var (
		id   int64
		name string
	)
	if err := row.Scan(&id, &name); err != nil {
		return err
	}
	if id != 1 || name != FakeName {
		return fmt.Errorf("got (%d, %q), want (1, %q)", id, name, FakeName)
	}
	return nil
}

func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return fmt.Errorf("%d rows affected, want 1", n)
	}
	return nil
}
