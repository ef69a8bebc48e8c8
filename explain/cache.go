package explain

import (
	"sync"
	"sync/atomic"
	"time"
)

// verdictCache holds, per fingerprint, the last verdict and whether an
// explain is pending. It is sharded so that Cached, on the hot path, takes a
// read lock few others contend for, and it is bounded: when a shard is full
// the least recently used entry goes.
type verdictCache struct {
	shards []cacheShard
}

type cacheShard struct {
	mu   sync.RWMutex
	m    map[string]*cacheEntry
	cap  int
	tick atomic.Uint64
	_    [40]byte // keep shards on separate cache lines
}

type cacheEntry struct {
	verdict Verdict
	has     bool // verdict holds a result
	skipped bool // refused as unsafe: never explained
	pending bool // queued or being explained
	at      time.Time
	used    atomic.Uint64
}

// admission is what the cache says about a fingerprint offered to Submit.
type admission int

const (
	admitNew     admission = iota // not known, or its verdict is stale
	admitPending                  // already queued or running
	admitFresh                    // a verdict younger than the TTL exists
	admitSkipped                  // known to be unsafe
)

const maxShards = 16

func newVerdictCache(size int) *verdictCache {
	n := maxShards
	if size < n {
		n = size
	}
	if n < 1 {
		n = 1
	}
	c := &verdictCache{shards: make([]cacheShard, n)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*cacheEntry)
		c.shards[i].cap = size / n
		if i < size%n {
			c.shards[i].cap++
		}
		if c.shards[i].cap < 1 {
			c.shards[i].cap = 1
		}
	}
	return c
}

func (c *verdictCache) shard(key string) *cacheShard {
	// FNV-1a, inline: no allocation on the hot path.
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return &c.shards[h%uint32(len(c.shards))]
}

// get returns the verdict for key, if there is one.
func (c *verdictCache) get(key string) (Verdict, bool) {
	s := c.shard(key)
	s.mu.RLock()
	e := s.m[key]
	if e == nil || !e.has {
		s.mu.RUnlock()
		return Verdict{}, false
	}
	e.used.Store(s.tick.Add(1))
	v := e.verdict
	s.mu.RUnlock()
	return v, true
}

// lookup says what to do with a submission, without changing anything.
func (c *verdictCache) lookup(key string, now time.Time, ttl time.Duration) admission {
	s := c.shard(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.admission(key, now, ttl)
}

func (s *cacheShard) admission(key string, now time.Time, ttl time.Duration) admission {
	e := s.m[key]
	switch {
	case e == nil:
		return admitNew
	case e.skipped:
		return admitSkipped
	case e.pending:
		return admitPending
	case e.has && now.Sub(e.at) < ttl:
		return admitFresh
	}
	return admitNew
}

// reserve marks key pending if no one else has; it reports whether it did.
func (c *verdictCache) reserve(key string, now time.Time, ttl time.Duration) bool {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.admission(key, now, ttl) != admitNew {
		return false
	}
	s.entry(key).pending = true
	return true
}

// release undoes reserve for a statement that was not explained after all.
func (c *verdictCache) release(key string) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.m[key]; e != nil {
		e.pending = false
		if !e.has && !e.skipped {
			delete(s.m, key)
		}
	}
}

// skip remembers that key is unsafe to explain.
func (c *verdictCache) skip(key string) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entry(key).skipped = true
}

// store records a verdict and ends the pending state.
func (c *verdictCache) store(key string, v Verdict, now time.Time) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entry(key)
	e.verdict, e.has, e.pending, e.at = v, true, false, now
}

// entry returns the entry for key, creating it (and evicting another when
// the shard is full). The caller holds the write lock.
func (s *cacheShard) entry(key string) *cacheEntry {
	if e := s.m[key]; e != nil {
		e.used.Store(s.tick.Add(1))
		return e
	}
	if len(s.m) >= s.cap {
		s.evict()
	}
	e := &cacheEntry{}
	e.used.Store(s.tick.Add(1))
	s.m[key] = e
	return e
}

// evict removes the least recently used entry, sparing pending ones when it
// can. Insertions are rate limited, so a linear scan of a shard is cheap.
func (s *cacheShard) evict() {
	var victim string
	var victimUsed uint64
	victimPending := true
	for k, e := range s.m {
		u := e.used.Load()
		better := victim == "" ||
			(victimPending && !e.pending) ||
			(victimPending == e.pending && u < victimUsed)
		if better {
			victim, victimUsed, victimPending = k, u, e.pending
		}
	}
	delete(s.m, victim)
}

// len returns the number of entries.
func (c *verdictCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}
