package sqltrace

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/ngrok/sqlmw"
	"github.com/sqlsight/sqlsight/internal/sqlinfo"
	"github.com/sqlsight/sqlsight/resource"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// interceptor is the sqlmw interceptor of one connection. Being per
// connection, it knows the driver's own connection, which sqlmw hides.
type interceptor struct {
	sqlmw.NullInterceptor
	*connector
	*dbState
	raw driver.Conn
}

// run is one execution of a statement. For queries it is also the context
// sqlmw hands back on every Rows call, which saves a context.WithValue.
type run struct {
	context.Context
	conn     *connector
	stmt     *statement
	query    string
	args     []driver.NamedValue // valid until finish; explain copies them
	method   Method
	start    time.Time
	end      time.Time // when the driver call returned, for calls without rows
	traced   bool      // a span will be offered to the sampler
	finished bool
	eof      bool // the rows were read to the end

	argsHash uint64
	// usage is taken at the start of traced statements. The deltas are
	// process-wide: concurrent statements and goroutines are included,
	// which is why concurrent tells how many statements were in flight.
	usage      resource.Snapshot
	concurrent int64
	driverTime time.Duration
	rows       int64
	affected   int64 // -1 when unknown
	err        error
}

// clientKind is allocated once rather than per span.
var clientKind = trace.WithSpanKind(trace.SpanKindClient)

// attrBuffers recycle the attribute slice of a statement span: the SDK
// copies the attributes, and a fresh slice per span was the largest
// allocation on the sampled path.
var attrBuffers = sync.Pool{New: func() any {
	b := make([]attribute.KeyValue, 0, 32)
	return &b
}}

// begin starts measuring a call. ok is false when the span filter skips it.
func (c *connector) begin(ctx context.Context, m Method, st *statement, query string, args []driver.NamedValue) (r run, ok bool) {
	cfg := c.inst.cfg
	if cfg.spanFilter != nil && !cfg.spanFilter(ctx, m, query) {
		return run{}, false
	}
	r = run{Context: ctx, conn: c, stmt: st, method: m, affected: -1, traced: true, query: query, args: args}
	// Statements under an unsampled parent are not offered to the sampler:
	// with the default parent-based sampling the answer is known, and the
	// unsampled path must stay close to the raw driver.
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && !sc.IsSampled() {
		r.traced = false
	}
	if len(args) > 0 && (st.info.Kind == sqlinfo.KindSelect || st.info.SingleRowWrite) {
		r.argsHash = hashArgs(args)
	}
	if r.traced && !cfg.noResourceDeltas && st.wantsDeltas(cfg.resourceDeltaMin) {
		r.concurrent = c.inst.inFlight.Add(1)
		r.usage = resource.Take()
	}
	r.start = time.Now()
	return r, true
}

