// Package process describes and measures the running program for
// OpenTelemetry: the SDK resource that names it, and low-rate process
// metrics. It belongs to the application's telemetry setup, next to
// [github.com/sqlsight/sqlsight/exporters.Setup], which uses [NewResource];
// the instrumentation packages (sqltrace, explain, resource) depend on the
// OpenTelemetry API only and never import it.
//
//	res, err := process.NewResource(ctx) // service, host, OS, process, runtime
//	pm, err := process.StartMetrics()    // CPU utilization, RSS, host and Go runtime metrics
//	defer pm.Shutdown(context.Background())
//
// [NewResource] uses the SDK's detectors and leaves the command line out
// (it often carries DSNs and passwords). [StartMetrics] starts the contrib
// host and runtime instrumentations and adds process.cpu.utilization and
// process.memory.usage, which neither reports, from one goroutine that
// samples every 10 s.
package process
