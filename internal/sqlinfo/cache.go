package sqlinfo

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
)

const (
	cacheShards = 16
	// DefaultCacheSize is the number of shapes kept, and of texts indexed.
	DefaultCacheSize = 4096
	// DefaultCacheBytes bounds the bytes of the values (as sizeOf counts
	// them) and, separately, the bytes of the indexed texts. A text longer
	// than a shard's share (DefaultCacheBytes/16: 1 MiB) is looked up by
	// shape on every execution.
	DefaultCacheBytes = 16 << 20
	// textsPerShape is how many distinct texts of one shape get an entry of
	// their own in the text index. A shape that comes with more texts
	// differs in literals from one execution to the next (values formatted
	// into SQL); its texts would only push the repeated ones out, so they
	// are looked up by shape.
	textsPerShape = 8
)

// CacheLimits bound a Cache. Zero fields take the defaults.
type CacheLimits struct {
	// Entries bounds the shapes kept, and the texts indexed.
	Entries int
	// Bytes bounds the values kept (as sizeOf counts them), and the bytes
	// of the indexed texts.
	Bytes int
}

// Cache maps query texts to a value built once per shape (an *Info, or a
// caller's richer value built on Parse): texts that differ only in literal
// values share one value, since everything Parse derives from a text but
// its literals is the same for them (see ShapeKey). Values must therefore
// hold nothing that depends on a literal.
//
// A lookup first tries the text index (a hash of the whole text, one
// read-locked map lookup and a comparison with the text kept: the common
// case of a text sent again, however long), then the shape (ShapeKey, one
// linear pass, and a map lookup), and builds only for a shape never seen.
// Both maps are bounded in entries and bytes, sharded for concurrency, and
// evicted second-chance (CLOCK-like): an entry used since the last sweep
// survives one more.
type Cache[V any] struct {
	dialect Dialect
	build   func(string) V
	sizeOf  func(V) int
	seed    maphash.Seed

	perShardEntries int
	perShardBytes   int

	texts  [cacheShards]textShard[V]
	shapes [cacheShards]shapeShard[V]

	lookups atomic.Uint64 // lookups that missed the text index
	builds  atomic.Uint64
}

type textShard[V any] struct {
	mu    sync.RWMutex
	bytes int
	// entries are keyed by the text's hash; two texts with the same hash
	// share a slot, the first indexed keeping it.
	entries map[uint64]*textEntry[V]
}

type textEntry[V any] struct {
	text  string
	shape *shapeEntry[V]
	used  atomic.Bool
}

type shapeShard[V any] struct {
	mu      sync.RWMutex
	bytes   int
	entries map[uint64]*shapeEntry[V]
}

type shapeEntry[V any] struct {
	value V
	size  int
	used  atomic.Bool
	texts atomic.Int32 // texts indexed to this shape so far
}

// NewCache returns a cache for texts of dialect d whose values are made by
// build, once per shape, and weigh sizeOf(value) bytes (nil: 0).
func NewCache[V any](d Dialect, limits CacheLimits, build func(query string) V, sizeOf func(V) int) *Cache[V] {
	if limits.Entries <= 0 {
		limits.Entries = DefaultCacheSize
	}
	if limits.Bytes <= 0 {
		limits.Bytes = DefaultCacheBytes
	}
	if sizeOf == nil {
		sizeOf = func(V) int { return 0 }
	}
	c := &Cache[V]{dialect: d, build: build, sizeOf: sizeOf, seed: maphash.MakeSeed(),
		perShardEntries: max(1, limits.Entries/cacheShards), perShardBytes: max(1, limits.Bytes/cacheShards)}
	for i := range c.texts {
		c.texts[i].entries = make(map[uint64]*textEntry[V])
		c.shapes[i].entries = make(map[uint64]*shapeEntry[V])
	}
	return c
}

// Get returns the value for query, building it when its shape is new.
func (c *Cache[V]) Get(query string) V {
	v, _ := c.Lookup(query)
	return v
}

// Lookup is Get that also returns the hash of the whole text it computed
// (equal for equal texts of one cache), for a caller that would otherwise
// hash the text again.
func (c *Cache[V]) Lookup(query string) (v V, textHash uint64) {
	h := maphash.String(c.seed, query)
	ts := &c.texts[h%cacheShards]
	ts.mu.RLock()
	e, ok := ts.entries[h]
	ts.mu.RUnlock()
	if ok && e.text == query {
		markUsed(&e.used)
		markUsed(&e.shape.used)
		return e.shape.value, h
	}
	c.lookups.Add(1)
	se := c.shape(query)
	if len(query) <= c.perShardBytes && se.texts.Load() < textsPerShape {
		se.texts.Add(1)
		ts.add(h, query, se, c.perShardEntries, c.perShardBytes)
	}
	return se.value, h
}