// finish records the span and the metrics of a finished call.
func (r *run) finish() {
	if r.finished {
		return
	}
	r.finished = true
	end := r.end
	if end.IsZero() {
		end = time.Now()
	}
	var usage resource.Delta
	if r.concurrent > 0 {
		usage = resource.Since(r.usage)
		r.conn.inst.inFlight.Add(-1)
	}
	r.stmt.lastDriverTime.Store(int64(r.driverTime))
	c := r.conn
	opts := r.stmt.metricOpts
	if r.err != nil {
		opts = metricOptions(r.stmt.metricAttrs, semconv.ErrorTypeKey.String(errorType(r.err)))
	}
	c.inst.metrics.duration.Record(r.Context, r.driverTime.Seconds(), opts...)
	if r.method == MethodQuery {
		c.inst.metrics.rows.Record(r.Context, r.rows, opts...)
	}
	det := r.detect()
	if !r.traced {
		for _, f := range det.deliver {
			c.inst.deliver(r.Context, f)
		}
		r.maybeExplain(r.Context, det.explainR)
		return
	}
	ctx, span := c.inst.tracer.Start(r.Context, r.stmt.name, trace.WithTimestamp(r.start), clientKind)
	if span.IsRecording() {
		buf := attrBuffers.Get().(*[]attribute.KeyValue)
		attrs := (*buf)[:0]
		attrs = append(attrs, r.stmt.attrs...)
		attrs = append(attrs, AttrDriverTimeMS.Float64(float64(r.driverTime)/float64(time.Millisecond)))
		if r.method == MethodQuery {
			attrs = append(attrs, semconv.DBResponseReturnedRows(int(r.rows)))
		}
		if r.affected >= 0 {
			attrs = append(attrs, AttrRowsAffected.Int64(r.affected))
		}
		if r.concurrent > 0 {
			attrs = usage.AppendAttributes(attrs)
			attrs = append(attrs, AttrConcurrentStatements.Int64(r.concurrent))
		}
		if r.err != nil {
			kind := errorType(r.err)
			attrs = append(attrs, semconv.ErrorTypeKey.String(kind))
			if code := statusCode(r.err); code != "" {
				attrs = append(attrs, semconv.DBResponseStatusCode(code))
			}
			// The driver's message can quote the statement's values
			// ("Duplicate entry 'alice@example.com'"): keep it out.
			span.SetStatus(codes.Error, kind)
		}
		// From the second execution in a scope: a first execution says
		// nothing, and one attribute fewer keeps most spans under the SDK's
		// cheap attribute path.
		if det.count > 1 && (r.stmt.info.Kind == sqlinfo.KindSelect || r.stmt.info.SingleRowWrite) {
			attrs = append(attrs, AttrNPlusOneCount.Int(det.count))
		}
		findings := append(det.deliver, det.carried...)
		if cached := c.cachedFindings(r.stmt); len(cached) > 0 {
			for _, f := range cached {
				det.kinds = append(det.kinds, f.Kind)
			}
			findings = append(cached, findings...)
		}
		attrs = findingAttributes(attrs, det.kinds, findings)
		span.SetAttributes(attrs...) // copies: the buffer can be reused
		clear(attrs)                 // drop references to strings before pooling
		*buf = attrs[:0]
		attrBuffers.Put(buf)
		for _, f := range det.deliver {
			span.AddEvent(EventFinding, findingEvent(f))
		}
	}
	sc := span.SpanContext()
	for _, f := range det.deliver {
		f.SpanContext = sc
		c.inst.deliver(ctx, f)
	}
	span.End(trace.WithTimestamp(end))
	r.maybeExplain(ctx, det.explainR)
}

// failed notes err unless it is control flow: driver.ErrSkip asks
// database/sql to try another way and io.EOF ends rows.
func (r *run) failed(err error) {
	if err != nil && err != driver.ErrSkip && err != io.EOF && r.err == nil {
		r.err = err
	}
}

func (ic *interceptor) ConnExecContext(ctx context.Context, conn driver.ExecerContext, query string, args []driver.NamedValue) (driver.Result, error) {
	r, ok := ic.begin(ctx, MethodExec, ic.stmts.Get(query), query, args)
	if !ok {
		return conn.ExecContext(ctx, query, args)
	}
	res, err := conn.ExecContext(ctx, query, args)
	return ic.execDone(&r, res, err)
}

func (ic *interceptor) StmtExecContext(ctx context.Context, stmt driver.StmtExecContext, query string, args []driver.NamedValue) (driver.Result, error) {
	if c := copyStmtOf(query, stmt); c != nil {
		return c.exec(ctx, args) // one span per COPY, not per row (copy.go)
	}
	r, ok := ic.begin(ctx, MethodExec, ic.stmts.Get(query), query, args)
	if !ok {
		return stmt.ExecContext(ctx, args)
	}
	res, err := stmt.ExecContext(ctx, args)
	return ic.execDone(&r, res, err)
}

// abandon undoes begin for a call that did not happen (driver.ErrSkip).
func (r *run) abandon() {
	if r.concurrent > 0 {
		r.conn.inst.inFlight.Add(-1)
	}
}

func (ic *interceptor) execDone(r *run, res driver.Result, err error) (driver.Result, error) {
	if errors.Is(err, driver.ErrSkip) {
		r.abandon()
		return res, err
	}
	r.end = time.Now()
	r.driverTime = r.end.Sub(r.start)
	r.failed(err)
	if err == nil && res != nil && r.traced {
		if n, aerr := res.RowsAffected(); aerr == nil {
			r.affected = n
		}
	}
	r.finish()
	return res, err
}

func (ic *interceptor) ConnQueryContext(ctx context.Context, conn driver.QueryerContext, query string, args []driver.NamedValue) (context.Context, driver.Rows, error) {
	r, ok := ic.begin(ctx, MethodQuery, ic.stmts.Get(query), query, args)
	if !ok {
		rows, err := conn.QueryContext(ctx, query, args)
		return ctx, rows, err
	}
	rows, err := conn.QueryContext(ctx, query, args)
	return ic.queryDone(r, ctx, rows, err)
}

