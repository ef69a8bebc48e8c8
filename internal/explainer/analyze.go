package explainer

import (
	"fmt"
	"strings"
)

// Analyze reads a plan for the finding kinds of sqlsight: unindexed_in,
// full_scan, sort_without_index, partitions_not_pruned and key_lookups. It
// reads the plan, the statement (its text is read for tables, aliases, the
// columns of conditions and of the select list) and the options
// (WithFullScanRows, WithKeyLookupRows). Index suggestions are DDL that is
// safe on a live table; on a plan the Sampler just read from PostgreSQL with
// hypopg, they are checked by the planner first (WithSuggestionMinCostDrop).
func Analyze(p *Plan, st Statement, opts ...Option) []Finding {
	return analyze(p, st, newConfig(opts))
}

func analyze(p *Plan, st Statement, cfg *config) []Finding {
	if p == nil || p.Root == nil {
		return nil
	}
	a := analyser{p: p, desc: describeStatement(p.Dialect, st), cfg: cfg, names: map[*Node]nodeName{}}
	for _, n := range p.Nodes() {
		if n.Table != "" {
			a.names[n] = resolveName(n, a.desc.tables)
		}
	}
	a.partitions()
	a.scans()
	a.sorts()
	a.keyLookups(st)
	if v := p.verifier.Swap(nil); v != nil {
		// The verifier holds the EXPLAIN connection, which goes back to the
		// pool after this analysis: it is used once.
		a.verify(v)
	}
	return a.findings
}

type analyser struct {
	p        *Plan
	desc     description
	cfg      *config
	names    map[*Node]nodeName
	findings []Finding
	// specs holds, per finding, the index suggested (nil for advice), so
	// that the verifier can try it and its smaller variants.
	specs []*indexSpec
}

// nodeName is the table a node reads, with aliases resolved (MySQL and
// SQLite print the alias where the table name belongs) and partitions
// counted as their partitioned table.
type nodeName struct {
	table, alias, logical string
}

func resolveName(n *Node, tables []TableRef) nodeName {
	nn := nodeName{table: n.Table, alias: n.Alias}
	if n.Alias == "" {
		for _, t := range tables {
			if t.Alias != "" && strings.EqualFold(t.Alias, n.Table) && !strings.EqualFold(lastPart(t.Name), n.Table) {
				nn.table, nn.alias = lastPart(t.Name), n.Table
				break
			}
		}
	}
	nn.logical = nn.table
	if n.PartitionOf != "" {
		nn.logical = n.PartitionOf
	}
	return nn
}

func (a *analyser) add(f Finding) {
	a.addIndex(f, nil)
}

// addIndex adds a finding whose fix is the index spec (nil: advice only).
// The suggestion is the spec's online DDL and the message says how many
// rows its build reads.
func (a *analyser) addIndex(f Finding, spec *indexSpec) {
	for _, x := range a.findings {
		if x.Kind == f.Kind && strings.EqualFold(x.Table, f.Table) {
			return
		}
	}
	if spec != nil {
		f.Suggestion = spec.onlineDDL(a.p.Dialect)
		if f.TableRows > 0 {
			f.Message += fmt.Sprintf("; building the index reads the table's ~%s rows", formatRows(f.TableRows))
		}
	}
	a.findings = append(a.findings, f)
	a.specs = append(a.specs, spec)
}

func (a *analyser) has(kind Kind, table string) bool {
	for _, x := range a.findings {
		if x.Kind == kind && strings.EqualFold(x.Table, table) {
			return true
		}
	}
	return false
}

// resolveAliases replaces the aliases MySQL and SQLite print in place of
// table names with the tables they stand for. Runners apply it to the plans
// they return; Analyze reads plans as they are.
func resolveAliases(p *Plan, tables []TableRef) {
	for _, n := range p.Nodes() {
		if n.Table != "" {
			nn := resolveName(n, tables)
			n.Table, n.Alias = nn.table, nn.alias
		}
	}
}

