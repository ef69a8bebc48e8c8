package exporters

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.opentelemetry.io/otel/trace"

	"github.com/sqlsight/sqlsight/internal/vocab"
)

// Output bounds that keep one line, or one plan, readable.
const (
	maxNameRunes = 160
	maxTextRunes = 400
	maxPlanLines = 15
	maxKinds     = 16
)

// renderer writes trees into out.
type renderer struct {
	out      *strings.Builder
	pal      palette
	collapse int
}

func (r *renderer) line(prefix, text string) {
	if prefix != "" {
		r.out.WriteString(r.pal.dim(prefix))
	}
	r.out.WriteString(text)
	r.out.WriteByte('\n')
}

// top prints n and its subtree with n at the left margin.
func (r *renderer) top(n *node) {
	r.item(item{nodes: []*node{n}}, "", "")
}

// item prints one line of the tree (a span or a collapsed run), its detail
// lines and its children. lead is drawn before the line (indentation and
// branch); indent is the indentation of everything below it.
func (r *renderer) item(it item, lead, indent string) {
	r.line(lead, r.head(it))
	var kids []*node
	if len(it.nodes) == 1 {
		kids = it.nodes[0].children
	}
	// Details sit two columns right of the name; a bar joins the name to
	// the children below them.
	detail := indent + "  "
	if len(kids) > 0 {
		detail = indent + "│ "
	}
	for _, d := range r.details(it) {
		r.line(detail, d)
	}
	items := siblings(kids, r.collapse)
	for i, c := range items {
		if i == len(items)-1 {
			r.item(c, indent+"└─ ", indent+"   ")
		} else {
			r.item(c, indent+"├─ ", indent+"│  ")
		}
	}
}

// head is the span's own line: name, duration and numbers.
func (r *renderer) head(it item) string {
	first := it.nodes[0].view
	var b strings.Builder
	b.WriteString(r.pal.name(oneLine(first.name, maxNameRunes)))
	var total time.Duration
	var m spanMetrics
	for _, n := range it.nodes {
		total += n.view.duration
		m.add(n.view.metrics)
	}
	if len(it.nodes) > 1 {
		b.WriteString(" ")
		b.WriteString(r.pal.count("×" + strconv.Itoa(len(it.nodes))))
		b.WriteString("  ")
		b.WriteString(formatDuration(total))
		b.WriteString(" total")
	} else {
		b.WriteString("  ")
		b.WriteString(formatDuration(total))
	}
	if nums := formatMetrics(m); nums != "" {
		b.WriteString("  ")
		b.WriteString(r.pal.dim(nums))
	}
	return b.String()
}

func formatMetrics(m spanMetrics) string {
	var parts []string
	if m.hasRows {
		parts = append(parts, "rows="+strconv.FormatInt(m.rows, 10))
	}
	if m.hasAffected {
		parts = append(parts, "affected="+strconv.FormatInt(m.affected, 10))
	}
	if m.hasDriver {
		parts = append(parts, "driver="+formatDuration(m.driver))
	}
	if m.hasCPUUser {
		parts = append(parts, "cpu.user="+formatDuration(m.cpuUser))
	}
	if m.hasCPUSys {
		parts = append(parts, "cpu.sys="+formatDuration(m.cpuSys))
	}
	if m.hasHeap {
		parts = append(parts, "heap="+formatBytes(m.heap))
	}
	return strings.Join(parts, " ")
}

