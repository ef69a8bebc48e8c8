package resource

import (
	"runtime/metrics"
	"sync"
)

// heapAllocsMetric is the runtime's cumulative count of heap bytes
// allocated. The /cpu/classes/* metrics next to it are only updated at GC,
// which is why CPU comes from the operating system instead.
const heapAllocsMetric = "/gc/heap/allocs:bytes"

// samplePool recycles the sample metrics.Read fills: the runtime's read
// function takes an unsafe.Pointer, so a stack array would escape and
// allocate on every call.
var samplePool = sync.Pool{
	New: func() any {
		s := new([1]metrics.Sample)
		s[0].Name = heapAllocsMetric
		return s
	},
}

// readHeapAllocBytes returns the cumulative Go heap bytes allocated by the
// process, 0 if the runtime does not know the metric.
func readHeapAllocBytes() uint64 {
	s := samplePool.Get().(*[1]metrics.Sample)
	metrics.Read(s[:])
	var v uint64
	if s[0].Value.Kind() == metrics.KindUint64 {
		v = s[0].Value.Uint64()
	}
	samplePool.Put(s)
	return v
}