// logical returns the table a node reads, partitions counted as their parent.
func (a *analyser) logical(n *Node) string { return a.names[n].logical }

// refFor returns the statement's reference to the table a node reads.
func (a *analyser) refFor(n *Node) (TableRef, bool) {
	nn := a.names[n]
	var byName []TableRef
	for _, t := range a.desc.tables {
		name := lastPart(t.Name)
		if strings.EqualFold(name, nn.table) || n.PartitionOf != "" && strings.EqualFold(name, n.PartitionOf) {
			byName = append(byName, t)
		}
	}
	if len(byName) == 1 {
		return byName[0], true
	}
	for _, t := range byName {
		if t.Alias != "" && strings.EqualFold(t.Alias, nn.alias) {
			return t, true
		}
	}
	return TableRef{}, false
}

// qualifiedName is the table name to put in a suggestion: with its schema
// when the statement wrote one.
func (a *analyser) qualifiedName(n *Node) string {
	name := a.logical(n)
	if ref, ok := a.refFor(n); ok && strings.Contains(ref.Name, ".") {
		return ref.Name[:strings.LastIndexByte(ref.Name, '.')+1] + name
	}
	return name
}

// columnsOf returns the columns of list that belong to the node's table:
// resolved through the statement's tables, or, for unqualified columns of a
// statement with several tables, named in the node's own conditions.
func (a *analyser) columnsOf(n *Node, list []ColumnRef) []string {
	ref, hasRef := a.refFor(n)
	var out []string
	for _, c := range list {
		belongs := false
		if t, ok := a.desc.resolve(c); ok {
			belongs = hasRef && strings.EqualFold(t.Name, ref.Name) && strings.EqualFold(t.Alias, ref.Alias)
		} else if c.Qualifier == "" {
			belongs = mentions(n.Filter, c.Name) || mentions(n.IndexCond, c.Name)
		}
		if belongs && !containsFold(out, c.Name) {
			out = append(out, c.Name)
		}
	}
	return out
}

