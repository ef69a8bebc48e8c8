package sqltrace

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// errorType returns the error.type attribute: the database's status code
// where there is one (as the conventions ask), else the name of a well-known
// sentinel the error wraps, else the first exported Go type on its chain
// ("*net.OpError"), else "_OTHER". Errors of unexported types
// ("*errors.errorString", "*fmt.wrapError") name no class of error, and
// their messages must not become attribute values: error.type stays
// low-cardinality.
func errorType(err error) string {
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	if code := statusCode(err); code != "" {
		return code
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if name, ok := exportedTypeName(e); ok {
			return name
		}
	}
	return errorTypeOther
}

// errorTypeOther is the conventions' fallback value of error.type.
const errorTypeOther = "_OTHER"

// sentinels are the standard library's errors that name a class of failure.
// The order matters: a canceled statement is reported as canceled even when
// the driver wraps a network error around it.
var sentinels = []struct {
	err  error
	name string
}{
	{context.Canceled, "context.Canceled"},
	{context.DeadlineExceeded, "context.DeadlineExceeded"},
	{driver.ErrBadConn, "driver.ErrBadConn"},
	{sql.ErrConnDone, "sql.ErrConnDone"},
	{sql.ErrTxDone, "sql.ErrTxDone"},
	{sql.ErrNoRows, "sql.ErrNoRows"},
	{io.ErrUnexpectedEOF, "io.ErrUnexpectedEOF"},
	{io.EOF, "io.EOF"},
	{os.ErrDeadlineExceeded, "os.ErrDeadlineExceeded"},
	{net.ErrClosed, "net.ErrClosed"},
}

// exportedTypeName returns the Go type of err ("*net.OpError") when that
// type is named and exported, the one kind of Go type that is a stable,
// documented class of error.
func exportedTypeName(err error) (string, bool) {
	t := reflect.TypeOf(err)
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	if base.Name() == "" || !isExported(base.Name()) || base.PkgPath() == "" {
		return "", false
	}
	return t.String(), true
}

func isExported(name string) bool {
	r, _ := utf8.DecodeRuneInString(name)
	return unicode.IsUpper(r)
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
