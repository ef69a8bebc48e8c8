package explainer

import (
	"context"
	"database/sql"
	"strings"
)

// explainMySQL runs EXPLAIN FORMAT=JSON (ANALYZE FORMAT=JSON on MariaDB
// when asked) through a server-side prepared statement: the arguments travel
// in the binary protocol, whatever interpolateParams says, and a prepared
// statement can never hold a second statement. It runs in a transaction
// that is rolled back, read-only when readOnly is set (see rolledBackTx). When the server does not
// accept FORMAT=JSON for the statement, the tabular EXPLAIN is read instead.
func explainMySQL(ctx context.Context, conn *sql.Conn, d Dialect, text string, args []any, analyze, readOnly bool) (*Plan, error) {
	prefix := "EXPLAIN FORMAT=JSON "
	if analyze {
		prefix = "ANALYZE FORMAT=JSON "
	}
	var data []byte
	err := rolledBackTx(ctx, conn, readOnly, func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	}) error {
		stmt, err := q.PrepareContext(ctx, prefix+text)
		if err != nil {
			return err
		}
		defer stmt.Close()
		return stmt.QueryRowContext(ctx, args...).Scan(&data)
	})
	if err == nil {
		if len(data) > maxPlanOutput {
			return nil, errTooLargePlan(len(data))
		}
		return parseMySQLJSON(d, data)
	}
	if !isMySQLSyntaxError(err) {
		return nil, err
	}
	var cols []string
	var rows [][]string
	err2 := rolledBackTx(ctx, conn, readOnly, func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	}) error {
		stmt, err := q.PrepareContext(ctx, "EXPLAIN "+text)
		if err != nil {
			return err
		}
		defer stmt.Close()
		rs, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		cols, rows, err = readTextRows(rs, maxPlanRows)
		return err
	})
	if err2 != nil {
		if isMySQLSyntaxError(err2) {
			return nil, err // the JSON attempt's error says more
		}
		return nil, err2
	}
	return parseMySQLTabular(d, cols, rows)
}

// isMySQLSyntaxError reports a parse error (1064) or an unsupported
// statement (1235) without importing the driver.
func isMySQLSyntaxError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "1064") || strings.Contains(s, "1235")
}

// enrichMySQL reads the indexes of tables scanned whole and the partition
// counts of partitioned tables from information_schema.
func enrichMySQL(ctx context.Context, conn *sql.Conn, p *Plan, pc *partitionCache) {
	for _, t := range scannedTables(p, func(n *Node) bool { return wholeScan(n.Access) }) {
		ix, err := mysqlIndexes(ctx, conn, t)
		if err != nil {
			continue
		}
		if p.Indexes == nil {
			p.Indexes = map[string][][]string{}
		}
		p.Indexes[strings.ToLower(t)] = ix
	}
	for _, n := range p.Nodes() {
		if n.Table == "" || len(n.Partitions) == 0 {
			continue
		}
		info, ok := pc.get("mysql:" + n.Table)
		if !ok {
			var count int
			var expr string
			err := conn.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(PARTITION_EXPRESSION), '')
				FROM information_schema.PARTITIONS
				WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL`, n.Table).Scan(&count, &expr)
			if err != nil {
				continue
			}
			info = partitionInfo{root: n.Table, key: strings.ReplaceAll(expr, "`", ""), total: count}
			pc.put("mysql:"+n.Table, info)
		}
		n.PartitionsTotal = info.total
		n.PartitionKey = info.key
	}
}

func mysqlIndexes(ctx context.Context, conn *sql.Conn, table string) ([][]string, error) {
	rs, err := conn.QueryContext(ctx, `SELECT INDEX_NAME, COALESCE(COLUMN_NAME, '')
		FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?
		ORDER BY INDEX_NAME, SEQ_IN_INDEX`, table)
	if err != nil {
		return nil, err
	}
	return readIndexRows(rs)
}

// readIndexRows groups (index name, column) rows, ordered by index and
// position, into column lists.
func readIndexRows(rs *sql.Rows) ([][]string, error) {
	defer rs.Close()
	out := [][]string{}
	last := ""
	for rs.Next() {
		var name, col string
		if err := rs.Scan(&name, &col); err != nil {
			return nil, err
		}
		if col == "" {
			col = "(expression)"
		}
		if len(out) == 0 || name != last {
			out = append(out, nil)
			last = name
		}
		out[len(out)-1] = append(out[len(out)-1], col)
	}
	return out, rs.Err()
}
