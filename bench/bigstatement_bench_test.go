package bench

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// bigLiterals is the literal count of the big statement: 80,000 X'00'
// literals make a 480 KB text, the statement of the safety issue whose
// sanitizing was quadratic (a prefix copied the output so far per literal).
const bigLiterals = 80_000

// BigStatement returns a SELECT of table with an IN list of n X'00'
// literals, as a generated lookup sends it.
func BigStatement(table string, n int) string {
	var b strings.Builder
	b.Grow(40 + 6*n)
	b.WriteString("SELECT id FROM " + table + " WHERE id IN (")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("X'00'")
	}
	b.WriteString(")")
	return b.String()
}

// BenchmarkBigStatement runs the same 480 KB statement again and again
// (sqlsight finds it by a hash of the whole text after the first
// execution), on the fake driver and,
// when configured, on loopback MariaDB, PostgreSQL and SQLite, from one
// goroutine, sampled.
func BenchmarkBigStatement(b *testing.B) {
	b.Run("db=fake", func(b *testing.B) {
		q := BigStatement("bench_item", bigLiterals)
		for _, w := range Selected(Wrappers) {
			b.Run("wrapper="+w.Name, func(b *testing.B) {
				db, _ := openFake(b, w, Sampled)
				benchBig(b, db, q)
			})
		}
	})
	for _, d := range realDBs {
		b.Run("db="+d.name, func(b *testing.B) {
			dsn := d.dsn(b)
			createRealTable(b, d, dsn)
			q := BigStatement("bn_item", bigLiterals)
			if d.name == "postgresql" {
				q = strings.ReplaceAll(q, "X'00'", "0") // id is an integer: PostgreSQL will not compare it with bytes
			}
			for _, w := range Selected(realWrappers()) {
				b.Run("wrapper="+w.Name, func(b *testing.B) { benchBig(b, openReal(b, d, dsn, w, Sampled), q) })
			}
		})
	}
}

func benchBig(b *testing.B, db *sql.DB, q string) {
	ctx := context.Background()
	run := func() {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
	}
	run()
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		run()
	}
	reportCPU(b, cpu)
}
