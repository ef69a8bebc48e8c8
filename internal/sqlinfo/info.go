package sqlinfo

// Kind classifies a statement for the detectors and the explain sampler.
type Kind uint8

// Statement kinds.
const (
	KindOther Kind = iota
	KindSelect
	KindInsert
	KindUpdate
	KindDelete
	// KindDDL is CREATE, ALTER, DROP, TRUNCATE and RENAME TABLE.
	KindDDL
)

// TableRef is a table as written in FROM, JOIN, INTO or UPDATE.
type TableRef struct {
	Name  string
	Alias string
}

// ColumnRef is a column compared with IN (...) or = ANY(...). Qualifier is
// the table name or alias written before it, or empty.
type ColumnRef struct {
	Qualifier string
	Name      string
}

// Info is everything sqlsight derives from one query text. It is immutable
// once built and shared between goroutines through the Cache.
type Info struct {
	// Fingerprint is a 16-digit hex hash of the normalized statement.
	Fingerprint string
	// Sanitized is the text with literals replaced by '?' and comments
	// removed; a list of literals after IN is one '?' ("IN (?)"), and VALUES
	// rows that repeat the first row's shape with other values are dropped.
	// When Redacted, it holds only SQL keywords and '?'.
	Sanitized string
	// Redacted is set when the text could not be read with certainty (an
	// unterminated string or comment, a comment inside a comment, a literal
	// syntax the reader does not know, a backslash whose meaning depends on
	// a server setting): Sanitized, Summary, the tables and the fingerprint
	// then come from the keywords only, so that no literal can leak. Such a
	// statement is never explained.
	Redacted bool
	// Summary is the db.query.summary, e.g. "SELECT review".
	Summary string
	// Operation is the db.operation.name when the statement has exactly one
	// operation, else empty.
	Operation string
	// Collection is the db.collection.name when the statement touches
	// exactly one table, else empty.
	Collection string
	Tables     []TableRef
	InColumns  []ColumnRef
	Kind       Kind
	// ValuesRows is the number of row tuples after VALUES in an INSERT.
	// It is not part of the ShapeKey contract beyond 1 versus more.
	ValuesRows int
	// InsertSelect is true for INSERT ... SELECT.
	InsertSelect bool
	// Statements is the number of statements in the text (a trailing ';'
	// does not start one).
	Statements int
	// Functions lists the functions the statement calls, each once:
	// lower-cased (PostgreSQL keeps a quoted name's case), qualified when
	// the text qualifies them ("pg_catalog.lower"). Type names written like
	// calls (varchar(10)) are listed too. See SafeFunction.
	Functions []string
	// UnnamedCall is set when something reads like a call whose name
	// cannot be read with certainty.
	UnnamedCall bool
	// Catalog is set when the statement reads system catalogs only
	// (information_schema, pg_catalog and pg_* relations, mysql,
	// performance_schema, sys, sqlite_*), or names no table at all
	// (SELECT VERSION(), SELECT 1, SET ...): not the application's data,
	// so no plan finding, index suggestion, N+1 or duplicate. Never set
	// for DDL or a Redacted text.
	Catalog bool
	// DDLTables are the tables a KindDDL statement may change the indexes
	// or columns of (CREATE/DROP INDEX, ALTER TABLE, CREATE/DROP TABLE,
	// TRUNCATE, RENAME TABLE): unqualified, unquoted, lower-case.
	DDLTables []string
	// DDLAllTables is set for DDL whose table the text does not name
	// (PostgreSQL's and SQLite's DROP INDEX name, ALTER INDEX): any
	// table's cached verdicts may be stale.
	DDLAllTables bool
	// SingleRowWrite is true for writes that change at most one row per
	// execution as far as the text shows: INSERT ... VALUES with one tuple,
	// UPDATE/DELETE with a WHERE clause that has no IN list.
	SingleRowWrite bool
}
