package sqlinfo

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

const (
	cacheShards = 16
	// MaxCachedQueryLen bounds the text kept as a cache key; longer texts are
	// parsed on every execution instead of pinning their memory.
	MaxCachedQueryLen = 16 << 10
	// DefaultCacheSize is the number of distinct query texts kept.
	DefaultCacheSize = 4096
)

// Cache maps query texts to their Info. It is bounded in entries, sharded
// for concurrency, and a hit costs one read-locked map lookup and an atomic
// store. Eviction is second-chance (CLOCK-like): an entry used since the last
// sweep survives one more.
type Cache struct {
	dialect  Dialect
	perShard int
	seed     maphash.Seed
	shards   [cacheShards]cacheShard
	misses   atomic.Uint64
}

type cacheShard struct {
	mu      sync.RWMutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	info *Info
	used atomic.Bool
}

// NewCache returns a cache of at most size entries (DefaultCacheSize when
// size <= 0) for queries of the given dialect.
func NewCache(d Dialect, size int) *Cache {
	if size <= 0 {
		size = DefaultCacheSize
	}
	per := size / cacheShards
	if per < 1 {
		per = 1
	}
	c := &Cache{dialect: d, perShard: per, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].entries = make(map[string]*cacheEntry, per)
	}
	return c
}

// Get returns the Info of query, parsing it on a miss.
func (c *Cache) Get(query string) *Info {
	if len(query) > MaxCachedQueryLen {
		c.misses.Add(1)
		return Parse(query, c.dialect)
	}
	s := &c.shards[maphash.String(c.seed, query)%cacheShards]
	s.mu.RLock()
	e, ok := s.entries[query]
	s.mu.RUnlock()
	if ok {
		if !e.used.Load() {
			e.used.Store(true)
		}
		return e.info
	}
	c.misses.Add(1)
	info := Parse(query, c.dialect)
	s.mu.Lock()
	if len(s.entries) >= c.perShard {
		s.evict(c.perShard)
	}
	s.entries[query] = &cacheEntry{info: info}
	s.mu.Unlock()
	return info
}

// evict removes entries not used since the last sweep, and clears the mark
// of the others; if that frees nothing, it drops a quarter of the shard.
func (s *cacheShard) evict(limit int) {
	for k, e := range s.entries {
		if !e.used.Load() {
			delete(s.entries, k)
		} else {
			e.used.Store(false)
		}
	}
	for k := range s.entries {
		if len(s.entries) <= limit*3/4 {
			break
		}
		delete(s.entries, k)
	}
}

// Len returns the number of cached texts.
func (c *Cache) Len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}

// Misses returns how many lookups had to parse.
func (c *Cache) Misses() uint64 { return c.misses.Load() }
