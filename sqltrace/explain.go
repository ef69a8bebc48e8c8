package sqltrace

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/explainer"
	"github.com/sqlsight/sqlsight/internal/sqlinfo"
	"github.com/sqlsight/sqlsight/internal/vocab"
)

// inLookupRecheck is how often a statement with an IN lookup is offered to
// the sampler again (the sampler's own dedupe TTL decides the rest).
const inLookupRecheck = 10 * time.Minute

// explainState owns a database's background EXPLAIN sampler. The sampler (and
// its workers) starts on the first statement that qualifies, and stops
// when the database closes. It also remembers, per fingerprint submitted,
// what a verdict needs to be delivered to every request and dropped when
// the schema changes.
type explainState struct {
	mu      sync.Mutex
	closed  bool
	sampler atomic.Pointer[explainer.Sampler]

	// flagged has a bit per fingerprint hash (modulo its size) that was
	// ever submitted: only those look their verdict up per execution.
	flagged [flaggedWords]atomic.Uint64
	// schemaChangedAt is when DDL last went through (unix nanoseconds): an
	// IN lookup offered before it may be offered again at once.
	schemaChangedAt atomic.Int64

	idxMu sync.Mutex
	index map[string]*explained
	// lossy is set once an entry was evicted: DDL then drops every verdict,
	// since it can no longer tell which ones name its table.
	lossy bool
}

const (
	flaggedWords = 1024 // 64 Ki bits
	// maxExplained bounds the index: each entry is at most a few hundred
	// bytes (maxWaiters waiters, maxReadTables tables).
	maxExplained = 4096
	maxWaiters   = 8
)

// explained is what is known about one submitted fingerprint.
type explained struct {
	tables  []uint64 // table hashes, for DDL
	catalog bool     // reads only system catalogs: its findings are dropped
	loc     Location // of the execution submitted
	pending bool     // submitted, no verdict yet
	stale   bool     // DDL named its tables while it was pending
	// waiting are the scopes that ran the statement while it was pending,
	// the submitter first: each gets the verdict's findings once.
	waiting []waiter
}

type waiter struct {
	scope     scopeKey
	span      trace.SpanContext
	hasScope  bool
	submitter bool
}

func (e *explainState) flag(fpHash uint64) {
	w := &e.flagged[fpHash/64%flaggedWords]
	bit := uint64(1) << (fpHash % 64)
	if w.Load()&bit == 0 {
		w.Or(bit)
	}
}

func (e *explainState) isFlagged(fpHash uint64) bool {
	return e.flagged[fpHash/64%flaggedWords].Load()&(uint64(1)<<(fpHash%64)) != 0
}

// prepare records a submission about to be made; false when one is
// pending already (the caller then waits for it instead).
func (e *explainState) prepare(fp string, info *sqlinfo.Info, loc Location, w waiter) bool {
	e.idxMu.Lock()
	defer e.idxMu.Unlock()
	if e.index == nil {
		e.index = make(map[string]*explained)
	}
	x := e.index[fp]
	if x != nil && x.pending {
		if w.hasScope {
			x.addWaiter(w)
		}
		return false
	}
	if x == nil {
		if len(e.index) >= maxExplained {
			e.evictOne()
		}
		x = &explained{catalog: isCatalog(info)}
		for _, t := range info.Tables[:min(len(info.Tables), maxReadTables)] {
			x.tables = append(x.tables, tableHash(t.Name))
		}
		e.index[fp] = x
	}
	w.submitter = true
	x.loc, x.pending, x.stale, x.waiting = loc, true, false, append(x.waiting[:0], w)
	return true
}

// unprepare undoes prepare for a statement the sampler did not take.
func (e *explainState) unprepare(fp string) {
	e.idxMu.Lock()
	if x := e.index[fp]; x != nil {
		x.pending, x.waiting = false, nil
	}
	e.idxMu.Unlock()
}

// evictOne makes room, sparing pending entries when it can (a verdict
// still to come would lose its waiters).
func (e *explainState) evictOne() {
	victim := ""
	for k, x := range e.index {
		victim = k
		if !x.pending {
			break
		}
	}
	delete(e.index, victim)
	e.lossy = true
}

func (x *explained) addWaiter(w waiter) {
	for _, o := range x.waiting {
		if o.hasScope && o.scope == w.scope {
			return
		}
	}
	if len(x.waiting) < maxWaiters {
		x.waiting = append(x.waiting, w)
	}
}

// wait registers a scope that ran a statement whose EXPLAIN is pending.
func (e *explainState) wait(fp string, scope scopeKey, span trace.SpanContext) {
	e.idxMu.Lock()
	if x := e.index[fp]; x != nil && x.pending {
		x.addWaiter(waiter{scope: scope, span: span, hasScope: true})
	}
	e.idxMu.Unlock()
}

