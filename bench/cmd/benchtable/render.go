package main

import (
	"fmt"
	"io"
	"math"
	"slices"
)

// The wrappers, in column order; raw is the baseline.
var wrappers = []string{"raw", "sqlmw", "otelsql", "sqlsight"}

// traced are the wrappers whose overhead gets a column.
var traced = []string{"otelsql", "sqlsight"}

// families are the benchmark functions, in the order of the tables, with
// their titles.
var families = []struct{ name, title string }{
	{"Fake", "Fake driver, one goroutine"},
	{"FakeQueryTexts", "Fake driver, one text repeated vs 10,000 texts cycling (QueryRow)"},
	{"FakeParallel", "Fake driver, b.RunParallel (ns/op is wall time per operation across all goroutines)"},
	{"RealDB", "Loopback databases, 8 concurrent clients"},
}

// writeTables writes one Markdown table per benchmark family.
func writeTables(w io.Writer, rs *results) {
	for _, f := range families {
		var rows []string
		for _, r := range rs.rows {
			if family(r) == f.name {
				rows = append(rows, r)
			}
		}
		if len(rows) == 0 {
			continue
		}
		real := f.name == "RealDB"
		fmt.Fprintf(w, "### %s\n\n", f.title)
		fmt.Fprint(w, "| benchmark |")
		present := presentWrappers(rs, rows)
		for _, wr := range present {
			fmt.Fprintf(w, " %s |", wr)
		}
		for _, wr := range traced {
			if slices.Contains(present, wr) {
				fmt.Fprintf(w, " %s over raw |", wr)
			}
		}
		fmt.Fprint(w, "\n|---|")
		for range present {
			fmt.Fprint(w, "---:|")
		}
		for _, wr := range traced {
			if slices.Contains(present, wr) {
				fmt.Fprint(w, "---:|")
			}
		}
		fmt.Fprintln(w)
		for _, r := range rows {
			fmt.Fprintf(w, "| %s |", config(r))
			for _, wr := range present {
				fmt.Fprintf(w, " %s |", cell(rs, r, wr, real))
			}
			for _, wr := range traced {
				if slices.Contains(present, wr) {
					fmt.Fprintf(w, " %s |", overheadCell(rs, r, wr, real))
				}
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
}

func presentWrappers(rs *results, rows []string) []string {
	var out []string
	for _, wr := range wrappers {
		for _, r := range rows {
			if _, ok := rs.cells[r][wr]; ok {
				out = append(out, wr)
				break
			}
		}
	}
	return out
}

// cell is "ns/op · B/op · allocs/op" (and queries/s on real databases).
func cell(rs *results, row, wr string, real bool) string {
	sec, ok := rs.median(row, wr, unitTime)
	if !ok {
		return "–"
	}
	b, _ := rs.median(row, wr, unitBytes)
	a, _ := rs.median(row, wr, unitAllocs)
	s := fmt.Sprintf("%s · %.0f B · %.0f allocs", formatNS(sec*1e9), b, a)
	if q, ok := rs.median(row, wr, unitQueries); ok && real {
		s = fmt.Sprintf("%.0f q/s · %s", q, s)
	}
	return s
}

// overheadCell is "+ns (+%) · +allocs" over raw, or the throughput ratio on
// real databases.
func overheadCell(rs *results, row, wr string, real bool) string {
	o, ok := overhead(rs, row, wr)
	if !ok {
		return "–"
	}
	if real {
		return fmt.Sprintf("%.1f%% of raw q/s · %+.0f allocs", 100*o.ratio, o.allocs)
	}
	return fmt.Sprintf("%+.0f ns (%+.0f%%) · %+.0f allocs", o.ns, o.pct, o.allocs)
}

// overheadOver is a wrapper's cost over raw in one row.
type overheadOver struct {
	ns, pct, allocs float64
	ratio           float64 // queries/s over raw's; NaN without queries/s
}

func overhead(rs *results, row, wr string) (overheadOver, bool) {
	raw, ok1 := rs.median(row, "raw", unitTime)
	got, ok2 := rs.median(row, wr, unitTime)
	if !ok1 || !ok2 {
		return overheadOver{}, false
	}
	ra, _ := rs.median(row, "raw", unitAllocs)
	ga, _ := rs.median(row, wr, unitAllocs)
	o := overheadOver{ns: (got - raw) * 1e9, pct: 100 * (got - raw) / raw, allocs: ga - ra, ratio: math.NaN()}
	rq, ok1 := rs.median(row, "raw", unitQueries)
	gq, ok2 := rs.median(row, wr, unitQueries)
	if ok1 && ok2 {
		o.ratio = gq / rq
	}
	return o, true
}
