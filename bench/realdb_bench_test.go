package bench

import (
	"sync"
	"testing"
	"time"
)

// rawThroughput remembers the last raw figure of each benchmark, for the
// ratio the wrapped runs report. scripts/bench.sh runs every benchmark
// once per round, raw first, so the ratio compares runs seconds apart.
var rawThroughput sync.Map // name without the wrapper → queries/s

// BenchmarkRealDB runs QueryRow and Exec loops from realClients clients on
// loopback MariaDB, PostgreSQL and SQLite, raw and wrapped, and reports
// throughput and its ratio to raw.
func BenchmarkRealDB(b *testing.B) {
	for _, d := range realDBs {
		b.Run("db="+d.name, func(b *testing.B) {
			dsn := d.dsn(b)
			createRealTable(b, d, dsn)
			for _, op := range realOps {
				b.Run("op="+op.name, func(b *testing.B) {
					for _, s := range []Sampling{SampledParent, UnsampledParent} {
						b.Run("sampling="+s.Name, func(b *testing.B) {
							key := b.Name()
							for _, w := range Selected(realWrappers()) {
								b.Run("wrapper="+w.Name, func(b *testing.B) { benchReal(b, d, dsn, w, s, op, key) })
							}
						})
					}
				})
			}
		})
	}
}

// realWrappers are the wrappers compared on real databases.
func realWrappers() []Wrapper {
	var ws []Wrapper
	for _, w := range Wrappers {
		if w.Name != SQLMW {
			ws = append(ws, w)
		}
	}
	return ws
}

func benchReal(b *testing.B, d realDB, dsn string, w Wrapper, s Sampling, op realOp, key string) {
	db := openReal(b, d, dsn, w, s)
	query := op.query(d)
	// One run per client opens the pool's connections before timing.
	if err := runClients(db, s, op, query, realClients); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	start := time.Now()
	if err := runClients(db, s, op, query, int64(b.N)); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	// The client's CPU only: the database server's is not in this process.
	reportCPU(b, cpu)
	qps := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(qps, "queries/s")
	if w.Name == Raw {
		rawThroughput.Store(key, qps)
	} else if raw, ok := rawThroughput.Load(key); ok {
		b.ReportMetric(qps/raw.(float64), "ratio-to-raw")
	}
}
