// Package resource measures what a block of code costs the process: CPU time
// (user and system), Go heap bytes allocated and wall time, cheaply enough to
// run on every SQL statement. sqltrace uses it for the CPU and heap
// attributes of statement spans; applications use it to time their own
// blocks.
//
// The one-line use is [Track], which wraps a block in an INTERNAL span that
// carries the deltas (and becomes the parent of the statements run inside):
//
//	ctx, end := resource.Track(ctx, "upsert batch")
//	defer end()
//
// [Take] and [Since] measure without a span, e.g. for a log line:
//
//	start := resource.Take()
//	upsertBatch(ctx)
//	log.Printf("upsert batch: %v", resource.Since(start))
//
// On unix a snapshot reads getrusage(RUSAGE_SELF) and the runtime/metrics
// counter /gc/heap/allocs:bytes: about two microseconds for the pair of
// snapshots around a statement, and no allocation. Elsewhere CPU comes from
// the Go runtime's /cpu/classes estimates, which move only at each GC and
// are reported as user time.
//
// Every reading is process-wide: CPU burnt and bytes allocated by other
// goroutines while the block ran are included. On a busy service the deltas
// of one statement are an upper bound, not an exact cost.
//
// The package depends on the OpenTelemetry API only. The SDK resource that
// describes the process and the process metrics belong to the application's
// setup: see [github.com/sqlsight/sqlsight/exporters/process].
package resource
