package explain

import (
	"database/sql"
	"database/sql/driver"
	"reflect"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// TableRef is a table as written in FROM, JOIN, UPDATE or INTO. A
// schema-qualified name keeps its schema in Name.
type TableRef = sqlinfo.TableRef

// ColumnRef is a column as written. Qualifier is the table name or alias in
// front of it, "" when the column is unqualified.
type ColumnRef = sqlinfo.ColumnRef

// Statement is what the hot path hands over to be explained.
type Statement struct {
	// Query is the original text as the application sent it.
	Query string
	// Args are the bind arguments as captured. Submit copies them ([]byte
	// and other slices are copied: drivers and applications reuse them).
	Args []driver.NamedValue
	// Fingerprint is a stable id of the normalized statement: the cache and
	// dedupe key. When empty, the query text is the key.
	Fingerprint string
	// Summary is db.query.summary, e.g. "SELECT review"; the span is named
	// "EXPLAIN " + Summary.
	Summary string
	// Tables and InColumns are what the caller already knows about the
	// statement; explain adds what it reads from Query itself.
	Tables    []TableRef
	InColumns []ColumnRef
	// Reason says why the statement was submitted: "slow", "in_lookup",
	// "n_plus_one", "repeated_write".
	Reason string
}

// maxStatementBytes bounds the text plus argument bytes of a statement
// explain accepts, so that a full queue holds a bounded amount of memory.
const maxStatementBytes = 64 << 10

// size returns the bytes the statement's text and arguments hold.
func (st *Statement) size() int {
	n := len(st.Query) + len(st.Fingerprint) + len(st.Summary)
	for _, a := range st.Args {
		switch v := a.Value.(type) {
		case string:
			n += len(v)
		case []byte:
			n += len(v)
		default:
			n += 16
		}
	}
	return n
}

// clone returns a copy of st that shares no mutable memory with it.
func (st *Statement) clone() Statement {
	c := *st
	if st.Args != nil {
		c.Args = make([]driver.NamedValue, len(st.Args))
		for i, a := range st.Args {
			a.Value = copyValue(a.Value)
			c.Args[i] = a
		}
	}
	c.Tables = append([]TableRef(nil), st.Tables...)
	c.InColumns = append([]ColumnRef(nil), st.InColumns...)
	return c
}

// copyValue copies the backing array of slice values (a []byte buffer may be
// reused by the driver or the application once the call returns). Other
// values are immutable or owned by the caller's types.
func copyValue(v any) any {
	switch x := v.(type) {
	case nil, string, int64, float64, bool:
		return v
	case []byte:
		if x == nil {
			return x
		}
		return append([]byte(nil), x...)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice && !rv.IsNil() {
		c := reflect.MakeSlice(rv.Type(), rv.Len(), rv.Len())
		reflect.Copy(c, rv)
		return c.Interface()
	}
	return v
}

// bindArgs turns captured arguments back into arguments for database/sql.
func bindArgs(args []driver.NamedValue) []any {
	if len(args) == 0 {
		return nil
	}
	out := make([]any, len(args))
	for i, a := range args {
		if a.Name != "" {
			out[i] = sql.Named(a.Name, a.Value)
		} else {
			out[i] = a.Value
		}
	}
	return out
}
