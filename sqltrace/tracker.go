package sqltrace

import (
	"encoding/binary"
	"sync"
	"time"
)

// Tracker bounds. A long-running process sees millions of scopes; the
// tracker keeps only the recent ones.
const (
	DefaultTrackerEntries = 1 << 16
	DefaultTrackerIdle    = time.Minute
	trackerShards         = 32
	recentArgs            = 8 // argument hashes kept per entry for duplicate detection
)

// trackKey is one fingerprint in one scope.
type trackKey struct {
	scope scopeKey
	fp    uint64
}

// trackEntry counts the executions of one fingerprint in one scope. It
// holds hashes of arguments, never the arguments.
type trackEntry struct {
	count     int
	total     time.Duration
	lastSeen  int64 // unix nanoseconds
	firstArgs uint64
	varied    bool // arguments differed between executions
	args      [recentArgs]uint64
	nargs     int
	delivered kindSet
}

// kindSet is a set of finding kinds, as bits.
type kindSet uint16

func (s kindSet) has(k Kind) bool { return s&kindBit(k) != 0 }
func (s *kindSet) add(k Kind)     { *s |= kindBit(k) }

func kindBit(k Kind) kindSet {
	switch k {
	case KindNPlusOne:
		return 1 << 0
	case KindRepeatedWrite:
		return 1 << 1
	case KindDuplicateQuery:
		return 1 << 2
	case KindSlowQuery:
		return 1 << 3
	}
	return 1 << 4
}

// observation is what the tracker reports back about one execution.
type observation struct {
	count     int
	total     time.Duration
	varied    bool
	duplicate bool // the same arguments ran before in this scope
	delivered kindSet
}

// tracker counts executions per (scope, fingerprint), sharded for
// concurrency, bounded in entries and idle time.
type tracker struct {
	perShard int
	idle     time.Duration
	shards   [trackerShards]trackerShard
}

type trackerShard struct {
	mu        sync.Mutex
	entries   map[trackKey]*trackEntry
	evictions int
	_         [32]byte // keep shards on separate cache lines
}

func newTracker(maxEntries int, idle time.Duration) *tracker {
	if maxEntries <= 0 {
		maxEntries = DefaultTrackerEntries
	}
	if idle <= 0 {
		idle = DefaultTrackerIdle
	}
	per := max(maxEntries/trackerShards, 1)
	t := &tracker{perShard: per, idle: idle}
	for i := range t.shards {
		t.shards[i].entries = make(map[trackKey]*trackEntry)
	}
	return t
}

// shard picks a shard from the span ID (random, or a counter for explicit
// scopes) mixed with the fingerprint.
func (t *tracker) shard(k trackKey) *trackerShard {
	// The trace ID is mixed in too: span IDs made by hand or by some
	// propagators are not random, and would pile every scope on one shard.
	h := (binary.LittleEndian.Uint64(k.scope.span[:]) ^ binary.LittleEndian.Uint64(k.scope.trace[:8]) ^
		binary.LittleEndian.Uint64(k.scope.trace[8:]) ^ k.fp) * 0x9E3779B97F4A7C15
	return &t.shards[h>>59%trackerShards]
}

// observe records one execution and returns the state after it. markKinds
// are recorded as delivered, so each kind is delivered once per entry.
func (t *tracker) observe(k trackKey, argsHash uint64, d time.Duration, now time.Time) observation {
	s := t.shard(k)
	nowNS := now.UnixNano()
	s.mu.Lock()
	e, ok := s.entries[k]
	if !ok {
		if len(s.entries) >= t.perShard {
			s.evict(nowNS, t.idle, t.perShard)
		}
		e = &trackEntry{firstArgs: argsHash}
		s.entries[k] = e
	}
	e.count++
	e.total += d
	e.lastSeen = nowNS
	if argsHash != e.firstArgs {
		e.varied = true
	}
	dup := false
	for _, h := range e.args[:min(e.nargs, recentArgs)] {
		if h == argsHash {
			dup = true
			break
		}
	}
	if !dup {
		e.args[e.nargs%recentArgs] = argsHash
		e.nargs++
	}
	o := observation{count: e.count, total: e.total, varied: e.varied, duplicate: dup, delivered: e.delivered}
	s.mu.Unlock()
	return o
}

// markDelivered records that kind was delivered for k.
func (t *tracker) markDelivered(k trackKey, kind Kind) {
	s := t.shard(k)
	s.mu.Lock()
	if e, ok := s.entries[k]; ok {
		e.delivered.add(kind)
	}
	s.mu.Unlock()
}

// rebuildEvery is how many evictions a shard's map goes through before
// its survivors move to a new map: a Go map keeps the room of what was
// deleted from it, and one that only ever evicts would grow for as long as
// the process runs.
const rebuildEvery = 16

// evict drops idle entries; if none is idle, it drops a quarter of the
// shard (oldest first is not worth a sort: scopes are short-lived).
func (s *trackerShard) evict(nowNS int64, idle time.Duration, limit int) {
	if s.evictions++; s.evictions%rebuildEvery == 0 {
		defer func() {
			fresh := make(map[trackKey]*trackEntry, limit)
			for k, e := range s.entries {
				fresh[k] = e
			}
			s.entries = fresh
		}()
	}
	cutoff := nowNS - int64(idle)
	for k, e := range s.entries {
		if e.lastSeen < cutoff {
			delete(s.entries, k)
		}
	}
	for k := range s.entries {
		if len(s.entries) <= limit*3/4 {
			break
		}
		delete(s.entries, k)
	}
}

func (t *tracker) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.entries)
		s.mu.Unlock()
	}
	return n
}
