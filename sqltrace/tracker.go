package sqltrace

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/sqlsight/sqlsight/internal/sqlinfo"
)

// Tracker bounds. A long-running process sees millions of scopes; the
// tracker keeps only the recent ones.
const (
	DefaultTrackerEntries = 1 << 16
	DefaultTrackerIdle    = time.Minute
	trackerShards         = 32
	recentValues          = 8 // value hashes kept per entry for duplicate detection
	recentWrites          = 8 // tables written kept per scope before "some table" stands for them
	maxReadTables         = 8 // tables of a read compared with the writes
	recentStacks          = 2 // call stacks kept per entry around the loop threshold
)

// trackKey is one fingerprint in one scope.
type trackKey struct {
	scope scopeKey
	fp    uint64
}

// trackEntry counts the executions of one fingerprint in one scope. It
// holds hashes of values (arguments and literals), never the values.
type trackEntry struct {
	count       int32
	delivered   kindSet
	varied      bool  // values differed between executions
	nvalues     uint8 // values filled
	nextValue   uint8 // ring position of the next value
	nextStack   uint8
	total       time.Duration
	lastSeen    int64 // unix nanoseconds
	firstValues uint64
	values      [recentValues]uint64
	valuesAt    [recentValues]seqNo // when each value hash was last read
	// stacks are hashes of the call stacks of the executions around the
	// loop threshold (0: none).
	stacks [recentStacks]uint64
}

// seqNo orders a shard's observations. It is 32 bits, to keep entries
// small, and compared in serial-number arithmetic: it may wrap.
type seqNo uint32

func (a seqNo) after(b seqNo) bool { return int32(a-b) > 0 }

// scopeState is what a scope's writes and transaction ends did: a read
// repeated after either is not a duplicate. It exists only for scopes
// that wrote or ended a transaction.
type scopeState struct {
	lastSeen int64
	ended    seqNo // sequence of the last commit or rollback
	anyWrite seqNo // sequence of the last write to a table not kept in writes
	writes   [recentWrites]tableWrite
	nwrites  int
}

type tableWrite struct {
	table uint64
	at    seqNo
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
	case KindUnindexedIn:
		return 1 << 4
	case KindFullScan:
		return 1 << 5
	case KindSortWithoutIndex:
		return 1 << 6
	case KindPartitionsNotPruned:
		return 1 << 7
	case KindKeyLookups:
		return 1 << 8
	}
	return 1 << 15
}

// role is how an execution takes part in detection.
type role uint8

const (
	roleNone        role = iota // claims only (plan findings, slow)
	roleRead                    // counts towards N+1; may be a duplicate
	roleSingleWrite             // counts towards repeated writes
)

// execution is what the detectors tell the tracker about one execution.
type execution struct {
	key    trackKey
	role   role
	values uint64 // hash of the arguments and of the text's literals
	d      time.Duration
	now    int64 // unix nanoseconds
	ok     bool  // succeeded: only a successful read can be a duplicate
	info   *sqlinfo.Info
	// wrote lists the tables a successful write changed (allWrote: any);
	// a read of them repeated afterwards starts over.
	wrote    []uint64
	allWrote bool
	// limits of the counting detectors, and the plan and slow kinds this
	// execution carries; all are claimed in the same locked step.
	nPlusOne, repeatedWrite int
	nPlusOneMin             time.Duration
	also                    kindSet
}

// observation is what the tracker reports back about one execution.
type observation struct {
	count   int
	hits    kindSet // kinds this execution carries
	claimed kindSet // of hits, those delivered now: first in the scope
	// loop is a loop kind (n_plus_one, repeated_write) whose count is
	// reached, or about to be, but not yet delivered: the caller walks the
	// stack and asks sameStack whether the executions come from a loop.
	loop Kind
}

// loopCheck decides a loop kind. Once delivered, the kind is carried by
// every later execution. Until then, from the execution before the
// threshold on, the caller's call stack must be compared (Prosopite's
// rule: a loop is the same statement from the same code location; five
// single INSERTs from five places in the code are not one). Only those few
// executions pay for a stack walk, up to the application's frame
// (walkLoopStack).
func (e *trackEntry) loopCheck(kind Kind, reached bool, threshold int, hits *kindSet) Kind {
	switch {
	case e.delivered.has(kind):
		if reached {
			*hits |= kindBit(kind)
		}
		return ""
	case reached || int(e.count) == threshold-1:
		return kind
	}
	return ""
}

