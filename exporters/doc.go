// Package exporters sets up OpenTelemetry export for programs that use
// sqlsight, and prints traces as readable trees on a console.
//
// [Setup] is the one call a program makes at start: it installs the global
// tracer and meter providers with the exporters the standard OTEL_*
// environment variables select (OTLP over gRPC by default), batching, and
// the process resource, and returns the shutdown function that flushes
// them:
//
//	shutdown, err := exporters.Setup(ctx)
//	if err != nil {
//		return err
//	}
//	defer shutdown(context.Background())
//
// [NewConsole] returns the span exporter behind OTEL_TRACES_EXPORTER=console
// and [WithConsole]: each finished trace prints as an indented tree of its
// statements with their duration, rows, CPU and heap deltas, and the
// findings with the suggested fix; runs of identical statements (an N+1
// loop) collapse into one line with a count.
package exporters
