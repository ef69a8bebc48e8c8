// Package sqlinfo is sqlsight's one SQL reader. From a statement's text it
// derives a sanitized copy with every literal replaced by '?', a
// fingerprint that is equal for the same statement with other values, the
// OpenTelemetry db.query.summary, the operation and tables, the columns
// looked up with IN (...) or = ANY(...), the functions called, whether it
// reads system catalogs only, the tables DDL changes, and (Read) what
// explain needs: the description of its predicates, its class and the
// problems that make running its EXPLAIN unsafe.
//
// It reads in two steps. Its own scanner (scan.go) finds literals, comments
// and quoted names per dialect, in one linear pass that allocates nothing;
// where a text can be read two ways (comments inside comments, backslashes
// whose meaning is a server setting, unterminated quotes, unknown literal
// syntax) the whole text is redacted rather than trusted. Then
// github.com/DataDog/go-sqllexer reads the structure of the text without
// its literals, so no literal can reach any output.
//
// ShapeKey is the same scan without the second step: a literal-blind key,
// meant for every execution, under which Parse's result can be shared.
package sqlinfo
