package explainer

import (
	"context"
	"database/sql/driver"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// heapInUse returns the live heap after a full collection.
func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// blockedSampler returns a Sampler whose workers wait on a database that
// never answers, so that whatever is queued stays queued.
func blockedSampler(t *testing.T, opts ...Option) *Sampler {
	t.Helper()
	c, _ := newSQLite(t)
	gate := make(chan struct{})
	s := New(gatedConnector{Connector: c, gate: gate}, PostgreSQL, append([]Option{WithRateLimit(1e6, 100000), WithQueueSize(100000)}, opts...)...)
	t.Cleanup(func() { s.Close() })
	return s
}

type bigValuer struct{ ids []int64 }

func (b bigValuer) Value() (driver.Value, error) { return fmt.Sprint(b.ids), nil }

type cyclic struct {
	next *cyclic
	pad  [64]byte
}

func TestStatementSizeCountsWhatArgumentsHold(t *testing.T) {
	const mb = 1 << 20
	loop := &cyclic{}
	loop.next = loop
	for _, c := range []struct {
		name string
		v    any
		min  int // the size is at least min (or over the limit)
	}{
		{"[]int64 of 8 MB", make([]int64, mb), 8 * mb},
		{"[]string", []string{strings.Repeat("x", mb), "y"}, mb},
		{"[][]byte", [][]byte{make([]byte, mb)}, mb},
		{"map", map[string][]byte{"k": make([]byte, mb)}, mb},
		{"array", [mb]byte{}, mb},
		{"pointer to slice", &[]float64{mb: 0}, 8 * mb},
		{"pgtype.FlatArray", pgtype.FlatArray[int64](make([]int64, mb)), 8 * mb},
		{"pgtype.Array", pgtype.Array[string]{Elements: []string{strings.Repeat("x", mb)}, Valid: true}, mb},
		{"driver.Valuer with an unexported slice", bigValuer{ids: make([]int64, mb)}, 8 * mb},
		{"[]any", []any{make([]int32, mb)}, 4 * mb},
		{"pointer cycle", loop, 64},
	} {
		st := Statement{Query: "SELECT * FROM t WHERE id = ANY($1)", Args: nv(c.v)}
		got := st.size(maxStatementBytes)
		if c.min > maxStatementBytes && got <= maxStatementBytes {
			t.Errorf("%s: size %d, want over %d", c.name, got, maxStatementBytes)
		}
		if c.min <= maxStatementBytes && got < c.min {
			t.Errorf("%s: size %d, want at least %d", c.name, got, c.min)
		}
		// Unbounded, it counts everything.
		if all := st.size(1 << 40); all < c.min {
			t.Errorf("%s: unbounded size %d, want at least %d", c.name, all, c.min)
		}
	}
}

// TestQueueRefusesLargeArguments is the case of the issue: statements with
// an 8 MB []int64 bound to = ANY($1) were counted 16 bytes each and queued.
func TestQueueRefusesLargeArguments(t *testing.T) {
	checkLeaks(t)
	s := blockedSampler(t)
	ids := make([]int64, 1<<20) // 8 MB
	before := heapInUse()
	for i := 0; i < 24; i++ {
		st := Statement{Query: "SELECT * FROM t WHERE id = ANY($1)", Args: nv(ids), Fingerprint: fmt.Sprint("any", i)}
		if s.Submit(context.Background(), st) {
			t.Errorf("statement %d with an 8 MB argument was queued", i)
		}
	}
	grown := heapInUse() - before
	st := s.Stats()
	if st.Skipped != 24 || st.QueueBytes != 0 {
		t.Errorf("stats %+v, want 24 skipped and nothing queued", st)
	}
	if grown > 4<<20 {
		t.Errorf("heap grew by %d MB", grown>>20)
	}
	runtime.KeepAlive(ids)
}

// TestQueueBoundInBytes: statements under the per-statement bound fill the
// queue up to its byte bound, not its length.
func TestQueueBoundInBytes(t *testing.T) {
	checkLeaks(t)
	const bound = 1 << 20
	s := blockedSampler(t, WithMaxQueueBytes(bound))
	ids := make([]int64, 7000) // 56 KB, under the 64 KiB per statement
	before := heapInUse()
	queued := 0
	for i := 0; i < 256; i++ {
		st := Statement{Query: "SELECT * FROM t WHERE id = ANY($1)", Args: nv(ids), Fingerprint: fmt.Sprint("q", i)}
		if s.Submit(context.Background(), st) {
			queued++
		}
	}
	grown := heapInUse() - before
	st := s.Stats()
	if st.QueueBytes > bound {
		t.Errorf("queue holds %d bytes, bound %d", st.QueueBytes, bound)
	}
	if queued < 10 || queued > bound/(7000*8)+DefaultWorkers { // one more is with the worker
		t.Errorf("%d statements queued, want about %d", queued, bound/(7000*8))
	}
	if grown > 2*bound {
		t.Errorf("heap grew by %d KB for a bound of %d KB", grown>>10, bound>>10)
	}
}

// bigVerdict is a verdict the size of the 60 KiB UNION statement:
// a plan of many nodes with raw output and long conditions.
func bigVerdict(i int) Verdict {
	root := &Node{Op: "Append"}
	for j := 0; j < 400; j++ {
		root.Children = append(root.Children, &Node{Op: "Seq Scan", Table: fmt.Sprintf("t%d_%d", i, j), Access: AccessFullScan,
			Filter: strings.Repeat("(x = 1) OR ", 40)})
	}
	p := &Plan{Dialect: PostgreSQL, Root: root, Format: "json", Raw: strings.Repeat("{}", 100<<10), Text: strings.Repeat("x", 8<<10)}
	return Verdict{Plan: p, Findings: []Finding{{Kind: "full_scan", Message: "m", Table: "t"}}}
}

func TestVerdictCacheBoundInBytes(t *testing.T) {
	const bound = 2 << 20
	c := newVerdictCache(DefaultCacheSize, bound)
	before := heapInUse()
	for i := 0; i < 300; i++ {
		c.store(fmt.Sprint("fp", i), bigVerdict(i), time.Now())
	}
	if n := c.byteSize(); n > bound {
		t.Errorf("cache counts %d bytes, bound %d", n, bound)
	}
	grown := heapInUse() - before
	if grown > 2*bound {
		t.Errorf("heap grew by %d KB for a bound of %d KB (%d entries)", grown>>10, bound>>10, c.len())
	}
	// The last verdict is kept, cut down to fit but with its findings.
	v, ok := c.get("fp299")
	if !ok || len(v.Findings) != 1 || v.Plan == nil || v.Plan.Text == "" {
		t.Errorf("last verdict: %v %+v", ok, v)
	}
	runtime.KeepAlive(c)
}