func (e *explainState) isPending(fp string) bool {
	e.idxMu.Lock()
	defer e.idxMu.Unlock()
	x := e.index[fp]
	return x != nil && x.pending
}

// settle ends the pending state of fp and returns what the verdict needs.
func (e *explainState) settle(fp string) (x explained, ok bool) {
	e.idxMu.Lock()
	defer e.idxMu.Unlock()
	p := e.index[fp]
	if p == nil {
		return explained{}, false
	}
	x = *p
	p.pending, p.stale, p.waiting = false, false, nil
	return x, true
}

// schemaChanged drops the verdicts naming the tables of a DDL statement
// (all of them when all is set), so that the next execution is explained
// afresh rather than carrying a finding the change may have fixed.
func (c *connector) schemaChanged(names []string, all bool) {
	e := &c.explain
	e.schemaChangedAt.Store(time.Now().UnixNano())
	s := e.sampler.Load()
	if s == nil {
		return
	}
	changed := make(map[uint64]bool, len(names))
	for _, n := range names {
		changed[tableHash(n)] = true
	}
	e.idxMu.Lock()
	defer e.idxMu.Unlock()
	if all || e.lossy {
		for fp, x := range e.index {
			if x.pending {
				x.stale = true
			} else {
				delete(e.index, fp)
			}
		}
		e.lossy = false
		s.ForgetAll()
		return
	}
	for fp, x := range e.index {
		for _, t := range x.tables {
			if !changed[t] {
				continue
			}
			if x.pending {
				x.stale = true
			} else {
				delete(e.index, fp)
				s.Forget(fp)
			}
			break
		}
	}
}

func explainDialect(system string) explainer.Dialect {
	switch system {
	case SystemMySQL:
		return explainer.MySQL
	case SystemMariaDB:
		return explainer.MariaDB
	case SystemPostgreSQL:
		return explainer.PostgreSQL
	case SystemSQLite:
		return explainer.SQLite
	}
	return ""
}

// samplerFor returns the running sampler, starting it if needed; nil when
// explain is off, the dialect unknown or the database closed.
func (c *connector) samplerFor(system string) *explainer.Sampler {
	if s := c.explain.sampler.Load(); s != nil {
		return s
	}
	d := explainDialect(system)
	if c.inst.cfg.noExplain || d == "" {
		return nil
	}
	c.explain.mu.Lock()
	defer c.explain.mu.Unlock()
	if c.explain.closed {
		return nil
	}
	if s := c.explain.sampler.Load(); s != nil {
		return s
	}
	opts := append([]explainer.Option{
		explainer.WithTracerProvider(c.inst.cfg.tracerProvider),
		explainer.WithMeterProvider(c.inst.cfg.meterProvider),
		explainer.WithFindingsHook(c.onVerdict),
	}, c.inst.cfg.explainOptions...)
	s := explainer.New(c.parent, d, opts...)
	c.explain.sampler.Store(s)
	return s
}

func (c *connector) closeExplain() error {
	defer c.explainsClosed() // the sampler dropped its queue: stop waiting for it
	c.explain.mu.Lock()
	c.explain.closed = true
	s := c.explain.sampler.Load()
	c.explain.mu.Unlock()
	if s == nil {
		return nil
	}
	return s.Close()
}

// planFindings returns the plan findings known for a statement, or
// pending=true when its EXPLAIN is under way. Only statements submitted
// once pay more than a bit test.
func (c *connector) planFindings(st *statement) (fs []Finding, pending bool) {
	s := c.explain.sampler.Load()
	if s == nil || !c.explain.isFlagged(st.fpHash) {
		return nil, false
	}
	v, ok := s.Cached(st.info.Fingerprint)
	if !ok {
		return nil, c.explain.isPending(st.info.Fingerprint)
	}
	for _, f := range v.Findings {
		if f.Table != "" && catalogTable(f.Table) {
			continue
		}
		fs = append(fs, planFinding(f, st.info.Fingerprint, st.info.Summary))
	}
	return fs, false
}