// tracker counts executions per (scope, fingerprint), sharded by scope
// for concurrency (one scope's state lives in one shard), bounded in
// entries and idle time.
type tracker struct {
	perShard int
	idle     time.Duration
	shards   [trackerShards]trackerShard
}

type trackerShard struct {
	mu       sync.Mutex
	entries  map[trackKey]*trackEntry
	scopes   map[scopeKey]*scopeState
	seq      seqNo // orders the shard's observations
	evicts   int
	scEvicts int
	_        [32]byte // keep shards on separate cache lines
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
		t.shards[i].scopes = make(map[scopeKey]*scopeState)
	}
	return t
}

// shard picks a shard from the scope: the span ID (random, or a counter
// for explicit scopes) mixed with the trace ID, since span IDs made by hand
// or by some propagators are not random.
func (t *tracker) shard(k scopeKey) *trackerShard {
	h := (binary.LittleEndian.Uint64(k.span[:]) ^ binary.LittleEndian.Uint64(k.trace[:8]) ^
		binary.LittleEndian.Uint64(k.trace[8:])) * 0x9E3779B97F4A7C15
	return &t.shards[h>>59%trackerShards]
}

// observe records one execution and claims the findings it raises, in one
// locked step: two concurrent executions in one scope cannot both deliver
// a kind.
func (t *tracker) observe(x *execution) observation {
	s := t.shard(x.key.scope)
	s.mu.Lock()
	s.seq++
	seq := s.seq
	if len(x.wrote) > 0 || x.allWrote {
		s.scope(x.key.scope, x.now, t).wrote(x.wrote, x.allWrote, seq)
	}
	var o observation
	if x.role == roleNone && x.also == 0 {
		s.mu.Unlock()
		return o
	}
	e, ok := s.entries[x.key]
	if !ok {
		if len(s.entries) >= t.perShard {
			s.evictEntries(x.now, t.idle, t.perShard)
		}
		e = &trackEntry{firstValues: x.values}
		s.entries[x.key] = e
	}
	e.lastSeen = x.now
	hits := x.also
	switch x.role {
	case roleRead:
		e.count++
		e.total += x.d
		if x.values != e.firstValues {
			e.varied = true
		}
		o.loop = e.loopCheck(KindNPlusOne, int(e.count) >= x.nPlusOne && e.varied && e.total >= x.nPlusOneMin, x.nPlusOne, &hits)
		if x.ok && s.sameRead(e, x, seq) {
			hits |= kindBit(KindDuplicateQuery)
		}
	case roleSingleWrite:
		e.count++
		e.total += x.d
		o.loop = e.loopCheck(KindRepeatedWrite, int(e.count) >= x.repeatedWrite, x.repeatedWrite, &hits)
	}
	o.count = int(e.count)
	o.hits = hits
	o.claimed = hits &^ e.delivered
	e.delivered |= hits
	s.mu.Unlock()
	return o
}

// sameRead reports whether the same values were read before in the scope
// with neither a write to one of the read's tables nor a transaction end
// since, and records this read.
func (s *trackerShard) sameRead(e *trackEntry, x *execution, seq seqNo) bool {
	for i := range e.nvalues {
		if e.values[i] != x.values {
			continue
		}
		before := e.valuesAt[i]
		e.valuesAt[i] = seq
		return !s.changedSince(x.key.scope, before, x.info)
	}
	e.values[e.nextValue] = x.values
	e.valuesAt[e.nextValue] = seq
	e.nextValue = (e.nextValue + 1) % recentValues
	e.nvalues = min(e.nvalues+1, recentValues)
	return false
}

// changedSince reports whether, after sequence at, the scope ended a
// transaction or wrote a table the statement reads. It runs only for a
// read whose values were read before, so its hashing is off the common
// path.
func (s *trackerShard) changedSince(scope scopeKey, at seqNo, info *sqlinfo.Info) bool {
	st := s.scopes[scope]
	if st == nil {
		return false
	}
	if st.ended.after(at) || st.anyWrite.after(at) {
		return true
	}
	if info == nil {
		return false
	}
	var read [maxReadTables]uint64
	n := 0
	for _, t := range info.Tables {
		if n == maxReadTables {
			return true // too many tables to tell: assume changed
		}
		read[n] = tableHash(t.Name)
		n++
	}
	for _, w := range st.writes[:min(st.nwrites, recentWrites)] {
		if !w.at.after(at) {
			continue
		}
		for _, r := range read[:n] {
			if r == w.table {
				return true
			}
		}
	}
	return false
}

