package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

var errNoConnector = errors.New("explain: sampler has no connector")

// Sampler explains statements in the background. Create it with New; it is
// safe for concurrent use; Close it when done.
type Sampler struct {
	cfg       *config
	connector driver.Connector
	hint      Dialect // as given, or guessed from the driver type

	cache   *verdictCache
	limiter *tokenBucket
	parts   *partitionCache
	// userCode caches PostgreSQL's user-defined functions and operators.
	userCode *userCodeCache
	jobs     chan job
	// queued is the bytes the statements in jobs hold (Statement.size).
	queued atomic.Int64

	// mu orders Submit's send against Close.
	mu     sync.RWMutex
	closed bool
	ctx    context.Context // cancelled by Close: stops workers and explains
	cancel context.CancelFunc
	wg     sync.WaitGroup

	poolMu sync.Mutex
	db     *sql.DB
	info   serverInfo
	infoOK bool

	tracer  trace.Tracer
	metrics *instruments
	stats   counters
}

type job struct {
	st     Statement
	key    string
	size   int
	parent trace.SpanContext
}

type counters struct {
	submitted, queued, done, cached, dropped, errors, skipped atomic.Uint64
}

// Stats are the Sampler's counters since New. Every Submit call ends as one
// of Queued, Cached, Dropped or Skipped; every queued statement as one of
// Done, Errors or Skipped (refused by the worker), or Dropped at Close.
type Stats struct {
	Submitted uint64 // Submit calls
	Queued    uint64 // statements accepted into the queue
	Done      uint64 // explained
	Cached    uint64 // not queued: a fresh verdict exists or one is pending
	Dropped   uint64 // not queued (rate limit, full queue) or dropped at Close
	Errors    uint64 // explains that failed (the failure is cached)
	Skipped   uint64 // refused: unsafe, too large, or submitted after Close
	// CacheEntries and QueueLen are the current sizes of the verdict cache
	// and the queue; CacheBytes and QueueBytes what they hold, as counted
	// against WithCacheBytes and WithMaxQueueBytes.
	CacheEntries int
	QueueLen     int
	CacheBytes   int
	QueueBytes   int
}

// New starts a Sampler's workers. connector must be the unwrapped connector
// of the application's database: the Sampler opens its own pool from it
// (at most two connections, lazily, on the first explain), so that EXPLAIN
// is never traced, never takes the application's connections and never
// runs inside its transactions. dialect may be empty to detect it.
func New(connector driver.Connector, dialect Dialect, opts ...Option) *Sampler {
	cfg := newConfig(opts)
	ctx, cancel := context.WithCancel(context.Background())
	hint := dialect
	if hint == "" && connector != nil {
		hint = dialectOfDriver(connector.Driver())
	}
	s := &Sampler{
		cfg:       cfg,
		connector: connector,
		hint:      hint,
		cache:     newVerdictCache(cfg.cacheSize, cfg.cacheBytes),
		limiter:   newTokenBucket(cfg.rate, cfg.burst, nil),
		parts:     newPartitionCache(1024, cfg.dedupeTTL),
		userCode:  newUserCodeCache(),
		jobs:      make(chan job, cfg.queueSize),
		ctx:       ctx,
		cancel:    cancel,
		tracer:    cfg.tracerProvider.Tracer(instrumentationName),
		metrics:   newInstruments(cfg.meterProvider),
	}
	s.wg.Add(cfg.workers)
	for i := 0; i < cfg.workers; i++ {
		go s.work()
	}
	return s
}

// Submit hands a statement over without blocking. It returns false when
// the statement was not accepted: deduplicated (a verdict younger than the
// dedupe TTL exists, or an explain is pending), rate limited, queue full,
// unsafe, too large, or the Sampler is closed. ctx is read only for its span
// context, the parent of the EXPLAIN span; it is not kept.
func (s *Sampler) Submit(ctx context.Context, st Statement) bool {
	s.stats.submitted.Add(1)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return s.skip(ctx, SkipClosed)
	}
	size := st.size(maxStatementBytes)
	if size > maxStatementBytes {
		return s.skip(ctx, SkipTooLarge)
	}
	key := st.Fingerprint
	if key == "" {
		key = st.Query
	}
	now := time.Now()
	switch a, reason := s.cache.lookup(key, now, s.cfg.dedupeTTL); a {
	case admitPending, admitFresh:
		return s.reject(ctx, OutcomeCached)
	case admitSkipped:
		return s.skip(ctx, reason)
	}
	if !s.limiter.allow() {
		return s.reject(ctx, OutcomeDropped)
	}
	// The lexer costs microseconds: it runs after the rate limit, at most a
	// few times a second, and its verdict on unsafe text is remembered.
	if _, err := checkWith(s.lexDialect(), st.Query, s.cfg.pureFunctions); err != nil {
		reason := skipReason(err, st.Query)
		s.cache.skip(key, reason)
		return s.skip(ctx, reason)
	}
	if !s.cache.reserve(key, now, s.cfg.dedupeTTL) {
		return s.reject(ctx, OutcomeCached)
	}
	if s.queued.Add(int64(size)) > int64(s.cfg.queueBytes) {
		s.queued.Add(-int64(size))
		s.cache.release(key)
		return s.reject(ctx, OutcomeDropped)
	}
	j := job{st: st.clone(), key: key, size: size, parent: trace.SpanContextFromContext(ctx)}
	select {
	case s.jobs <- j:
		s.stats.queued.Add(1)
		return true
	default:
		s.queued.Add(-int64(size))
		s.cache.release(key)
		return s.reject(ctx, OutcomeDropped)
	}
}

