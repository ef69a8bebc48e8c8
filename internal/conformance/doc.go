// Package conformance holds the tests that prove a driver wrapped by
// sqltrace behaves exactly as the driver itself: the same table-driven
// cases run on a raw database and on wrapped ones (sampled and unsampled
// statements), against SQLite, MariaDB and PostgreSQL, and their outcomes
// (rows, the Go types scanned, column type information, errors and the
// driver's error types, result sets, rows affected) must be equal.
//
// It has no code of its own; run it with go test. The MariaDB and
// PostgreSQL backends run when SQLSIGHT_MYSQL_DSN and SQLSIGHT_POSTGRES_DSN
// are set.
package conformance
