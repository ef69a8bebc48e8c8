package sqltrace

import (
	"context"
	"database/sql/driver"
)

// wrappedDriver is the driver returned by WrapDriver. Each OpenConnector
// call (one per sql.Open) gets its own connector, so closing one sql.DB
// releases only what that database started.
type wrappedDriver struct {
	parent driver.Driver
	inst   *instrumentation
}

var _ driver.DriverContext = (*wrappedDriver)(nil)

func (d *wrappedDriver) Open(name string) (driver.Conn, error) {
	c, err := d.OpenConnector(name)
	if err != nil {
		return nil, err
	}
	return c.Connect(context.Background())
}

func (d *wrappedDriver) OpenConnector(name string) (driver.Connector, error) {
	var parent driver.Connector
	if dc, ok := d.parent.(driver.DriverContext); ok {
		c, err := dc.OpenConnector(name)
		if err != nil {
			return nil, err
		}
		parent = c
	} else {
		parent = dsnConnector{dsn: name, driver: d.parent}
	}
	return newConnector(parent, d.inst, name), nil
}

// dsnConnector adapts a driver without DriverContext to a Connector, as
// database/sql does internally.
type dsnConnector struct {
	dsn    string
	driver driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.driver }