// mentions reports whether text names the column as a whole word.
func mentions(text, col string) bool {
	if col == "" {
		return false
	}
	lt, lc := strings.ToLower(text), strings.ToLower(col)
	for off := 0; ; {
		i := strings.Index(lt[off:], lc)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(lc)
		if (i == 0 || !isIdentByte(lt[i-1])) && (end == len(lt) || !isIdentByte(lt[end])) {
			return true
		}
		off = i + 1
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// indexedOn reports whether the catalog lists an index of the node's table
// (or its partitioned parent) whose first column is one of cols.
func (a *analyser) indexedOn(n *Node, cols []string) bool {
	for _, ix := range a.indexesOf(n) {
		if len(ix) > 0 && containsFold(cols, ix[0]) {
			return true
		}
	}
	return false
}

// scannedRows is the number of rows a whole scan of the node reads, as well
// as it is known: the catalog's table size, else the plan's estimate.
func scannedRows(n *Node) float64 {
	if n.TableRows >= 0 {
		return n.TableRows
	}
	if n.ActualRows > n.EstimatedRows {
		return n.ActualRows
	}
	return n.EstimatedRows
}

// scans reports IN lookups and filtered reads that scan whole tables.
func (a *analyser) scans() {
	for _, n := range a.p.Nodes() {
		if n.Table == "" || !wholeScan(n.Access) {
			continue
		}
		table := a.logical(n)
		if in := a.columnsOf(n, a.desc.in); len(in) > 0 && !a.indexedOn(n, in) {
			cols, _ := a.indexColumns(n)
			spec := newIndexSpec(a.p.Dialect, a.qualifiedName(n), cols, nil)
			a.addIndex(Finding{
				Kind: KindUnindexedIn,
				Message: fmt.Sprintf("IN lookup on %s (%s) reads the whole table (%s%s): no index starts with %s",
					table, strings.Join(in, ", "), n.Access, rowsNote(n), strings.Join(in, " or ")),
				Table:     table,
				Columns:   in,
				TableRows: a.tableSize(n),
			}, &spec)
			continue
		}
		if a.has(KindUnindexedIn, table) {
			continue
		}
		rows := a.tableRows(n)
		if rows < 0 || rows < a.cfg.fullScanRows {
			continue
		}
		cols, sorted := a.indexColumns(n)
		if n.Filter == "" && len(cols) == 0 {
			continue // reading the whole table is what the statement asks for
		}
		f := Finding{
			Kind:      KindFullScan,
			Message:   fmt.Sprintf("%s reads the whole table (%s, ~%s rows)", table, n.Access, formatRows(rows)),
			Table:     table,
			Columns:   cols,
			TableRows: a.tableSize(n),
		}
		existing := a.coveringIndex(n, cols)
		if existing == nil && len(cols) > 0 {
			existing = a.indexStartingWith(n, cols[0])
		}
		if len(cols) > 0 && existing == nil {
			if sorted {
				f.Message += "; the index also returns the rows in ORDER BY order"
			}
			spec := newIndexSpec(a.p.Dialect, a.qualifiedName(n), cols, nil)
			a.addIndex(f, &spec)
			continue
		}
		f.Suggestion = "add an index on the columns the statement filters " + table + " on"
		if existing != nil {
			f.Suggestion = fmt.Sprintf("an index on (%s) exists but the planner reads the whole table: "+
				"the condition matches too many rows for it, or the statistics are stale (ANALYZE the table)", strings.Join(existing, ", "))
		}
		a.add(f)
	}
}

// tableRows is the number of rows whole scans of the node's table read: a
// partitioned table's partitions scanned whole add up.
func (a *analyser) tableRows(n *Node) float64 {
	if n.PartitionOf == "" {
		return scannedRows(n)
	}
	total, known := 0.0, false
	for _, m := range a.p.Nodes() {
		if m.PartitionOf == n.PartitionOf && wholeScan(m.Access) {
			if r := scannedRows(m); r >= 0 {
				total += r
				known = true
			}
		}
	}
	if !known {
		return -1
	}
	return total
}

func rowsNote(n *Node) string {
	if r := scannedRows(n); r >= 0 {
		return ", ~" + formatRows(r) + " rows"
	}
	return ""
}

func appendNew(list []string, more ...string) []string {
	for _, s := range more {
		if !containsFold(list, s) {
			list = append(list, s)
		}
	}
	return list
}

// sorts reports sorts and temporary tables that no index serves, when they
// handle more rows than the bound (or an unknown number).
func (a *analyser) sorts() {
	if !a.p.UsesFilesort && !a.p.UsesTemporary {
		return
	}
	rows := -1.0
	for _, n := range a.p.Nodes() {
		var r float64
		switch {
		case a.p.Dialect == PostgreSQL && n.Op == "Sort":
			r = n.EstimatedRows
		case a.p.Dialect != PostgreSQL && n.Access != "":
			r = scannedRows(n)
		default:
			continue
		}
		if r > rows {
			rows = r
		}
	}
	if rows >= 0 && rows < a.cfg.fullScanRows {
		return
	}
	what, list := "ORDER BY", a.desc.order
	if !a.p.UsesFilesort || len(list) == 0 && len(a.desc.group) > 0 {
		what, list = "GROUP BY", a.desc.group
	}
	note := ""
	if rows >= 0 {
		note = fmt.Sprintf(" (~%s rows)", formatRows(rows))
	}
	f := Finding{
		Kind:       KindSortWithoutIndex,
		Message:    "the statement sorts rows no index returns in order" + note,
		Suggestion: "an index matching " + what,
	}
	// One table holding every sort column: the index can serve the sort
	// after the equality columns.
	var target *Node
	for _, n := range a.p.Nodes() {
		if n.Table == "" || n.Access == "" {
			continue
		}
		if cols := a.columnsOf(n, list); len(list) > 0 && len(cols) == len(list) && !(what == "ORDER BY" && a.desc.orderComplex) {
			target = n
			break
		}
	}
	if target != nil {
		// Only equality columns go first: rows matching several IN values
		// do not come out of an index in sort order.
		cols := appendNew(a.columnsOf(target, a.desc.eq), a.columnsOf(target, list)...)
		if what == "ORDER BY" {
			if c, sorted := a.indexColumns(target); sorted {
				cols = c
			}
		}
		f.Table = a.logical(target)
		f.Columns = a.columnsOf(target, list)
		f.TableRows = a.tableSize(target)
		f.Message = fmt.Sprintf("%s on %s is sorted without an index%s", what, f.Table, note)
		if ix := a.coveringIndex(target, cols); ix != nil {
			f.Suggestion = fmt.Sprintf("an index on (%s) can return the rows in %s order but the planner does not use it: "+
				"the sort is cheaper for the rows it expects, or the statistics are stale (ANALYZE the table)", strings.Join(ix, ", "), what)
			a.add(f)
			return
		}
		spec := newIndexSpec(a.p.Dialect, a.qualifiedName(target), cols, nil)
		a.addIndex(f, &spec)
		return
	}
	a.add(f)
}

// partitions reports partitioned tables read in every partition.
func (a *analyser) partitions() {
	for _, n := range a.p.Nodes() {
		if n.Table == "" || n.PartitionsTotal < 2 || distinct(n.Partitions) < n.PartitionsTotal {
			continue
		}
		table := a.logical(n)
		key := partitionColumns(n.PartitionKey)
		keyText := n.PartitionKey
		if keyText == "" {
			keyText = "the partition key"
		}
		suggestion := fmt.Sprintf("add a condition on the partition key (%s) so that only the partitions holding the rows are read", keyText)
		if rng := a.columnsOf(n, a.desc.rng); len(rng) > 0 && len(key) > 0 && !containsFold(rng, key[0]) {
			suggestion += fmt.Sprintf(", e.g. derive %s BETWEEN ? AND ? from the %s range", key[0], rng[0])
		}
		a.add(Finding{
			Kind:       KindPartitionsNotPruned,
			Message:    fmt.Sprintf("%s is read in all %d partitions: no condition on its partition key prunes them", table, n.PartitionsTotal),
			Suggestion: suggestion,
			Table:      table,
			Columns:    key,
		})
	}
}

func distinct(list []string) int {
	seen := map[string]bool{}
	for _, s := range list {
		seen[s] = true
	}
	return len(seen)
}

// partitionColumns reads the column names out of a partitioning expression:
// "partition_date", "RANGE (partition_date)", "to_days(`d`)".
func partitionColumns(expr string) []string {
	var out []string
	s := expr
	for len(s) > 0 {
		i := 0
		for i < len(s) && !isIdentByte(s[i]) && s[i] != '`' && s[i] != '"' {
			i++
		}
		s = s[i:]
		if s == "" {
			break
		}
		quoted := s[0] == '`' || s[0] == '"'
		j := 0
		if quoted {
			end := strings.IndexByte(s[1:], s[0])
			if end < 0 {
				break
			}
			word := s[1 : end+1]
			s = s[end+2:]
			out = appendNew(out, word)
			continue
		}
		for j < len(s) && isIdentByte(s[j]) {
			j++
		}
		word := s[:j]
		s = s[j:]
		rest := strings.TrimLeft(s, " ")
		if strings.HasPrefix(rest, "(") || partitionKeywords[strings.ToUpper(word)] || word[0] >= '0' && word[0] <= '9' {
			continue // a function, a keyword or a number
		}
		out = appendNew(out, word)
	}
	return out
}

var partitionKeywords = map[string]bool{"RANGE": true, "LIST": true, "HASH": true, "KEY": true, "COLUMNS": true, "LINEAR": true}
