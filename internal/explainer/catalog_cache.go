package explainer

import (
	"sync"
	"time"
)

// partitionInfo is what the catalog says about a table's partitioning.
type partitionInfo struct {
	// root is the partitioned table the relation belongs to ("" when it is
	// not a partition; for MySQL the table itself).
	root string
	// key is the partitioning expression, total the number of (leaf)
	// partitions of root.
	key   string
	total int
}

// partitionCache keeps catalog answers about partitioning for a while:
// partitions are added monthly, not per statement. Bounded and expiring.
type partitionCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]partitionEntry
	now     func() time.Time
}

type partitionEntry struct {
	info partitionInfo
	at   time.Time
}

func newPartitionCache(max int, ttl time.Duration) *partitionCache {
	return &partitionCache{ttl: ttl, max: max, entries: map[string]partitionEntry{}, now: time.Now}
}

func (c *partitionCache) get(key string) (partitionInfo, bool) {
	if c == nil {
		return partitionInfo{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || c.now().Sub(e.at) > c.ttl {
		return partitionInfo{}, false
	}
	return e.info, true
}

func (c *partitionCache) put(key string, info partitionInfo) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		// Drop expired entries, and if none, the oldest one.
		var oldest string
		var oldestAt time.Time
		for k, e := range c.entries {
			if now.Sub(e.at) > c.ttl {
				delete(c.entries, k)
				continue
			}
			if oldest == "" || e.at.Before(oldestAt) {
				oldest, oldestAt = k, e.at
			}
		}
		if len(c.entries) >= c.max {
			delete(c.entries, oldest)
		}
	}
	c.entries[key] = partitionEntry{info: info, at: now}
}

func (c *partitionCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
