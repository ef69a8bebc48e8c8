package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// The units the tables read, as benchfmt tidies them.
const (
	unitTime    = "sec/op"
	unitCPU     = "cpu-sec/op"
	unitBytes   = "B/op"
	unitAllocs  = "allocs/op"
	unitQueries = "queries/s"
)

// results holds every sample of every benchmark, keyed by the benchmark
// without its wrapper (a row of the tables) and then by wrapper.
type results struct {
	rows  []string // row keys, in the order first seen
	cells map[string]map[string]map[string][]float64
	// samples is the largest number of samples of any cell.
	samples int
}

func newResults() *results {
	return &results{cells: map[string]map[string]map[string][]float64{}}
}

// read adds the benchmark results of one file.
func (rs *results) read(r io.Reader, name string) error {
	br := benchfmt.NewReader(r, name)
	for br.Scan() {
		res, ok := br.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		row, wrapper := split(res.Name)
		if wrapper == "" {
			continue
		}
		if rs.cells[row] == nil {
			rs.cells[row] = map[string]map[string][]float64{}
			rs.rows = append(rs.rows, row)
		}
		if rs.cells[row][wrapper] == nil {
			rs.cells[row][wrapper] = map[string][]float64{}
		}
		for _, v := range res.Values {
			units := rs.cells[row][wrapper]
			units[v.Unit] = append(units[v.Unit], v.Value)
			rs.samples = max(rs.samples, len(units[v.Unit]))
		}
	}
	return br.Err()
}

// split returns the benchmark's name without its wrapper part and GOMAXPROCS
// suffix, and the wrapper.
func split(n benchfmt.Name) (row, wrapper string) {
	base, parts := n.Parts()
	var kept []string
	for _, p := range parts {
		s := string(p)
		switch {
		case strings.HasPrefix(s, "/wrapper="):
			wrapper = strings.TrimPrefix(s, "/wrapper=")
		case strings.HasPrefix(s, "-"): // GOMAXPROCS
		default:
			kept = append(kept, s)
		}
	}
	return string(base) + strings.Join(kept, ""), wrapper
}

// median returns the median of a row's wrapper's samples of unit, and
// whether there were any.
func (rs *results) median(row, wrapper, unit string) (float64, bool) {
	xs := rs.cells[row][wrapper][unit]
	if len(xs) == 0 {
		return math.NaN(), false
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// family is the benchmark function a row belongs to, without "Benchmark" ("Fake").
func family(row string) string {
	if i := strings.IndexByte(row, '/'); i >= 0 {
		return row[:i]
	}
	return row
}

// param returns the value of key in a row ("" when absent).
func param(row, key string) string {
	for _, p := range strings.Split(row, "/")[1:] {
		if k, v, ok := strings.Cut(p, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// config returns the row without its family, for display.
func config(row string) string {
	_, rest, _ := strings.Cut(row, "/")
	return strings.NewReplacer("op=", "", "sampling=", "", "goroutines=", "g=", "texts=", "texts=", "db=", "").Replace(rest)
}

func formatNS(ns float64) string {
	switch {
	case math.IsNaN(ns):
		return "–"
	case math.Abs(ns) >= 1e7:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	case math.Abs(ns) >= 10000:
		return fmt.Sprintf("%.1f µs", ns/1000)
	default:
		return fmt.Sprintf("%.0f ns", ns)
	}
}
