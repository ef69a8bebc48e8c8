package explain

import (
	"context"
	"database/sql"

	"github.com/sqlsight/sqlsight/internal/explainer"
	"github.com/sqlsight/sqlsight/internal/vocab"
)

// Query explains one statement on db and returns its plan. It is meant for
// tests and one-off use: the dialect is detected from db.Driver() and the
// server version, the statement goes through the same safety checks as
// sqltrace's background explains, and the plan is read from a connection of
// db taken for the call (never a transaction). Plan.Text is redacted; the
// nodes' conditions and Plan.Raw keep the values the statement was planned
// with. A refused statement returns an error that errors.Is ErrUnsafe.
func Query(ctx context.Context, db *sql.DB, query string, args ...any) (*Plan, error) {
	return explainer.Query(ctx, db, query, args...)
}

// Analyze reads a plan for the finding kinds of sqlsight: unindexed_in,
// full_scan, sort_without_index, partitions_not_pruned and key_lookups.
// query is the statement the plan is of: its text is read for tables,
// aliases, the columns of conditions and of the select list. Index
// suggestions are DDL that is safe on a live table.
func Analyze(p *Plan, query string, opts ...AnalyzeOption) []Finding {
	o := make([]explainer.Option, len(opts))
	for i, opt := range opts {
		o[i] = opt
	}
	return explainer.Analyze(p, explainer.Statement{Query: query}, o...)
}

// Plan is a query plan read into a model common to every dialect: Root
// and the Nodes below it, the Dialect and Format it was read from, Text
// (one node per line, literals redacted) and Raw (as the database returned
// it), UsesFilesort and UsesTemporary, and the indexes the catalog lists
// for the tables read whole (Indexes). Its methods sum it up: Nodes (every
// node, parents first), Tables, IndexesUsed, AccessTypes, RowsEstimate.
// Each field is documented on the type it aliases (go doc
// github.com/sqlsight/sqlsight/internal/explainer.Plan).
type Plan = explainer.Plan

// Node is one step of a plan: the operation as the database names it (Op),
// the table it reads (Table, Alias, PartitionOf, Partitions), how (Access,
// one of the Access constants; Index; Covering), the planner's estimates
// (EstimatedRows, Cost; ActualRows with ANALYZE), its conditions (Filter,
// IndexCond), SortKey, and Children. Negative numbers mean unknown. Walk
// visits it and the nodes below it.
type Node = explainer.Node

// Finding is one problem read from a plan, with the fix: Kind, Message,
// Suggestion (a CREATE INDEX statement, or advice), the Table and Columns
// concerned and the table's estimated size (TableRows). Verified,
// CostBefore, CostAfter and PlanWithIndex are set when the planner
// confirmed the suggested index (background explains on PostgreSQL with
// hypopg, see WithSuggestionMinCostDrop).
type Finding = explainer.Finding

// Dialect names the database family a plan comes from. The values are the
// db.system.name values of the OpenTelemetry conventions.
type Dialect = explainer.Dialect

// The dialects explain knows how to run and read.
const (
	MySQL      Dialect = explainer.MySQL
	MariaDB    Dialect = explainer.MariaDB
	PostgreSQL Dialect = explainer.PostgreSQL
	SQLite     Dialect = explainer.SQLite
)

// Kind names a class of finding; it is sqltrace.Kind too. The values are
// part of sqlsight's telemetry contract (docs/TELEMETRY.md, "Finding
// kinds").
type Kind = vocab.Kind

// The finding kinds Analyze reports.
const (
	// KindUnindexedIn is an IN (or = ANY) lookup on a column no index
	// serves.
	KindUnindexedIn Kind = vocab.KindUnindexedIn
	// KindFullScan is a filtered statement that reads a large table whole.
	KindFullScan Kind = vocab.KindFullScan
	// KindSortWithoutIndex is a sort of many rows that no index serves.
	KindSortWithoutIndex Kind = vocab.KindSortWithoutIndex
	// KindPartitionsNotPruned is a partitioned table read in every
	// partition: the condition misses the partition key.
	KindPartitionsNotPruned Kind = vocab.KindPartitionsNotPruned
	// KindKeyLookups is an index read that fetches many rows from the table
	// for a few columns a covering index could hold.
	KindKeyLookups Kind = vocab.KindKeyLookups
)

// Normalised access methods (Node.Access). Every dialect's scan types map
// onto these, so analysers and dashboards read one vocabulary.
const (
	// AccessFullScan reads the whole table: MySQL ALL, PostgreSQL Seq Scan,
	// SQLite SCAN t.
	AccessFullScan = explainer.AccessFullScan
	// AccessIndexScan reads a whole index: MySQL index, PostgreSQL index scan
	// with no index condition, SQLite SCAN t USING INDEX.
	AccessIndexScan = explainer.AccessIndexScan
	// AccessAutoIndex is SQLite's automatic index: the table is read whole to
	// build a transient index.
	AccessAutoIndex = explainer.AccessAutoIndex
	// AccessRange reads an index range.
	AccessRange = explainer.AccessRange
	// AccessIndexMerge combines several indexes (MySQL index_merge).
	AccessIndexMerge = explainer.AccessIndexMerge
	// AccessLookup reads index entries equal to a value (MySQL ref/eq_ref,
	// equality index conditions elsewhere).
	AccessLookup = explainer.AccessLookup
	// AccessConst reads at most one row known at planning time.
	AccessConst = explainer.AccessConst
)

// The errors of Query, to test with errors.Is.
var (
	// ErrUnsafe is returned (wrapped, with the reason) for a statement that
	// explain refuses to run: not a SELECT, UPDATE, DELETE or
	// INSERT ... SELECT, more than one statement (as read by explain, or as
	// found by SQLite when it compiled the text), a call to a function not
	// known to be free of side effects, or a text it cannot read with
	// certainty. A second statement found by a MySQL or PostgreSQL server
	// comes back as the server's own error.
	ErrUnsafe = explainer.ErrUnsafe
	// ErrMissingArgs is returned when the statement has placeholders but no
	// arguments were given, and the server offers no generic plan.
	ErrMissingArgs = explainer.ErrMissingArgs
	// ErrUnknownDialect is returned when the database family cannot be told
	// from the driver or the server.
	ErrUnknownDialect = explainer.ErrUnknownDialect
	// ErrNoPlan is returned when the database returned no plan at all.
	ErrNoPlan = explainer.ErrNoPlan
	// ErrInternal is returned when explain itself failed on a statement or
	// a plan (a bug, recovered so that it never takes the host down).
	ErrInternal = explainer.ErrInternal
)
