// Package demoapp is the small review service the examples and the
// end-to-end test run: it reproduces, on purpose, the incidents sqlsight
// exists to catch (an IN lookup on an unindexed column, an N+1 loop, a loop
// of single-row inserts), each request under its own root span.
package demoapp
