package sqltrace

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
)

// DefaultCommentMaxQueryBytes is the longest statement text (comment
// included) the commenter produces: far below the smallest default packet
// limit of MySQL (4 MiB) and MariaDB (16 MiB). Bulk statements past it
// gain little from a comment.
const DefaultCommentMaxQueryBytes = 1 << 20

// CommentOption configures WithSQLCommenter.
type CommentOption interface {
	applyComment(*commenter)
}

type commentOptionFunc func(*commenter)

func (f commentOptionFunc) applyComment(c *commenter) { f(c) }

// WithSQLCommenter appends a sqlcommenter comment to the statements the
// application runs directly (db.QueryContext, db.ExecContext, not those it
// prepares):
//
//	SELECT name FROM users WHERE id = $1 /*application='shop',traceparent='00-4bf9…-00f0…-01'*/
//
// so that a DBA reading pg_stat_activity, the processlist, the slow-query
// log or auto_explain output can find the trace of a statement. The
// traceparent names the statement's own span; it comes from the
// application's propagator (otel.GetTextMapPropagator(), read at each
// statement, unless CommentPropagator is given). Baggage is never written:
// it can hold user data.
//
// It is off by default, as the OpenTelemetry conventions ask: a text that
// changes with every trace defeats statement caches keyed by text (the
// server's, and drivers' such as pgx's default statement cache, which then
// prepares every execution). CommentStaticOnly keeps the texts stable.
//
// The span's db.query.text, fingerprint, summary and every detector see the
// text without the comment. A statement that already ends with a comment,
// or that would grow past CommentMaxQueryBytes, is sent unchanged.
func WithSQLCommenter(opts ...CommentOption) Option {
	cm := &commenter{maxBytes: DefaultCommentMaxQueryBytes}
	for _, o := range opts {
		if o != nil {
			o.applyComment(cm)
		}
	}
	cm.static = encodeTags(cm.tags)
	return optionFunc(func(c *config) { c.commenter = cm })
}

// CommentApplication adds the application='name' tag.
func CommentApplication(name string) CommentOption {
	return CommentTag("application", name)
}

// CommentDriver adds the db_driver='name' tag, e.g. "pgx/v5".
func CommentDriver(name string) CommentOption {
	return CommentTag("db_driver", name)
}

// CommentTag adds a static key='value' tag to every comment. Keep values
// constant: a value that varies makes every text distinct.
func CommentTag(key, value string) CommentOption {
	return commentOptionFunc(func(c *commenter) {
		if key != "" && value != "" {
			c.tags = append(c.tags, [2]string{key, value})
		}
	})
}

// CommentRoute adds the route='...' tag from the statement's context, e.g.
// the HTTP route template ("/users/{id}") the application stored there. An
// empty result adds no tag. It runs for every commented statement: keep it
// a context lookup.
func CommentRoute(route func(ctx context.Context) string) CommentOption {
	return commentOptionFunc(func(c *commenter) { c.route = route })
}

// CommentPropagator sets the propagator that writes the trace context
// (traceparent, tracestate) into the comment.
func CommentPropagator(p propagation.TextMapPropagator) CommentOption {
	return commentOptionFunc(func(c *commenter) { c.propagator = p })
}

// CommentStaticOnly writes only the static tags and the route, never the
// trace context: every execution of a text sends the same text, which
// keeps server and driver statement caches effective.
func CommentStaticOnly() CommentOption {
	return commentOptionFunc(func(c *commenter) { c.staticOnly = true })
}

// CommentMaxQueryBytes sets the longest text, comment included, that the
// commenter produces (default DefaultCommentMaxQueryBytes); longer
// statements are sent without a comment.
func CommentMaxQueryBytes(n int) CommentOption {
	return commentOptionFunc(func(c *commenter) {
		if n > 0 {
			c.maxBytes = n
		}
	})
}
