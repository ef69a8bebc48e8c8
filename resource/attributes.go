package resource

// Attribute keys of the deltas on statement spans and Track spans. They are
// part of sqlsight's telemetry contract; exporters and alert rules rely on
// them.
const (
	// AttrCPUUserMS is the process user CPU time consumed meanwhile, in
	// milliseconds (float64).
	AttrCPUUserMS = "sqlsight.cpu.user_ms"
	// AttrCPUSystemMS is the process system CPU time consumed meanwhile, in
	// milliseconds (float64).
	AttrCPUSystemMS = "sqlsight.cpu.system_ms"
	// AttrHeapAllocBytes is the Go heap bytes the process allocated
	// meanwhile (int64).
	AttrHeapAllocBytes = "sqlsight.mem.heap_alloc_bytes"
)
