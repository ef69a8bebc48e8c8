//go:build !unix

package bench

import "time"

// processCPU is unknown here; cpu-ns/op is then not reported.
func processCPU() time.Duration { return 0 }
