package sqltrace

import "unicode/utf8"

// DefaultQueryTextLimit is the default bound of db.query.text, in bytes.
const DefaultQueryTextLimit = 4 << 10

// WithQueryTextLimit bounds db.query.text to n bytes (DefaultQueryTextLimit
// unless set): a longer text is cut on a UTF-8 character boundary, as the
// semantic conventions allow. db.query.summary and the fingerprint are
// always computed on the whole text. n <= 0 removes the bound, which lets a
// statement of megabytes (a generated IN list, a bulk INSERT) onto every
// span of it.
func WithQueryTextLimit(n int) Option {
	return optionFunc(func(c *config) {
		if n <= 0 {
			n = -1
		}
		c.queryTextLimit = n
	})
}

// textLimit returns the db.query.text bound, -1 for none.
func (c *config) textLimit() int {
	if c.queryTextLimit == 0 {
		return DefaultQueryTextLimit
	}
	return c.queryTextLimit
}

// truncateText returns s cut to at most limit bytes without splitting a
// UTF-8 character; limit < 0 keeps s whole.
func truncateText(s string, limit int) string {
	if limit < 0 || len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