func (s *Sampler) reject(ctx context.Context, outcome string) bool {
	s.record(ctx, outcome, "")
	return false
}

// skip rejects a statement as skipped, for reason (a Skip constant).
func (s *Sampler) skip(ctx context.Context, reason string) bool {
	s.record(ctx, OutcomeSkipped, reason)
	return false
}

// record counts an outcome in Stats and in the metric; reason says why a
// statement was skipped.
func (s *Sampler) record(ctx context.Context, outcome, reason string) {
	switch outcome {
	case OutcomeDone:
		s.stats.done.Add(1)
	case OutcomeCached:
		s.stats.cached.Add(1)
	case OutcomeDropped:
		s.stats.dropped.Add(1)
	case OutcomeError:
		s.stats.errors.Add(1)
	case OutcomeSkipped:
		s.stats.skipped.Add(1)
	}
	s.metrics.count(ctx, outcome, reason)
}

// lexDialect is the dialect Submit's safety check lexes with before the
// server is known; the worker checks again with the detected one.
func (s *Sampler) lexDialect() Dialect {
	if s.hint != "" {
		return s.hint
	}
	return PostgreSQL // the strictest reading of quotes and comments
}

// Cached returns the verdict cached for a fingerprint, if any. It is cheap:
// a map lookup under a sharded read lock, no allocation. A verdict older
// than the dedupe TTL is still returned until a new explain replaces it.
func (s *Sampler) Cached(fingerprint string) (Verdict, bool) {
	return s.cache.get(fingerprint)
}

// Stats returns the Sampler's counters.
func (s *Sampler) Stats() Stats {
	return Stats{
		Submitted:    s.stats.submitted.Load(),
		Queued:       s.stats.queued.Load(),
		Done:         s.stats.done.Load(),
		Cached:       s.stats.cached.Load(),
		Dropped:      s.stats.dropped.Load(),
		Errors:       s.stats.errors.Load(),
		Skipped:      s.stats.skipped.Load(),
		CacheEntries: s.cache.len(),
		QueueLen:     len(s.jobs),
		CacheBytes:   s.cache.byteSize(),
		QueueBytes:   int(s.queued.Load()),
	}
}

// Close stops the workers (cancelling a running explain and waiting for
// them), drops what is still queued and closes the pool. It is idempotent;
// Submit after Close returns false.
func (s *Sampler) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	for {
		select {
		case j := <-s.jobs:
			s.queued.Add(-int64(j.size))
			s.cache.release(j.key)
			s.record(context.Background(), OutcomeDropped, "")
			continue
		default:
		}
		break
	}
	s.poolMu.Lock()
	db := s.db
	s.db = nil
	s.poolMu.Unlock()
	if db != nil {
		return db.Close()
	}
	return nil
}

func (s *Sampler) work() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case j := <-s.jobs:
			s.queued.Add(-int64(j.size))
			s.process(j)
		}
	}
}

