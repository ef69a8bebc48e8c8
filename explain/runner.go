package explain

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// runOptions are the per-call settings of an explain.
type runOptions struct {
	analyze    bool
	partitions *partitionCache // nil: no caching (Query)
	pure       []string        // functions the user declared pure
}

// explainOn explains one statement on conn, which must be a connection of
// explain's own (never one the application is using). It checks the
// statement first, whatever the caller checked before: defence in depth.
func explainOn(ctx context.Context, conn *sql.Conn, info serverInfo, st Statement, ro runOptions) (*Plan, error) {
	d := info.dialect
	ck, err := checkWith(d, st.Query, ro.pure)
	if err != nil {
		return nil, err
	}
	args := bindArgs(st.Args)
	generic := false
	if ck.placeholders > 0 && len(args) == 0 {
		switch {
		case d == PostgreSQL && info.pgVersion >= 160000:
			generic = true
		case d == SQLite:
			// EXPLAIN QUERY PLAN does not depend on the values: unbound
			// parameters are NULL.
		default:
			return nil, ErrMissingArgs
		}
	}
	analyze := ro.analyze && ck.class.analyzable() && !generic
	var p *Plan
	switch {
	case d.isMySQLFamily():
		p, err = explainMySQL(ctx, conn, d, ck.text, args, analyze && d == MariaDB)
	case d == PostgreSQL:
		p, err = explainPostgres(ctx, conn, ck.text, args, analyze, generic)
	case d == SQLite:
		p, err = explainSQLite(ctx, conn, ck.text, args)
	default:
		return nil, ErrUnknownDialect
	}
	if err != nil {
		return nil, err
	}
	desc := describe(d, ck.tokens)
	for _, t := range st.Tables {
		desc.addTable(t)
	}
	resolveAliases(p, desc.tables)
	// Catalog facts make the verdict precise, but a plan without them is
	// still a plan: their errors are not the statement's.
	switch {
	case d.isMySQLFamily():
		enrichMySQL(ctx, conn, p, ro.partitions)
	case d == PostgreSQL:
		enrichPostgres(ctx, conn, p, ro.partitions)
	case d == SQLite:
		enrichSQLite(ctx, conn, p)
	}
	return p, nil
}

// withTx runs fn in a read-only transaction that is always rolled back when
// readOnly is set (EXPLAIN ANALYZE executes the statement), directly on the
// connection otherwise.
func withTx(ctx context.Context, conn *sql.Conn, readOnly bool, fn func(q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	PrepareContext(context.Context, string) (*sql.Stmt, error)
}) error) error {
	if !readOnly {
		return fn(conn)
	}
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // nothing to keep: read-only
	return fn(tx)
}

// scannedTables returns the distinct tables of nodes matching keep.
func scannedTables(p *Plan, keep func(*Node) bool) []string {
	var out []string
	for _, n := range p.Nodes() {
		if n.Table != "" && keep(n) && !containsFold(out, n.Table) {
			out = append(out, n.Table)
		}
	}
	return out
}

// readTextRows reads every row of rs as strings (NULL as "NULL").
func readTextRows(rs *sql.Rows, maxRows int) ([]string, [][]string, error) {
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, nil, err
	}
	var rows [][]string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			} else {
				row[i] = "NULL"
			}
		}
		if len(rows) < maxRows {
			rows = append(rows, row)
		}
	}
	return cols, rows, rs.Err()
}

// maxPlanRows bounds the rows read from a tabular or EQP plan.
const maxPlanRows = 4096

// maxPlanOutput bounds the JSON plan explain reads (a plan of this size is
// not one a person or an analyser reads anyway).
const maxPlanOutput = 4 << 20

func errTooLargePlan(n int) error {
	return fmt.Errorf("%w: plan of %d bytes", ErrNoPlan, n)
}

// unitSep separates names passed as one text argument, so that catalog
// queries need no driver support for arrays.
const unitSep = "\x1f"

func joinNames(names []string) string { return strings.Join(names, unitSep) }
