package sqltrace

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/explain"
	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// inLookupRecheck is how often a statement with an IN lookup is offered to
// the sampler again (the sampler's own dedupe TTL decides the rest).
const inLookupRecheck = 10 * time.Minute

// explainer owns a database's background EXPLAIN sampler. The sampler (and
// its workers) starts on the first statement that qualifies, and stops
// when the database closes.
type explainer struct {
	mu      sync.Mutex
	closed  bool
	sampler atomic.Pointer[explain.Sampler]
}

func explainDialect(system string) explain.Dialect {
	switch system {
	case SystemMySQL:
		return explain.MySQL
	case SystemMariaDB:
		return explain.MariaDB
	case SystemPostgreSQL:
		return explain.PostgreSQL
	case SystemSQLite:
		return explain.SQLite
	}
	return ""
}

// samplerFor returns the running sampler, starting it if needed; nil when
// explain is off, the dialect unknown or the database closed.
func (c *connector) samplerFor(system string) *explain.Sampler {
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
	opts := append([]explain.Option{
		explain.WithTracerProvider(c.inst.cfg.tracerProvider),
		explain.WithMeterProvider(c.inst.cfg.meterProvider),
		explain.WithFindingsHook(c.onVerdict),
	}, c.inst.cfg.explainOptions...)
	s := explain.New(c.parent, d, opts...)
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

// cachedFindings returns the plan findings already known for a statement.
func (c *connector) cachedFindings(st *statement) []Finding {
	s := c.explain.sampler.Load()
	if s == nil {
		return nil
	}
	v, ok := s.Cached(st.info.Fingerprint)
	if !ok || len(v.Findings) == 0 {
		return nil
	}
	out := make([]Finding, len(v.Findings))
	for i, f := range v.Findings {
		out[i] = planFinding(f, st.info.Fingerprint, st.info.Summary)
	}
	return out
}

// maybeExplain hands the statement to the sampler when it qualifies: a
// detector asked for it (slow, N+1, repeated write), or it looks rows up
// with IN (...) / = ANY(...) and has not been offered recently. ctx
// carries the statement's span, the parent of the EXPLAIN span.
func (r *run) maybeExplain(ctx context.Context, reason string) {
	st := r.stmt
	info := st.info
	if r.err != nil || r.query == "" {
		return
	}
	if reason == "" && len(info.InColumns) > 0 && info.Kind != sqlinfo.KindOther && info.Kind != sqlinfo.KindInsert {
		now := r.start.UnixNano()
		next := st.explainAfter.Load()
		if now < next || !st.explainAfter.CompareAndSwap(next, now+int64(inLookupRecheck)) {
			return
		}
		reason = "in_lookup"
	}
	if reason == "" {
		return
	}
	s := r.conn.samplerFor(st.system)
	if s == nil {
		return
	}
	r.conn.submitExplain(ctx, s, explain.Statement{
		Query:       r.query,
		Args:        r.args,
		Fingerprint: info.Fingerprint,
		Summary:     info.Summary,
		Tables:      explainTables(info.Tables),
		InColumns:   explainColumns(info.InColumns),
		Reason:      reason,
	})
}

// onVerdict is the sampler's hook: it puts the plan findings on the
// EXPLAIN span and delivers them like every other finding.
func (c *connector) onVerdict(ctx context.Context, span trace.Span, st explain.Statement, v explain.Verdict) {
	defer c.explainDelivered() // after the findings: tests wait for it (settle.go)
	if len(v.Findings) == 0 {
		return
	}
	fs := make([]Finding, len(v.Findings))
	kinds := make([]Kind, len(v.Findings))
	sc := span.SpanContext()
	for i, f := range v.Findings {
		fs[i] = planFinding(f, st.Fingerprint, st.Summary)
		fs[i].SpanContext = sc
		kinds[i] = fs[i].Kind
	}
	if span.IsRecording() {
		span.SetAttributes(findingAttributes(nil, kinds, fs)...)
		for _, f := range fs {
			span.AddEvent(EventFinding, findingEvent(f))
		}
	}
	for _, f := range fs {
		c.inst.deliver(ctx, f)
	}
}

func planFinding(f explain.Finding, fingerprint, summary string) Finding {
	return Finding{
		Kind: Kind(f.Kind), Message: f.Message, Suggestion: f.Suggestion,
		Fingerprint: fingerprint, Summary: summary, Table: f.Table, Columns: f.Columns,
	}
}

func explainTables(ts []sqlinfo.TableRef) []explain.TableRef {
	out := make([]explain.TableRef, len(ts))
	for i, t := range ts {
		out[i] = explain.TableRef{Name: t.Name, Alias: t.Alias}
	}
	return out
}

func explainColumns(cs []sqlinfo.ColumnRef) []explain.ColumnRef {
	out := make([]explain.ColumnRef, len(cs))
	for i, c := range cs {
		out[i] = explain.ColumnRef{Qualifier: c.Qualifier, Name: c.Name}
	}
	return out
}
