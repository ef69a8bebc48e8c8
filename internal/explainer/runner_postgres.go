package explainer

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// explainPostgres runs EXPLAIN (FORMAT JSON) through an explicitly prepared
// statement with the arguments as bind parameters: Parse refuses a text that
// holds more than one statement ("cannot insert multiple commands into a
// prepared statement"), whatever the driver does for unprepared queries (lib/pq
// sends a query without arguments over the simple protocol, and pgx does for
// every query with default_query_exec_mode=simple_protocol; a prepared
// statement is executed over the extended protocol by both). The extended
// protocol also plans the statement with the values, so partition pruning
// shows as it happens for the application. Without arguments it asks for a
// GENERIC_PLAN (PostgreSQL 16+); it never prepares with NULLs, which plans
// nothing on partitioned tables.
func explainPostgres(ctx context.Context, conn *sql.Conn, text string, args []any, analyze, generic bool) (*Plan, error) {
	opts := "FORMAT JSON"
	switch {
	case generic:
		opts = "GENERIC_PLAN, FORMAT JSON"
	case analyze:
		opts = "ANALYZE, FORMAT JSON"
	}
	q := "EXPLAIN (" + opts + ") " + text
	if generic {
		return explainPostgresGeneric(ctx, conn, q)
	}
	var data []byte
	err := rolledBackTx(ctx, conn, true, func(tx interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
		PrepareContext(context.Context, string) (*sql.Stmt, error)
	}) error {
		stmt, err := tx.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer stmt.Close()
		rs, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rs.Close()
		if !rs.Next() {
			if err := rs.Err(); err != nil {
				return err
			}
			return ErrNoPlan
		}
		if err := rs.Scan(&data); err != nil {
			return err
		}
		return rs.Close()
	})
	if err != nil {
		return nil, err
	}
	if len(data) > maxPlanOutput {
		return nil, errTooLargePlan(len(data))
	}
	return parsePostgresJSON(data)
}

// enrichPostgres reads, for the relations of the plan, which partitioned
// table each belongs to and how many leaf partitions that table has (so that
// an Append over every partition is told apart from a pruned one), and the
// indexes and sizes of the tables scanned whole.
func enrichPostgres(ctx context.Context, conn *sql.Conn, p *Plan, pc *partitionCache) {
	rels := scannedTables(p, func(*Node) bool { return true })
	if len(rels) == 0 {
		return
	}
	applyPGPartitions(p, pgPartitions(ctx, conn, rels, pc))
	whole := scannedTables(p, func(n *Node) bool { return wholeScan(n.Access) })
	if len(whole) == 0 {
		return
	}
	lookup := append([]string(nil), whole...)
	for _, n := range p.Nodes() {
		if wholeScan(n.Access) && n.PartitionOf != "" && !containsFold(lookup, n.PartitionOf) {
			lookup = append(lookup, n.PartitionOf)
		}
	}
	if ix, err := pgIndexes(ctx, conn, lookup); err == nil {
		p.Indexes = ix
	}
	if sizes, err := pgTableRows(ctx, conn, whole); err == nil {
		for _, n := range p.Nodes() {
			if r, ok := sizes[n.Table]; ok && wholeScan(n.Access) {
				n.TableRows = r
			}
		}
	}
}

// applyPGPartitions marks the partitions of the plan with their partitioned
// table, and each Append or Merge Append over partitions with the table, the
// partitions it reads and how many there are.
func applyPGPartitions(p *Plan, parts map[string]partitionInfo) {
	for _, n := range p.Nodes() {
		if info, ok := parts[n.Table]; ok && info.root != "" && info.root != n.Table {
			n.PartitionOf = info.root
		}
	}
	for _, n := range p.Nodes() {
		if n.Op != "Append" && n.Op != "Merge Append" {
			continue
		}
		groups := map[string][]string{}
		for _, c := range n.Children {
			if c.PartitionOf != "" {
				groups[c.PartitionOf] = append(groups[c.PartitionOf], c.Table)
			}
		}
		best := ""
		for root, members := range groups {
			if best == "" || len(members) > len(groups[best]) || len(members) == len(groups[best]) && root < best {
				best = root
			}
		}
		if best == "" {
			continue
		}
		info := parts[groups[best][0]]
		n.Table = best
		n.Partitions = groups[best]
		n.PartitionsTotal = info.total
		n.PartitionKey = info.key
	}
}

