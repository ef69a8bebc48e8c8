package explainer

import (
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// Normalised access methods (Node.Access). Every dialect's scan types map
// onto these, so analysers and dashboards read one vocabulary.
const (
	// AccessFullScan reads the whole table: MySQL ALL, PostgreSQL Seq Scan,
	// SQLite SCAN t.
	AccessFullScan = "full_scan"
	// AccessIndexScan reads a whole index: MySQL index, PostgreSQL index scan
	// with no index condition, SQLite SCAN t USING INDEX.
	AccessIndexScan = "index_scan"
	// AccessAutoIndex is SQLite's automatic index: the table is read whole to
	// build a transient index.
	AccessAutoIndex = "auto_index"
	// AccessRange reads an index range.
	AccessRange = "range"
	// AccessIndexMerge combines several indexes (MySQL index_merge).
	AccessIndexMerge = "index_merge"
	// AccessLookup reads index entries equal to a value (MySQL ref/eq_ref,
	// equality index conditions elsewhere).
	AccessLookup = "lookup"
	// AccessConst reads at most one row known at planning time.
	AccessConst = "const"
)

// wholeScan reports whether an access method reads every row of its table.
func wholeScan(access string) bool {
	return access == AccessFullScan || access == AccessIndexScan || access == AccessAutoIndex
}

// Plan is a query plan read into a model common to every dialect.
type Plan struct {
	Dialect Dialect
	Root    *Node
	// UsesFilesort reports an explicit sort step that no index serves:
	// MySQL filesort, a PostgreSQL Sort node, SQLite's temp B-tree for ORDER BY.
	UsesFilesort bool
	// UsesTemporary reports a temporary table: MySQL "Using temporary",
	// SQLite's temp B-tree for GROUP BY or DISTINCT.
	UsesTemporary bool
	// Analyzed is true when the plan carries actual row counts (ANALYZE).
	Analyzed bool
	// Generic is true for a PostgreSQL generic plan (no argument values).
	Generic bool
	// Format says which output the plan was read from: "json", "tabular" or
	// "eqp" (SQLite's EXPLAIN QUERY PLAN).
	Format string
	// Text is a rendering of the plan, one node per line, with the literals
	// of conditions redacted unless raw plans were asked for.
	Text string
	// Raw is the plan as the database returned it. It can hold literal
	// values: the Sampler clears it unless WithRawPlans is set.
	Raw string
	// Indexes lists, per table (lower-case name, no schema), the column
	// lists of its indexes, as read from the catalog for the tables the plan
	// scans whole. A table missing from the map was not looked up.
	Indexes map[string][][]string

	// catalog is what the EXPLAIN connection's catalog says about the
	// plan's tables (named indexes, sizes, server version); nil when it was
	// not read (Analyze of a plan from elsewhere).
	catalog *catalogFacts
	// verifier re-plans the statement with hypothetical indexes (PostgreSQL
	// with hypopg). It holds the EXPLAIN connection: the first analysis
	// takes it (atomically: Analyze may be called on a plan concurrently),
	// while the worker still holds the connection. A plan from Query has
	// lost its connection: its check fails at once and nothing is verified.
	verifier atomic.Pointer[hypoVerifier]
}

// Node is one step of a plan.
type Node struct {
	// Op is the operation as the database names it ("Seq Scan", "ALL",
	// "SEARCH", "filesort", "nested_loop", ...).
	Op string
	// Table is the table read (resolved from an alias when the database
	// prints aliases), Alias the name it has in the statement.
	Table, Alias string
	// PartitionOf is the partitioned table Table belongs to, if any.
	PartitionOf string
	// Access is the normalised access method (Access constants), "" for
	// steps that read no table.
	Access string
	// Index is the index used; PossibleIndexes those the optimizer considered
	// (MySQL only).
	Index           string
	PossibleIndexes []string
	// EstimatedRows is the planner's row estimate for the step as the
	// database reports it (MySQL: rows examined per scan; PostgreSQL: rows
	// produced). Negative when unknown (SQLite).
	EstimatedRows float64
	// ActualRows is the measured row count with ANALYZE, negative otherwise.
	ActualRows float64
	// Cost is the planner's estimated total cost of the step (PostgreSQL),
	// negative when unknown.
	Cost float64
	// Covering reports an index-only access: the index holds every column
	// the step needs (PostgreSQL Index Only Scan, MySQL "Using index").
	Covering bool
	// TableRows is the catalog's estimate of the table's size, negative when
	// unknown or not looked up.
	TableRows float64
	// Filter is the condition applied to rows read (PostgreSQL Filter and
	// join conditions, MySQL attached_condition); IndexCond the condition
	// served by the index.
	Filter    string
	IndexCond string
	// SortKey lists the sort expressions of a sort step.
	SortKey []string
	// Partitions are the partitions read and PartitionsTotal how many the
	// table has (0 when unknown); PartitionKey is its partitioning
	// expression, e.g. "partition_date".
	Partitions      []string
	PartitionsTotal int
	PartitionKey    string
	Children        []*Node
}

// newNode returns a node with unknown row counts.
func newNode(op string) *Node {
	return &Node{Op: op, EstimatedRows: -1, ActualRows: -1, TableRows: -1, Cost: -1}
}

// Walk calls fn for n and every node below it, depth first, parents first.
// It stops descending below a node for which fn returns false.
func (n *Node) Walk(fn func(*Node) bool) {
	if n == nil {
		return
	}
	// An explicit stack: plans from untrusted output may nest deeply.
	stack := []*Node{n}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if cur == nil || !fn(cur) {
			continue
		}
		for i := len(cur.Children) - 1; i >= 0; i-- {
			stack = append(stack, cur.Children[i])
		}
	}
}