// process explains one statement and records the EXPLAIN span.
func (s *Sampler) process(j job) {
	if s.ctx.Err() != nil {
		s.cache.release(j.key)
		s.record(context.Background(), OutcomeDropped, "")
		return
	}
	name := "EXPLAIN"
	if j.st.Summary != "" {
		name += " " + j.st.Summary
	}
	ctx := trace.ContextWithSpanContext(s.ctx, j.parent)
	ctx, span := s.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()

	v, info := s.explain(ctx, j.st)
	if v.Err != nil && s.ctx.Err() != nil {
		// Closing, not failing: nothing to remember.
		s.cache.release(j.key)
		setError(span, v.Err)
		s.record(ctx, OutcomeDropped, "")
		return
	}
	s.cache.store(j.key, v, time.Now())

	attrs := []attribute.KeyValue{systemAttr(info.dialect)}
	if j.st.Summary != "" {
		attrs = append(attrs, semconv.DBQuerySummaryKey.String(j.st.Summary))
	}
	if j.st.Fingerprint != "" {
		attrs = append(attrs, AttrFingerprint.String(j.st.Fingerprint))
	}
	if j.st.Reason != "" {
		attrs = append(attrs, AttrReason.String(string(j.st.Reason)))
	}
	if v.Plan != nil {
		attrs = append(attrs, planAttributes(v.Plan)...)
	}
	span.SetAttributes(attrs...)
	outcome, reason := OutcomeDone, ""
	if v.Err != nil {
		setError(span, v.Err)
		outcome = OutcomeError
		if errors.Is(v.Err, ErrUnsafe) || errors.Is(v.Err, errSQLiteNoFile) {
			outcome, reason = OutcomeSkipped, skipReason(v.Err, j.st.Query)
			span.SetAttributes(AttrSkipReason.String(reason))
		}
	}
	if s.cfg.hook != nil {
		s.callHook(ctx, span, j.st, v)
	} else {
		addFindings(span, v.Findings)
	}
	s.record(ctx, outcome, reason)
}

// callHook runs the user's hook; a panic in it must not take the worker
// (and the host) down.
func (s *Sampler) callHook(ctx context.Context, span trace.Span, st Statement, v Verdict) {
	defer func() {
		if r := recover(); r != nil {
			span.SetAttributes(vocab.AttrExplainHookPanic.String("recovered"))
		}
	}()
	s.cfg.hook(ctx, span, st, v)
}

// explain runs and analyses one statement within the timeout.
func (s *Sampler) explain(ctx context.Context, st Statement) (v Verdict, info serverInfo) {
	defer func() {
		if r := recover(); r != nil {
			v = Verdict{Err: ErrInternal}
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	defer cancel()
	db, info, err := s.pool(ctx)
	if err != nil {
		return Verdict{Err: err}, info
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return Verdict{Err: err}, info
	}
	defer conn.Close()
	p, err := explainOn(ctx, conn, info, st, runOptions{analyze: s.cfg.analyze, partitions: s.parts, reconnect: db.Conn, pure: s.cfg.pureFunctions, userCode: s.userCode})
	if info.dialect == SQLite {
		releaseSQLiteConn(ctx, conn)
	}
	if err != nil {
		return Verdict{Err: err}, info
	}
	findings := analyze(p, st, s.cfg)
	if !s.cfg.rawPlans {
		redactPlan(p)
	}
	p.Text = truncate(p.render(false), s.cfg.maxPlanBytes)
	return Verdict{Plan: p, Findings: findings}, info
}

// pool opens the Sampler's own pool on first use and detects the server
// once (a failed detection is retried on the next explain). On SQLite the
// pool's connections are opened by sqliteExplainConnector (read-only,
// without locks in rollback-journal mode), and only a WAL connection is kept
// idle (see releaseSQLiteConn).
func (s *Sampler) pool(ctx context.Context) (*sql.DB, serverInfo, error) {
	s.poolMu.Lock()
	defer s.poolMu.Unlock()
	if s.connector == nil {
		return nil, serverInfo{dialect: s.hint}, errNoConnector
	}
	if s.db == nil {
		if s.ctx.Err() != nil {
			return nil, serverInfo{dialect: s.hint}, s.ctx.Err()
		}
		s.openPool(s.hint == SQLite)
	}
	if !s.infoOK {
		info, err := detectServer(ctx, s.db, s.hint)
		if err != nil {
			return nil, serverInfo{dialect: s.hint}, err
		}
		if info.dialect == SQLite && s.hint != SQLite {
			// Told by the server, not the driver: the pool opened so far
			// used the application's DSN.
			_ = s.db.Close()
			s.openPool(true)
		}
		s.info, s.infoOK = info, true
	}
	return s.db, s.info, nil
}

func (s *Sampler) openPool(sqlite bool) {
	if sqlite {
		s.db = sql.OpenDB(&sqliteExplainConnector{app: s.connector})
		s.db.SetMaxOpenConns(2)
		s.db.SetMaxIdleConns(1)
		return
	}
	s.db = sql.OpenDB(s.connector)
	s.db.SetMaxOpenConns(2)
	s.db.SetMaxIdleConns(2)
	s.db.SetConnMaxIdleTime(time.Minute)
}
