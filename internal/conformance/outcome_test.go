package conformance

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// outcome is what a case observed, in a form that compares with
// reflect.DeepEqual and prints readably: values carry their Go type.
type outcome struct {
	Steps []string
}

func (o *outcome) add(format string, args ...any) {
	o.Steps = append(o.Steps, fmt.Sprintf(format, args...))
}

// value describes a scanned value with its dynamic type, so that a wrapper
// that changed a driver's value type (int64 for uint64, string for
// []byte, ...) shows up even when the printed value is the same.
func value(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case []byte:
		return fmt.Sprintf("[]byte(%q)", x)
	case time.Time:
		return fmt.Sprintf("time.Time(%s)", x.Format(time.RFC3339Nano))
	case *time.Time:
		return "*" + value(*x)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return "*" + value(rv.Elem().Interface())
	}
	return fmt.Sprintf("%T(%+v)", v, v)
}

// errorText describes err: its text, and what errors.As and errors.Is find
// in it for the drivers' error types and database/sql's sentinels.
func errorText(err error) string {
	if err == nil {
		return "ok"
	}
	parts := []string{fmt.Sprintf("error %q", err.Error())}
	var my *mysql.MySQLError
	if errors.As(err, &my) {
		parts = append(parts, fmt.Sprintf("MySQLError{Number:%d SQLState:%s Message:%q}", my.Number, my.SQLState, my.Message))
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		parts = append(parts, fmt.Sprintf("PgError{Code:%s Message:%q Detail:%q Constraint:%q Table:%q Column:%q}",
			pg.Code, pg.Message, pg.Detail, pg.ConstraintName, pg.TableName, pg.ColumnName))
	}
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		parts = append(parts, fmt.Sprintf("sqlite.Error{Code:%d}", lite.Code()))
	}
	for _, s := range []struct {
		name string
		err  error
	}{
		{"sql.ErrNoRows", sql.ErrNoRows}, {"sql.ErrTxDone", sql.ErrTxDone}, {"sql.ErrConnDone", sql.ErrConnDone},
		{"driver.ErrBadConn", driver.ErrBadConn}, {"driver.ErrSkip", driver.ErrSkip},
		{"context.Canceled", context.Canceled}, {"context.DeadlineExceeded", context.DeadlineExceeded},
	} {
		if errors.Is(err, s.err) {
			parts = append(parts, "is "+s.name)
		}
	}
	return strings.Join(parts, "; ")
}

// columnTypes describes everything sql.ColumnType reports.
func columnTypes(o *outcome, rows *sql.Rows) {
	cols, err := rows.Columns()
	o.add("columns %q %s", cols, errorText(err))
	types, err := rows.ColumnTypes()
	if err != nil {
		o.add("column types: %s", errorText(err))
		return
	}
	for _, ct := range types {
		length, hasLength := ct.Length()
		precision, scale, hasDecimal := ct.DecimalSize()
		nullable, hasNullable := ct.Nullable()
		scanType := "<nil>"
		if st := ct.ScanType(); st != nil {
			scanType = st.String()
		}
		o.add("column %s: type %q length %d/%v decimal %d,%d/%v nullable %v/%v scan %s",
			ct.Name(), ct.DatabaseTypeName(), length, hasLength, precision, scale, hasDecimal, nullable, hasNullable, scanType)
	}
}

// scanAll reads every row into fresh destinations made by dest (into
// `any` when dest is nil), then every further result set.
func scanAll(o *outcome, rows *sql.Rows, dest func() []any) {
	defer func() { o.add("close %s", errorText(rows.Close())) }()
	for set := 0; ; set++ {
		columnTypes(o, rows)
		n := 0
		for rows.Next() {
			var ds []any
			if dest != nil && set == 0 {
				ds = dest()
			} else {
				cols, _ := rows.Columns()
				ds = make([]any, len(cols))
				for i := range ds {
					ds[i] = new(any)
				}
			}
			if err := rows.Scan(ds...); err != nil {
				o.add("set %d row %d scan: %s", set, n, errorText(err))
			} else {
				vals := make([]string, len(ds))
				for i, d := range ds {
					vals[i] = value(d)
				}
				o.add("set %d row %d: %s", set, n, strings.Join(vals, ", "))
			}
			n++
		}
		o.add("set %d: %d rows, err %s", set, n, errorText(rows.Err()))
		if !rows.NextResultSet() {
			o.add("no more result sets, err %s", errorText(rows.Err()))
			return
		}
	}
}

// result describes what an Exec returned.
func result(o *outcome, res sql.Result, err error) {
	if err != nil {
		o.add("exec %s", errorText(err))
		return
	}
	n, nerr := res.RowsAffected()
	id, ierr := res.LastInsertId()
	o.add("exec ok: rows affected %d (%s), last insert id %d (%s)", n, errorText(nerr), id, errorText(ierr))
}
