// Package resource measures what a block of code costs the process: CPU time
// (user and system), Go heap bytes allocated and wall time, cheaply enough to
// run on every SQL statement.
//
// [Take] and [Since] are the per-statement path: on unix they read
// getrusage(RUSAGE_SELF) and the runtime/metrics counter
// /gc/heap/allocs:bytes: about two microseconds for the pair of snapshots
// around a statement, and no allocation. Elsewhere they fall back to
// gopsutil, tens of microseconds per snapshot.
// [Track] wraps any block in an INTERNAL span that carries the same deltas:
//
//	ctx, end := resource.Track(ctx, "upsert batch")
//	defer end()
//
// Every reading is process-wide: CPU burnt and bytes allocated by other
// goroutines while the block ran are included. On a busy service the deltas
// of one statement are an upper bound, not an exact cost.
//
// The package also builds the OpenTelemetry [sdkresource.Resource] that
// describes the process ([New]) and starts low-rate process metrics
// ([StartProcessMetrics]): the contrib host and runtime instrumentation plus
// the process CPU utilization and resident memory they lack.
package resource
