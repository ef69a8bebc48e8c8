// Package explainer runs and reads EXPLAIN: the plan model and its parsers
// for MySQL 8, MariaDB, PostgreSQL and SQLite, the runners that get a plan
// safely, the analysers and index advice that turn it into findings, and
// the Sampler that sqltrace runs in the background.
//
// Package explain is its public face (Query, Analyze, the plan model and
// the options, documented there for users); sqltrace starts one Sampler
// per database and hands it statements:
//
//	s := explainer.New(connector, explainer.PostgreSQL, explainer.WithFindingsHook(onVerdict))
//	defer s.Close()
//	s.Submit(ctx, explainer.Statement{Query: q, Args: args, Fingerprint: fp, Reason: vocab.ReasonSlow})
//	v, ok := s.Cached(fp) // on the hot path: a map lookup
//
// # The Sampler
//
// Submit never blocks: a statement is dropped when the per-fingerprint
// dedupe, the global rate limit or the bounded queue says so. A small
// worker pool runs EXPLAIN on a pool of its own (at most two connections
// opened from the unwrapped connector, so it is never traced and never
// takes the application's connections or transaction), with the original
// arguments as bind parameters, a timeout per statement, and a cache of
// verdicts by fingerprint. Each explain becomes a span "EXPLAIN <summary>"
// under the statement's span; the attributes and the
// sqlsight.explain.requests metric are listed in docs/TELEMETRY.md and
// named in internal/vocab.
//
// The safety layers (text rules in sqlscan.go, one prepared statement per
// explain in the runners, SQLite's read-only connection, ANALYZE in a
// rolled-back read-only transaction, byte bounds) are described in
// explain's package documentation.
package explainer
