package explainer

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/sqlsight/sqlsight/internal/sqlinfo"
	"strings"
)

// This file shapes index suggestions: the column order of a composite
// index, whether an existing index already is the suggestion, and covering
// indexes where an index read fetches many rows from the table (key
// lookups). The catalog facts it reads come from the EXPLAIN connection.

// catalogFacts is what the catalog says about the tables of a plan.
type catalogFacts struct {
	// pgVersion is server_version_num on PostgreSQL, 0 elsewhere.
	pgVersion int
	// tables is keyed by lower-case table name (no schema).
	tables map[string]*tableFacts
}

type tableFacts struct {
	rows    float64 // estimated size; negative when unknown
	indexes []catalogIndex
}

// catalogIndex is an index as the catalog lists it.
type catalogIndex struct {
	name    string
	cols    []string // key columns, in order
	include []string // non-key columns (PostgreSQL INCLUDE)
	partial bool     // a WHERE clause limits it to some rows
}

// maxCatalogTables bounds the tables whose facts are read for one plan.
const maxCatalogTables = 32

// indexesOf returns the key column lists of the indexes of the node's table
// (or its partitioned parent) that serve every row: those the plan was
// given and those the catalog lists.
func (a *analyser) indexesOf(n *Node) [][]string {
	var out [][]string
	for _, t := range []string{a.names[n].table, n.PartitionOf} {
		if t == "" {
			continue
		}
		key := strings.ToLower(t)
		out = append(out, a.p.Indexes[key]...)
		if a.p.catalog != nil {
			if tf := a.p.catalog.tables[key]; tf != nil {
				for _, ix := range tf.indexes {
					if !ix.partial {
						out = append(out, ix.cols)
					}
				}
			}
		}
	}
	return out
}

// tableSize is the estimated row count of the node's table: the catalog's,
// else what a whole scan read; 0 when unknown.
func (a *analyser) tableSize(n *Node) float64 {
	if a.p.catalog != nil {
		for _, t := range []string{n.PartitionOf, a.names[n].table} {
			if tf := a.p.catalog.tables[strings.ToLower(t)]; t != "" && tf != nil && tf.rows >= 0 {
				return tf.rows
			}
		}
	}
	if wholeScan(n.Access) {
		if r := a.tableRows(n); r > 0 {
			return r
		}
	}
	return 0
}

// indexColumns orders the columns of an index for the node's table:
// equality and IN columns first (an index narrows to them exactly), then
// the ORDER BY columns when the index then returns the rows in order (the
// plan sorts, no IN column, and no range but on the first sort column),
// else the first range column. sorted reports that the sort is served.
func (a *analyser) indexColumns(n *Node) (cols []string, sorted bool) {
	in := a.columnsOf(n, a.desc.in)
	cols = appendNew(append([]string(nil), in...), a.columnsOf(n, a.desc.eq)...)
	cols = appendNew(cols, a.columnsOf(n, a.desc.join)...)
	rng := a.columnsOf(n, a.desc.rng)
	order := a.columnsOf(n, a.desc.order)
	if a.p.UsesFilesort && len(in) == 0 && len(order) > 0 && len(order) == len(a.desc.order) && !a.desc.orderComplex {
		rest := order
		for len(rest) > 0 && containsFold(cols, rest[0]) {
			rest = rest[1:] // fixed by an equality: any order serves
		}
		if len(rng) == 0 || len(rng) == 1 && len(rest) > 0 && strings.EqualFold(rng[0], rest[0]) {
			return appendNew(cols, order...), true
		}
	}
	if len(rng) > 0 {
		cols = appendNew(cols, rng[0])
	}
	return cols, false
}

// coveringIndex returns the key columns of an existing index that already
// is the suggestion: its leading columns are cols (the equality columns in
// any order, the rest in order). nil when there is none.
func (a *analyser) coveringIndex(n *Node, cols []string) []string {
	if len(cols) == 0 {
		return nil
	}
	nEq := len(appendNew(appendNew(a.columnsOf(n, a.desc.in), a.columnsOf(n, a.desc.eq)...), a.columnsOf(n, a.desc.join)...))
	for _, ix := range a.indexesOf(n) {
		if leadsWith(ix, cols, nEq) {
			return ix
		}
	}
	return nil
}

