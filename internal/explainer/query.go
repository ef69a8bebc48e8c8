package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// Query explains one statement on db and returns its plan. It is meant for
// tests and one-off use: the dialect is detected from db.Driver() and the
// server version, the statement goes through the same safety checks as the
// Sampler's, and the plan is read from a connection of db taken for the
// call (never a transaction). Plan.Text is redacted; the nodes' conditions
// and Plan.Raw keep the values the statement was planned with.
func Query(ctx context.Context, db *sql.DB, query string, args ...any) (p *Plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, ErrInternal
		}
	}()
	if db == nil {
		return nil, errors.New("explain: nil *sql.DB")
	}
	hint := dialectOfDriver(db.Driver())
	st := Statement{Query: query, Args: namedValues(args)}
	// Refuse before touching the database when the family is known.
	if hint != "" {
		if _, err := check(hint, query); err != nil {
			return nil, err
		}
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	info, err := detectServer(ctx, conn, hint)
	if err != nil {
		return nil, err
	}
	p, err = explainOn(ctx, conn, info, st, runOptions{})
	if err != nil {
		return nil, err
	}
	p.Text = truncate(p.render(true), DefaultMaxPlanBytes)
	return p, nil
}

func namedValues(args []any) []driver.NamedValue {
	if len(args) == 0 {
		return nil
	}
	out := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv := driver.NamedValue{Ordinal: i + 1, Value: a}
		if n, ok := a.(sql.NamedArg); ok {
			nv.Name, nv.Value = n.Name, n.Value
		}
		out[i] = nv
	}
	return out
}
