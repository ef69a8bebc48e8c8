// Command benchtable turns the output of the bench module's benchmarks into
// the Markdown tables of BENCHMARKS.md: for each benchmark the median
// ns/op, B/op and allocs/op of every wrapper, the overhead of the traced
// wrappers over the raw driver in ns and %, and whether sqlsight meets the
// targets of the performance budget.
//
// Usage:
//
//	benchtable results.txt...
//
// benchstat gives the confidence intervals; this gives the differences in
// absolute terms, which is what the budget is written in.
package main