// scope returns the scope's state, creating it. The caller holds the lock.
func (s *trackerShard) scope(k scopeKey, now int64, t *tracker) *scopeState {
	st, ok := s.scopes[k]
	if !ok {
		if len(s.scopes) >= t.perShard {
			s.evictScopes(now, t.idle, t.perShard)
		}
		st = &scopeState{}
		s.scopes[k] = st
	}
	st.lastSeen = now
	return st
}

func (st *scopeState) wrote(tables []uint64, all bool, seq seqNo) {
	if all {
		st.anyWrite = seq
		return
	}
next:
	for _, h := range tables {
		for i := range st.writes[:st.nwrites] {
			if st.writes[i].table == h {
				st.writes[i].at = seq
				continue next
			}
		}
		if st.nwrites == recentWrites {
			// Too many tables to keep apart: any table may have changed.
			st.anyWrite = seq
			continue
		}
		st.writes[st.nwrites] = tableWrite{table: h, at: seq}
		st.nwrites++
	}
}

// endTransaction records a commit or rollback in the scope: reads repeated
// after it may see other data.
func (t *tracker) endTransaction(scope scopeKey, now int64) {
	s := t.shard(scope)
	s.mu.Lock()
	s.seq++
	s.scope(scope, now, t).ended = s.seq
	s.mu.Unlock()
}

// claim claims kinds for a scope and fingerprint without counting an
// execution: a plan verdict arriving for a request that already ran the
// statement. It returns the kinds not delivered before.
func (t *tracker) claim(k trackKey, kinds kindSet, now int64) kindSet {
	s := t.shard(k.scope)
	s.mu.Lock()
	e, ok := s.entries[k]
	if !ok {
		if len(s.entries) >= t.perShard {
			s.evictEntries(now, t.idle, t.perShard)
		}
		e = &trackEntry{}
		s.entries[k] = e
		e.lastSeen = now
	}
	claimed := kinds &^ e.delivered
	e.delivered |= kinds
	s.mu.Unlock()
	return claimed
}

// sameStack records the call stack of an execution for which observe
// returned loop, and claims kind when reached (the count is at the
// threshold) and an execution around the threshold came from the same
// stack. It reports whether kind is carried and whether it is delivered
// now.
func (t *tracker) sameStack(k trackKey, kind Kind, stack uint64, reached bool) (hit, claimed bool) {
	s := t.shard(k.scope)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[k]
	if e == nil {
		return false, false
	}
	seen := false
	for _, h := range e.stacks {
		if h == stack {
			seen = true
			break
		}
	}
	if !seen {
		e.stacks[e.nextStack] = stack
		e.nextStack = (e.nextStack + 1) % recentStacks
	}
	if !reached || !seen {
		return false, false
	}
	claimed = !e.delivered.has(kind)
	e.delivered.add(kind)
	return true, claimed
}

// rebuildEvery is how many evictions a shard's map goes through before
// its survivors move to a new map: a Go map keeps the room of what was
// deleted from it, and one that only ever evicts would grow for as long as
// the process runs.
const rebuildEvery = 16

// evictEntries drops idle entries; if none is idle, it drops a quarter of
// the shard (oldest first is not worth a sort: scopes are short-lived).
func (s *trackerShard) evictEntries(nowNS int64, idle time.Duration, limit int) {
	if s.evicts++; s.evicts%rebuildEvery == 0 {
		defer func() { s.entries = rebuilt(s.entries, limit) }()
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

// evictScopes is evictEntries for the scopes' states.
func (s *trackerShard) evictScopes(nowNS int64, idle time.Duration, limit int) {
	if s.scEvicts++; s.scEvicts%rebuildEvery == 0 {
		defer func() { s.scopes = rebuilt(s.scopes, limit) }()
	}
	cutoff := nowNS - int64(idle)
	for k, st := range s.scopes {
		if st.lastSeen < cutoff {
			delete(s.scopes, k)
		}
	}
	for k := range s.scopes {
		if len(s.scopes) <= limit*3/4 {
			break
		}
		delete(s.scopes, k)
	}
}

func rebuilt[K comparable, V any](m map[K]V, limit int) map[K]V {
	fresh := make(map[K]V, limit)
	for k, v := range m {
		fresh[k] = v
	}
	return fresh
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

// scopeStates is the number of scopes with a state (tests).
func (t *tracker) scopeStates() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.scopes)
		s.mu.Unlock()
	}
	return n
}