// shape returns the shape entry of query, building its value when new. A
// value too big for its shard is built and returned without being kept.
func (c *Cache[V]) shape(query string) *shapeEntry[V] {
	key := ShapeKey(query, c.dialect)
	ss := &c.shapes[key%cacheShards]
	ss.mu.RLock()
	se, ok := ss.entries[key]
	ss.mu.RUnlock()
	if ok {
		markUsed(&se.used)
		return se
	}
	c.builds.Add(1)
	v := c.build(query)
	se = &shapeEntry[V]{value: v, size: c.sizeOf(v)}
	if se.size > c.perShardBytes {
		se.texts.Store(textsPerShape) // not kept: index no text to it either
		return se
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if old, ok := ss.entries[key]; ok { // built concurrently: keep the first
		return old
	}
	for len(ss.entries) >= c.perShardEntries || ss.bytes+se.size > c.perShardBytes {
		if !ss.evict() {
			break
		}
	}
	ss.entries[key] = se
	ss.bytes += se.size
	return se
}

func (s *textShard[V]) add(h uint64, query string, se *shapeEntry[V], maxEntries, maxBytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[h]; ok {
		return
	}
	for len(s.entries) >= maxEntries || s.bytes+len(query) > maxBytes {
		if !s.evict() {
			break
		}
	}
	s.entries[h] = &textEntry[V]{text: query, shape: se}
	s.bytes += len(query)
}

// markUsed sets a second-chance mark, writing only when it is clear so that
// hits on a hot entry do not bounce its cache line between cores.
func markUsed(b *atomic.Bool) {
	if !b.Load() {
		b.Store(true)
	}
}

// evict removes the texts not used since the last sweep and clears the
// mark of the others; when that frees nothing it drops a quarter of the
// shard. It reports whether anything was removed.
func (s *textShard[V]) evict() bool {
	n := len(s.entries)
	for k, e := range s.entries {
		if !e.used.Load() {
			delete(s.entries, k)
			s.bytes -= len(e.text)
		} else {
			e.used.Store(false)
		}
	}
	for k, e := range s.entries {
		if len(s.entries) <= n*3/4 {
			break
		}
		delete(s.entries, k)
		s.bytes -= len(e.text)
	}
	return len(s.entries) < n
}

// evict is textShard.evict for shapes.
func (s *shapeShard[V]) evict() bool {
	n := len(s.entries)
	for k, e := range s.entries {
		if !e.used.Load() {
			delete(s.entries, k)
			s.bytes -= e.size
		} else {
			e.used.Store(false)
		}
	}
	for k, e := range s.entries {
		if len(s.entries) <= n*3/4 {
			break
		}
		delete(s.entries, k)
		s.bytes -= e.size
	}
	return len(s.entries) < n
}

// Len returns the number of shapes kept.
func (c *Cache[V]) Len() int {
	n := 0
	for i := range c.shapes {
		s := &c.shapes[i]
		s.mu.RLock()
		n += len(s.entries)
		s.mu.RUnlock()
	}
	return n
}

// Stats says how much the cache holds and how often it had to work.
type CacheStats struct {
	Shapes, ShapeBytes int // shapes kept and their bytes (sizeOf)
	Texts, TextBytes   int // texts indexed and their bytes
	// Lookups counts lookups that missed the text index (a ShapeKey pass
	// each); Builds counts the values built (one Parse each, typically).
	Lookups, Builds uint64
}

// Stats returns the cache's current figures.
func (c *Cache[V]) Stats() CacheStats {
	var st CacheStats
	for i := range c.shapes {
		s := &c.shapes[i]
		s.mu.RLock()
		st.Shapes += len(s.entries)
		st.ShapeBytes += s.bytes
		s.mu.RUnlock()
		t := &c.texts[i]
		t.mu.RLock()
		st.Texts += len(t.entries)
		st.TextBytes += t.bytes
		t.mu.RUnlock()
	}
	st.Lookups, st.Builds = c.lookups.Load(), c.builds.Load()
	return st
}

// Builds returns how many values were built (how many times build ran).
func (c *Cache[V]) Builds() uint64 { return c.builds.Load() }