// pgPartitions returns, per relation name, its partitioned root, the root's
// partition key and leaf count. Answers are cached.
func pgPartitions(ctx context.Context, conn *sql.Conn, rels []string, pc *partitionCache) map[string]partitionInfo {
	out := map[string]partitionInfo{}
	var missing []string
	for _, r := range rels {
		if info, ok := pc.get("pg:" + r); ok {
			out[r] = info
		} else {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		return out
	}
	rs, err := conn.QueryContext(ctx, `SELECT c.relname, r.relname, pg_get_partkeydef(r.oid),
			(SELECT count(*) FROM pg_partition_tree(r.oid) t WHERE t.isleaf)
		FROM pg_class c
		JOIN pg_class r ON r.oid = pg_partition_root(c.oid)
		WHERE c.relispartition AND c.relname = ANY(string_to_array($1, chr(31)))`, joinNames(missing))
	if err != nil {
		return out
	}
	defer rs.Close()
	for rs.Next() {
		var rel, root string
		var key sql.NullString
		var total int
		if err := rs.Scan(&rel, &root, &key, &total); err != nil {
			return out
		}
		info := partitionInfo{root: root, key: partitionKeyText(key.String), total: total}
		out[rel] = info
	}
	if rs.Err() != nil {
		return out
	}
	for _, r := range missing {
		pc.put("pg:"+r, out[r]) // the zero value caches "not a partition"
	}
	return out
}

// partitionKeyText turns "RANGE (partition_date)" into "partition_date".
func partitionKeyText(def string) string {
	if i := strings.IndexByte(def, '('); i >= 0 && strings.HasSuffix(def, ")") {
		return def[i+1 : len(def)-1]
	}
	return def
}

func pgIndexes(ctx context.Context, conn *sql.Conn, tables []string) (map[string][][]string, error) {
	rs, err := conn.QueryContext(ctx, `SELECT c.relname, x.indexrelid::regclass::text, k.o,
			COALESCE(a.attname::text, '(expression)')
		FROM pg_index x
		JOIN pg_class c ON c.oid = x.indrelid
		CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, o)
		LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0
		WHERE c.relname = ANY(string_to_array($1, chr(31))) AND k.o <= x.indnkeyatts
		ORDER BY 1, 2, 3`, joinNames(tables))
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := map[string][][]string{}
	for _, t := range tables {
		out[strings.ToLower(t)] = [][]string{}
	}
	lastTable, lastIndex := "", ""
	for rs.Next() {
		var table, index, col string
		var ord int
		if err := rs.Scan(&table, &index, &ord, &col); err != nil {
			return nil, err
		}
		key := strings.ToLower(table)
		if table != lastTable || index != lastIndex {
			out[key] = append(out[key], nil)
			lastTable, lastIndex = table, index
		}
		list := out[key]
		list[len(list)-1] = append(list[len(list)-1], col)
	}
	return out, rs.Err()
}

func pgTableRows(ctx context.Context, conn *sql.Conn, tables []string) (map[string]float64, error) {
	rs, err := conn.QueryContext(ctx, `SELECT relname, reltuples::float8 FROM pg_class
		WHERE relkind IN ('r', 'm', 'p') AND relname = ANY(string_to_array($1, chr(31)))`, joinNames(tables))
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	out := map[string]float64{}
	for rs.Next() {
		var name string
		var rows float64
		if err := rs.Scan(&name, &rows); err != nil {
			return nil, err
		}
		if rows >= 0 {
			out[name] = rows
		}
	}
	return out, rs.Err()
}

// explainPostgresGeneric asks for a generic plan. It must be asked for
// without values (bound NULLs would be planned as constants and prune every
// partition), and both pgx and PostgreSQL insist on one value per placeholder
// of a prepared statement, so the EXPLAIN is sent over the simple protocol,
// which runs every statement of a text. It is therefore parsed first, on the
// same connection, as a prepared statement: Parse refuses a text of more
// than one statement and executes nothing, and the simple query that follows
// is the same text on the same session, so the server splits it the same way.
func explainPostgresGeneric(ctx context.Context, conn *sql.Conn, q string) (*Plan, error) {
	stmt, err := conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if err := stmt.Close(); err != nil {
		return nil, err
	}
	var data []byte
	err = simpleReadOnly(ctx, conn, func() error {
		out, handled, err := pgxSimpleQuery(ctx, conn, q)
		if handled {
			data = out
			return err
		}
		// lib/pq and drivers like it send a query without arguments over
		// the simple protocol.
		return conn.QueryRowContext(ctx, q).Scan(&data)
	})
	if err != nil {
		return nil, err
	}
	return parseGenericPlan(data)
}

// simpleReadOnly runs fn between BEGIN READ ONLY and ROLLBACK sent as
// statements of their own: the generic plan is asked for over the simple
// protocol (pgx through Raw), where a database/sql transaction cannot go.
// A connection whose rollback fails is closed, so it never goes back to a
// pool inside a transaction.
func simpleReadOnly(ctx context.Context, conn *sql.Conn, fn func() error) error {
	if _, err := conn.ExecContext(ctx, "BEGIN READ ONLY"); err != nil {
		return err
	}
	err := fn()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if _, rbErr := conn.ExecContext(rctx, "ROLLBACK"); rbErr != nil {
		discardConn(conn)
	}
	return err
}

func parseGenericPlan(data []byte) (*Plan, error) {
	if len(data) > maxPlanOutput {
		return nil, errTooLargePlan(len(data))
	}
	p, err := parsePostgresJSON(data)
	if err != nil {
		return nil, err
	}
	p.Generic = true
	return p, nil
}

// pgxSimpleQuery runs q over the simple query protocol when conn is a pgx
// connection (stdlib.Conn → pgx.Conn → pgconn.PgConn.Exec), reached by
// reflection so that explain does not link pgx into every program. handled
// is false for other drivers.
func pgxSimpleQuery(ctx context.Context, conn *sql.Conn, q string) (out []byte, handled bool, err error) {
	rawErr := conn.Raw(func(dc any) (err error) {
		defer func() {
			if r := recover(); r != nil { // an unexpected pgx API: not handled
				handled, err = false, nil
			}
		}()
		pgx, ok := callNoArg(reflect.ValueOf(dc), "Conn")
		if !ok {
			return nil
		}
		pg, ok := callNoArg(pgx, "PgConn")
		if !ok {
			return nil
		}
		exec := pg.MethodByName("Exec")
		if !exec.IsValid() || exec.Type().NumIn() != 2 || exec.Type().NumOut() != 1 ||
			exec.Type().In(1).Kind() != reflect.String {
			return nil
		}
		mrr := exec.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(q)})[0]
		readAll := mrr.MethodByName("ReadAll")
		if !readAll.IsValid() || readAll.Type().NumOut() != 2 {
			return nil
		}
		handled = true
		res := readAll.Call(nil)
		if e, _ := res[1].Interface().(error); e != nil {
			return e
		}
		results := res[0]
		if results.Len() == 0 {
			return ErrNoPlan
		}
		r := reflect.Indirect(results.Index(0))
		if e, _ := r.FieldByName("Err").Interface().(error); e != nil {
			return e
		}
		rows := r.FieldByName("Rows")
		if rows.Len() == 0 || rows.Index(0).Len() == 0 {
			return ErrNoPlan
		}
		out = append([]byte(nil), rows.Index(0).Index(0).Bytes()...)
		return nil
	})
	if rawErr != nil && err == nil {
		err = rawErr
	}
	if err != nil && !handled {
		return nil, false, nil
	}
	if handled && err == nil && out == nil {
		err = fmt.Errorf("%w: empty result", ErrNoPlan)
	}
	return out, handled, err
}

// callNoArg calls v's method name, which takes nothing and returns one value.
func callNoArg(v reflect.Value, name string) (reflect.Value, bool) {
	m := v.MethodByName(name)
	if !m.IsValid() || m.Type().NumIn() != 0 || m.Type().NumOut() != 1 {
		return reflect.Value{}, false
	}
	out := m.Call(nil)[0]
	if (out.Kind() == reflect.Pointer || out.Kind() == reflect.Interface) && out.IsNil() {
		return reflect.Value{}, false
	}
	return out, true
}
