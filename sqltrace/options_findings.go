package sqltrace

import "sync/atomic"

// findingsConfig is the part of the configuration that concerns findings
// and their delivery.
type findingsConfig struct {
	// callerSkip are function-name prefixes, beyond the built-in ones, of
	// frames a finding's location never points at.
	callerSkip []string
	// handlerPanicked and loggerPanicked make a panicking callback reported
	// once through otel.Handle, not on every finding.
	handlerPanicked atomic.Bool
	loggerPanicked  atomic.Bool
}

// WithCallerSkip adds prefixes of function names (as runtime reports them:
// "example.com/app/internal/repo." or "example.com/dbkit/"; a plain string
// prefix, so "example.com/app/store.(*Repo)." skips one type) that a
// finding's location skips, like the data-access libraries sqlsight skips
// already (database/sql, GORM, bun, sqlx, ent, pgx, lib/pq,
// go-sql-driver/mysql, modernc.org/sqlite, sqlmw). Use it for your own
// repository layer, so that findings point at the code that loops over it.
func WithCallerSkip(prefixes ...string) Option {
	return optionFunc(func(c *config) {
		for _, p := range prefixes {
			if p != "" {
				c.findings.callerSkip = append(c.findings.callerSkip, p)
			}
		}
	})
}
