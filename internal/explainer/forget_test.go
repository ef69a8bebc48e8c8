package explainer

import (
	"testing"
	"time"
)

func TestForget(t *testing.T) {
	s := New(nil, SQLite)
	defer s.Close()
	now := time.Now()
	s.cache.store("a", Verdict{Findings: []Finding{{Kind: KindUnindexedIn}}}, now)
	s.cache.store("b", Verdict{}, now)
	s.cache.reserve("p", now, time.Minute)
	s.Forget("a")
	if _, ok := s.Cached("a"); ok {
		t.Fatal("a forgotten verdict is still cached")
	}
	if a, _ := s.cache.lookup("a", now, time.Hour); a != admitNew {
		t.Fatal("a forgotten fingerprint is still deduplicated")
	}
	if _, ok := s.Cached("b"); !ok {
		t.Fatal("Forget dropped another fingerprint")
	}
	s.ForgetAll()
	// Forgotten verdicts no longer count against the byte bound: only the
	// pending entry is left.
	if pending, held := s.cache.shard("p").m["p"].size, s.Stats().CacheBytes; held != pending {
		t.Errorf("cache counts %d bytes with one pending entry of %d", held, pending)
	}
	if _, ok := s.Cached("b"); ok {
		t.Fatal("ForgetAll kept a verdict")
	}
	if a, _ := s.cache.lookup("p", now, time.Hour); a != admitPending {
		t.Fatal("a pending explain was forgotten: its verdict would be stored twice")
	}
}
