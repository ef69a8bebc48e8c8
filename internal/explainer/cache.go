package explainer

import (
	"sync"
	"sync/atomic"
	"time"
)

// verdictCache holds, per fingerprint, the last verdict and whether an
// explain is pending. It is sharded so that Cached, on the hot path, takes a
// read lock few others contend for, and it is bounded in entries and in
// bytes (a verdict of a long UNION holds far more than its text): when a
// shard is over either bound the least recently used entries go.
type verdictCache struct {
	shards []cacheShard
}

type cacheShard struct {
	mu       sync.RWMutex
	m        map[string]*cacheEntry
	cap      int
	capBytes int
	bytes    int // sum of the entries' sizes
	tick     atomic.Uint64
	_        [40]byte // keep shards on separate cache lines
}

type cacheEntry struct {
	verdict Verdict
	has     bool   // verdict holds a result
	skipped bool   // refused as unsafe: never explained
	reason  string // why it was refused (a SkipReason constant)
	pending bool   // queued or being explained
	at      time.Time
	size    int // bytes held: key, entry and verdict
	used    atomic.Uint64
}

// entryOverhead is what an entry holds besides its key and verdict: the
// map slot, the entry and the verdict's own fields.
const entryOverhead = 160

// admission is what the cache says about a fingerprint offered to Submit.
type admission int

const (
	admitNew     admission = iota // not known, or its verdict is stale
	admitPending                  // already queued or running
	admitFresh                    // a verdict younger than the TTL exists
	admitSkipped                  // known to be unsafe
)

const maxShards = 16

// newVerdictCache returns a cache of at most size entries and about
// maxBytes bytes (each shard holds its share of both).
func newVerdictCache(size, maxBytes int) *verdictCache {
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
		c.shards[i].capBytes = maxBytes / n
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

// lookup says what to do with a submission, without changing anything, and
// for a statement known to be refused, why.
func (c *verdictCache) lookup(key string, now time.Time, ttl time.Duration) (admission, string) {
	s := c.shard(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	a := s.admission(key, now, ttl)
	if a == admitSkipped {
		return a, s.m[key].reason
	}
	return a, ""
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
			s.bytes -= e.size
			delete(s.m, key)
		}
	}
}

// skip remembers that key is unsafe to explain, and why.
func (c *verdictCache) skip(key, reason string) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entry(key)
	e.skipped, e.reason = true, reason
}

// verdictBudget is the most one verdict may hold in the cache: a shard's
// byte budget over minEntriesPerShard, so that one huge plan cannot take a
// shard alone.
func (c *verdictCache) verdictBudget() int {
	return c.shards[0].capBytes / minEntriesPerShard
}

const minEntriesPerShard = 8

// store records a verdict and ends the pending state. The verdict is first
// cut down to verdictBudget bytes (see fitVerdict).
func (c *verdictCache) store(key string, v Verdict, now time.Time) {
	v, size := fitVerdict(v, c.verdictBudget())
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entry(key)
	e.verdict, e.has, e.pending, e.at = v, true, false, now
	s.resize(e, len(key)+entryOverhead+size)
	for s.bytes > s.capBytes && len(s.m) > 1 {
		s.evict(key)
	}
}

// resize sets e's size and keeps the shard's sum. The caller holds the
// write lock.
func (s *cacheShard) resize(e *cacheEntry, size int) {
	s.bytes += size - e.size
	e.size = size
}

// fitVerdict returns v, or a smaller copy of it, holding at most budget
// bytes, and its size. Cut in this order: the plan's tree, raw output and
// catalog facts (Text, the redacted rendering, stays); then the plan; then
// findings from the end.
func fitVerdict(v Verdict, budget int) (Verdict, int) {
	n := sizeOf(v, budget)
	if n <= budget {
		return v, n
	}
	if v.Plan != nil {
		// Field by field: a Plan holds an atomic (its hypopg verifier) and
		// must not be copied whole; the tree, raw output and catalog facts
		// are what is cut.
		src := v.Plan
		p := &Plan{
			Dialect:       src.Dialect,
			UsesFilesort:  src.UsesFilesort,
			UsesTemporary: src.UsesTemporary,
			Analyzed:      src.Analyzed,
			Generic:       src.Generic,
			Format:        src.Format,
			Text:          src.Text,
		}
		if len(p.Text) > budget/2 {
			p.Text = truncate(p.Text, budget/2)
		}
		v.Plan = p
		if n = sizeOf(v, budget); n <= budget {
			return v, n
		}
		v.Plan = nil
	}
	if v.Err != nil && sizeOf(v.Err, budget) > budget/2 {
		v.Err = ErrTooLarge
	}
	n = sizeOf(Verdict{Err: v.Err}, budget)
	keep := 0
	for _, f := range v.Findings {
		fn := sizeOf(f, budget)
		if n+fn > budget {
			break
		}
		n += fn
		keep++
	}
	// A copy: a shorter slice of the same array would hold all of it.
	v.Findings = append([]Finding(nil), v.Findings[:keep]...)
	return v, n
}

// entry returns the entry for key, creating it (and evicting another when
// the shard is full). The caller holds the write lock.
func (s *cacheShard) entry(key string) *cacheEntry {
	if e := s.m[key]; e != nil {
		e.used.Store(s.tick.Add(1))
		return e
	}
	if len(s.m) >= s.cap {
		s.evict("")
	}
	e := &cacheEntry{}
	e.used.Store(s.tick.Add(1))
	s.m[key] = e
	s.resize(e, len(key)+entryOverhead)
	return e
}

// evict removes the least recently used entry other than keep, sparing
// pending ones when it can. Insertions are rate limited, so a linear scan of
// a shard is cheap.
func (s *cacheShard) evict(keep string) {
	var victim string
	var victimUsed uint64
	victimPending := true
	found := false
	for k, e := range s.m {
		if k == keep {
			continue
		}
		u := e.used.Load()
		better := !found ||
			(victimPending && !e.pending) ||
			(victimPending == e.pending && u < victimUsed)
		if better {
			victim, victimUsed, victimPending, found = k, u, e.pending, true
		}
	}
	if found {
		s.bytes -= s.m[victim].size
		delete(s.m, victim)
	}
}

// byteSize returns the bytes the entries hold, as counted.
func (c *verdictCache) byteSize() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += s.bytes
		s.mu.RUnlock()
	}
	return n
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
