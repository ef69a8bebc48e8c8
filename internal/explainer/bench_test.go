package explainer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func BenchmarkCached(b *testing.B) {
	s := New(nil, SQLite)
	defer s.Close()
	for i := 0; i < DefaultCacheSize; i++ {
		s.cache.store(fmt.Sprintf("fp-%d", i), Verdict{}, time.Now())
	}
	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.Cached("fp-42")
		}
	})
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			s.Cached("fp-unknown")
		}
	})
	keys := make([]string, 64)
	for i := range keys {
		keys[i] = fmt.Sprintf("fp-%d", i)
	}
	b.Run("hit-parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				s.Cached(keys[i%len(keys)])
				i++
			}
		})
	})
}

func BenchmarkSubmit(b *testing.B) {
	ctx := context.Background()
	b.Run("deduped", func(b *testing.B) {
		s := New(nil, SQLite)
		defer s.Close()
		s.cache.store("fp", Verdict{}, time.Now())
		st := Statement{Query: reviewIn, Args: reviewArgs(), Fingerprint: "fp"}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.Submit(ctx, st)
		}
	})
	b.Run("rate-limited", func(b *testing.B) {
		s := New(nil, SQLite, WithRateLimit(1e-9, 1))
		defer s.Close()
		s.limiter.allow() // spend the only token
		st := Statement{Query: reviewIn, Args: reviewArgs(), Fingerprint: "new"}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.Submit(ctx, st)
		}
	})
	b.Run("accepted", func(b *testing.B) {
		// Lexer check, argument copy and enqueue; the queue is drained by
		// the benchmark itself so that every Submit is accepted.
		s := New(nil, SQLite, WithRateLimit(1e12, 1<<30), WithWorkers(1), WithQueueSize(1<<20), WithCacheSize(1<<20))
		s.cancel() // no worker: jobs stay queued, and nothing is explained
		s.wg.Wait()
		stmts := make([]Statement, b.N)
		for i := range stmts {
			stmts[i] = Statement{Query: reviewIn, Args: reviewArgs(), Fingerprint: fmt.Sprint("fp-", i)}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.Submit(ctx, stmts[i])
		}
		b.StopTimer()
		s.Close()
	})
}

func BenchmarkCheck(b *testing.B) {
	q := "SELECT r.n_review_id, r.reid FROM review r JOIN label l ON l.reid = r.reid WHERE r.n_review_id IN (?, ?, ?, ?, ?) AND l.kind = ? ORDER BY r.reid"
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := check(MySQL, q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "plans", name))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	my, pg := read("mysql8_group_join.json"), read("postgres_partitions_merge_append.json")
	b.Run("mysql-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			parseMySQLJSON(MySQL, my)
		}
	})
	b.Run("postgres-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			parsePostgresJSON(pg)
		}
	})
}

func BenchmarkAnalyze(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "plans", "mariadb_unindexed_in.json"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := parseMySQLJSON(MariaDB, data)
	if err != nil {
		b.Fatal(err)
	}
	st := Statement{Query: "SELECT n_review_id, reid FROM review r WHERE r.n_review_id IN (?, ?, ?, ?, ?)"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Analyze(p, st)
	}
}

func BenchmarkQuerySQLite(b *testing.B) {
	_, db := newSQLite(b)
	mustExec(b, db, "CREATE TABLE ex_review (id INTEGER PRIMARY KEY, n_review_id INT, reid INT)")
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Query(ctx, db, reviewIn, 1, 2, 3, 4, 5); err != nil {
			b.Fatal(err)
		}
	}
}
