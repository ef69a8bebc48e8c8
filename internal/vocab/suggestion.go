package vocab

import "go.opentelemetry.io/otel/attribute"

// SuggestsIndex reports whether findings of kind k suggest creating an
// index, the suggestions the planner can verify.
func SuggestsIndex(k Kind) bool {
	switch k {
	case KindUnindexedIn, KindFullScan, KindSortWithoutIndex, KindKeyLookups:
		return true
	}
	return false
}

// Suggestion is what a finding says about its suggested index beyond the
// DDL: whether the planner verified it, at what cost, on how big a table.
type Suggestion struct {
	Kind                  Kind
	Verified              bool
	CostBefore, CostAfter float64 // 0 when the planner was not asked
	TableRows             float64 // 0 when unknown
}

// AppendAttributes appends the sqlsight.suggestion.* and
// sqlsight.index.table_rows attributes of s to attrs: the same on the
// statement span, the EXPLAIN span and the sqlsight.finding event, whether
// sqltrace or explain writes them.
func (s Suggestion) AppendAttributes(attrs []attribute.KeyValue) []attribute.KeyValue {
	if !SuggestsIndex(s.Kind) {
		return attrs
	}
	attrs = append(attrs, AttrSuggestionVerified.Bool(s.Verified))
	if s.CostBefore > 0 {
		attrs = append(attrs, AttrSuggestionCostBefore.Float64(s.CostBefore), AttrSuggestionCostAfter.Float64(s.CostAfter))
	}
	if s.TableRows > 0 {
		attrs = append(attrs, AttrIndexTableRows.Float64(s.TableRows))
	}
	return attrs
}
