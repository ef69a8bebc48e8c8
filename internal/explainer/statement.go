package explainer

import (
	"database/sql"
	"database/sql/driver"
	"reflect"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
	"github.com/sqlsight/sqlsight/internal/vocab"
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
	// Reason says why the statement was submitted (the
	// sqlsight.explain.reason attribute): ReasonSlow, ReasonNPlusOne,
	// ReasonRepeatedWrite or ReasonInLookup.
	Reason Reason
}

// Reason says why a statement is explained; its values are part of
// sqlsight's telemetry contract (docs/TELEMETRY.md, "EXPLAIN reasons").
type Reason = vocab.Reason

// The reasons sqltrace submits statements for.
const (
	ReasonSlow          = vocab.ReasonSlow
	ReasonNPlusOne      = vocab.ReasonNPlusOne
	ReasonRepeatedWrite = vocab.ReasonRepeatedWrite
	ReasonInLookup      = vocab.ReasonInLookup
)

// maxStatementBytes bounds the text plus argument bytes of a statement
// explain accepts, so that a full queue holds a bounded amount of memory.
const maxStatementBytes = 64 << 10

// size returns the bytes the statement's text, arguments and table lists
// hold, or a number above limit as soon as it passes limit (so its work is
// bounded by limit, not by the size of an argument). Arguments are measured
// by what they reach: an 8 MB []int64 bound to = ANY($1) counts 8 MB.
func (st *Statement) size(limit int) int {
	n := len(st.Query) + len(st.Fingerprint) + len(st.Summary) + len(st.Reason)
	for _, t := range st.Tables {
		n += 32 + len(t.Name) + len(t.Alias)
	}
	for _, c := range st.InColumns {
		n += 32 + len(c.Qualifier) + len(c.Name)
	}
	for _, a := range st.Args {
		if n > limit {
			return n
		}
		n += 48 + len(a.Name) // the NamedValue itself
		switch v := a.Value.(type) {
		case nil, int64, float64, bool:
		case string:
			n += len(v)
		case []byte:
			n += len(v)
		default:
			n += sizeOf(v, limit-n)
		}
	}
	return n
}

// sizeOf returns the bytes reachable from v (what its slices, arrays, maps,
// strings, pointers, interfaces and struct fields hold, unexported fields
// included: a driver.Valuer or a pgx array type is measured by its content),
// or a number above limit once the count passes limit. Every step counts at
// least a pointer's size, so the walk ends after about limit/8 steps, cycles
// included.
func sizeOf(v any, limit int) int {
	if v == nil {
		return 0
	}
	w := sizer{limit: limit}
	rv := reflect.ValueOf(v)
	w.n = int(rv.Type().Size())
	w.walk(rv)
	return w.n
}

type sizer struct {
	n, limit     int
	steps, depth int
}

// maxSizerSteps bounds the walk whatever the types (zero-sized elements),
// maxSizerDepth its recursion (a long linked list).
const (
	maxSizerSteps = 1 << 20
	maxSizerDepth = 1 << 12
)

// over reports whether the walk must stop; passing the step budget counts
// as passing the limit (fail closed).
func (w *sizer) over() bool {
	w.steps++
	if (w.steps > maxSizerSteps || w.depth > maxSizerDepth) && w.n <= w.limit {
		w.n = w.limit + 1
	}
	return w.n > w.limit
}

// walk adds what v references beyond its own inline size.
func (w *sizer) walk(v reflect.Value) {
	w.depth++
	defer func() { w.depth-- }()
	if w.over() {
		return
	}
	switch v.Kind() {
	case reflect.String:
		w.n += v.Len()
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		et := v.Type().Elem()
		w.n += v.Cap() * int(et.Size())
		if hasRefs(et) {
			for i := 0; i < v.Len() && !w.over(); i++ {
				w.walk(v.Index(i))
			}
		}
	case reflect.Array:
		if hasRefs(v.Type().Elem()) {
			for i := 0; i < v.Len() && !w.over(); i++ {
				w.walk(v.Index(i))
			}
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		t := v.Type()
		w.n += v.Len() * int(t.Key().Size()+t.Elem().Size()+8)
		if hasRefs(t.Key()) || hasRefs(t.Elem()) {
			it := v.MapRange()
			for it.Next() && !w.over() {
				w.walk(it.Key())
				w.walk(it.Value())
			}
		}
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		w.n += int(v.Type().Elem().Size())
		w.walk(v.Elem())
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		w.n += int(e.Type().Size())
		w.walk(e)
	case reflect.Struct:
		for i := 0; i < v.NumField() && !w.over(); i++ {
			w.walk(v.Field(i))
		}
	}
}

// hasRefs reports whether values of t reference memory outside themselves.
func hasRefs(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface:
		return true
	case reflect.Array:
		return t.Len() > 0 && hasRefs(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if hasRefs(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
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
