package main

import (
	"fmt"
	"io"
	"strings"
)

// The goal of the performance work, row by row: sampled overhead at most
// half of otelsql's; unsampled with a no-op meter provider at most 500 ns
// and 3 allocations per statement over raw, and with the SDK's at most a
// third of otelsql's unsampled overhead; on real databases, client CPU per
// query added at most half of otelsql's.
const (
	sampledMaxShare      = 0.5
	unsampledMaxNS       = 500
	unsampledMaxAllocs   = 3
	unsampledSDKMaxShare = 1.0 / 3
	realCPUMaxShare      = 0.5
	parallelMaxGrowth    = 1.2
)

// statementsPerOp is how many statements one run of an operation executes,
// for the per-statement budget; one unless listed.
var statementsPerOp = map[string]float64{"Tx3": 3}

// verdict is one target checked against one benchmark row.
type verdict struct {
	target, row, detail string
	met                 bool
}

// checkTargets holds sqlsight to each target on every row it applies to.
func checkTargets(rs *results) []verdict {
	var vs []verdict
	for _, row := range rs.rows {
		fam := family(row)
		sampling := param(row, "sampling")
		fake := strings.HasPrefix(fam, "Fake")
		switch {
		case fake && strings.HasPrefix(sampling, "sampled"):
			unit := costUnit(rs, row)
			s, ok1 := overhead(rs, row, "sqlsight", unit)
			o, ok2 := overhead(rs, row, "otelsql", unit)
			if ok1 && ok2 {
				vs = append(vs, verdict{
					target: "sampled: overhead ≤ 0.5 × otelsql's (" + unitName(unit) + ")", row: row, met: s.ns <= sampledMaxShare*o.ns,
					detail: fmt.Sprintf("sqlsight %+.0f ns, otelsql %+.0f ns (%.2f×)", s.ns, o.ns, s.ns/o.ns),
				})
			}
		case fam == "FakeNoopMeter":
			unit := costUnit(rs, row)
			s, ok := overhead(rs, row, "sqlsight", unit)
			if ok {
				n := statementsPerOp[param(row, "op")]
				if n == 0 {
					n = 1
				}
				ns, allocs := s.ns/n, s.allocs/n
				vs = append(vs, verdict{
					target: "unsampled, no-op meter provider: ≤ 500 ns (" + unitName(unit) + ") and ≤ 3 allocs per statement", row: row,
					met:    ns <= unsampledMaxNS && allocs <= unsampledMaxAllocs,
					detail: fmt.Sprintf("%+.0f ns, %+.1f allocs per statement", ns, allocs),
				})
			}
		case fake && fam != "FakeParallel" && strings.HasPrefix(sampling, "unsampled"):
			unit := costUnit(rs, row)
			s, ok1 := overhead(rs, row, "sqlsight", unit)
			o, ok2 := overhead(rs, row, "otelsql", unit)
			if ok1 && ok2 {
				vs = append(vs, verdict{
					target: "unsampled, SDK meter provider: overhead ≤ otelsql's / 3 (" + unitName(unit) + ")", row: row,
					met:    s.ns <= unsampledSDKMaxShare*o.ns,
					detail: fmt.Sprintf("sqlsight %+.0f ns, otelsql %+.0f ns (%.2f×)", s.ns, o.ns, s.ns/o.ns),
				})
			}
		case fam == "RealDB":
			s, ok1 := overhead(rs, row, "sqlsight", unitCPU)
			o, ok2 := overhead(rs, row, "otelsql", unitCPU)
			if !ok1 || !ok2 {
				s, ok1 = overhead(rs, row, "sqlsight", unitTime)
				o, ok2 = overhead(rs, row, "otelsql", unitTime)
			}
			if ok1 && ok2 {
				vs = append(vs, verdict{
					target: "real databases: client CPU added per query ≤ 0.5 × otelsql's", row: row, met: s.ns <= realCPUMaxShare*o.ns,
					detail: fmt.Sprintf("sqlsight %+.0f ns, otelsql %+.0f ns per query (%.2f×); %.1f%% of raw throughput", s.ns, o.ns, s.ns/o.ns, 100*s.ratio),
				})
			}
		}
		if fam == "FakeParallel" && param(row, "goroutines") != "gomaxprocs" {
			base := strings.Replace(row, "goroutines="+param(row, "goroutines"), "goroutines=gomaxprocs", 1)
			hi, ok1 := rs.median(row, "sqlsight", unitTime)
			lo, ok2 := rs.median(base, "sqlsight", unitTime)
			if ok1 && ok2 {
				detail := fmt.Sprintf("%.2f× wall", hi/lo)
				chi, ok1 := rs.median(row, "sqlsight", unitCPU)
				clo, ok2 := rs.median(base, "sqlsight", unitCPU)
				if ok1 && ok2 {
					detail += fmt.Sprintf(", %.2f× CPU", chi/clo)
				}
				vs = append(vs, verdict{
					target: "parallel: ns/op at 64 goroutines ≤ 1.2 × at GOMAXPROCS (wall)", row: row, met: hi <= parallelMaxGrowth*lo,
					detail: detail,
				})
			}
		}
	}
	return vs
}

// writeTargets writes the verdicts, grouped by target, misses first.
func writeTargets(w io.Writer, vs []verdict) {
	var order []string
	byTarget := map[string][]verdict{}
	for _, v := range vs {
		if byTarget[v.target] == nil {
			order = append(order, v.target)
		}
		byTarget[v.target] = append(byTarget[v.target], v)
	}
	fmt.Fprintln(w, "### Targets (sqlsight)")
	fmt.Fprintln(w)
	for _, t := range order {
		met := 0
		for _, v := range byTarget[t] {
			if v.met {
				met++
			}
		}
		fmt.Fprintf(w, "- **%s**: met on %d of %d\n", t, met, len(byTarget[t]))
		for _, missed := range []bool{true, false} {
			for _, v := range byTarget[t] {
				if v.met == !missed {
					mark := "met"
					if missed {
						mark = "**missed**"
					}
					fmt.Fprintf(w, "  - %s `%s`: %s\n", mark, v.row, v.detail)
				}
			}
		}
	}
	fmt.Fprintln(w)
}

func unitName(unit string) string {
	if unit == unitCPU {
		return "CPU time"
	}
	return "wall time"
}
