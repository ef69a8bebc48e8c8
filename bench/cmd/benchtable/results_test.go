package main

import (
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkFake/op=Exec/sampling=sampled/wrapper=raw-2         	  190029	       500 ns/op	     112 B/op	       2 allocs/op
BenchmarkFake/op=Exec/sampling=sampled/wrapper=raw-2         	  190029	       700 ns/op	     112 B/op	       2 allocs/op
BenchmarkFake/op=Exec/sampling=sampled/wrapper=otelsql-2     	    3735	     2600 ns/op	    2594 B/op	      18 allocs/op
BenchmarkFake/op=Exec/sampling=sampled/wrapper=sqlsight-2    	    2722	     1500 ns/op	    3993 B/op	      17 allocs/op
BenchmarkFakeNoopMeter/op=Tx3/sampling=unsampled-noopmeter/wrapper=raw-2    	    2722	     1000 ns/op	    100 B/op	      10 allocs/op
BenchmarkFakeNoopMeter/op=Tx3/sampling=unsampled-noopmeter/wrapper=sqlsight-2    	    2722	     2800 ns/op	    100 B/op	      22 allocs/op
BenchmarkFakeParallel/op=Exec/sampling=sampled-parent/goroutines=gomaxprocs/wrapper=sqlsight-2 	1	1000 ns/op	1 B/op	1 allocs/op
BenchmarkFakeParallel/op=Exec/sampling=sampled-parent/goroutines=64/wrapper=sqlsight-2 	1	1300 ns/op	1 B/op	1 allocs/op
BenchmarkRealDB/db=sqlite/op=Exec/sampling=sampled-parent/wrapper=raw-2 	10	1000 ns/op	1000 queries/s	1 B/op	1 allocs/op
BenchmarkRealDB/db=sqlite/op=Exec/sampling=sampled-parent/wrapper=sqlsight-2 	10	1010 ns/op	980 queries/s	0.98 ratio-to-raw	1 B/op	1 allocs/op
BenchmarkRealDB/db=sqlite/op=Exec/sampling=sampled-parent/wrapper=otelsql-2 	10	1030 ns/op	970 queries/s	0.97 ratio-to-raw	1 B/op	1 allocs/op
`

func TestTargets(t *testing.T) {
	rs := newResults()
	if err := rs.read(strings.NewReader(sample), "sample"); err != nil {
		t.Fatal(err)
	}
	if len(rs.rows) != 5 {
		t.Fatalf("rows = %q", rs.rows)
	}
	got := map[string]verdict{}
	for _, v := range checkTargets(rs) {
		got[v.target+" "+v.row] = v
	}
	tests := []struct {
		key    string
		met    bool
		detail string
	}{
		{"sampled: overhead ≤ 0.5 × otelsql's (wall time) Fake/op=Exec/sampling=sampled", true, "sqlsight +900 ns, otelsql +2000 ns (0.45×)"},
		{"unsampled, no-op meter provider: ≤ 500 ns (wall time) and ≤ 3 allocs per statement FakeNoopMeter/op=Tx3/sampling=unsampled-noopmeter", false, "+600 ns, +4.0 allocs per statement"},
		{"parallel: ns/op at 64 goroutines ≤ 1.2 × at GOMAXPROCS (wall) FakeParallel/op=Exec/sampling=sampled-parent/goroutines=64", false, "1.30× wall"},
		{"real databases: client CPU added per query ≤ 0.5 × otelsql's RealDB/db=sqlite/op=Exec/sampling=sampled-parent", true, "sqlsight +10 ns, otelsql +30 ns per query (0.33×); 98.0% of raw throughput"},
	}
	for _, tt := range tests {
		v, ok := got[tt.key]
		if !ok {
			t.Errorf("no verdict %q; have %v", tt.key, got)
			continue
		}
		if v.met != tt.met || v.detail != tt.detail {
			t.Errorf("%s: met=%v %q, want met=%v %q", tt.key, v.met, v.detail, tt.met, tt.detail)
		}
	}
}
