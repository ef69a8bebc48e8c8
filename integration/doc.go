// Package integration drives the data-access libraries Go teams use (GORM,
// bun, sqlx, lib/pq) through sqltrace against real databases. It is a module
// of its own so that users of sqltrace never download an ORM.
package integration
