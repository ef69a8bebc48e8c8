package sqltrace

import (
	"context"
	"database/sql/driver"
)

// columnConverterStmt corrects sqlmw's statement argument checking. sqlmw's
// statement always implements NamedValueChecker, and when neither the
// driver's statement nor its connection does, it converts arguments with
// the default converter; database/sql would have used the statement's
// ColumnConverter. Wrapping such a statement with a checker that answers
// driver.ErrSkip sends database/sql on to the ColumnConverter, which sqlmw
// forwards to this type and this type to the driver.
type columnConverterStmt struct {
	driver.Stmt
	cc driver.ColumnConverter //nolint:staticcheck // the deprecated interface is the point
}

// fixStatement wraps stmt when sqlmw would otherwise bypass its
// ColumnConverter; connNVC says whether the connection checks arguments.
func fixStatement(stmt driver.Stmt, connNVC bool) driver.Stmt {
	if _, ok := stmt.(driver.NamedValueChecker); ok || connNVC {
		return stmt
	}
	cc, ok := stmt.(driver.ColumnConverter) //nolint:staticcheck
	if !ok {
		return stmt
	}
	return &columnConverterStmt{Stmt: stmt, cc: cc}
}

func (s *columnConverterStmt) CheckNamedValue(*driver.NamedValue) error { return driver.ErrSkip }

func (s *columnConverterStmt) ColumnConverter(idx int) driver.ValueConverter { //nolint:staticcheck
	return s.cc.ColumnConverter(idx)
}

func (s *columnConverterStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return execStmt(ctx, s.Stmt, args)
}

// execStmt executes a driver statement the way database/sql would: through
// StmtExecContext when it has it, else the legacy Exec after the context
// is checked.
func execStmt(ctx context.Context, stmt driver.Stmt, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := stmt.(driver.StmtExecContext); ok {
		return e.ExecContext(ctx, args)
	}
	values, err := namedToValues(args)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return stmt.Exec(values) //nolint:staticcheck // the driver only has the legacy call
}

func (s *columnConverterStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	values, err := namedToValues(args)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.Stmt.Query(values) //nolint:staticcheck
}

func namedToValues(args []driver.NamedValue) ([]driver.Value, error) {
	values := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, errNamedArgs
		}
		values[i] = a.Value
	}
	return values, nil
}

type namedArgsError struct{}

func (namedArgsError) Error() string {
	return "sql: driver does not support the use of Named Parameters"
}

var errNamedArgs error = namedArgsError{}
