package sqltrace

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// commenter is the configuration of WithSQLCommenter; read-only once built.
type commenter struct {
	tags       [][2]string
	static     []commentTag // tags, encoded and sorted
	route      func(context.Context) string
	propagator propagation.TextMapPropagator
	staticOnly bool
	maxBytes   int
}

// commentTag is one key='value' of a comment, URL-encoded as sqlcommenter
// asks; key orders the tags.
type commentTag struct {
	key, text string
}

func newCommentTag(key, value string) commentTag {
	k := escapeTag(key)
	return commentTag{key: k, text: k + "='" + escapeTag(value) + "'"}
}

// escapeTag URL-encodes s. PathEscape leaves no quote, '*', '/' or '?' (so
// no "*/" and no placeholder of database/sql drivers); '$' is escaped too,
// for drivers that substitute $1 on the client.
func escapeTag(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), "$", "%24")
}

func encodeTags(tags [][2]string) []commentTag {
	out := make([]commentTag, 0, len(tags))
	for _, kv := range tags {
		out = append(out, newCommentTag(kv[0], kv[1]))
	}
	sortTags(out)
	return out
}

func sortTags(tags []commentTag) {
	slices.SortStableFunc(tags, func(a, b commentTag) int { return strings.Compare(a.key, b.key) })
}

// comment returns the text to send for a statement executed directly on a
// connection: query itself unless WithSQLCommenter is on.
func (ic *interceptor) comment(r *run, query string) string {
	cm := ic.db.inst.cfg.commenter
	if cm == nil {
		return query
	}
	return cm.comment(r, query)
}

func (cm *commenter) comment(r *run, query string) string {
	if endsWithComment(query) {
		return query
	}
	tags := make([]commentTag, 0, len(cm.static)+3)
	tags = append(tags, cm.static...)
	if route := cm.routeOf(r.Context); route != "" {
		tags = append(tags, newCommentTag("route", route))
	}
	if !cm.staticOnly && r.traced {
		// The comment names the statement's own span, so the span starts
		// now (at the time begin took), as an early span: when the driver
		// answers driver.ErrSkip, the prepare and execution database/sql
		// does next (with the text uncommented) take it over.
		if r.early.span == nil {
			r.early.query = query
			r.early.ctx, r.early.span = r.startSpan()
		}
		p := cm.propagator
		if p == nil {
			p = otel.GetTextMapPropagator()
		}
		carrier := commentCarrier{tags: tags}
		p.Inject(r.early.ctx, &carrier)
		tags = carrier.tags
	}
	if len(tags) == 0 {
		return query
	}
	sortTags(tags)
	return appendComment(query, tags, cm.maxBytes)
}

// routeOf calls the route hook; a panic in it costs the tag, never the
// statement.
func (cm *commenter) routeOf(ctx context.Context) (route string) {
	if cm.route == nil {
		return ""
	}
	defer func() {
		if recover() != nil {
			route = ""
		}
	}()
	return cm.route(ctx)
}

// appendComment appends /*tags*/ to query, before a final semicolon; it
// returns query unchanged when the result would pass maxBytes.
func appendComment(query string, tags []commentTag, maxBytes int) string {
	body := strings.TrimRight(query, " \t\r\n")
	tail := ""
	if strings.HasSuffix(body, ";") {
		body, tail = body[:len(body)-1], ";"
	}
	n := len(body) + len(tail) + len(" /**/")
	for i, t := range tags {
		if i > 0 {
			n++
		}
		n += len(t.text)
	}
	if n > maxBytes {
		return query
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(body)
	b.WriteString(" /*")
	for i, t := range tags {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.text)
	}
	b.WriteString("*/")
	b.WriteString(tail)
	return b.String()
}

// endsWithComment says whether query ends with a comment, or may: its last
// line holds "--" or "#" (a line comment would swallow ours). It errs
// towards true: an uncommented statement costs a tag, a broken one a
// failed query.
func endsWithComment(query string) bool {
	q := strings.TrimRight(query, " \t\r\n;")
	if strings.HasSuffix(q, "*/") {
		return true
	}
	last := q[strings.LastIndexAny(q, "\r\n")+1:]
	return strings.Contains(last, "--") || strings.Contains(last, "#")
}

// commentCarrier collects what a propagator injects. Baggage is left out:
// it can hold user data, and its size has no bound.
type commentCarrier struct {
	tags []commentTag
}

func (c *commentCarrier) Get(string) string { return "" }

func (c *commentCarrier) Set(key, value string) {
	if strings.EqualFold(key, "baggage") || value == "" {
		return
	}
	c.tags = append(c.tags, newCommentTag(key, value))
}

func (c *commentCarrier) Keys() []string { return nil }
