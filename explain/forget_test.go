package explain

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
	if s.cache.lookup("a", now, time.Hour) != admitNew {
		t.Fatal("a forgotten fingerprint is still deduplicated")
	}
	if _, ok := s.Cached("b"); !ok {
		t.Fatal("Forget dropped another fingerprint")
	}
	s.ForgetAll()
	if _, ok := s.Cached("b"); ok {
		t.Fatal("ForgetAll kept a verdict")
	}
	if s.cache.lookup("p", now, time.Hour) != admitPending {
		t.Fatal("a pending explain was forgotten: its verdict would be stored twice")
	}
}