// details are the lines under a span: findings with their fix and where
// the application ran the statement, the error, the plan of an EXPLAIN
// span.
func (r *renderer) details(it item) []string {
	var lines []string
	loc := location(it.nodes)
	for i, f := range mergeFindings(it.nodes) {
		if f.kind != "" {
			text := "⚠ " + oneLine(f.kind, maxNameRunes)
			if f.note != "" {
				text += " (" + f.note + ")"
			}
			if f.message != "" {
				text += ": " + oneLine(f.message, maxTextRunes)
			}
			lines = append(lines, r.pal.finding(text))
		}
		indent := "  "
		if f.kind == "" {
			indent = ""
		}
		if i == 0 && loc != "" {
			// Where the application ran the statement, once: it is the
			// span's, not one finding's.
			lines = append(lines, indent+r.pal.dim("at "+oneLine(loc, maxTextRunes)))
		}
		if f.suggestion != "" {
			lines = append(lines, indent+r.pal.suggestion(fixLabel(f.check)+oneLine(f.suggestion, maxTextRunes)))
		}
	}
	failed, last := 0, ""
	for _, n := range it.nodes {
		if n.view.failed {
			failed++
			last = n.view.errorText
		}
	}
	if failed > 0 {
		text := "✗ error"
		if len(it.nodes) > 1 {
			text += " ×" + strconv.Itoa(failed)
		}
		if last != "" {
			text += ": " + oneLine(last, maxTextRunes)
		}
		lines = append(lines, r.pal.failure(text))
	}
	if len(it.nodes) == 1 && it.nodes[0].view.plan != "" {
		lines = append(lines, r.pal.dim("plan:"))
		plan := strings.Split(strings.TrimRight(it.nodes[0].view.plan, "\n"), "\n")
		for i, l := range plan {
			if i == maxPlanLines {
				lines = append(lines, r.pal.dim(fmt.Sprintf("  … %d more lines", len(plan)-i)))
				break
			}
			lines = append(lines, r.pal.dim("  "+oneLine(l, maxTextRunes)))
		}
	}
	return lines
}

// fixLabel introduces a suggestion, with what the planner said of an
// index: "fix (verified by the planner, cost 1180 → 24): ", or
// "fix (unverified): " when it was not asked or did not confirm it.
func fixLabel(c planCheck) string {
	switch {
	case !c.known:
		return "fix: "
	case !c.verified:
		return "fix (unverified): "
	case c.costBefore > 0:
		return "fix (verified by the planner, cost " + formatCost(c.costBefore) + " → " + formatCost(c.costAfter) + "): "
	}
	return "fix (verified by the planner): "
}

// formatCost prints a planner cost without decimals (they mean nothing at
// this scale), except below 10.
func formatCost(c float64) string {
	if c < 10 {
		return strconv.FormatFloat(c, 'f', 1, 64)
	}
	return strconv.FormatFloat(c, 'f', 0, 64)
}

// location is where the application ran the statement of the last span of
// the run that has one.
func location(nodes []*node) string {
	for i := len(nodes) - 1; i >= 0; i-- {
		if l := nodes[i].view.location; l != "" {
			return l
		}
	}
	return ""
}

// shownFinding is a finding as printed: for a collapsed run, the last
// occurrence of its kind, with a note on how many spans carried it.
type shownFinding struct {
	finding
	note string
}

func mergeFindings(nodes []*node) []shownFinding {
	var out []shownFinding
	index := make(map[string]int)
	counts := make(map[string]int)
	executions := make(map[string]int64)
	for _, n := range nodes {
		for _, f := range n.view.findings {
			counts[f.kind]++
			if f.kind == string(vocab.KindNPlusOne) {
				executions[f.kind] = max(executions[f.kind], n.view.nPlusOneCount)
			}
			if i, ok := index[f.kind]; ok {
				// Keep the most telling text: only the span that raised the
				// finding carries its message.
				prev := out[i].finding
				out[i].finding = f
				if f.message == "" {
					out[i].message = prev.message
				}
				if f.suggestion == "" {
					out[i].suggestion, out[i].check = prev.suggestion, prev.check
				}
				continue
			}
			index[f.kind] = len(out)
			out = append(out, shownFinding{finding: f})
		}
	}
	for i := range out {
		var notes []string
		if e := executions[out[i].kind]; e > 0 {
			notes = append(notes, strconv.FormatInt(e, 10)+" executions")
		}
		if c := counts[out[i].kind]; len(nodes) > 1 && c < len(nodes) {
			notes = append(notes, fmt.Sprintf("%d of %d flagged", c, len(nodes)))
		}
		out[i].note = strings.Join(notes, ", ")
	}
	return out
}