// maybeExplain hands the statement to the sampler when it qualifies: a
// detector asked for it (slow, N+1, repeated write), or it looks rows up
// with IN (...) / = ANY(...) and has not been offered recently (or the
// schema changed since). Catalog lookups are never offered for their IN
// list. ctx carries the statement's span, the parent of the EXPLAIN span.
func (r *run) maybeExplain(ctx context.Context, reason vocab.Reason) {
	st := r.stmt
	info := st.info
	if r.err != nil || r.query == "" {
		return
	}
	if reason == "" && len(info.InColumns) > 0 && info.Kind != sqlinfo.KindOther && info.Kind != sqlinfo.KindDDL && info.Kind != sqlinfo.KindInsert && !isCatalog(info) {
		now := r.start.UnixNano()
		next := st.explainAfter.Load()
		offered := next - int64(inLookupRecheck)
		if now < next && r.conn.explain.schemaChangedAt.Load() < offered {
			return
		}
		if !st.explainAfter.CompareAndSwap(next, now+int64(inLookupRecheck)) {
			return
		}
		reason = vocab.ReasonInLookup
	}
	if reason == "" {
		return
	}
	s := r.conn.samplerFor(st.system)
	if s == nil {
		return
	}
	scope, inScope := scopeOf(r.Context)
	w := waiter{scope: scope, hasScope: inScope, span: trace.SpanContextFromContext(ctx)}
	if !r.conn.explain.prepare(info.Fingerprint, info, r.conn.inst.cfg.callerLocation(), w) {
		return
	}
	r.conn.explain.flag(st.fpHash)
	ok := r.conn.submitExplain(ctx, s, explainer.Statement{
		Query:       r.query,
		Args:        r.args,
		Fingerprint: info.Fingerprint,
		Summary:     info.Summary,
		Tables:      slices.Clone(info.Tables), // explain may keep them; the Info is shared
		InColumns:   slices.Clone(info.InColumns),
		Reason:      reason,
	})
	if !ok {
		r.conn.explain.unprepare(info.Fingerprint)
	}
}

// onVerdict is the sampler's hook: it puts the plan findings on the
// EXPLAIN span and delivers them like every other finding, once per scope,
// to the request that submitted the statement (in the EXPLAIN span's
// context) and to those that ran it while the EXPLAIN was under way.
func (c *connector) onVerdict(ctx context.Context, span trace.Span, st explainer.Statement, v explainer.Verdict) {
	defer c.explainDelivered() // after the findings: tests wait for it (settle.go)
	x, known := c.explain.settle(st.Fingerprint)
	if x.stale {
		// The schema changed while this was explained: the verdict may be
		// about an index that exists now.
		if s := c.explain.sampler.Load(); s != nil {
			s.Forget(st.Fingerprint)
		}
		return
	}
	if len(v.Findings) == 0 || (known && x.catalog) {
		return
	}
	fs := make([]Finding, 0, len(v.Findings))
	kinds := make([]Kind, 0, len(v.Findings))
	var set kindSet
	sc := span.SpanContext()
	for _, f := range v.Findings {
		if f.Table != "" && catalogTable(f.Table) {
			continue
		}
		pf := planFinding(f, st.Fingerprint, st.Summary)
		pf.SpanContext, pf.Location = sc, x.loc
		fs = append(fs, pf)
		kinds = append(kinds, pf.Kind)
		set.add(pf.Kind)
	}
	if len(fs) == 0 {
		return
	}
	if span.IsRecording() {
		span.SetAttributes(findingAttributes(nil, kinds, fs)...)
		if p := verifiedPlan(fs); p != "" {
			span.SetAttributes(vocab.AttrSuggestionPlan.String(p))
		}
		for _, f := range fs {
			span.AddEvent(EventFinding, findingEvent(f))
		}
	}
	if !known || len(x.waiting) == 0 {
		for _, f := range fs {
			c.inst.deliver(ctx, f)
		}
		return
	}
	fpHash := fingerprintHash(st.Fingerprint)
	now := time.Now().UnixNano()
	for _, w := range x.waiting {
		claimed := set
		if w.hasScope {
			claimed = c.tracker.claim(trackKey{scope: w.scope, fp: fpHash}, set, now)
		}
		wctx := ctx
		if !w.submitter {
			wctx = trace.ContextWithSpanContext(context.Background(), w.span)
		}
		for _, f := range fs {
			if !claimed.has(f.Kind) {
				continue
			}
			if !w.submitter {
				f.SpanContext = w.span
			}
			c.inst.deliver(wctx, f)
		}
	}
}

func planFinding(f explainer.Finding, fingerprint, summary string) Finding {
	return Finding{
		Kind: f.Kind, Message: f.Message, Suggestion: f.Suggestion,
		Fingerprint: fingerprint, Summary: summary, Table: f.Table, Columns: f.Columns,
		TableRows: f.TableRows, Verified: f.Verified, CostBefore: f.CostBefore, CostAfter: f.CostAfter,
		PlanWithIndex: f.PlanWithIndex,
	}
}

// verifiedPlan is the plan with the index of the first verified
// suggestion: it goes on the EXPLAIN span only, next to the plan without.
func verifiedPlan(fs []Finding) string {
	for _, f := range fs {
		if f.Verified && f.PlanWithIndex != "" {
			return f.PlanWithIndex
		}
	}
	return ""
}
