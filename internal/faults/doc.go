// Package faults holds the fault-injection tests of the wrapper: a
// database restarted under load, the EXPLAIN pool's server unreachable,
// EXPLAIN held up by a lock, a statement cancelled in the middle of a row
// scan, and driver.ErrBadConn from every call of a fake driver. In each,
// the application must see exactly what the driver says, recover as it
// would without the wrapper, and the wrapper must neither hang nor leak.
//
// It has no code of its own; run it with go test. The restart test starts
// a private mariadbd (it never touches the shared server); the others use
// SQLSIGHT_MYSQL_DSN and SQLSIGHT_POSTGRES_DSN when they are set.
package faults
