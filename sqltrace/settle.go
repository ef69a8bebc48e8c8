package sqltrace

import (
	"context"
	"sync"

	"github.com/sqlsight/sqlsight/internal/explainer"
)

// PendingExplains counts the statements that databases handed to their
// background EXPLAIN sampler and whose verdict has not been delivered yet.
// It exists for tests: plan findings (unindexed_in, full_scan, ...) arrive
// from a background worker, and a test that asserts on findings right
// after its statements ran would pass or fail depending on how fast the
// worker was. Waiting for the count to reach zero makes it deterministic;
// package sqltracetest does it in RequireNoFindings.
//
// Pass it to every database of a test with WithPendingExplains. A verdict
// is delivered when the finding handler has been called with its findings
// (or it had none, or the explain failed); statements dropped when a
// database closes stop counting then.
type PendingExplains struct {
	mu    sync.Mutex
	n     int
	perDB map[*connector]int // only databases with explains in flight
	zero  chan struct{}      // closed while n == 0
}

// NewPendingExplains returns a counter at zero.
func NewPendingExplains() *PendingExplains {
	zero := make(chan struct{})
	close(zero)
	return &PendingExplains{perDB: map[*connector]int{}, zero: zero}
}

// WithPendingExplains makes the database count its EXPLAIN submissions on
// p. It is meant for tests; without it nothing is counted.
func WithPendingExplains(p *PendingExplains) Option {
	return optionFunc(func(c *config) { c.pendingExplains = p })
}

// Len returns the number of explains in flight.
func (p *PendingExplains) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// Wait returns nil once no explain is in flight, or ctx's error.
func (p *PendingExplains) Wait(ctx context.Context) error {
	p.mu.Lock()
	zero := p.zero
	p.mu.Unlock()
	select {
	case <-zero:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// add moves one database's count by delta. A database's count never goes
// below zero: a submission refused after Close already stopped counting.
func (p *PendingExplains) add(c *connector, delta int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.perDB[c] + delta
	if n < 0 {
		return
	}
	if n == 0 {
		delete(p.perDB, c)
	} else {
		p.perDB[c] = n
	}
	p.set(p.n + delta)
}

// forget stops counting a closed database's explains: its sampler dropped
// what was queued, and no verdict will come.
func (p *PendingExplains) forget(c *connector) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.perDB[c]
	delete(p.perDB, c)
	p.set(p.n - n)
}

func (p *PendingExplains) set(n int) {
	switch {
	case p.n == 0 && n > 0:
		p.zero = make(chan struct{})
	case p.n > 0 && n == 0:
		close(p.zero)
	}
	p.n = n
}

// submitExplain hands st to the sampler, counting it as pending when a
// test asked for it; the count is an atomic-free no-op otherwise.
func (c *connector) submitExplain(ctx context.Context, s *explainer.Sampler, st explainer.Statement) bool {
	p := c.inst.cfg.pendingExplains
	if p == nil {
		return s.Submit(ctx, st)
	}
	// Counted before Submit: the worker may deliver the verdict before
	// Submit returns.
	p.add(c, 1)
	ok := s.Submit(ctx, st)
	if !ok {
		p.add(c, -1)
	}
	return ok
}

// explainDelivered is called by the sampler's hook once a verdict's
// findings have been delivered.
func (c *connector) explainDelivered() {
	if p := c.inst.cfg.pendingExplains; p != nil {
		p.add(c, -1)
	}
}

// explainsClosed is called when the database's sampler has closed.
func (c *connector) explainsClosed() {
	if p := c.inst.cfg.pendingExplains; p != nil {
		p.forget(c)
	}
}
