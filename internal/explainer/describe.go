package explainer

import (
	"strings"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// description is what the statement text says about tables and the columns
// its conditions, sorts and groupings use. It feeds the analysers' choice of
// columns for an index. It is read by sqlsight's SQL reader
// (sqlinfo.Description); explain adds what the caller knew.
type description struct {
	tables []TableRef
	// in are columns looked up with IN (value list) or = ANY(...).
	in []ColumnRef
	// eq are columns compared for equality (= value, IS NULL, join keys).
	eq []ColumnRef
	// join are columns compared with another column (join keys).
	join []ColumnRef
	// rng are columns compared with <, >, BETWEEN or LIKE.
	rng []ColumnRef
	// order and group are the plain columns of ORDER BY and GROUP BY;
	// orderComplex is set when ORDER BY holds expressions too.
	order, group []ColumnRef
	orderComplex bool
}

// describe returns the reader's description of a statement.
func describe(_ Dialect, r *sqlinfo.Reading) description {
	sd := r.Describe()
	return description{
		tables: sd.Tables, in: sd.In, eq: sd.Eq, join: sd.Join, rng: sd.Range,
		order: sd.Order, group: sd.Group, orderComplex: sd.OrderComplex,
	}
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// lastPart returns the name without its schema.
func lastPart(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

func (desc *description) addTable(ref TableRef) {
	sd := sqlinfo.Description{Tables: desc.tables}
	sd.AddTable(ref)
	desc.tables = sd.Tables
}

// resolve finds the table a column belongs to: by alias or name for a
// qualified column, the only table for an unqualified one.
func (desc *description) resolve(c ColumnRef) (TableRef, bool) {
	sd := sqlinfo.Description{Tables: desc.tables}
	return sd.Resolve(c)
}

// describeStatement reads the statement and merges what the caller knew.
func describeStatement(d Dialect, st Statement) description {
	var desc description
	if s, _, err := read(d, st.Query); err == nil {
		desc = describe(d, s.tokens)
	}
	for _, t := range st.Tables {
		desc.addTable(t)
	}
	for _, c := range st.InColumns {
		desc.in = sqlinfo.AddColumn(desc.in, c)
	}
	return desc
}
