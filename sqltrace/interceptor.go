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
	db    *connector // the traced database the connection belongs to
	state *dbState   // the database's state when the connection opened
	raw   driver.Conn
	// skipped is the span of a root statement the driver answered with
	// driver.ErrSkip: database/sql prepares and executes the same text next,
	// on this connection, and that execution takes the span over. The
	// connection is used by one goroutine at a time.
	skipped earlySpan
}

// earlySpan is a statement span started before the driver call.
type earlySpan struct {
	query string
	ctx   context.Context
	span  trace.Span
}

// run is one execution of a statement, from begin to end. For queries it is
// also the context sqlmw hands back on every Rows call, which saves a
// context.WithValue.
//
// Pairing: begin may take two things that must be given back, the in-flight
// count and the resource snapshot (held says so); end gives them back and
// abandon does for a call that never happened (driver.ErrSkip). Every caller
// of begin ends in exactly one of them; beginPrepare takes nothing, since a
// prepared statement that succeeds is not a span (its executions are).
type run struct {
	context.Context
	conn     *connector
	stmt     *statement
	query    string
	args     []driver.NamedValue // valid until end; explain copies them
	method   Method
	start    time.Time
	end      time.Time // when the driver call returned, for calls without rows
	traced   bool      // a span will be offered to the sampler
	early    earlySpan // the span, when it started before the call
	held     bool      // begin took the in-flight count and the snapshot
	finished bool
	eof      bool // the rows were read to the end

	argsHash uint64
	// textHash is the statement cache's hash of the query text (0: none
	// taken), the literals' part of valuesHash.
	textHash uint64
	// usage is taken at the start of traced statements. The deltas are
	// process-wide: concurrent statements and goroutines are included,
	// which is why concurrent tells how many statements were in flight.
	usage      resource.Snapshot
	concurrent int64
	driverTime time.Duration
	rows       int64
	// Rows.Next timing, for traced queries (see RowsNext): calls so far,
	// and the time and number of the timed calls after the first.
	nexts       int64
	sampledNext time.Duration
	sampled     int64
	affected    int64 // -1 when unknown
	err         error
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

// begin starts measuring a call. ok is false when the span filter skips it;
// the caller then calls the driver and nothing else.
// carried is a span started for an earlier call of the same statement that
// the driver skipped (see interceptor.skipped), or zero.
// begin fills r, which the caller owns (on its stack, or on the heap for a
// query whose rows outlive the call).
func (c *connector) begin(r *run, ctx context.Context, m Method, st *statement, query string, args []driver.NamedValue, carried earlySpan) (ok bool) {
	cfg := c.inst.cfg
	if cfg.spanFilter != nil && !cfg.spanFilter(ctx, m, query) {
		carried.end()
		return false
	}
	*r = run{Context: ctx, conn: c, stmt: st, method: m, affected: -1, traced: true, query: query, args: args}
	// Statements under an unsampled parent are not offered to the sampler:
	// with the default parent-based sampling the answer is known, and the
	// unsampled path must stay close to the raw driver.
	parent := trace.SpanContextFromContext(ctx)
	if parent.IsValid() && !parent.IsSampled() {
		r.traced = false
	}
	if len(args) > 0 && (st.info.Kind == sqlinfo.KindSelect || st.info.SingleRowWrite) {
		r.argsHash = hashArgs(args)
	}
	// Spans start after the call (see startSpan), except where something
	// must be known or exist before it; this is the place. A root
	// statement's span starts now, so that the sampler is asked before the
	// snapshots: a statement it drops pays nothing for them. Under a
	// parent the answer is known without asking (parent-based sampling).
	// A span that must be in the driver's context (a comment carrying the
	// trace context into the statement) would start here too.
	switch {
	case carried.span != nil:
		r.early = carried
	case r.traced && !parent.IsValid():
		r.early.query = query
		r.early.ctx, r.early.span = r.startSpan()
	}
	if r.traced && !cfg.noResourceDeltas && (r.early.span == nil || r.early.span.IsRecording()) &&
		st.wantsDeltas(cfg.resourceDeltaMin) {
		r.held = true
		r.concurrent = c.inst.inFlight.Add(1)
		r.usage = resource.Take()
	}
	r.start = time.Now()
	return true
}

// beginPrepare starts measuring a prepare. It takes no snapshot and counts
// nothing in flight: a prepare that succeeds ends no run (its executions are
// the spans), so it must hold nothing that would need giving back.
// accepted says that the span filter already accepted the statement this
// prepare stands in for (a call the driver skipped): the filter is still
// told about the prepare, but the statement's span stays.
func (c *connector) beginPrepare(ctx context.Context, st *statement, query string, accepted bool) (r run, ok bool) {
	cfg := c.inst.cfg
	if cfg.spanFilter != nil && !cfg.spanFilter(ctx, MethodPrepare, query) && !accepted {
		return run{}, false
	}
	r = run{Context: ctx, conn: c, stmt: st, method: MethodPrepare, affected: -1, traced: true, query: query}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() && !sc.IsSampled() {
		r.traced = false
	}
	r.start = time.Now()
	return r, true
}

// release gives back what begin took; it runs once, from finish or abandon.
func (r *run) release() resource.Delta {
	if !r.held {
		return resource.Delta{}
	}
	r.held = false
	usage := resource.Since(r.usage)
	r.conn.inst.inFlight.Add(-1)
	return usage
}

// abandon ends a run whose call did not happen (driver.ErrSkip: database/sql
// tries another way, which is measured on its own).
func (r *run) abandon() {
	r.release()
	r.finished = true
}

// finish ends a run: metrics, then the span with its attributes, then the
// findings and their delivery, then the hand-off to EXPLAIN. Each step is a
// method below, in that order.
func (r *run) finish() {
	if r.finished {
		return
	}
	r.finished = true
	end := r.end
	if end.IsZero() {
		end = time.Now()
	}
	usage := r.release()
	r.addRowTime()
	r.stmt.lastDriverTime.Store(int64(r.driverTime))
	r.recordMetrics()
	det := r.detect()
	if !r.traced {
		r.deliverFindings(r.Context, det.deliver, trace.SpanContext{})
		r.maybeExplain(r.Context, det.explainR)
		return
	}
	ctx, span := r.startSpan()
	if span.IsRecording() {
		r.setSpanAttributes(span, usage, &det)
		for _, f := range det.deliver {
			span.AddEvent(EventFinding, findingEvent(f))
		}
	}
	r.deliverFindings(ctx, det.deliver, span.SpanContext())
	span.End(trace.WithTimestamp(end))
	r.maybeExplain(ctx, det.explainR)
}

// recordMetrics records db.client.operation.duration (driver time) and, for
// queries, db.client.response.returned_rows, with the statement's attribute
// set computed once (plus error.type on failure).
func (r *run) recordMetrics() {
	m := r.conn.inst.metrics
	opts := r.stmt.metricOpts
	if r.err != nil {
		opts = metricOptions(r.stmt.metricAttrs, semconv.ErrorTypeKey.String(errorType(r.err)))
	}
	m.duration.Record(r.Context, r.driverTime.Seconds(), opts...)
	if r.method == MethodQuery {
		m.rows.Record(r.Context, r.rows, opts...)
	}
}

// startSpan starts the statement span now, after the driver call, at the
// time the call started. Starting it after rather than before means that a
// call the driver answers with driver.ErrSkip (database/sql then prepares
// and executes instead, which is measured on its own) never becomes a span,
// and that the driver never sees the statement span in its context: its own
// instrumentation, if any, stays a sibling rather than a child. What follows
// is the span's attributes, the finding events and the end at the time the
// call (or its rows) ended.
func (r *run) startSpan() (context.Context, trace.Span) {
	if r.early.span != nil {
		return r.early.ctx, r.early.span
	}
	if r.start.IsZero() { // from begin, before the call
		return r.conn.inst.tracer.Start(r.Context, r.stmt.name, clientKind)
	}
	return r.conn.inst.tracer.Start(r.Context, r.stmt.name, trace.WithTimestamp(r.start), clientKind)
}

// end ends a span that will have no statement after all (one that only a
// misbehaving driver leaves behind, see interceptor.carried).
func (e earlySpan) end() {
	if e.span != nil {
		e.span.End()
	}
}

// carried returns the span of a skipped call of query (zero when there is
// none) and forgets it. A span left by a call of another text, which
// database/sql never does, is ended as it is. It is small enough to be
// inlined for the common case of no span.
func (ic *interceptor) carried(query string) earlySpan {
	if ic.skipped.span == nil {
		return earlySpan{}
	}
	return ic.takeSkipped(query)
}

func (ic *interceptor) takeSkipped(query string) earlySpan {
	e := ic.skipped
	ic.skipped = earlySpan{}
	if e.query != query {
		e.end()
		return earlySpan{}
	}
	return e
}

// begin starts a run of a statement on this connection.
func (ic *interceptor) begin(r *run, ctx context.Context, m Method, query string, args []driver.NamedValue) bool {
	st, textHash := ic.state.stmts.Lookup(query)
	ok := ic.db.begin(r, ctx, m, st, query, args, ic.carried(query))
	r.textHash = textHash
	return ok
}

// skip ends a run the driver answered with driver.ErrSkip: it was no call,
// and becomes no span; a span started early waits for the call
// database/sql makes instead.
func (ic *interceptor) skip(r *run) {
	r.abandon()
	if r.early.span != nil {
		ic.skipped = r.early
	}
}

// setSpanAttributes sets the attributes of one execution on span: the
// statement's fixed ones, then what this execution measured and found.
func (r *run) setSpanAttributes(span trace.Span, usage resource.Delta, det *detection) {
	buf := attrBuffers.Get().(*[]attribute.KeyValue)
	attrs := (*buf)[:0]
	attrs = append(attrs, r.stmt.attrs...)
	if r.conn.inst.cfg.queryText == QueryTextRaw && r.query != "" {
		// Per execution: the statement is shared by texts that differ in
		// their literals.
		attrs = append(attrs, semconv.DBQueryText(truncateText(r.query, r.conn.inst.cfg.textLimit())))
	}
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
	attrs = r.findingSpanAttributes(attrs, det)
	span.SetAttributes(attrs...) // copies: the buffer can be reused
	clear(attrs)                 // drop references to strings before pooling
	*buf = attrs[:0]
	attrBuffers.Put(buf)
}

// findingSpanAttributes appends the findings of this execution: the N+1
// count, the kinds found now, earlier in the scope, or by EXPLAIN.
func (r *run) findingSpanAttributes(attrs []attribute.KeyValue, det *detection) []attribute.KeyValue {
	// From the second execution in a scope: a first execution says
	// nothing, and one attribute fewer keeps most spans under the SDK's
	// cheap attribute path.
	if det.count > 1 && (r.stmt.info.Kind == sqlinfo.KindSelect || r.stmt.info.SingleRowWrite) {
		attrs = append(attrs, AttrNPlusOneCount.Int(det.count))
	}
	return findingAttributes(attrs, det.kinds, det.spanFindings())
}

// deliverFindings hands the findings raised now to the metric, the handler
// and the logger; sc is the statement span's context (invalid when the
// statement was not offered to the sampler).
func (r *run) deliverFindings(ctx context.Context, fs []Finding, sc trace.SpanContext) {
	for _, f := range fs {
		if sc.IsValid() {
			f.SpanContext = sc
		}
		r.conn.inst.deliver(ctx, f)
	}
}

// failed notes err unless it is control flow: driver.ErrSkip asks
// database/sql to try another way and io.EOF ends rows.
func (r *run) failed(err error) {
	if err != nil && err != driver.ErrSkip && err != io.EOF && r.err == nil {
		r.err = err
	}
}

func (ic *interceptor) ConnExecContext(ctx context.Context, conn driver.ExecerContext, query string, args []driver.NamedValue) (driver.Result, error) {
	var r run
	if !ic.begin(&r, ctx, MethodExec, query, args) {
		return conn.ExecContext(ctx, query, args)
	}
	res, err := conn.ExecContext(ctx, ic.comment(&r, query), args)
	return ic.execDone(&r, res, err)
}

func (ic *interceptor) StmtExecContext(ctx context.Context, stmt driver.StmtExecContext, query string, args []driver.NamedValue) (driver.Result, error) {
	if c := copyStmtOf(query, stmt); c != nil {
		return c.exec(ctx, args) // one span per COPY, not per row (copy.go)
	}
	var r run
	if !ic.begin(&r, ctx, MethodExec, query, args) {
		return stmt.ExecContext(ctx, args)
	}
	res, err := stmt.ExecContext(ctx, args)
	return ic.execDone(&r, res, err)
}

// isSkip reports whether err is driver.ErrSkip, quickly when it is nil.
func isSkip(err error) bool {
	return err != nil && errors.Is(err, driver.ErrSkip)
}

func (ic *interceptor) execDone(r *run, res driver.Result, err error) (driver.Result, error) {
	if isSkip(err) {
		ic.skip(r)
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
	r := new(run) // the context of the rows: they outlive the call
	if !ic.begin(r, ctx, MethodQuery, query, args) {
		rows, err := conn.QueryContext(ctx, query, args)
		return ctx, rows, err
	}
	rows, err := conn.QueryContext(ctx, ic.comment(r, query), args)
	return ic.queryDone(r, ctx, rows, err)
}

func (ic *interceptor) StmtQueryContext(ctx context.Context, stmt driver.StmtQueryContext, query string, args []driver.NamedValue) (context.Context, driver.Rows, error) {
	r := new(run) // the context of the rows: they outlive the call
	if !ic.begin(r, ctx, MethodQuery, query, args) {
		rows, err := stmt.QueryContext(ctx, args)
		return ctx, rows, err
	}
	rows, err := stmt.QueryContext(ctx, args)
	return ic.queryDone(r, ctx, rows, err)
}

// queryDone either ends a failed query or returns the run as the context
// of its rows, so RowsNext and RowsClose can count and end it.
func (ic *interceptor) queryDone(r *run, ctx context.Context, rows driver.Rows, err error) (context.Context, driver.Rows, error) {
	if isSkip(err) {
		ic.skip(r)
		return ctx, rows, err
	}
	r.driverTime = time.Since(r.start)
	if err != nil {
		r.failed(err)
		r.finish()
		return ctx, rows, err
	}
	return r, rows, nil
}

// nextSampleEvery is how often a Rows.Next call after the second is timed.
const nextSampleEvery = 16

// RowsNext counts rows and, for traced queries, measures the driver's time
// without two clock reads per row: the first call is timed (where a driver
// typically waits for the server's first answer), then the second and every
// nextSampleEvery-th; addRowTime extrapolates the untimed calls from the
// timed ones. Untraced queries are not timed past the query call.
func (ic *interceptor) RowsNext(ctx context.Context, rows driver.Rows, dest []driver.Value) error {
	r, ok := ctx.(*run)
	if !ok {
		return rows.Next(dest)
	}
	var err error
	if k := r.nexts; r.traced && (k == 0 || k%nextSampleEvery == 1) {
		t := time.Now()
		err = rows.Next(dest)
		d := time.Since(t)
		if k == 0 {
			r.driverTime += d
		} else {
			r.sampledNext += d
			r.sampled++
		}
	} else {
		err = rows.Next(dest)
	}
	r.nexts++
	if err == nil {
		r.rows++
	} else {
		r.eof = err == io.EOF
		r.failed(err)
	}
	return err
}

// addRowTime adds the estimated time of the Rows.Next calls after the
// first: the mean of the timed ones times their number.
func (r *run) addRowTime() {
	if r.sampled > 0 && r.nexts > 1 {
		r.driverTime += time.Duration(int64(r.sampledNext) * (r.nexts - 1) / r.sampled)
	}
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
	var r run
	ok := ic.db.begin(&r, ctx, MethodBegin, ic.state.fixed[MethodBegin], "", nil, ic.carried(""))
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
	if !ic.db.inst.cfg.connectionSpans {
		return conn.Ping(ctx)
	}
	return ic.simple(ctx, MethodPing, func() error { return conn.Ping(ctx) })
}

// simple measures a call without statement text or rows.
func (ic *interceptor) simple(ctx context.Context, m Method, call func() error) error {
	var r run
	ok := ic.db.begin(&r, ctx, m, ic.state.fixed[m], "", nil, ic.carried(""))
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
	accepted := ic.skipped.span != nil && ic.skipped.query == query
	r, ok := ic.db.beginPrepare(ctx, ic.state.stmts.Get(query), query, accepted)
	stmt, err := conn.PrepareContext(ctx, query)
	if err != nil {
		// The span of the skipped call this prepare stands in for, if any,
		// becomes the error's span.
		r.early = ic.carried(query)
		if !ok {
			r.early.end()
		} else {
			r.driverTime = time.Since(r.start)
			r.failed(err)
			r.finish()
		}
		return ctx, stmt, err
	}
	_, connNVC := ic.raw.(driver.NamedValueChecker)
	return ctx, ic.wrapCopy(query, fixStatement(stmt, connNVC)), nil
}
