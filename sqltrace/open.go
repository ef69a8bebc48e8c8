package sqltrace

import (
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
)

// Open opens a database like sql.Open, with the named driver wrapped: the
// one-line replacement for sql.Open.
func Open(driverName, dataSourceName string, opts ...Option) (*sql.DB, error) {
	d, err := lookupDriver(driverName)
	if err != nil {
		return nil, err
	}
	c, err := WrapDriver(d, opts...).(driver.DriverContext).OpenConnector(dataSourceName)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// OpenDB opens a database like sql.OpenDB, with the connector wrapped. Use it
// with mysql.NewConnector, pgx's stdlib.GetConnector and the like.
func OpenDB(c driver.Connector, opts ...Option) *sql.DB {
	return sql.OpenDB(WrapConnector(c, opts...))
}

// WrapConnector returns a connector whose connections are traced. It
// implements io.Closer: sql.DB.Close releases what the wrapper started, and
// closes c too when c is an io.Closer.
func WrapConnector(c driver.Connector, opts ...Option) driver.Connector {
	cfg := newConfig(opts)
	return newConnector(c, newInstrumentation(cfg, c.Driver()), "")
}

// WrapDriver returns a driver whose connections are traced, to be registered
// with sql.Register or used through its OpenConnector.
func WrapDriver(d driver.Driver, opts ...Option) driver.Driver {
	return &wrappedDriver{parent: d, inst: newInstrumentation(newConfig(opts), d)}
}

var registerMu sync.Mutex

// Register registers a traced copy of the already registered driver
// driverName and returns the name to pass to sql.Open.
func Register(driverName string, opts ...Option) (string, error) {
	d, err := lookupDriver(driverName)
	if err != nil {
		return "", err
	}
	registerMu.Lock()
	defer registerMu.Unlock()
	registered := map[string]bool{}
	for _, n := range sql.Drivers() {
		registered[n] = true
	}
	name := driverName + "-sqlsight"
	for i := 2; registered[name]; i++ {
		name = fmt.Sprintf("%s-sqlsight-%d", driverName, i)
	}
	sql.Register(name, WrapDriver(d, opts...))
	return name, nil
}

// lookupDriver returns the driver registered as name. database/sql has no
// lookup by name, but a sql.DB holds its driver and opening one connects to
// nothing.
func lookupDriver(name string) (driver.Driver, error) {
	db, err := sql.Open(name, "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.Driver(), nil
}
