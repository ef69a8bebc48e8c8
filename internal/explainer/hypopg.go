package explainer

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
)

// Suggestions verified by the planner: on PostgreSQL with the hypopg
// extension, a suggested index is created hypothetically (visible to the
// planner of this session only, nothing is built or written), the statement
// is planned again with the same arguments, and the suggestion stands only
// when the plan uses the index and its estimated cost drops by the share
// WithSuggestionMinCostDrop sets. sqlsight never installs hypopg: it uses it
// when the application's database has it.

// hypoVerifier re-plans one statement on the EXPLAIN connection.
type hypoVerifier struct {
	ctx     context.Context // the explain's, with its timeout
	conn    *sql.Conn
	schema  string // where hypopg's functions live
	text    string
	args    []any
	generic bool
}

// maxHypoTries bounds the hypothetical indexes tried for one statement.
const maxHypoTries = 6

// hypopgResetTimeout bounds the reset after a check, which runs even when
// the explain's own deadline has passed.
const hypopgResetTimeout = 2 * time.Second

// hypopgSchema reports whether hypopg is installed in the database, and in
// which schema.
func hypopgSchema(ctx context.Context, conn *sql.Conn) (string, bool) {
	var schema string
	err := conn.QueryRowContext(ctx, `SELECT n.nspname FROM pg_extension e
		JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'hypopg'`).Scan(&schema)
	return schema, err == nil && schema != ""
}

// hypoResult is the plan of the statement with one hypothetical index.
type hypoResult struct {
	plan *Plan
	used bool    // the plan reads the hypothetical index
	cost float64 // the plan's estimated total cost, negative when unknown
}

// try creates the index hypothetically, plans the statement and removes
// every hypothetical index of the session again, whatever happened after
// the index may exist.
func (v *hypoVerifier) try(ix indexSpec) (res hypoResult, err error) {
	created := false
	defer func() {
		if created {
			v.reset()
		}
	}()
	fn := quoteIdent(PostgreSQL, v.schema) + ".hypopg_create_index($1)"
	var oid int64
	var name string
	if err := v.conn.QueryRowContext(v.ctx, "SELECT indexrelid, indexname FROM "+fn, ix.plainDDL(PostgreSQL)).Scan(&oid, &name); err != nil {
		// Refused (no privilege, an unsupported table): nothing was created.
		// Cut short by the deadline: the server may have created it.
		created = v.ctx.Err() != nil
		return res, err
	}
	created = true
	p, err := explainPostgres(v.ctx, v.conn, v.text, v.args, false, v.generic)
	if err != nil {
		return res, err
	}
	res = hypoResult{plan: p, cost: planCost(p)}
	for _, n := range p.Nodes() {
		for _, used := range strings.Split(n.Index, ",") {
			if used == name {
				res.used = true
			}
		}
	}
	return res, nil
}

// reset drops the session's hypothetical indexes. Should that fail, the
// connection is discarded: a pooled connection holding a hypothetical index
// would mislead every later EXPLAIN on it.
func (v *hypoVerifier) reset() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(v.ctx), hypopgResetTimeout)
	defer cancel()
	if _, err := v.conn.ExecContext(ctx, "SELECT "+quoteIdent(PostgreSQL, v.schema)+".hypopg_reset()"); err != nil {
		_ = v.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// planCost is the estimated total cost of the plan's root.
func planCost(p *Plan) float64 {
	if p == nil || p.Root == nil {
		return -1
	}
	return p.Root.Cost
}

// candidates are the indexes tried for a suggestion, best first: the
// suggestion, then its first column alone, then its first two columns
// (equality columns come first, then the range).
func (s indexSpec) candidates() []indexSpec {
	out := []indexSpec{s}
	for _, n := range []int{1, 2} {
		if n < len(s.cols) || n == len(s.cols) && len(s.include) > 0 {
			out = append(out, indexSpec{table: s.table, cols: s.cols[:n]})
		}
	}
	return out
}

// verify asks the planner about each suggested index. A suggestion that
// lowers the estimated cost enough is marked verified (possibly replaced by
// a smaller candidate that does); one that does not is withdrawn: a
// key_lookups finding disappears, other findings keep their message with
// advice instead of the DDL.
func (a *analyser) verify(v *hypoVerifier) {
	before := planCost(a.p)
	if before <= 0 {
		return
	}
	share := a.cfg.minCostDrop()
	tries := 0
	keep := a.findings[:0]
	keepSpecs := a.specs[:0]
	for i, f := range a.findings {
		spec := a.specs[i]
		if spec == nil || tries >= maxHypoTries || v.ctx.Err() != nil {
			keep, keepSpecs = append(keep, f), append(keepSpecs, spec)
			continue
		}
		var best *hypoResult
		var bestSpec indexSpec
		failed := false
		for _, c := range spec.candidates() {
			if tries >= maxHypoTries {
				break
			}
			tries++
			res, err := v.try(c)
			if err != nil {
				failed = true // cannot tell: the suggestion stays unverified
				break
			}
			if res.used && res.cost >= 0 && res.cost <= before*(1-share) {
				best, bestSpec = &res, c
				break
			}
			if best == nil || res.cost >= 0 && res.cost < best.cost {
				r := res
				best = &r
			}
		}
		switch {
		case failed || best == nil:
			keep, keepSpecs = append(keep, f), append(keepSpecs, spec)
		case bestSpec.table != "":
			f.Verified = true
			f.CostBefore, f.CostAfter = before, best.cost
			f.Suggestion = bestSpec.onlineDDL(a.p.Dialect)
			if len(bestSpec.cols) < len(spec.cols) || len(bestSpec.include) < len(spec.include) {
				f.Columns = append(append([]string(nil), bestSpec.cols...), bestSpec.include...)
			}
			f.PlanWithIndex = a.renderVerified(best.plan)
			keep, keepSpecs = append(keep, f), append(keepSpecs, &bestSpec)
		case f.Kind == KindKeyLookups:
			// Fetching the rows is not what costs: nothing to report.
		default:
			why := "the condition matches too many rows for an index to help; narrow it, or read less"
			if f.Kind == KindSortWithoutIndex {
				why = "for this many rows sorting is cheaper than reading in index order; sort fewer rows (LIMIT, a narrower condition)"
			}
			f.CostBefore, f.CostAfter = before, best.cost
			f.Suggestion = fmt.Sprintf("no index tried lowers the estimated cost by %.0f %% (hypopg: %s, cost %.0f → %.0f): %s",
				share*100, spec.plainDDL(a.p.Dialect), before, best.cost, why)
			keep, keepSpecs = append(keep, f), append(keepSpecs, nil)
		}
	}
	a.findings, a.specs = keep, keepSpecs
}

// renderVerified renders the plan with the hypothetical index, redacted
// unless raw plans were asked for and bounded like the plan attribute.
func (a *analyser) renderVerified(p *Plan) string {
	if p == nil {
		return ""
	}
	return truncate(p.render(!a.cfg.rawPlans), a.cfg.maxPlanBytes)
}
