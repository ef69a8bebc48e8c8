package explainer

// WithPureFunctions declares functions free of side effects and of costs
// beyond the statement's own, so that statements calling them are
// explained. By default a statement is explained only when every function
// it calls is a built-in one known to be harmless (aggregates, string,
// date, math, JSON and conditional functions, casts); any other call, a
// user-defined function included, makes it skipped, because EXPLAIN may
// evaluate it (MariaDB evaluates stored functions; PostgreSQL's planner
// folds stable and immutable ones) and WithAnalyze runs it.
//
// Names are matched as the statement writes them, lower-cased (PostgreSQL
// keeps a quoted name's case) and qualified when the statement qualifies
// them: WithPureFunctions("slugify", "app.price_with_tax").
func WithPureFunctions(names ...string) Option {
	return optionFunc(func(c *config) {
		c.pureFunctions = append(c.pureFunctions, names...)
	})
}
