package conformance

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"math"
	"time"

	"github.com/sqlsight/sqlsight/sqltrace"
)

// commonCases run on every backend.
func commonCases() []testCase {
	return []testCase{
		{"select all rows as any", func(e *caseEnv) {
			e.query("SELECT * FROM {t} ORDER BY id", nil)
		}},
		{"select typed", func(e *caseEnv) {
			e.query("SELECT id, name, score, data, note FROM {t} ORDER BY id", func() []any {
				return []any{new(int64), new(string), new(sql.NullFloat64), new([]byte), new(sql.NullString)}
			})
		}},
		{"select into raw bytes", func(e *caseEnv) {
			e.query("SELECT name, data FROM {t} ORDER BY id", func() []any { return []any{new(sql.RawBytes), new(sql.RawBytes)} })
		}},
		{"select with arguments", func(e *caseEnv) {
			e.query("SELECT id, name FROM {t} WHERE id > {1} AND name <> {2} ORDER BY id", nil, 1, "carol")
		}},
		{"select in list", func(e *caseEnv) {
			e.query("SELECT name FROM {t} WHERE id IN ({1}, {2}, {3}) ORDER BY name DESC", nil, 3, 1, 99)
		}},
		{"query row no rows", func(e *caseEnv) {
			var s string
			err := e.db.QueryRowContext(e.ctx, e.sql("SELECT name FROM {t} WHERE id = {1}"), 42).Scan(&s)
			e.o.add("scan %s %q", errorText(err), s)
		}},
		{"query row scan type mismatch", func(e *caseEnv) {
			var n int64
			err := e.db.QueryRowContext(e.ctx, e.sql("SELECT name FROM {t} WHERE id = {1}"), 1).Scan(&n)
			e.o.add("scan %s %d", errorText(err), n)
		}},
		{"scalar arguments round trip", func(e *caseEnv) {
			for _, arg := range []any{int64(-7), 3.5, "text", []byte{0, 1, 2}, true, nil, int32(5), uint8(9), float32(0.5)} {
				var got any
				err := e.db.QueryRowContext(e.ctx, e.sql("SELECT {1}"), arg).Scan(&got)
				e.o.add("%s -> %s %s", value(arg), value(got), errorText(err))
			}
		}},
		{"uint64 above int64 as argument", func(e *caseEnv) {
			var got any
			err := e.db.QueryRowContext(e.ctx, e.sql("SELECT {1}"), uint64(math.MaxUint64)).Scan(&got)
			e.o.add("%s %s", value(got), errorText(err))
		}},
		{"driver.Valuer argument", func(e *caseEnv) {
			var got any
			err := e.db.QueryRowContext(e.ctx, e.sql("SELECT {1}"), valuer("from a Valuer")).Scan(&got)
			e.o.add("%s %s", value(got), errorText(err))
		}},
		{"named argument", func(e *caseEnv) {
			var got any
			err := e.db.QueryRowContext(e.ctx, e.sql("SELECT {1}"), sql.Named("x", 1)).Scan(&got)
			e.o.add("%s %s", value(got), errorText(err))
		}},
		{"wrong argument count", func(e *caseEnv) {
			e.query("SELECT name FROM {t} WHERE id = {1}", nil, 1, 2)
			e.exec("UPDATE {t} SET note = {1} WHERE id = {2}", "x")
		}},
		{"unsupported argument type", func(e *caseEnv) {
			e.query("SELECT {1}", nil, struct{ A int }{1})
		}},
		{"syntax error", func(e *caseEnv) {
			e.query("SELEC name FROM {t}", nil)
			e.exec("UPDAT {t} SET name = 'x'")
		}},
		{"missing table", func(e *caseEnv) {
			e.query("SELECT * FROM {t}_missing", nil)
			e.exec("DELETE FROM {t}_missing WHERE id = {1}", 1)
		}},
		{"duplicate key", func(e *caseEnv) {
			e.exec("INSERT INTO {t} (id, name) VALUES ({1}, {2})", 10, "alice")
			e.exec("INSERT INTO {t} (id, name) VALUES ({1}, {2})", 1, "someone")
		}},
		{"insert update delete results", func(e *caseEnv) {
			e.exec("INSERT INTO {t} (id, name, note) VALUES ({1}, {2}, {3})", 20, "dave", "n")
			e.exec("INSERT INTO {t} (id, name) VALUES ({1}, {2}), ({3}, {4})", 21, "erin", 22, "frank")
			e.exec("UPDATE {t} SET note = {1} WHERE id >= {2}", "changed", 20)
			e.exec("UPDATE {t} SET note = {1} WHERE id = {2}", "none", 999)
			e.exec("DELETE FROM {t} WHERE id >= {1}", 20)
			e.query("SELECT count(*) FROM {t}", nil)
		}},
		{"prepared statement reused", func(e *caseEnv) {
			stmt, err := e.db.PrepareContext(e.ctx, e.sql("SELECT name, score FROM {t} WHERE id = {1}"))
			if err != nil {
				e.o.add("prepare %s", errorText(err))
				return
			}
			defer stmt.Close()
			for _, id := range []int{1, 2, 3, 99} {
				var name string
				var score sql.NullFloat64
				err := stmt.QueryRowContext(e.ctx, id).Scan(&name, &score)
				e.o.add("id %d: %q %v %s", id, name, score, errorText(err))
			}
			_, err = stmt.ExecContext(e.ctx)
			e.o.add("exec without its argument %s", errorText(err))
		}},
		{"prepare fails", func(e *caseEnv) {
			_, err := e.db.PrepareContext(e.ctx, e.sql("SELECT nosuchcolumn FROM {t}"))
			e.o.add("prepare %s", errorText(err))
		}},
		{"transaction rollback and commit", func(e *caseEnv) {
			for _, commit := range []bool{false, true} {
				tx, err := e.db.BeginTx(e.ctx, nil)
				if err != nil {
					e.o.add("begin %s", errorText(err))
					return
				}
				res, err := tx.ExecContext(e.ctx, e.sql("INSERT INTO {t} (id, name) VALUES ({1}, {2})"), 30, "tx")
				result(e.o, res, err)
				var n int
				err = tx.QueryRowContext(e.ctx, e.sql("SELECT count(*) FROM {t}")).Scan(&n)
				e.o.add("in tx: %d %s", n, errorText(err))
				if commit {
					e.o.add("commit %s", errorText(tx.Commit()))
				} else {
					e.o.add("rollback %s", errorText(tx.Rollback()))
				}
				e.o.add("again %s", errorText(tx.Commit()))
				err = e.db.QueryRowContext(e.ctx, e.sql("SELECT count(*) FROM {t}")).Scan(&n)
				e.o.add("after: %d %s", n, errorText(err))
			}
			e.exec("DELETE FROM {t} WHERE id = {1}", 30)
		}},
		{"read-only transaction", func(e *caseEnv) {
			tx, err := e.db.BeginTx(e.ctx, &sql.TxOptions{ReadOnly: true})
			if err != nil {
				e.o.add("begin %s", errorText(err))
				return
			}
			defer tx.Rollback()
			var n int
			err = tx.QueryRowContext(e.ctx, e.sql("SELECT count(*) FROM {t}")).Scan(&n)
			e.o.add("count %d %s", n, errorText(err))
		}},
		{"cancelled context", func(e *caseEnv) {
			ctx, cancel := context.WithCancel(e.ctx)
			cancel()
			_, err := e.db.QueryContext(ctx, e.sql("SELECT * FROM {t}"))
			e.o.add("query %s", errorText(err))
			_, err = e.db.ExecContext(ctx, e.sql("DELETE FROM {t} WHERE id = 0"))
			e.o.add("exec %s", errorText(err))
		}},
		{"rows closed early", func(e *caseEnv) {
			rows, err := e.db.QueryContext(e.ctx, e.sql("SELECT id FROM {t} ORDER BY id"))
			if err != nil {
				e.o.add("query %s", errorText(err))
				return
			}
			rows.Next()
			var id int
			e.o.add("scan %s %d", errorText(rows.Scan(&id)), id)
			e.o.add("close %s", errorText(rows.Close()))
			e.o.add("next after close %v, err %s", rows.Next(), errorText(rows.Err()))
		}},
		{"dedicated connection", func(e *caseEnv) {
			conn, err := e.db.Conn(e.ctx)
			if err != nil {
				e.o.add("conn %s", errorText(err))
				return
			}
			defer conn.Close()
			e.o.add("ping %s", errorText(conn.PingContext(e.ctx)))
			var n int
			err = conn.QueryRowContext(e.ctx, e.sql("SELECT count(*) FROM {t}")).Scan(&n)
			e.o.add("count %d %s", n, errorText(err))
		}},
		{"Conn.Raw reaches the driver connection", func(e *caseEnv) {
			conn, err := e.db.Conn(e.ctx)
			if err != nil {
				e.o.add("conn %s", errorText(err))
				return
			}
			defer conn.Close()
			err = conn.Raw(func(dc any) error {
				if e.wrapped {
					dc = sqltrace.RawConn(dc)
				}
				_, isConn := dc.(driver.Conn)
				e.o.add("raw connection %T, driver.Conn %v", dc, isConn)
				return nil
			})
			e.o.add("raw %s", errorText(err))
		}},
		{"ping", func(e *caseEnv) {
			e.o.add("ping %s", errorText(e.db.PingContext(e.ctx)))
		}},
	}
}

// valuer is an argument implementing driver.Valuer.
type valuer string

func (v valuer) Value() (driver.Value, error) { return "valued: " + string(v), nil }

// timeArg runs a time.Time argument through the database and back.
func timeArg(e *caseEnv, q string) {
	at := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	var got any
	err := e.db.QueryRowContext(e.ctx, e.sql(q), at).Scan(&got)
	e.o.add("time argument -> %s %s", value(got), errorText(err))
	var tt time.Time
	err = e.db.QueryRowContext(e.ctx, e.sql(q), at).Scan(&tt)
	e.o.add("time argument into time.Time -> %s %s", value(tt), errorText(err))
}
