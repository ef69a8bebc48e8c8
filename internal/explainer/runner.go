package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
)

// runOptions are the per-call settings of an explain.
type runOptions struct {
	analyze    bool
	partitions *partitionCache // nil: no caching (Query)
	// reconnect gives a connection for the catalog look-ups when the
	// explain's own was discarded after ANALYZE; nil: no look-ups then.
	reconnect func(context.Context) (*sql.Conn, error)
	pure      []string // functions the user declared pure
	// userCode caches the PostgreSQL catalog's user-defined functions and
	// operators; nil: read it for this call (Query).
	userCode *userCodeCache
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
	var uc *userCode
	if d == PostgreSQL {
		if uc, err = ro.userCode.get(ctx, conn); err != nil {
			return nil, fmt.Errorf("%w: reading the user-defined functions: %w", ErrUnsafe, err)
		}
		if why := uc.reaches(ck.tokens, ro.pure); why != "" {
			return nil, fmt.Errorf("%w: %w: %s", ErrUnsafe, errFunction, why)
		}
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
	// ANALYZE executes the statement: only what the classification calls
	// analyzable (a SELECT that writes nothing, takes no row lock and has no
	// INTO), and only where it is run in a read-only transaction.
	analyze := ro.analyze && ck.class.analyzable() && !generic &&
		(d == PostgreSQL || d == MariaDB)
	var p *Plan
	switch {
	case d.isMySQLFamily():
		p, err = explainMySQL(ctx, conn, d, ck.text, args, analyze, ck.class.analyzable())
	case d == PostgreSQL:
		p, err = explainPostgres(ctx, conn, ck.text, args, analyze, generic)
	case d == SQLite:
		p, err = explainSQLite(ctx, conn, ck.text, st.Args)
	default:
		return nil, ErrUnknownDialect
	}
	if analyze {
		// The rollback undoes the transaction's writes, not the session's
		// state: an advisory lock or GET_LOCK taken by the statement, user
		// variables, temporary tables. They end with the session, so the
		// connection is closed now, whatever the outcome.
		discardConn(conn)
	} else if uc != nil && uc.stable && holdsAdvisoryLocks(ctx, conn) {
		// A user function reached where no name shows (a view, a cast)
		// took a session lock while planning: end the session.
		discardConn(conn)
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
	if analyze {
		if ro.reconnect == nil {
			return p, nil
		}
		fresh, err := ro.reconnect(ctx)
		if err != nil {
			return p, nil
		}
		defer fresh.Close()
		conn = fresh
	}
	switch {
	case d.isMySQLFamily():
		enrichMySQL(ctx, conn, p, ro.partitions)
	case d == PostgreSQL:
		enrichPostgres(ctx, conn, p, ro.partitions)
	case d == SQLite:
		enrichSQLite(ctx, conn, p)
	}
	adviseOn(ctx, conn, info, p, ck.text, args, generic) // advice.go: catalog facts, hypopg
	return p, nil
}

// discardConn closes conn's driver connection instead of returning it to
// the pool (database/sql closes a connection whose Raw call reports
// driver.ErrBadConn).
func discardConn(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}

// rolledBackTx runs fn in a transaction that is always rolled back,
// read-only when readOnly is set. Plain EXPLAIN runs there too, not only
// ANALYZE: planners evaluate functions (MariaDB stored functions,
// PostgreSQL's immutable and stable ones, reached by a user overload,
// operator or view the text cannot show), and the server refuses them any
// write in a read-only transaction. MariaDB refuses EXPLAIN UPDATE/DELETE
// in one (error 1792): those run in a read-write transaction whose
// rollback undoes what a function wrote to a transactional table.
func rolledBackTx(ctx context.Context, conn *sql.Conn, readOnly bool, fn func(q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	PrepareContext(context.Context, string) (*sql.Stmt, error)
}) error) error {
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // nothing to keep
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