// indexStartingWith returns the key columns of an index of the node's
// table whose first column is col, nil when there is none.
func (a *analyser) indexStartingWith(n *Node, col string) []string {
	for _, ix := range a.indexesOf(n) {
		if len(ix) > 0 && strings.EqualFold(ix[0], col) {
			return ix
		}
	}
	return nil
}

// leadsWith reports whether index starts with cols, where the first nEq
// columns of cols may come in any order among the first nEq of the index.
func leadsWith(index, cols []string, nEq int) bool {
	if len(index) < len(cols) {
		return false
	}
	if nEq > len(cols) {
		nEq = len(cols)
	}
	for i := 0; i < nEq; i++ {
		if !containsFold(index[:nEq], cols[i]) {
			return false
		}
	}
	for i := nEq; i < len(cols); i++ {
		if !strings.EqualFold(index[i], cols[i]) {
			return false
		}
	}
	return true
}

// maxIncludeColumns bounds the columns a covering index may add: beyond a
// few, the index grows towards a copy of the table.
const maxIncludeColumns = 4

// keyLookups reports index reads that fetch many rows from the table for a
// few columns: an index holding those columns answers from the index
// alone (PostgreSQL Index Only Scan, MySQL "Using index").
func (a *analyser) keyLookups(st Statement) {
	d := a.p.Dialect
	if d != PostgreSQL && !d.isMySQLFamily() {
		return
	}
	sel, ok := selectColumns(d, st.Query)
	if !ok || len(sel) == 0 {
		return
	}
	a.walkWithLimit(func(n *Node, limit float64) {
		if n.Table == "" || n.Covering || n.Index == "" || strings.Contains(n.Index, ",") {
			return
		}
		switch {
		case d == PostgreSQL && (n.Op == "Index Scan" || n.Op == "Bitmap Heap Scan"):
		case d.isMySQLFamily() && (n.Access == AccessLookup || n.Access == AccessRange) && !strings.EqualFold(n.Index, "PRIMARY"):
			// InnoDB rows live in the primary key: reading it fetches nothing more.
		default:
			return
		}
		rows := n.EstimatedRows
		if n.ActualRows >= 0 {
			rows = n.ActualRows
		}
		if limit >= 0 && limit < rows {
			rows = limit
		}
		if rows < a.cfg.keyLookupRows() {
			return
		}
		needed := a.columnsOf(n, sel)
		if len(needed) != len(sel) {
			return // some selected columns belong to other tables (or are unknown)
		}
		for _, list := range [][]ColumnRef{a.desc.in, a.desc.eq, a.desc.rng, a.desc.order, a.desc.group} {
			needed = appendNew(needed, a.columnsOf(n, list)...)
		}
		key := a.indexKey(n)
		if key == nil {
			return
		}
		var add []string
		for _, c := range needed {
			if !containsFold(key, c) {
				add = append(add, c)
			}
		}
		if len(add) == 0 || len(add) > maxIncludeColumns {
			return
		}
		dialect := d
		if d == PostgreSQL && a.p.catalog != nil && a.p.catalog.pgVersion > 0 && a.p.catalog.pgVersion < 110000 {
			dialect = SQLite // no INCLUDE before PostgreSQL 11: the columns join the key
		}
		spec := newIndexSpec(dialect, a.qualifiedName(n), key, add)
		table := a.logical(n)
		how := "adding them to the index"
		if len(spec.include) > 0 {
			how = "an index that INCLUDEs them"
		}
		a.addIndex(Finding{
			Kind: KindKeyLookups,
			Message: fmt.Sprintf("%s reads ~%s rows through index %s and fetches each row from the table for %s; "+
				"%s answers from the index alone", table, formatRows(rows), n.Index, strings.Join(add, ", "), how),
			Table:     table,
			Columns:   append(append([]string(nil), spec.cols...), spec.include...),
			TableRows: a.tableSize(n),
		}, &spec)
	})
}

