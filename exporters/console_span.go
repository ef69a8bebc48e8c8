package exporters

import (
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// finding is one problem shown under a span: from a sqlsight.finding event,
// or only a kind listed in sqlsight.findings.
type finding struct {
	kind, message, suggestion string
	check                     planCheck // of the suggestion
}

// planCheck is what the planner said about a suggested index: nothing
// (known false: not an index suggestion, or telemetry without it),
// unverified, or verified with the costs before and after.
type planCheck struct {
	known, verified       bool
	costBefore, costAfter float64
}

// read takes kv when it is one of the sqlsight.suggestion.* attributes.
func (c *planCheck) read(kv attribute.KeyValue) bool {
	switch kv.Key {
	case vocab.AttrSuggestionVerified:
		c.known, c.verified = kv.Value.Type() == attribute.BOOL, kv.Value.AsBool()
	case vocab.AttrSuggestionCostBefore:
		c.costBefore = kv.Value.AsFloat64()
	case vocab.AttrSuggestionCostAfter:
		c.costAfter = kv.Value.AsFloat64()
	default:
		return false
	}
	return true
}

// spanView is what the tree shows of one span, read once from its
// attributes, events and status.
type spanView struct {
	name     string
	id       trace.SpanID
	parent   trace.SpanID
	kind     trace.SpanKind
	start    time.Time
	duration time.Duration

	// metrics holds the numbers, each with whether the span carried it.
	metrics spanMetrics

	nPlusOneCount int64
	findings      []finding
	plan          string
	// location is where the application ran the statement, from the
	// code.* attributes sqltrace sets on spans with findings.
	location string

	failed    bool
	errorText string

	// statement marks a span of a SQL statement (not an EXPLAIN span, not
	// the application's own spans); the footer counts them.
	statement bool
}

// spanMetrics are the additive numbers of a span; a collapsed run of
// spans shows their sums.
type spanMetrics struct {
	rows, affected, heap    int64
	driver, cpuUser, cpuSys time.Duration
	hasRows, hasAffected    bool
	hasHeap, hasDriver      bool
	hasCPUUser, hasCPUSys   bool
}

func (m *spanMetrics) add(o spanMetrics) {
	m.rows += o.rows
	m.affected += o.affected
	m.heap += o.heap
	m.driver += o.driver
	m.cpuUser += o.cpuUser
	m.cpuSys += o.cpuSys
	m.hasRows = m.hasRows || o.hasRows
	m.hasAffected = m.hasAffected || o.hasAffected
	m.hasHeap = m.hasHeap || o.hasHeap
	m.hasDriver = m.hasDriver || o.hasDriver
	m.hasCPUUser = m.hasCPUUser || o.hasCPUUser
	m.hasCPUSys = m.hasCPUSys || o.hasCPUSys
}

func msDuration(ms float64) time.Duration {
	return time.Duration(ms * float64(time.Millisecond))
}

// numberMS reads a millisecond attribute that should be a float but may
// have been recorded as an integer.
func numberMS(v attribute.Value) (time.Duration, bool) {
	switch v.Type() {
	case attribute.FLOAT64:
		return msDuration(v.AsFloat64()), true
	case attribute.INT64:
		return time.Duration(v.AsInt64()) * time.Millisecond, true
	}
	return 0, false
}

func intValue(v attribute.Value) (int64, bool) {
	switch v.Type() {
	case attribute.INT64:
		return v.AsInt64(), true
	case attribute.FLOAT64:
		return int64(v.AsFloat64()), true
	}
	return 0, false
}

func viewOf(s sdktrace.ReadOnlySpan) spanView {
	v := spanView{
		name:     s.Name(),
		id:       s.SpanContext().SpanID(),
		parent:   s.Parent().SpanID(),
		kind:     s.SpanKind(),
		start:    s.StartTime(),
		duration: max(s.EndTime().Sub(s.StartTime()), 0),
	}
	var (
		kinds        []string
		suggestion   string
		check        planCheck
		indexTable   string
		indexColumns []string
		errorType    string
		dbSpan       bool
		code         codeLocation
	)
	for _, kv := range s.Attributes() {
		m := &v.metrics
		if check.read(kv) || code.read(kv) {
			continue
		}
		switch kv.Key {
		case semconv.DBSystemNameKey, semconv.DBQueryTextKey, semconv.DBQuerySummaryKey:
			dbSpan = true
		case semconv.DBResponseReturnedRowsKey:
			m.rows, m.hasRows = intValue(kv.Value)
		case vocab.AttrRowsAffected:
			m.affected, m.hasAffected = intValue(kv.Value)
		case vocab.AttrDriverTimeMS:
			m.driver, m.hasDriver = numberMS(kv.Value)
			dbSpan = dbSpan || m.hasDriver
		case vocab.AttrCPUUserMS:
			m.cpuUser, m.hasCPUUser = numberMS(kv.Value)
		case vocab.AttrCPUSystemMS:
			m.cpuSys, m.hasCPUSys = numberMS(kv.Value)
		case vocab.AttrHeapAllocBytes:
			m.heap, m.hasHeap = intValue(kv.Value)
		case vocab.AttrFindings:
			kinds = kv.Value.AsStringSlice()
		case vocab.AttrNPlusOneCount:
			v.nPlusOneCount, _ = intValue(kv.Value)
		case vocab.AttrSuggestion:
			suggestion = kv.Value.Emit()
		case vocab.AttrIndexTable:
			indexTable = kv.Value.Emit()
		case vocab.AttrIndexColumns:
			indexColumns = kv.Value.AsStringSlice()
		case vocab.AttrExplainPlan:
			v.plan = kv.Value.Emit()
		case semconv.ErrorTypeKey:
			errorType = kv.Value.Emit()
		}
	}
	v.statement = dbSpan && v.plan == "" && !strings.HasPrefix(v.name, vocab.SpanExplain+" ")
	v.findings = findingsOf(s.Events(), kinds, finding{suggestion: suggestion, check: check}, indexTable, indexColumns)
	if len(v.findings) > 0 {
		v.location = code.String()
	}

	if st := s.Status(); st.Code == codes.Error || errorType != "" {
		v.failed = true
		v.errorText = st.Description
		if errorType != "" && errorType != st.Description {
			if v.errorText != "" {
				v.errorText += " "
			}
			v.errorText += "(error.type " + errorType + ")"
		}
	}
	return v
}

// findingsOf merges the finding events with the kinds listed in the
// sqlsight.findings attribute (an event may be missing when events were
// dropped by a span limit) and gives the span's own suggestion (fix: its
// text and what the planner said of it), or the missing index, to a finding
// that has none.
func findingsOf(events []sdktrace.Event, kinds []string, fix finding, indexTable string, indexColumns []string) []finding {
	suggestion := fix.suggestion
	var out []finding
	seen := make(map[string]bool, len(kinds))
	for _, e := range events {
		if e.Name != vocab.EventFinding {
			continue
		}
		var f finding
		for _, kv := range e.Attributes {
			if f.check.read(kv) {
				continue
			}
			switch kv.Key {
			case vocab.EventAttrKind:
				f.kind = kv.Value.Emit()
			case vocab.EventAttrMessage:
				f.message = kv.Value.Emit()
			case vocab.EventAttrSuggestion:
				f.suggestion = kv.Value.Emit()
			}
		}
		if f.kind == "" {
			f.kind = "finding"
		}
		seen[f.kind] = true
		out = append(out, f)
	}
	for _, k := range kinds {
		if !seen[k] {
			seen[k] = true
			out = append(out, finding{kind: k})
		}
	}
	if suggestion == "" && indexTable != "" {
		suggestion = "add an index on " + indexTable
		if len(indexColumns) > 0 {
			suggestion += " (" + strings.Join(indexColumns, ", ") + ")"
		}
		fix.check = planCheck{}
	}
	if suggestion == "" {
		return out
	}
	for _, f := range out {
		if f.suggestion == suggestion {
			return out
		}
	}
	// The span's suggestion is most likely the index an index finding
	// asks for; otherwise it goes to the first finding without one.
	target := -1
	for i, f := range out {
		if f.suggestion != "" {
			continue
		}
		if f.kind == string(vocab.KindUnindexedIn) || f.kind == string(vocab.KindFullScan) {
			target = i
			break
		}
		if target < 0 {
			target = i
		}
	}
	if target >= 0 {
		out[target].suggestion, out[target].check = suggestion, fix.check
		return out
	}
	// A suggestion without any finding to attach to still deserves a line.
	// It prints as a fix line alone: no kind.
	return append(out, finding{suggestion: suggestion, check: fix.check})
}

// codeLocation is read from the code.* attributes of a span.
type codeLocation struct {
	file, function string
	line           int64
}

func (c *codeLocation) read(kv attribute.KeyValue) bool {
	switch kv.Key {
	case semconv.CodeFilePathKey:
		c.file = kv.Value.Emit()
	case semconv.CodeLineNumberKey:
		c.line, _ = intValue(kv.Value)
	case semconv.CodeFunctionNameKey:
		c.function = kv.Value.Emit()
	default:
		return false
	}
	return true
}

// String is "dir/file.go:42 (pkg.Function)": the file's last two path
// elements and the function without its import path, as sqltrace's
// Location prints them; "" when the span has no location.
func (c codeLocation) String() string {
	if c.file == "" && c.function == "" {
		return ""
	}
	s := lastElements(c.file, 2)
	if c.line > 0 {
		s += ":" + strconv.FormatInt(c.line, 10)
	}
	if c.function != "" {
		f := lastElements(c.function, 1)
		if s == "" {
			return f
		}
		s += " (" + f + ")"
	}
	return s
}

// lastElements is the last n elements of a slash-separated path.
func lastElements(p string, n int) string {
	i := len(p)
	for ; n > 0; n-- {
		i = strings.LastIndexByte(p[:i], '/')
		if i < 0 {
			return p
		}
	}
	return p[i+1:]
}
