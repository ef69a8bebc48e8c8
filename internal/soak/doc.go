// Package soak holds a long-running load test of the wrapper: mixed
// statements (N+1 loops, single-row write loops, duplicate queries, IN
// lookups that get EXPLAINed, errors, transactions) over a million
// distinct query texts and a hundred thousand parent spans, while the
// heap and the goroutine count are sampled every ten seconds. Both must
// stay flat after warm-up: every cache, tracker and queue is bounded.
//
// It runs only when SQLSIGHT_SOAK is set to a duration:
//
//	SQLSIGHT_SOAK=60s go test -v ./internal/soak
//
// scripts/soak.sh runs it for 30 minutes. SQLite carries the load; when
// SQLSIGHT_MYSQL_DSN is set, a share of it goes to MariaDB.
package soak