// indexKey returns the key columns of the index the node reads: from the
// catalog, else the statement's conditions on the table in index order.
func (a *analyser) indexKey(n *Node) []string {
	if a.p.catalog != nil {
		for _, t := range []string{a.names[n].table, n.PartitionOf} {
			if tf := a.p.catalog.tables[strings.ToLower(t)]; t != "" && tf != nil {
				for _, ix := range tf.indexes {
					if strings.EqualFold(ix.name, n.Index) || strings.EqualFold(lastPart(ix.name), n.Index) {
						return append(append([]string(nil), ix.cols...), ix.include...)
					}
				}
			}
		}
	}
	cols, _ := a.indexColumns(n)
	return cols
}

// walkWithLimit calls fn for every node with the row count of the nearest
// LIMIT above it (negative when none): a read under LIMIT stops early.
func (a *analyser) walkWithLimit(fn func(n *Node, limit float64)) {
	type item struct {
		n     *Node
		limit float64
	}
	stack := []item{{a.p.Root, -1}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.n == nil {
			continue
		}
		fn(it.n, it.limit)
		limit := it.limit
		if it.n.Op == "Limit" && it.n.EstimatedRows >= 0 && (limit < 0 || it.n.EstimatedRows < limit) {
			limit = it.n.EstimatedRows
		}
		for i := len(it.n.Children) - 1; i >= 0; i-- {
			stack = append(stack, item{it.n.Children[i], limit})
		}
	}
}

// selectColumns reads the select list of a plain SELECT: ok only when
// every item is a column, so that the columns a covering index needs are
// known.
func selectColumns(d Dialect, q string) ([]ColumnRef, bool) {
	r := sqlinfo.Read(q, readerDialect(d))
	if r.Problem() != "" {
		return nil, false
	}
	return r.SelectColumns()
}

// adviseOn reads the catalog facts suggestions need (indexes with their
// names and sizes of every table of the plan) and, on PostgreSQL with the
// hypopg extension installed, arms the verifier with the statement. It is
// called by explainOn on the EXPLAIN connection; failures leave the plan as
// it is (suggestions are then shaped by the plan alone).
func adviseOn(ctx context.Context, conn *sql.Conn, info serverInfo, p *Plan, text string, args []any, generic bool) {
	tables := scannedTables(p, func(*Node) bool { return true })
	for _, n := range p.Nodes() {
		if n.PartitionOf != "" && !containsFold(tables, n.PartitionOf) {
			tables = append(tables, n.PartitionOf)
		}
	}
	if len(tables) > maxCatalogTables {
		tables = tables[:maxCatalogTables]
	}
	facts := &catalogFacts{pgVersion: info.pgVersion, tables: map[string]*tableFacts{}}
	if len(tables) > 0 {
		var err error
		switch d := info.dialect; {
		case d == PostgreSQL:
			err = pgCatalogFacts(ctx, conn, tables, facts)
		case d.isMySQLFamily():
			err = mysqlCatalogFacts(ctx, conn, tables, facts)
		case d == SQLite:
			err = sqliteCatalogFacts(ctx, conn, tables, facts)
		}
		if err != nil {
			facts.tables = map[string]*tableFacts{}
		}
	}
	p.catalog = facts
	if info.dialect == PostgreSQL && ctx.Err() == nil {
		if schema, ok := hypopgSchema(ctx, conn); ok {
			p.verifier.Store(&hypoVerifier{ctx: ctx, conn: conn, schema: schema, text: text, args: args, generic: generic})
		}
	}
}

func (f *catalogFacts) table(name string) *tableFacts {
	key := strings.ToLower(name)
	tf := f.tables[key]
	if tf == nil {
		tf = &tableFacts{rows: -1}
		f.tables[key] = tf
	}
	return tf
}

