package sqlinfo

import (
	"fmt"
	"hash/maphash"
	"strconv"
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

// TestCacheLongTextReadOnce: a long text sent again is found by its hash,
// without the shape pass (one linear pass per execution) or a parse.
func TestCacheLongTextReadOnce(t *testing.T) {
	c := newInfoCache(MySQL, CacheLimits{})
	q := "INSERT INTO t (v) VALUES " + strings.Repeat("(X'00'), ", 50_000) + "(X'00')" // 450 KB
	first := c.Get(q)
	for range 100 {
		if c.Get(strings.Clone(q)) != first { // a new string each time, as a driver receives it
			t.Fatal("another value for the same text")
		}
	}
	if st := c.Stats(); st.Lookups != 1 || st.Builds != 1 || st.TextBytes != len(q) {
		t.Fatalf("%+v: want 1 shape pass, 1 parse and the text indexed", st)
	}
}

// TestCacheLongTextsAreBoundedInBytes: texts are indexed only within their
// shard's share of the byte bound; one longer than the share is looked up
// by shape on every execution, and parsed once per shape.
func TestCacheLongTextsAreBoundedInBytes(t *testing.T) {
	const limit = 256 << 10 // 16 KiB per shard
	// Values of a fixed size, as sqltrace's statements (their text is cut
	// to the span's limit): only the texts weigh.
	c := NewCache(MySQL, CacheLimits{Bytes: limit}, func(q string) *Info { return Parse(q, MySQL) }, func(*Info) int { return 256 })
	for i := range 200 {
		// 4, 8, ..., 40 KiB texts of distinct shapes.
		c.Get(fmt.Sprintf("SELECT %s b FROM t%d", strings.Repeat("a, ", (i%10+1)*1365), i))
	}
	st := c.Stats()
	if st.TextBytes > limit || st.Texts == 0 {
		t.Fatalf("%+v: texts over the bound of %d bytes, or none indexed", st, limit)
	}
	for i := range c.texts {
		if b := c.texts[i].bytes; b > c.perShardBytes {
			t.Fatalf("shard %d holds %d bytes of text, its share is %d", i, b, c.perShardBytes)
		}
	}
	long := "SELECT " + strings.Repeat("a, ", 6000) + "b FROM wide WHERE id = "
	before := c.Stats()
	for i := range 20 {
		c.Get(long + strconv.Itoa(i))
	}
	after := c.Stats()
	if after.Builds-before.Builds != 1 || after.Lookups-before.Lookups != 20 || after.TextBytes > limit {
		t.Fatalf("%+v -> %+v: want one parse and 20 shape passes for 18 KiB texts", before, after)
	}
}

// TestCacheTextHashCollision: a text whose hash slot holds another text is
// not given that text's value.
func TestCacheTextHashCollision(t *testing.T) {
	c := newInfoCache(MySQL, CacheLimits{})
	q := "SELECT * FROM mine WHERE id = ?"
	other := c.Get("DELETE FROM theirs")
	h := maphash.String(c.seed, q)
	c.texts[h%cacheShards].add(h, "DELETE FROM theirs", c.shape("DELETE FROM theirs"), c.perShardEntries, c.perShardBytes)
	if got := c.Get(q); got == other || got.Summary != "SELECT mine" {
		t.Fatalf("got %+v", got)
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
