// Package bench measures what sqlsight costs on top of a database/sql
// driver, side by side with the raw driver, github.com/ngrok/sqlmw with a
// null interceptor (the floor of sqlsight's design) and
// github.com/XSAM/otelsql, in one run.
//
// It is a module of its own so that the library's go.mod never requires
// otelsql. The fake driver in this package does no work of its own and
// allocates nothing per row, so that the only cost a fake-driver benchmark
// measures is the wrapper's; the real-database benchmarks run the same
// loops against loopback MariaDB, PostgreSQL and SQLite.
//
// Run everything with scripts/bench.sh from the repository root; the
// results and the targets they are held to are in BENCHMARKS.md.
package bench