// addColumn appends a column to the named index of tf (rows come ordered by
// index and position).
func (tf *tableFacts) addColumn(index, col string, key, partial bool) {
	if n := len(tf.indexes); n == 0 || tf.indexes[n-1].name != index {
		tf.indexes = append(tf.indexes, catalogIndex{name: index, partial: partial})
	}
	ix := &tf.indexes[len(tf.indexes)-1]
	if key {
		ix.cols = append(ix.cols, col)
	} else {
		ix.include = append(ix.include, col)
	}
}

func pgCatalogFacts(ctx context.Context, conn *sql.Conn, tables []string, facts *catalogFacts) error {
	rs, err := conn.QueryContext(ctx, `SELECT c.relname, c.reltuples::float8, COALESCE(i.relname::text, ''),
			COALESCE(a.attname::text, '(expression)'), COALESCE(k.o <= x.indnkeyatts, true), x.indpred IS NOT NULL
		FROM pg_class c
		LEFT JOIN pg_index x ON x.indrelid = c.oid
		LEFT JOIN pg_class i ON i.oid = x.indexrelid
		LEFT JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, o) ON true
		LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum AND k.attnum > 0
		WHERE c.relkind IN ('r', 'p', 'm') AND c.relname = ANY(string_to_array($1, chr(31)))
		ORDER BY c.relname, i.relname, k.o`, joinNames(tables))
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var table, index, col string
		var rows float64
		var key, partial bool
		if err := rs.Scan(&table, &rows, &index, &col, &key, &partial); err != nil {
			return err
		}
		tf := facts.table(table)
		tf.rows = rows // -1 until the table is first analysed (PostgreSQL 14+)
		if index != "" {
			tf.addColumn(index, col, key, partial)
		}
	}
	return rs.Err()
}

func mysqlCatalogFacts(ctx context.Context, conn *sql.Conn, tables []string, facts *catalogFacts) error {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(tables)), ", ")
	args := make([]any, len(tables))
	for i, t := range tables {
		args[i] = t
	}
	rs, err := conn.QueryContext(ctx, `SELECT t.TABLE_NAME, COALESCE(t.TABLE_ROWS, -1), COALESCE(s.INDEX_NAME, ''),
			COALESCE(s.COLUMN_NAME, '(expression)')
		FROM information_schema.TABLES t
		LEFT JOIN information_schema.STATISTICS s ON s.TABLE_SCHEMA = t.TABLE_SCHEMA AND s.TABLE_NAME = t.TABLE_NAME
		WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME IN (`+marks+`)
		ORDER BY t.TABLE_NAME, s.INDEX_NAME, s.SEQ_IN_INDEX`, args...)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var table, index, col string
		var rows float64
		if err := rs.Scan(&table, &rows, &index, &col); err != nil {
			return err
		}
		tf := facts.table(table)
		tf.rows = rows
		if index != "" {
			tf.addColumn(index, col, true, false)
		}
	}
	return rs.Err()
}

func sqliteCatalogFacts(ctx context.Context, conn *sql.Conn, tables []string, facts *catalogFacts) error {
	for _, t := range tables {
		rs, err := conn.QueryContext(ctx, `SELECT il.name, COALESCE(ii.name, '(expression)'), il.partial
			FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii
			ORDER BY il.name, ii.seqno`, t)
		if err != nil {
			return err
		}
		tf := facts.table(t)
		for rs.Next() {
			var index, col string
			var partial bool
			if err := rs.Scan(&index, &col, &partial); err != nil {
				rs.Close()
				return err
			}
			tf.addColumn(index, col, true, partial)
		}
		if err := rs.Close(); err != nil {
			return err
		}
		var stat string
		if conn.QueryRowContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1`, t).Scan(&stat) == nil {
			if f := strings.Fields(stat); len(f) > 0 {
				var n float64
				if _, err := fmt.Sscan(f[0], &n); err == nil {
					tf.rows = n
				}
			}
		}
	}
	return nil
}
