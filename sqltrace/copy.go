package sqltrace

import (
	"context"
	"database/sql/driver"
	"reflect"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// COPY ... FROM STDIN through database/sql (lib/pq's pq.CopyIn) is a
// prepared statement executed once per row, each call only buffering the
// row, and a last time without arguments to end the COPY. Traced like any
// statement that is one span per row, named after nothing useful. A COPY is
// one operation: copyStmt gives it one span, "COPY <table>", from its first
// row to its end, with the rows sent as sqlsight.rows_affected.

// copyStmt is a prepared COPY ... FROM STDIN. It holds the COPY in
// progress; database/sql uses a statement from one goroutine at a time.
type copyStmt struct {
	driver.Stmt
	ic    *interceptor
	st    *statement // named "COPY <table>"
	query string

	run    *run  // the COPY in progress, nil between COPYs
	rows   int64 // rows sent in the COPY in progress
	broken bool  // a row failed: the driver fails the rest until the COPY ends
}

// wrapCopy returns stmt wrapped as a copyStmt when query is a COPY ... FROM
// STDIN. A statement with argument checking or conversion of its own is
// left alone (traced per row): wrapping would hide those interfaces from
// database/sql. lib/pq's COPY statement has neither.
func (ic *interceptor) wrapCopy(query string, stmt driver.Stmt) driver.Stmt {
	if !maybeCopy(query) {
		return stmt
	}
	if _, ok := stmt.(driver.NamedValueChecker); ok {
		return stmt
	}
	if _, ok := stmt.(driver.ColumnConverter); ok { //nolint:staticcheck // the legacy interface is what we must not hide
		return stmt
	}
	table, ok := copyFromStdinTable(query)
	if !ok {
		return stmt
	}
	return &copyStmt{Stmt: stmt, ic: ic, st: copyStatement(ic.state.stmts.Get(query), table), query: query}
}

// copyStmtOf returns the copyStmt behind the statement sqlmw hands to
// StmtExecContext (its own wrapper around what ConnPrepareContext
// returned), or nil. The text is checked first, so other statements pay
// one comparison and no reflection.
func copyStmtOf(query string, stmt any) *copyStmt {
	if !maybeCopy(query) {
		return nil
	}
	if c, ok := stmt.(*copyStmt); ok {
		return c
	}
	v := reflect.ValueOf(stmt)
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName("Stmt") // sqlmw's wrappedParentStmt embeds driver.Stmt
	if !f.IsValid() || !f.CanInterface() {
		return nil
	}
	c, _ := f.Interface().(*copyStmt)
	return c
}

// exec sends one row (args) or ends the COPY (no args). The span starts
// with the first row and ends with the COPY; its driver time is the sum of
// the driver calls.
func (s *copyStmt) exec(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if s.broken {
		res, err := s.execDriver(ctx, args)
		if len(args) == 0 {
			s.broken = false
		}
		return res, err
	}
	if s.run == nil {
		r := new(run)
		if !s.ic.db.begin(r, ctx, MethodExec, s.st, s.query, nil, earlySpan{}) { // the span filter said no
			return s.execDriver(ctx, args)
		}
		r.query = "" // a COPY from the client cannot be explained
		s.run, s.rows = r, 0
	}
	t := time.Now()
	res, err := s.execDriver(ctx, args)
	s.run.driverTime += time.Since(t)
	if err == nil && len(args) > 0 {
		s.rows++
		return res, nil
	}
	if err != nil && len(args) > 0 {
		s.broken = true
	}
	s.end(res, err)
	return res, err
}

// end finishes the COPY's span: affected rows as the driver reports them,
// else as counted.
func (s *copyStmt) end(res driver.Result, err error) {
	r := s.run
	s.run = nil
	r.end = time.Now()
	r.failed(err)
	r.affected = s.rows
	if err == nil && res != nil {
		if n, aerr := res.RowsAffected(); aerr == nil && n > 0 {
			r.affected = n
		}
	}
	r.finish()
}

func (s *copyStmt) execDriver(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return execStmt(ctx, s.Stmt, args)
}

// Close ends a COPY whose end was never asked for: closing the statement
// completes it (lib/pq sends what is buffered and ends the COPY).
func (s *copyStmt) Close() error {
	if s.run == nil {
		return s.Stmt.Close()
	}
	t := time.Now()
	err := s.Stmt.Close()
	s.run.driverTime += time.Since(t)
	s.end(nil, err)
	return err
}

// maybeCopy says whether query may be a COPY: its first non-blank byte is
// a C. It costs nothing for other statements.
func maybeCopy(query string) bool {
	for i := 0; i < len(query); i++ {
		switch query[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case 'C', 'c':
			return len(query)-i >= 4 && strings.EqualFold(query[i:i+4], "COPY")
		}
		return false
	}
	return false
}

// copyFromStdinTable returns the table of `COPY table [(columns)] FROM
// STDIN ...` as written, without quotes ("schema.table").
func copyFromStdinTable(query string) (string, bool) {
	q := strings.TrimLeft(query, " \t\r\n")
	if len(q) < 5 || !strings.EqualFold(q[:4], "COPY") || !isBlank(q[4]) {
		return "", false
	}
	q = strings.TrimLeft(q[4:], " \t\r\n")
	var parts []string
	for {
		var part string
		if strings.HasPrefix(q, `"`) {
			end := 1
			var b strings.Builder
			for end < len(q) {
				if q[end] == '"' {
					if end+1 < len(q) && q[end+1] == '"' {
						b.WriteByte('"')
						end += 2
						continue
					}
					break
				}
				b.WriteByte(q[end])
				end++
			}
			if end >= len(q) {
				return "", false
			}
			part, q = b.String(), q[end+1:]
		} else {
			end := strings.IndexAny(q, " \t\r\n(.")
			if end < 0 {
				end = len(q)
			}
			part, q = q[:end], q[end:]
		}
		if part == "" {
			return "", false
		}
		parts = append(parts, part)
		if !strings.HasPrefix(q, ".") {
			break
		}
		q = q[1:]
	}
	q = strings.TrimLeft(q, " \t\r\n")
	if strings.HasPrefix(q, "(") { // the column list
		end := strings.IndexByte(q, ')')
		if end < 0 {
			return "", false
		}
		q = q[end+1:]
	}
	words := strings.Fields(strings.ToUpper(q))
	if len(words) < 2 || words[0] != "FROM" || words[1] != "STDIN" {
		return "", false
	}
	return strings.Join(parts, "."), true
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' || b == '\r' || b == '\n' }

// copyStatement is base named and described as the COPY it is: span name
// "COPY <table>", db.operation.name COPY, db.collection.name the table.
func copyStatement(base *statement, table string) *statement {
	info := *base.info
	info.Summary, info.Operation, info.Collection = "COPY "+table, "COPY", table
	info.Tables = []sqlinfo.TableRef{{Name: table}}
	info.InColumns = nil
	s := &statement{info: &info, fpHash: base.fpHash, system: base.system, name: info.Summary, tableKeys: []uint64{tableHash(table)}}
	s.lastDriverTime.Store(-1)
	described := []attribute.KeyValue{semconv.DBOperationName("COPY"), semconv.DBCollectionName(table)}
	s.metricAttrs = append(withoutKeys(base.metricAttrs), described...)
	s.metricOpts = metricOptions(s.metricAttrs)
	s.attrs = append(withoutKeys(base.attrs), append(described, semconv.DBQuerySummary(info.Summary))...)
	return s
}

// withoutKeys copies attrs without the keys copyStatement sets.
func withoutKeys(attrs []attribute.KeyValue) []attribute.KeyValue {
	out := make([]attribute.KeyValue, 0, len(attrs)+3)
	for _, kv := range attrs {
		switch kv.Key {
		case semconv.DBOperationNameKey, semconv.DBCollectionNameKey, semconv.DBQuerySummaryKey:
			continue
		}
		out = append(out, kv)
	}
	return out
}