func (r *renderer) lateHeader(tid trace.TraceID, parent string) {
	r.line("", r.pal.dim(fmt.Sprintf("… later in trace %s, under %q:", tid, oneLine(parent, maxNameRunes))))
}

func (r *renderer) incompleteHeader(tid trace.TraceID) {
	r.line("", r.pal.dim(fmt.Sprintf("incomplete trace %s (its root span has not ended):", tid)))
}

// footer sums the trace up in one line and ends it with a blank line. The
// continuation of a printed trace gets a footer only when it has
// statements.
func (r *renderer) footer(tid trace.TraceID, s traceStats, late bool) {
	if late && s.statements == 0 && s.dropped == 0 {
		r.out.WriteByte('\n')
		return
	}
	parts := []string{plural(s.statements, "statement"), "driver time " + formatDuration(s.driver)}
	if len(s.kinds) > 0 {
		kinds := make([]string, len(s.kinds))
		for i, k := range s.kinds {
			kinds[i] = oneLine(k, maxNameRunes)
		}
		parts = append(parts, "findings: "+r.pal.finding(strings.Join(kinds, ", ")))
	}
	if s.dropped > 0 {
		parts = append(parts, plural(s.dropped, "span")+" not shown (buffer limit)")
	}
	parts = append(parts, "trace "+tid.String())
	r.line("", r.pal.dim("= ")+strings.Join(parts, r.pal.dim(" · ")))
	r.out.WriteByte('\n')
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// traceStats is what a footer sums up.
type traceStats struct {
	statements int
	driver     time.Duration
	kinds      []string // sorted, at most maxKinds
	dropped    int
}

func (s *traceStats) addView(v spanView) {
	if v.statement {
		s.statements++
		if v.metrics.hasDriver {
			s.driver += v.metrics.driver
		} else {
			s.driver += v.duration
		}
	}
	for _, f := range v.findings {
		if f.kind == "" {
			continue
		}
		i, found := slices.BinarySearch(s.kinds, f.kind)
		if !found && len(s.kinds) < maxKinds {
			s.kinds = slices.Insert(s.kinds, i, f.kind)
		}
	}
}

func (s *traceStats) addDropped(v spanView) {
	s.dropped++
	s.addView(v)
}

func (s *traceStats) addForest(nodes []*node) {
	for _, n := range nodes {
		s.addView(n.view)
		s.addForest(n.children)
	}
}

// formatDuration prints a duration with three significant digits at most.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + "µs"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	case d < time.Minute:
		return strconv.FormatFloat(d.Seconds(), 'f', 2, 64) + "s"
	default:
		return d.Round(time.Second).String()
	}
}

func formatBytes(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return strconv.FormatInt(n, 10) + "B"
	}
	f := float64(n)
	for _, suffix := range []string{"KiB", "MiB", "GiB"} {
		f /= unit
		if f < unit && f > -unit {
			return strconv.FormatFloat(f, 'f', 1, 64) + suffix
		}
	}
	return strconv.FormatFloat(f/unit, 'f', 1, 64) + "TiB"
}

// oneLine makes s safe for one line of a terminal: control characters
// (newlines, escape sequences a query text could smuggle in) become spaces
// and long text is cut.
func oneLine(s string, maxRunes int) string {
	clean := true
	for _, c := range s {
		if unicode.IsControl(c) || c == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean && utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	var b strings.Builder
	n := 0
	for _, c := range s {
		if n == maxRunes {
			b.WriteString("…")
			break
		}
		if unicode.IsControl(c) || c == utf8.RuneError {
			c = ' '
		}
		b.WriteRune(c)
		n++
	}
	return b.String()
}
