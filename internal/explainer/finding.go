package explainer

import "github.com/sqlsight/sqlsight/internal/vocab"

// Kind names a class of finding; it is sqltrace.Kind too. The values are
// part of sqlsight's telemetry contract (docs/TELEMETRY.md, "Finding
// kinds").
type Kind = vocab.Kind

// The finding kinds the analysers produce.
const (
	KindUnindexedIn         = vocab.KindUnindexedIn
	KindFullScan            = vocab.KindFullScan
	KindSortWithoutIndex    = vocab.KindSortWithoutIndex
	KindPartitionsNotPruned = vocab.KindPartitionsNotPruned
	// KindKeyLookups is an index read that fetches many rows from the table
	// for a few columns a covering index could hold.
	KindKeyLookups = vocab.KindKeyLookups
)

// Finding is one problem read from a plan, with the fix.
type Finding struct {
	// Kind is one of the Kind constants.
	Kind Kind
	// Message says what is wrong, in one sentence.
	Message string
	// Suggestion is the fix: a CREATE INDEX statement, or advice.
	Suggestion string
	// Table is the table concerned (the partitioned parent for partitions).
	Table string
	// Columns are the columns concerned: the IN columns, the columns of the
	// suggested index, or the partition key.
	Columns []string
	// TableRows is the table's estimated size (catalog or plan), 0 when
	// unknown: what building the suggested index reads.
	TableRows float64
	// Verified is true when the planner was asked (PostgreSQL with hypopg,
	// a hypothetical index) and the suggested index lowered the statement's
	// estimated cost from CostBefore to CostAfter by at least the share
	// WithSuggestionMinCostDrop sets. PlanWithIndex is that plan's text.
	Verified              bool
	CostBefore, CostAfter float64
	PlanWithIndex         string
}

// suggestion is what the telemetry says about f's suggested index.
func (f *Finding) suggestion() vocab.Suggestion {
	return vocab.Suggestion{Kind: f.Kind, Verified: f.Verified, CostBefore: f.CostBefore,
		CostAfter: f.CostAfter, TableRows: f.TableRows}
}

// Verdict is the outcome of explaining a statement: the plan and its
// findings, or the error that prevented it.
type Verdict struct {
	Plan     *Plan
	Findings []Finding
	Err      error
}
