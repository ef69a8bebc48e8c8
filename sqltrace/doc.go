// Package sqltrace wraps a database/sql driver so that every statement
// becomes an OpenTelemetry CLIENT span following the stable database
// semantic conventions, with sqlsight's own attributes (fingerprint, driver
// time, CPU and heap deltas) and findings (N+1 loops, repeated single-row
// writes, unindexed IN lookups, ...).
//
// The wrap is one line:
//
//	db, err := sqltrace.Open("sqlite", "file:app.db")
//
// or, for drivers configured through a connector:
//
//	db := sqltrace.OpenDB(connector)
//
// Errors from the driver are returned unchanged and the optional driver
// interfaces stay visible, so the wrapped driver behaves exactly like the
// original one. Interception is built on github.com/ngrok/sqlmw; the places
// where sqlmw falls short (connector wrapping, io.Closer, statement argument
// checking, drivers without Execer) are handled by a thin layer in this
// package.
package sqltrace
