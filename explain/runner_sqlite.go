package explain

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// explainSQLite runs EXPLAIN QUERY PLAN with the arguments bound.
func explainSQLite(ctx context.Context, conn *sql.Conn, text string, args []any) (*Plan, error) {
	rs, err := conn.QueryContext(ctx, "EXPLAIN QUERY PLAN "+text, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var rows []eqpRow
	for rs.Next() {
		var r eqpRow
		var notUsed sql.NullInt64
		if err := rs.Scan(&r.id, &r.parent, &notUsed, &r.detail); err != nil {
			return nil, err
		}
		if len(rows) < maxPlanRows {
			rows = append(rows, r)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	return parseSQLitePlan(rows)
}

// enrichSQLite reads the indexes of tables scanned whole, and their size
// when ANALYZE has filled sqlite_stat1.
func enrichSQLite(ctx context.Context, conn *sql.Conn, p *Plan) {
	for _, t := range scannedTables(p, func(n *Node) bool { return wholeScan(n.Access) }) {
		rs, err := conn.QueryContext(ctx, `SELECT il.name, ii.name
			FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii
			ORDER BY il.name, ii.seqno`, t)
		if err != nil {
			continue
		}
		ix, err := readIndexRows(rs)
		if err != nil {
			continue
		}
		if p.Indexes == nil {
			p.Indexes = map[string][][]string{}
		}
		p.Indexes[strings.ToLower(t)] = ix
		var stat string
		if conn.QueryRowContext(ctx, `SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1`, t).Scan(&stat) == nil {
			if f := strings.Fields(stat); len(f) > 0 {
				if n, err := strconv.ParseFloat(f[0], 64); err == nil {
					for _, node := range p.Nodes() {
						if strings.EqualFold(node.Table, t) {
							node.TableRows = n
						}
					}
				}
			}
		}
	}
}
