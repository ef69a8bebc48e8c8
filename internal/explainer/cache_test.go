package explainer

import (
	"fmt"
	"testing"
	"time"
)

func TestVerdictCacheBound(t *testing.T) {
	for _, size := range []int{1, 5, 16, 100, 4096} {
		c := newVerdictCache(size, DefaultCacheBytes)
		now := time.Now()
		for i := 0; i < size*3+10; i++ {
			c.store(fmt.Sprint("fp", i), Verdict{}, now)
		}
		if got := c.len(); got > size {
			t.Errorf("size %d: %d entries", size, got)
		}
	}
}

func TestVerdictCacheLRU(t *testing.T) {
	c := newVerdictCache(1, DefaultCacheBytes) // one shard, one entry: eviction order is visible
	c.shards[0].cap = 3
	now := time.Now()
	for _, k := range []string{"a", "b", "c"} {
		c.store(k, Verdict{}, now)
	}
	c.get("a") // a is now more recent than b
	c.store("d", Verdict{}, now)
	if _, ok := c.get("b"); ok {
		t.Error("b survived; it was the least recently used")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	// Pending entries are spared while others can go.
	c2 := newVerdictCache(1, DefaultCacheBytes)
	c2.shards[0].cap = 2
	c2.reserve("p", now, time.Minute)
	c2.store("x", Verdict{}, now)
	c2.store("y", Verdict{}, now)
	if admitOf(c2.lookup("p", now, time.Minute)) != admitPending {
		t.Error("pending entry evicted before a settled one")
	}
}

func TestVerdictCacheAdmission(t *testing.T) {
	c := newVerdictCache(16, DefaultCacheBytes)
	now := time.Now()
	ttl := time.Minute
	if admitOf(c.lookup("k", now, ttl)) != admitNew || !c.reserve("k", now, ttl) {
		t.Fatal("new key not admitted")
	}
	if c.reserve("k", now, ttl) || admitOf(c.lookup("k", now, ttl)) != admitPending {
		t.Fatal("pending key admitted twice")
	}
	c.release("k")
	if _, ok := c.get("k"); ok || admitOf(c.lookup("k", now, ttl)) != admitNew || c.len() != 0 {
		t.Fatal("release left an entry")
	}
	c.reserve("k", now, ttl)
	c.store("k", Verdict{Findings: []Finding{{Kind: KindFullScan}}}, now)
	if admitOf(c.lookup("k", now.Add(ttl/2), ttl)) != admitFresh {
		t.Error("fresh verdict not reused")
	}
	if !c.reserve("k", now.Add(ttl), ttl) {
		t.Error("stale verdict not re-explained")
	}
	// The stale verdict stays readable while the new explain runs.
	if v, ok := c.get("k"); !ok || len(v.Findings) != 1 {
		t.Error("stale verdict lost while pending")
	}
	c.release("k")
	if _, ok := c.get("k"); !ok {
		t.Error("release dropped an entry holding a verdict")
	}
	c.skip("u", SkipUnsafe)
	if admitOf(c.lookup("u", now, ttl)) != admitSkipped || c.reserve("u", now, ttl) {
		t.Error("skipped key admitted")
	}
}

func TestCachedAllocatesNothing(t *testing.T) {
	s := New(nil, SQLite)
	defer s.Close()
	s.cache.store("fp-hit", Verdict{Findings: []Finding{{Kind: KindUnindexedIn}}}, time.Now())
	if n := testing.AllocsPerRun(1000, func() { s.Cached("fp-hit") }); n != 0 {
		t.Errorf("Cached hit allocates %v", n)
	}
	if n := testing.AllocsPerRun(1000, func() { s.Cached("fp-miss") }); n != 0 {
		t.Errorf("Cached miss allocates %v", n)
	}
}

func TestPartitionCache(t *testing.T) {
	now := time.Unix(0, 0)
	c := newPartitionCache(3, time.Minute)
	c.now = func() time.Time { return now }
	for i := 0; i < 10; i++ {
		c.put(fmt.Sprint("t", i), partitionInfo{total: i})
		now = now.Add(time.Second)
	}
	if c.len() != 3 {
		t.Errorf("%d entries, bound 3", c.len())
	}
	if info, ok := c.get("t9"); !ok || info.total != 9 {
		t.Error("newest entry missing")
	}
	now = now.Add(2 * time.Minute)
	if _, ok := c.get("t9"); ok {
		t.Error("expired entry returned")
	}
	var nilCache *partitionCache
	nilCache.put("x", partitionInfo{})
	if _, ok := nilCache.get("x"); ok {
		t.Error("nil cache returned an entry")
	}
}

func admitOf(a admission, _ string) admission { return a }
