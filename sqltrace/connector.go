package sqltrace

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ngrok/sqlmw"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// connector is the driver.Connector of one traced database. sqlmw can only
// wrap a driver opened by DSN, not a connector; we connect through the
// parent connector ourselves and hand each connection to sqlmw through a
// one-connection driver (see staticConnDriver).
type connector struct {
	parent driver.Connector
	inst   *instrumentation
	dsn    string

	resolveOnce sync.Once
	state       atomic.Pointer[dbState] // replaced once when resolve learns more
	tracker     *tracker
	explain     explainState

	closeOnce sync.Once
	closeErr  error
}

var (
	_ driver.Connector = (*connector)(nil)
	_ io.Closer        = (*connector)(nil)
)

func newConnector(parent driver.Connector, inst *instrumentation, dsn string) *connector {
	c := &connector{parent: parent, inst: inst, dsn: dsn,
		tracker: newTracker(inst.cfg.trackerEntries, inst.cfg.trackerIdle)}
	c.state.Store(c.newState(inst.system))
	return c
}

// dbState is what the spans and metrics of one database share: the system,
// the attributes every span carries, and the statements seen so far.
// Connections capture it when they open; it is immutable once published.
type dbState struct {
	system    string
	baseAttrs []attribute.KeyValue // db.system.name, db.namespace, server.*, user attributes
	stmts     *sqlinfo.Cache[*statement]
	fixed     map[Method]*statement // BEGIN, COMMIT, ROLLBACK, PING, CONNECT
}

func (c *connector) newState(system string) *dbState {
	e := endpointFromConnector(c.parent)
	if e == (endpoint{}) {
		e = endpointFromDSN(system, c.dsn)
	}
	attrs := []attribute.KeyValue{semconv.DBSystemNameKey.String(system)}
	if e.namespace != "" {
		attrs = append(attrs, semconv.DBNamespace(e.namespace))
	}
	if e.address != "" {
		attrs = append(attrs, semconv.ServerAddress(e.address))
		if e.port > 0 {
			attrs = append(attrs, semconv.ServerPort(e.port))
		}
	}
	st := &dbState{system: system, baseAttrs: append(attrs, c.inst.cfg.attributes...), fixed: map[Method]*statement{}}
	d := dialectOf(system)
	st.stmts = sqlinfo.NewCache(d, sqlinfo.CacheLimits{},
		func(q string) *statement { return newStatement(q, d, st.baseAttrs, c.inst.cfg) }, (*statement).size)
	for m, op := range map[Method]string{MethodBegin: "BEGIN", MethodCommit: "COMMIT", MethodRollback: "ROLLBACK", MethodPing: "PING", MethodConnect: "CONNECT"} {
		st.fixed[m] = newFixedStatement(op, st.baseAttrs)
	}
	return st
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	var r run
	traced := false
	if c.inst.cfg.connectionSpans {
		traced = c.begin(&r, ctx, MethodConnect, c.state.Load().fixed[MethodConnect], "", nil, earlySpan{})
	}
	raw, err := c.parent.Connect(ctx)
	if traced {
		r.driverTime = time.Since(r.start)
		r.failed(err)
		r.finish()
	}
	if err != nil {
		return nil, err
	}
	c.resolveOnce.Do(func() { c.resolve(ctx, raw) })
	ic := &interceptor{db: c, state: c.state.Load(), raw: raw}
	wrapped, err := sqlmw.Driver(staticConnDriver{raw}, ic).Open("")
	if err != nil { // staticConnDriver cannot fail; keep the connection usable regardless
		return raw, nil
	}
	return newConn(wrapped, raw), nil
}

// resolve asks the server, once, what go-sql-driver/mysql cannot tell: is
// it MariaDB? It runs on the first connection before the application gets
// it, and only when the system was not configured.
func (c *connector) resolve(ctx context.Context, raw driver.Conn) {
	if c.state.Load().system != SystemMySQL || c.inst.cfg.system != "" {
		return
	}
	q, ok := raw.(driver.QueryerContext)
	if !ok {
		return
	}
	rows, err := q.QueryContext(ctx, "SELECT VERSION()", nil)
	if err != nil {
		return
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	if rows.Next(dest) != nil {
		return
	}
	var version string
	switch v := dest[0].(type) {
	case []byte:
		version = string(v)
	case string:
		version = v
	}
	if strings.Contains(strings.ToLower(version), "mariadb") {
		c.state.Store(c.newState(SystemMariaDB))
	}
}

// Driver returns the traced driver, so that sql.DB.Driver reports a driver
// that opens traced connections too.
func (c *connector) Driver() driver.Driver {
	return &wrappedDriver{parent: c.parent.Driver(), inst: c.inst}
}

// Close releases what this database's wrapper started and closes the parent
// connector when it is an io.Closer. database/sql calls it from DB.Close.
func (c *connector) Close() error {
	c.closeOnce.Do(func() {
		errs := []error{c.closeExplain()}
		if closer, ok := c.parent.(io.Closer); ok {
			errs = append(errs, closer.Close())
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}

// staticConnDriver hands one already opened connection to sqlmw.
type staticConnDriver struct{ conn driver.Conn }

func (d staticConnDriver) Open(string) (driver.Conn, error) { return d.conn, nil }

// metricOptions returns the record options of a statement's metrics.
func metricOptions(base []attribute.KeyValue, extra ...attribute.KeyValue) []metric.RecordOption {
	kv := make([]attribute.KeyValue, 0, len(base)+len(extra))
	kv = append(kv, base...)
	kv = append(kv, extra...)
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kv...))}
}
