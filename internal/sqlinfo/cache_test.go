package sqlinfo

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func newInfoCache(d Dialect, limits CacheLimits) *Cache[*Info] {
	return NewCache(d, limits, func(q string) *Info { return Parse(q, d) },
		func(i *Info) int { return 64 + len(i.Sanitized) + len(i.Fingerprint) + len(i.Summary) })
}

func TestCacheIsBoundedInEntries(t *testing.T) {
	c := newInfoCache(MySQL, CacheLimits{Entries: 256})
	for i := range 20_000 {
		c.Get(fmt.Sprintf("SELECT * FROM t%d WHERE id = ?", i))
	}
	if st := c.Stats(); st.Shapes > 256 || st.Texts > 256 {
		t.Fatalf("cache holds %d shapes and %d texts, bound is 256", st.Shapes, st.Texts)
	}
}

func TestCacheIsBoundedInBytes(t *testing.T) {
	const limit = 64 << 10
	c := newInfoCache(MySQL, CacheLimits{Bytes: limit})
	for i := range 400 {
		// 1 KiB texts of distinct shapes: 400 KiB in all.
		c.Get(fmt.Sprintf("SELECT %s FROM t%d WHERE id = ?", strings.Repeat("a, ", 330), i))
	}
	if st := c.Stats(); st.ShapeBytes > limit || st.TextBytes > limit {
		t.Fatalf("cache holds %d bytes of shapes and %d of texts, bound is %d", st.ShapeBytes, st.TextBytes, limit)
	} else if st.Shapes == 0 || st.Texts == 0 {
		t.Fatalf("nothing kept: %+v", st)
	}
}

func TestCacheHitDoesNotParse(t *testing.T) {
	c := newInfoCache(MySQL, CacheLimits{})
	q := "SELECT * FROM label WHERE id = ?"
	first := c.Get(q)
	for range 1000 {
		if c.Get(q) != first {
			t.Fatal("hit returned another Info")
		}
	}
	if st := c.Stats(); st.Builds != 1 || st.Lookups != 1 {
		t.Fatalf("%d builds and %d shape lookups, want 1 and 1", st.Builds, st.Lookups)
	}
}

// TestLiteralTextsParseOnce: texts that differ only in their literals (values
// formatted into SQL) share one value, built by one parse; they do not crowd
// the text index either.
func TestLiteralTextsParseOnce(t *testing.T) {
	for _, d := range []Dialect{MySQL, PostgreSQL, SQLite} {
		c := newInfoCache(d, CacheLimits{})
		var first *Info
		for i := range 10_000 {
			info := c.Get(fmt.Sprintf("SELECT id, name FROM item WHERE id = %d AND owner = 'user%d'", i, i))
			if first == nil {
				first = info
			} else if info != first {
				t.Fatalf("%s: text %d got another value", d, i)
			}
		}
		if st := c.Stats(); st.Builds != 1 || st.Texts > textsPerShape {
			t.Fatalf("%s: %d parses for 10,000 texts of one shape, %d texts indexed; want 1 and ≤ %d", d, st.Builds, st.Texts, textsPerShape)
		}
		if got := first.Sanitized; got != "SELECT id, name FROM item WHERE id = ? AND owner = ?" {
			t.Fatalf("%s: sanitized %q", d, got)
		}
	}
}

func TestCacheKeepsHotEntries(t *testing.T) {
	c := newInfoCache(MySQL, CacheLimits{Entries: 64})
	hot := "SELECT * FROM hot WHERE id = ?"
	for i := range 10_000 {
		c.Get(hot)
		c.Get(fmt.Sprintf("SELECT * FROM cold%d", i))
	}
	before := c.Stats()
	c.Get(hot)
	if after := c.Stats(); after.Lookups != before.Lookups {
		t.Fatal("the hot statement was evicted")
	}
}

// TestCacheHugeTextsByShape: a text over MaxCachedQueryLen is not indexed
// (its memory is not pinned) but parsed once per shape, not per execution.
func TestCacheHugeTextsByShape(t *testing.T) {
	c := newInfoCache(MySQL, CacheLimits{})
	for i := range 20 {
		c.Get(fmt.Sprintf("SELECT %s b FROM t WHERE id = %d", strings.Repeat("a, ", MaxCachedQueryLen), i))
	}
	if st := c.Stats(); st.Texts != 0 || st.Builds != 1 || st.Shapes != 1 {
		t.Fatalf("%+v: want no text indexed, one shape built once", st)
	}
}

// TestCacheTooBigValue: a value over a shard's byte budget is built and
// returned, never kept.
func TestCacheTooBigValue(t *testing.T) {
	c := newInfoCache(MySQL, CacheLimits{Bytes: 16 << 10})
	q := "SELECT " + strings.Repeat("a, ", 2000) + "b FROM t"
	if info := c.Get(q); info.Summary != "SELECT t" {
		t.Fatalf("summary %q", info.Summary)
	}
	if st := c.Stats(); st.Shapes != 0 || st.Texts != 0 {
		t.Fatalf("%+v: an oversized value was kept", st)
	}
}

func TestCacheConcurrent(t *testing.T) {
	c := newInfoCache(PostgreSQL, CacheLimits{Entries: 128})
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				info := c.Get(fmt.Sprintf("SELECT * FROM t%d WHERE id = %d AND g = %d", i%300, i, g))
				if want := fmt.Sprintf("SELECT t%d", i%300); info.Summary != want {
					t.Errorf("summary %q, want %q", info.Summary, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	if st := c.Stats(); st.Shapes > 128 || st.Texts > 128 {
		t.Fatalf("%+v: over the bound", st)
	}
}

func BenchmarkCacheHit(b *testing.B) {
	c := newInfoCache(MySQL, CacheLimits{})
	q := "SELECT n_review_id, reid FROM review WHERE n_review_id IN (?, ?, ?, ?, ?)"
	c.Get(q)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.Get(q)
		}
	})
}

// BenchmarkCacheLiteralTexts looks up texts that differ in a literal: each
// misses the text index and is found by shape.
func BenchmarkCacheLiteralTexts(b *testing.B) {
	c := newInfoCache(MySQL, CacheLimits{})
	texts := make([]string, 10_000)
	for i := range texts {
		texts[i] = fmt.Sprintf("SELECT id, name FROM item WHERE id = ? AND owner = 'user%d'", i)
	}
	c.Get(texts[0])
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Get(texts[i%len(texts)])
		i++
	}
}

func BenchmarkParse(b *testing.B) {
	q := "SELECT n_review_id, reid FROM review r WHERE r.n_review_id IN (?, ?, ?, ?, ?) ORDER BY reid LIMIT 10"
	b.ReportAllocs()
	for b.Loop() {
		Parse(q, MySQL)
	}
}
