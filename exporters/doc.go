// Package exporters is the application side of sqlsight: it sets up
// OpenTelemetry export for a program whose database is wrapped with
// sqltrace, and prints traces as readable trees on a console. The
// instrumentation packages (sqltrace, explain, resource) depend on the
// OpenTelemetry API only; the SDK, the exporters and the process metrics are
// chosen here, by the program.
//
// [Setup] is the one call a program makes at start: it installs the global
// tracer and meter providers with the exporters the standard OTEL_*
// environment variables select (OTLP over gRPC by default), batching, and
// the process resource of [github.com/sqlsight/sqlsight/exporters/process],
// and returns the shutdown function that flushes them:
//
//	shutdown, err := exporters.Setup(ctx)
//	if err != nil {
//		return err
//	}
//	defer shutdown(context.Background())
//
// For a local run, print the traces instead:
//
//	shutdown, err := exporters.Setup(ctx, exporters.WithConsole())
//
// [NewConsole] returns the span exporter behind OTEL_TRACES_EXPORTER=console
// and [WithConsole]: each finished trace prints as an indented tree of its
// statements with their duration, rows, CPU and heap deltas, and the
// findings with the suggested fix; runs of identical statements (an N+1
// loop) collapse into one line with a count.
//
// Process metrics (CPU utilization, resident memory, host and Go runtime
// metrics) are started separately, with
// [github.com/sqlsight/sqlsight/exporters/process.StartMetrics].
package exporters