// Nodes returns every node of the plan, parents first.
func (p *Plan) Nodes() []*Node {
	if p == nil {
		return nil
	}
	var out []*Node
	p.Root.Walk(func(n *Node) bool { out = append(out, n); return true })
	return out
}

// AccessTypes returns the distinct access methods of the plan, in plan order.
func (p *Plan) AccessTypes() []string {
	var out []string
	for _, n := range p.Nodes() {
		if n.Access != "" && !contains(out, n.Access) {
			out = append(out, n.Access)
		}
	}
	return out
}

// Tables returns the distinct tables the plan reads, in plan order.
// Partitions are reported under their partitioned table.
func (p *Plan) Tables() []string {
	var out []string
	for _, n := range p.Nodes() {
		t := n.Table
		if n.PartitionOf != "" {
			t = n.PartitionOf
		}
		if t != "" && !contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// IndexesUsed returns the distinct indexes the plan reads, in plan order.
func (p *Plan) IndexesUsed() []string {
	var out []string
	for _, n := range p.Nodes() {
		if n.Index != "" && !contains(out, n.Index) {
			out = append(out, n.Index)
		}
	}
	return out
}

// RowsEstimate returns the sum of the row estimates of the steps that read
// tables: a rough count of rows the statement examines. Negative when no
// step has an estimate.
func (p *Plan) RowsEstimate() float64 {
	total, known := 0.0, false
	for _, n := range p.Nodes() {
		if n.Access == "" {
			continue
		}
		r := n.EstimatedRows
		if wholeScan(n.Access) && n.TableRows > r {
			r = n.TableRows
		}
		if r >= 0 {
			total += r
			known = true
		}
	}
	if !known {
		return -1
	}
	return total
}

// render writes the plan as indented text, one node per line, with the
// literals of conditions redacted when asked.
func (p *Plan) render(redacted bool) string {
	var b strings.Builder
	var rec func(n *Node, depth int)
	rec = func(n *Node, depth int) {
		if n == nil || depth > maxRenderDepth {
			return
		}
		b.WriteString(strings.Repeat("  ", depth))
		n.describe(&b, p.Dialect, redacted)
		b.WriteByte('\n')
		for _, c := range n.Children {
			rec(c, depth+1)
		}
	}
	rec(p.Root, 0)
	return strings.TrimRight(b.String(), "\n")
}

// maxRenderDepth stops the rendering of absurdly deep plans; the text is
// truncated to a few KiB anyway.
const maxRenderDepth = 64

func (n *Node) describe(b *strings.Builder, d Dialect, redacted bool) {
	clean := func(s string) string {
		if redacted {
			return redact(d, s)
		}
		return s
	}
	b.WriteString(n.Op)
	if n.Table != "" {
		b.WriteString(" on ")
		b.WriteString(n.Table)
		if n.Alias != "" && n.Alias != n.Table {
			b.WriteString(" as ")
			b.WriteString(n.Alias)
		}
	}
	if n.Index != "" {
		b.WriteString(" using ")
		b.WriteString(n.Index)
	}
	var attrs []string
	if n.Access != "" {
		attrs = append(attrs, "access="+n.Access)
	}
	if n.EstimatedRows >= 0 {
		attrs = append(attrs, "rows="+formatRows(n.EstimatedRows))
	}
	if n.ActualRows >= 0 {
		attrs = append(attrs, "actual="+formatRows(n.ActualRows))
	}
	if n.TableRows >= 0 {
		attrs = append(attrs, "table_rows="+formatRows(n.TableRows))
	}
	if len(n.Partitions) > 0 || n.PartitionsTotal > 0 {
		s := "partitions=" + strconv.Itoa(len(n.Partitions))
		if n.PartitionsTotal > 0 {
			s += "/" + strconv.Itoa(n.PartitionsTotal)
		}
		attrs = append(attrs, s)
	}
	if len(attrs) > 0 {
		b.WriteString(" (")
		b.WriteString(strings.Join(attrs, " "))
		b.WriteByte(')')
	}
	if len(n.SortKey) > 0 {
		b.WriteString(" sort: ")
		for i, k := range n.SortKey {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(clean(k))
		}
	}
	if n.IndexCond != "" {
		b.WriteString(" cond: ")
		b.WriteString(clean(n.IndexCond))
	}
	if n.Filter != "" {
		b.WriteString(" filter: ")
		b.WriteString(clean(n.Filter))
	}
}

func formatRows(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// truncate cuts s to at most max bytes on a rune boundary, marking the cut.
func truncate(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	const mark = "…(truncated)"
	cut := max - len(mark)
	if cut < 0 {
		cut = max
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut+len(mark) > max {
		return s[:cut]
	}
	return s[:cut] + mark
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