func (ic *interceptor) StmtQueryContext(ctx context.Context, stmt driver.StmtQueryContext, query string, args []driver.NamedValue) (context.Context, driver.Rows, error) {
	r, ok := ic.begin(ctx, MethodQuery, ic.stmts.Get(query), query, args)
	if !ok {
		rows, err := stmt.QueryContext(ctx, args)
		return ctx, rows, err
	}
	rows, err := stmt.QueryContext(ctx, args)
	return ic.queryDone(r, ctx, rows, err)
}

// queryDone either ends a failed query or returns the run as the context
// of its rows, so RowsNext and RowsClose can count and end it.
func (ic *interceptor) queryDone(r run, ctx context.Context, rows driver.Rows, err error) (context.Context, driver.Rows, error) {
	if errors.Is(err, driver.ErrSkip) {
		r.abandon()
		return ctx, rows, err
	}
	r.driverTime = time.Since(r.start)
	if err != nil {
		r.failed(err)
		r.finish()
		return ctx, rows, err
	}
	heap := new(run)
	*heap = r
	return heap, rows, nil
}

func (ic *interceptor) RowsNext(ctx context.Context, rows driver.Rows, dest []driver.Value) error {
	r, ok := ctx.(*run)
	if !ok {
		return rows.Next(dest)
	}
	var err error
	if r.traced {
		t := time.Now()
		err = rows.Next(dest)
		r.driverTime += time.Since(t)
	} else {
		err = rows.Next(dest)
	}
	if err == nil {
		r.rows++
	} else {
		r.eof = err == io.EOF
		r.failed(err)
	}
	return err
}

func (ic *interceptor) RowsClose(ctx context.Context, rows driver.Rows) error {
	err := rows.Close()
	if r, ok := ctx.(*run); ok {
		r.failed(err)
		// Rows left unread when the statement's context ended were cut
		// short: database/sql closes them itself, and the driver may never
		// have said so.
		if !r.eof {
			r.failed(r.Context.Err())
		}
		r.finish()
	}
	return err
}

func (ic *interceptor) ConnBeginTx(ctx context.Context, conn driver.ConnBeginTx, opts driver.TxOptions) (context.Context, driver.Tx, error) {
	r, ok := ic.begin(ctx, MethodBegin, ic.fixed[MethodBegin], "", nil)
	tx, err := conn.BeginTx(ctx, opts)
	if ok {
		r.driverTime = time.Since(r.start)
		r.failed(err)
		r.finish()
	}
	return ctx, tx, err
}

func (ic *interceptor) TxCommit(ctx context.Context, tx driver.Tx) error {
	return ic.simple(ctx, MethodCommit, tx.Commit)
}

func (ic *interceptor) TxRollback(ctx context.Context, tx driver.Tx) error {
	return ic.simple(ctx, MethodRollback, tx.Rollback)
}

func (ic *interceptor) ConnPing(ctx context.Context, conn driver.Pinger) error {
	if !ic.inst.cfg.connectionSpans {
		return conn.Ping(ctx)
	}
	return ic.simple(ctx, MethodPing, func() error { return conn.Ping(ctx) })
}

// simple measures a call without statement text or rows.
func (ic *interceptor) simple(ctx context.Context, m Method, call func() error) error {
	r, ok := ic.begin(ctx, m, ic.fixed[m], "", nil)
	err := call()
	if ok {
		r.driverTime = time.Since(r.start)
		r.failed(err)
		r.finish()
	}
	return err
}

// ConnPrepareContext traces nothing when preparing succeeds (the executions
// are traced), but a statement that fails to prepare never executes, so its
// error gets a span of its own: database/sql prepares implicitly whenever a
// driver answers driver.ErrSkip, and the error would otherwise go unseen.
func (ic *interceptor) ConnPrepareContext(ctx context.Context, conn driver.ConnPrepareContext, query string) (context.Context, driver.Stmt, error) {
	r, ok := ic.begin(ctx, MethodQuery, ic.stmts.Get(query), query, nil)
	stmt, err := conn.PrepareContext(ctx, query)
	if err != nil {
		if ok {
			r.method = MethodPrepare
			r.driverTime = time.Since(r.start)
			r.failed(err)
			r.finish()
		}
		return ctx, stmt, err
	}
	_, connNVC := ic.raw.(driver.NamedValueChecker)
	return ctx, ic.wrapCopy(query, fixStatement(stmt, connNVC)), nil
}
