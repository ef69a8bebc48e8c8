// Package sqlinfo reads what sqlsight needs from a statement's text: a
// sanitized copy with every literal replaced by '?', a fingerprint that is
// equal for the same statement with other values, the OpenTelemetry
// db.query.summary, the operation and tables, and the columns looked up with
// IN (...) or = ANY(...). It is built on github.com/DataDog/go-sqllexer's
// lexer and is meant to run once per distinct query text (see Cache).
package sqlinfo
