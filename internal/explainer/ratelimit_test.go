package explainer

import (
	"testing"
	"time"
)

func TestTokenBucket(t *testing.T) {
	now := time.Unix(1000, 0)
	b := newTokenBucket(5, 3, func() time.Time { return now })
	allowed := func() int {
		n := 0
		for b.allow() {
			n++
			if n > 100 {
				break
			}
		}
		return n
	}
	if got := allowed(); got != 3 {
		t.Fatalf("initial burst = %d, want 3", got)
	}
	now = now.Add(200 * time.Millisecond) // one token at 5/s
	if got := allowed(); got != 1 {
		t.Fatalf("after 200ms: %d, want 1", got)
	}
	now = now.Add(100 * time.Millisecond) // half a token
	if got := allowed(); got != 0 {
		t.Fatalf("after 100ms: %d, want 0", got)
	}
	now = now.Add(100 * time.Millisecond)
	if got := allowed(); got != 1 {
		t.Fatalf("after another 100ms: %d, want 1", got)
	}
	now = now.Add(time.Hour) // saving is capped at the burst
	if got := allowed(); got != 3 {
		t.Fatalf("after an hour: %d, want 3", got)
	}
	now = now.Add(-time.Minute) // a clock going back refills nothing
	if got := allowed(); got != 0 {
		t.Fatalf("after the clock went back: %d, want 0", got)
	}
}

func TestDefaultBurst(t *testing.T) {
	for _, tt := range []struct {
		opts []Option
		rate float64
		want int
	}{
		{nil, DefaultRateLimit, 5},
		{[]Option{WithRateLimit(0.5, 0)}, 0.5, 1},
		{[]Option{WithRateLimit(20, 7)}, 20, 7},
		{[]Option{WithRateLimit(-1, 7)}, DefaultRateLimit, 5},
	} {
		c := newConfig(tt.opts)
		if c.rate != tt.rate || c.burst != tt.want {
			t.Errorf("rate, burst = %v, %d; want %v, %d", c.rate, c.burst, tt.rate, tt.want)
		}
	}
}
