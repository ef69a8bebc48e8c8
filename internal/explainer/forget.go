package explainer

// Forget drops the verdict cached for a fingerprint, and the dedupe that
// comes with it, so that the next Submit explains the statement afresh:
// call it when the schema the verdict was read from changed (an index
// created or dropped). A pending explain and a statement known to be
// unsafe are left alone.
func (s *Sampler) Forget(fingerprint string) {
	c := s.cache
	sh := c.shard(fingerprint)
	sh.mu.Lock()
	if e := sh.m[fingerprint]; e != nil && !e.pending && !e.skipped {
		sh.bytes -= e.size
		delete(sh.m, fingerprint)
	}
	sh.mu.Unlock()
}

// ForgetAll is Forget for every cached verdict. It also forgets what the
// catalog said about user-defined functions (a DDL statement may have
// created one).
func (s *Sampler) ForgetAll() {
	s.userCode.forget()
	for i := range s.cache.shards {
		sh := &s.cache.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if !e.pending && !e.skipped {
				sh.bytes -= e.size
				delete(sh.m, k)
			}
		}
		sh.mu.Unlock()
	}
}
