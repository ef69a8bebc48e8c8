package sqltrace

import (
	"context"
	"database/sql/driver"
	"errors"
	"reflect"
	"strconv"
)

// errorType returns the error.type attribute: the database's status code
// where there is one (as the conventions ask), else a well-known name or the
// error's Go type.
func errorType(err error) string {
	switch {
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	case errors.Is(err, driver.ErrBadConn):
		return "driver.ErrBadConn"
	}
	if code := statusCode(err); code != "" {
		return code
	}
	return reflect.TypeOf(err).String()
}

// statusCode returns db.response.status_code: a PostgreSQL SQLSTATE, a
// MySQL error number, an SQLite result code. Drivers are recognised by
// their methods and fields so that none is imported.
func statusCode(err error) string {
	var sqlState interface{ SQLState() string } // pgx *pgconn.PgError, lib/pq
	if errors.As(err, &sqlState) {
		return sqlState.SQLState()
	}
	var coded interface{ Code() int } // modernc.org/sqlite *Error
	if errors.As(err, &coded) {
		return strconv.Itoa(coded.Code())
	}
	// go-sql-driver/mysql *MySQLError{Number uint16} has no accessor.
	for e := err; e != nil; e = errors.Unwrap(e) {
		v := reflect.ValueOf(e)
		if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct && v.Elem().Type().Name() == "MySQLError" {
			if n := v.Elem().FieldByName("Number"); n.IsValid() && n.CanUint() {
				return strconv.FormatUint(n.Uint(), 10)
			}
		}
	}
	return ""
}
