package explainer

import (
	"strings"

	"github.com/DataDog/go-sqllexer"
)

// redact replaces the literals of a condition or expression (strings,
// numbers, dollar-quoted strings) with '?'. Plans print the values the
// statement was planned with; they can be personal data. Anything the lexer
// cannot read is dropped rather than copied.
func redact(d Dialect, s string) string {
	if s == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	lx := d.lexer(s)
	for i := 0; i < maxTokens; i++ {
		t := lx.Scan()
		if t.Type == sqllexer.EOF || t.Value == "" {
			return b.String()
		}
		switch t.Type {
		case sqllexer.STRING, sqllexer.NUMBER, sqllexer.DOLLAR_QUOTED_STRING, sqllexer.DOLLAR_QUOTED_FUNCTION:
			b.WriteByte('?')
		case sqllexer.INCOMPLETE_STRING, sqllexer.ERROR:
			b.WriteString("?")
			return b.String()
		case sqllexer.COMMENT, sqllexer.MULTILINE_COMMENT:
			b.WriteString("/*?*/")
		default:
			b.WriteString(t.Value)
		}
	}
	return b.String()
}

// redactPlan redacts every condition and sort key of the plan in place and
// drops the raw output.
func redactPlan(p *Plan) {
	if p == nil {
		return
	}
	for _, n := range p.Nodes() {
		n.Filter = redact(p.Dialect, n.Filter)
		n.IndexCond = redact(p.Dialect, n.IndexCond)
		for i, k := range n.SortKey {
			n.SortKey[i] = redact(p.Dialect, k)
		}
	}
	p.Raw = ""
}
