package sqlinfo

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestCacheIsBounded(t *testing.T) {
	c := NewCache(256, parseMySQL)
	for i := range 100_000 {
		c.Get(fmt.Sprintf("SELECT * FROM t%d WHERE id = ?", i))
	}
	if n := c.Len(); n > 256 {
		t.Fatalf("cache holds %d entries, bound is 256", n)
	}
}

func TestCacheHitDoesNotParse(t *testing.T) {
	c := NewCache(0, parseMySQL)
	q := "SELECT * FROM label WHERE id = ?"
	first := c.Get(q)
	for range 1000 {
		if c.Get(q) != first {
			t.Fatal("hit returned another Info")
		}
	}
	if m := c.Misses(); m != 1 {
		t.Fatalf("%d misses, want 1", m)
	}
}

func TestCacheKeepsHotEntries(t *testing.T) {
	c := NewCache(64, parseMySQL)
	hot := "SELECT * FROM hot WHERE id = ?"
	for i := range 10_000 {
		c.Get(hot)
		c.Get(fmt.Sprintf("SELECT * FROM cold%d", i))
	}
	before := c.Misses()
	c.Get(hot)
	if c.Misses() != before {
		t.Fatal("the hot statement was evicted")
	}
}

func TestCacheSkipsHugeTexts(t *testing.T) {
	c := NewCache(0, parseMySQL)
	q := "SELECT " + strings.Repeat("a, ", MaxCachedQueryLen) + "b FROM t"
	c.Get(q)
	if c.Len() != 0 {
		t.Fatal("a text over MaxCachedQueryLen was cached")
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := NewCache(128, func(q string) *Info { return Parse(q, PostgreSQL) })
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				info := c.Get(fmt.Sprintf("SELECT * FROM t WHERE id = %d AND g = %d", i%300, g))
				if info.Summary != "SELECT t" {
					t.Errorf("summary %q", info.Summary)
					return
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 128 {
		t.Fatalf("%d entries over the bound", c.Len())
	}
}

func BenchmarkCacheHit(b *testing.B) {
	c := NewCache(0, parseMySQL)
	q := "SELECT n_review_id, reid FROM review WHERE n_review_id IN (?, ?, ?, ?, ?)"
	c.Get(q)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Get(q)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	q := "SELECT n_review_id, reid FROM review r WHERE r.n_review_id IN (?, ?, ?, ?, ?) ORDER BY reid LIMIT 10"
	b.ReportAllocs()
	for b.Loop() {
		Parse(q, MySQL)
	}
}

func parseMySQL(q string) *Info { return Parse(q, MySQL) }
