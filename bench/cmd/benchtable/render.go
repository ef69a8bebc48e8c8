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
	{"FakeQueryTexts", "Fake driver, QueryRow with one text repeated vs 10,000 texts cycling"},
	{"FakeNoopMeter", "Fake driver, unsampled, no-op meter provider"},
	{"FakeParallel", "Fake driver, b.RunParallel"},
	{"RealDB", "Loopback databases, 8 concurrent clients"},
}

// writeTables writes the tables of each benchmark family: the cost per
// operation (CPU time when measured, B/op, allocs/op, or throughput on real
// databases) and the wall time per operation.
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
		present := presentWrappers(rs, rows)
		if f.name == "RealDB" {
			fmt.Fprintf(w, "### %s: throughput, client CPU per query, allocations\n\n", f.title)
			writeTable(w, rs, rows, present, realCell, realOverhead)
		} else {
			fmt.Fprintf(w, "### %s: %s per operation\n\n", f.title, costTitle(rs, rows))
			writeTable(w, rs, rows, present, costCell, costOverhead)
			fmt.Fprintf(w, "### %s: wall time per operation\n\n", f.title)
			writeTable(w, rs, rows, present, wallCell, wallOverhead)
		}
	}
}

func costTitle(rs *results, rows []string) string {
	if _, ok := rs.median(rows[0], "raw", unitCPU); ok {
		return "CPU time, bytes and allocations"
	}
	return "wall time, bytes and allocations"
}

type cellFunc func(rs *results, row, wrapper string) string

func writeTable(w io.Writer, rs *results, rows, present []string, cell, over cellFunc) {
	fmt.Fprint(w, "| benchmark |")
	for _, wr := range present {
		fmt.Fprintf(w, " %s |", wr)
	}
	var overs []string
	for _, wr := range traced {
		if slices.Contains(present, wr) && slices.Contains(present, "raw") {
			overs = append(overs, wr)
			fmt.Fprintf(w, " %s over raw |", wr)
		}
	}
	fmt.Fprint(w, "\n|---|")
	for range len(present) + len(overs) {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |", config(r))
		for _, wr := range present {
			fmt.Fprintf(w, " %s |", cell(rs, r, wr))
		}
		for _, wr := range overs {
			fmt.Fprintf(w, " %s |", over(rs, r, wr))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
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

// costUnit is CPU time when the row has it, else wall time.
func costUnit(rs *results, row string) string {
	if _, ok := rs.median(row, "raw", unitCPU); ok {
		return unitCPU
	}
	return unitTime
}

func costCell(rs *results, row, wr string) string {
	t, ok := rs.median(row, wr, costUnit(rs, row))
	if !ok {
		return "–"
	}
	b, _ := rs.median(row, wr, unitBytes)
	a, _ := rs.median(row, wr, unitAllocs)
	return fmt.Sprintf("%s · %.0f B · %.0f allocs", formatNS(t*1e9), b, a)
}

func costOverhead(rs *results, row, wr string) string {
	o, ok := overhead(rs, row, wr, costUnit(rs, row))
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%+.0f ns (%+.0f%%) · %+.0f allocs", o.ns, o.pct, o.allocs)
}

func wallCell(rs *results, row, wr string) string {
	t, ok := rs.median(row, wr, unitTime)
	if !ok {
		return "–"
	}
	return formatNS(t * 1e9)
}

func wallOverhead(rs *results, row, wr string) string {
	o, ok := overhead(rs, row, wr, unitTime)
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%+.0f ns (%+.0f%%)", o.ns, o.pct)
}

func realCell(rs *results, row, wr string) string {
	q, ok := rs.median(row, wr, unitQueries)
	if !ok {
		return "–"
	}
	s := fmt.Sprintf("%.0f q/s", q)
	if c, ok := rs.median(row, wr, unitCPU); ok {
		s += " · " + formatNS(c*1e9) + " cpu"
	}
	a, _ := rs.median(row, wr, unitAllocs)
	return s + fmt.Sprintf(" · %.0f allocs", a)
}

func realOverhead(rs *results, row, wr string) string {
	o, ok := overhead(rs, row, wr, unitCPU)
	if !ok || math.IsNaN(o.ratio) {
		return "–"
	}
	return fmt.Sprintf("%.1f%% of raw q/s · %+.0f ns cpu · %+.0f allocs", 100*o.ratio, o.ns, o.allocs)
}

// overheadOver is a wrapper's cost over raw in one row.
type overheadOver struct {
	ns, pct, allocs float64
	ratio           float64 // queries/s over raw's; NaN without queries/s
}

// overhead compares a wrapper with raw in unit (sec/op or cpu-sec/op).
func overhead(rs *results, row, wr, unit string) (overheadOver, bool) {
	raw, ok1 := rs.median(row, "raw", unit)
	got, ok2 := rs.median(row, wr, unit)
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
