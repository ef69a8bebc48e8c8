package sqltrace

import (
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
	"github.com/sqlsight/sqlsight/internal/vocab"
)

// Attribute keys of sqlsight's own telemetry (docs/TELEMETRY.md).
const (
	AttrFingerprint  = vocab.AttrFingerprint
	AttrDriverTimeMS = vocab.AttrDriverTimeMS
	AttrRowsAffected = vocab.AttrRowsAffected
	// AttrConcurrentStatements is the number of traced statements in flight
	// when this one started (itself included).
	AttrConcurrentStatements = vocab.AttrConcurrentStatements
)

// statement is what a traced database knows about one query shape, built
// once and shared by every text of that shape (texts that differ only in
// literal values, see sqlinfo.ShapeKey): the span name, the attributes that
// do not change between executions, and the metric record options. Nothing
// in it may depend on a literal: the raw text, when recorded, is added per
// execution.
type statement struct {
	info   *sqlinfo.Info
	fpHash uint64 // the fingerprint as the detectors' key
	system string
	// explainAfter is when an IN lookup may next be offered to EXPLAIN
	// (unix nanoseconds).
	explainAfter atomic.Int64
	// lastDriverTime is the driver time of the latest execution, -1 before
	// the first; it decides whether the next one takes resource snapshots.
	// Fixed statements (BEGIN, COMMIT, ...) never do.
	lastDriverTime atomic.Int64
	fixed          bool
	// loopWalk is what the loop rule's last walk of the stack found (see
	// walkLoopStack).
	loopWalk walkHint
	// tableKeys are the tableHash of each of info.Tables: a write records
	// them in its scope on every execution.
	tableKeys []uint64
	name      string
	attrs     []attribute.KeyValue
	// metricAttrs are the low-cardinality attributes of the metrics.
	metricAttrs []attribute.KeyValue
	metricOpts  []metric.RecordOption
}

func newStatement(query string, d sqlinfo.Dialect, base []attribute.KeyValue, cfg *config) *statement {
	info := sqlinfo.Parse(query, d)
	s := &statement{info: info, name: info.Summary, fpHash: fingerprintHash(info.Fingerprint)}
	s.lastDriverTime.Store(-1)
	for _, t := range info.Tables {
		s.tableKeys = append(s.tableKeys, tableHash(t.Name))
	}
	s.system = systemOf(base)
	if s.name == "" {
		s.name = s.system
	}
	s.metricAttrs = append([]attribute.KeyValue(nil), base...)
	if info.Operation != "" {
		s.metricAttrs = append(s.metricAttrs, semconv.DBOperationName(info.Operation))
	}
	if info.Collection != "" {
		s.metricAttrs = append(s.metricAttrs, semconv.DBCollectionName(info.Collection))
	}
	s.metricOpts = metricOptions(s.metricAttrs)

	s.attrs = append([]attribute.KeyValue(nil), s.metricAttrs...)
	if info.Summary != "" {
		s.attrs = append(s.attrs, semconv.DBQuerySummary(info.Summary))
	}
	if limit := cfg.textLimit(); limit >= 0 && len(info.Sanitized) > limit {
		// Keep only what goes on the spans: the statement may be cached
		// for a text of megabytes.
		short := *info
		short.Sanitized = truncateText(info.Sanitized, limit)
		s.info = &short
	}
	if cfg.queryText == QueryTextSanitized {
		s.attrs = append(s.attrs, semconv.DBQueryText(s.info.Sanitized))
	}
	s.attrs = append(s.attrs, AttrFingerprint.String(info.Fingerprint))
	return s
}

// size is what the statement cache counts for s: the strings it holds
// beyond the query text's own memory, and a share for the rest.
func (s *statement) size() int {
	n := 256 + 48*len(s.attrs) + 8*len(s.tableKeys) + len(s.info.Fingerprint) + len(s.info.Summary) + len(s.info.Sanitized)
	for _, kv := range s.attrs {
		if kv.Value.Type() == attribute.STRING {
			n += len(kv.Value.AsString())
		}
	}
	for _, t := range s.info.Tables {
		n += 32 + len(t.Name) + len(t.Alias)
	}
	for _, c := range s.info.InColumns {
		n += 32 + len(c.Qualifier) + len(c.Name)
	}
	return n
}

// newFixedStatement describes calls without query text: BEGIN, COMMIT, ...
func newFixedStatement(op string, base []attribute.KeyValue) *statement {
	s := &statement{info: &sqlinfo.Info{Summary: op, Operation: op}, name: op, fixed: true}
	s.metricAttrs = append(append([]attribute.KeyValue(nil), base...), semconv.DBOperationName(op))
	s.metricOpts = metricOptions(s.metricAttrs)
	s.attrs = s.metricAttrs
	return s
}

func systemOf(base []attribute.KeyValue) string {
	for _, kv := range base {
		if kv.Key == semconv.DBSystemNameKey {
			return kv.Value.AsString()
		}
	}
	return SystemOther
}

// wantsDeltas says whether an execution takes the CPU and heap snapshots
// (about 2 µs for the pair): the first execution of a text does, and later
// ones when the previous execution spent at least min in the driver. The
// process-wide deltas of a statement that takes microseconds are noise;
// those of slow statements show what a slow batch costs the process.
func (s *statement) wantsDeltas(min time.Duration) bool {
	if s.fixed {
		return false
	}
	last := s.lastDriverTime.Load()
	return last < 0 || time.Duration(last) >= min
}
