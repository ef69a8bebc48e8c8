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

// Cache maps query texts to a value built from them once (an *Info, or a
// caller's richer value built on Parse). It is bounded in entries, sharded
// for concurrency, and a hit costs one read-locked map lookup and an atomic
// store. Eviction is second-chance (CLOCK-like): an entry used since the last
// sweep survives one more.
type Cache[V any] struct {
	build    func(string) V
	perShard int
	seed     maphash.Seed
	shards   [cacheShards]cacheShard[V]
	misses   atomic.Uint64
}

type cacheShard[V any] struct {
	mu      sync.RWMutex
	entries map[string]*cacheEntry[V]
}

type cacheEntry[V any] struct {
	value V
	used  atomic.Bool
}

// NewCache returns a cache of at most size entries (DefaultCacheSize when
// size <= 0) whose values are made by build.
func NewCache[V any](size int, build func(query string) V) *Cache[V] {
	if size <= 0 {
		size = DefaultCacheSize
	}
	per := size / cacheShards
	if per < 1 {
		per = 1
	}
	c := &Cache[V]{build: build, perShard: per, seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].entries = make(map[string]*cacheEntry[V], per)
	}
	return c
}

// Get returns the value for query, building it on a miss.
func (c *Cache[V]) Get(query string) V {
	if len(query) > MaxCachedQueryLen {
		c.misses.Add(1)
		return c.build(query)
	}
	s := &c.shards[maphash.String(c.seed, query)%cacheShards]
	s.mu.RLock()
	e, ok := s.entries[query]
	s.mu.RUnlock()
	if ok {
		if !e.used.Load() {
			e.used.Store(true)
		}
		return e.value
	}
	c.misses.Add(1)
	v := c.build(query)
	s.mu.Lock()
	if len(s.entries) >= c.perShard {
		s.evict(c.perShard)
	}
	s.entries[query] = &cacheEntry[V]{value: v}
	s.mu.Unlock()
	return v
}

// evict removes entries not used since the last sweep, and clears the mark
// of the others; if that frees nothing, it drops a quarter of the shard.
func (s *cacheShard[V]) evict(limit int) {
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
func (c *Cache[V]) Len() int {
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
func (c *Cache[V]) Misses() uint64 { return c.misses.Load() }
